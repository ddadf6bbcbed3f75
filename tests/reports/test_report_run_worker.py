"""A report requested through the service is built by a real Celery worker, from its own process."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from oversight.audit.verify import verify_log
from oversight.models import AuditEvent
from oversight.reports import runs
from oversight.reports.models import ReportRun


@pytest.fixture
def media_shared(settings, monkeypatch):
    # The worker is another process: it must write where this test reads.
    monkeypatch.setenv("APP_MEDIA_ROOT", str(settings.MEDIA_ROOT))


@pytest.fixture
def dispatch_to_worker(media_shared, celery_worker):
    """Send this process's tasks to the worker's broker instead of running them in-process."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(task_always_eager=False, broker_url=celery_worker.conf.broker_url,
                    result_backend=celery_worker.conf.result_backend)
    try:
        yield app
    finally:
        app.conf.update(saved)
        app.pool.force_close_all()
        app._pool = None


def test_the_worker_builds_the_report_and_the_status_follows_it(dispatch_to_worker, personas):
    today = timezone.localdate()
    run = runs.report_run_start(actor=personas.auditor, forces=[personas.force_a], all_forces=False,
                                period_start=today - timedelta(days=30), period_end=today)
    deadline = time.time() + 120
    while time.time() < deadline:
        run.refresh_from_db()
        if run.finished:
            break
        time.sleep(0.5)
    assert run.status == "done", run.error
    assert run.pages and run.pdf_file.open("rb").read(5) == b"%PDF-"
    assert run.checkpoint is not None and run.summary["verified"] is True and verify_log().ok
    assert AuditEvent.objects.filter(action="report_run.complete", object_id=str(run.pk)).exists()
    assert ReportRun.objects.get(pk=run.pk).progress == 100
