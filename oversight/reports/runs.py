"""Report runs: requested on a page, built by a Celery task that reports its progress, stored with their checkpoint.

    report_run_start(*, actor, forces, all_forces, period_start, period_end, site_url="") -> ReportRun
    report_run_execute(run_id) -> ReportRun      (the task's body; safe to deliver twice)
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from oversight.audit.checkpoints import checkpoint_make
from oversight.reports.proof import proof_bundle
from oversight.audit.log import audit_record
from oversight.models import OVERSIGHT_ROLES, Force, User
from oversight.permissions import require_role
from oversight.reports import audit_actions as actions
from oversight.reports.models import ReportKind, ReportRun, RunStatus

log = logging.getLogger(__name__)
MAX_PERIOD_DAYS = 3 * 366


def report_run_start(*, actor: User, forces, all_forces: bool, period_start: date, period_end: date,
                     site_url: str = "") -> ReportRun:
    """Queue a regulator report for some forces (or all) over a period; the task starts once this commits."""
    require_role(actor, OVERSIGHT_ROLES, "request a regulator report")
    forces = list(forces or [])
    errors = {}
    if not all_forces and not forces:
        errors["forces"] = "choose at least one force, or all forces"
    if period_end < period_start:
        errors["period_end"] = "the period ends after it starts"
    elif (period_end - period_start).days > MAX_PERIOD_DAYS:
        errors["period_end"] = "a report covers at most three years"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        run = ReportRun.objects.create(kind=ReportKind.REGULATOR, all_forces=all_forces, period_start=period_start,
                                       period_end=period_end, requested_by=actor, site_url=site_url,
                                       step="Waiting for a worker")
        if not all_forces:
            run.forces.set(forces)
        audit_record(actor=actor, action=actions.REPORT_RUN_REQUEST, obj=run,
                     force=forces[0] if len(forces) == 1 and not all_forces else None,
                     new={"kind": run.kind, "all_forces": all_forces, "forces": sorted(f.code for f in forces),
                          "period_start": period_start, "period_end": period_end})
    from oversight.reports.tasks import regulator_report_run

    transaction.on_commit(lambda: regulator_report_run.delay(run.pk))
    return run


def _progress(run_id: int, percent: int, step: str) -> None:
    # Outside any transaction: the page polling the status must see each step as it happens.
    ReportRun.objects.filter(pk=run_id).update(progress=percent, step=step[:200])


def report_run_execute(run_id: int) -> ReportRun:
    from oversight.reports.regulator import regulator_report
    from oversight.reports.rendering import render_html, render_pdf

    claimed = ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), progress=2, step="Signing a checkpoint of the audit log")
    run = ReportRun.objects.get(pk=run_id)
    if not claimed:
        return run  # delivered twice, or already finished: nothing to do
    forces = list(Force.objects.order_by("name") if run.all_forces else run.forces.order_by("name"))
    single = forces[0] if len(forces) == 1 and not run.all_forces else None
    try:
        checkpoint = checkpoint_make()
        ReportRun.objects.filter(pk=run_id).update(checkpoint=checkpoint)
        report = regulator_report(forces=forces, start=run.period_start, end=run.period_end, checkpoint=checkpoint,
                                  all_forces=run.all_forces, progress=lambda p, s: _progress(run_id, p, s))
        _progress(run_id, 70, "Writing the HTML page")
        run.refresh_from_db()
        html = render_html(report, run=run)
        _progress(run_id, 80, "Rendering the PDF")
        pdf, pages = render_pdf(render_html(report, run=run, for_pdf=True), base_url=run.site_url)
        _progress(run_id, 95, "Storing the report")
        proofs = json.dumps(proof_bundle(report.proof, title=f"Regulator report {run.pk}",
                                         period=(run.period_start, run.period_end)), cls=DjangoJSONEncoder, indent=1)
        summary = {
            "deployments": len(report.deployments), "alerts": report.alert_count, "pages": pages,
            "exceptions": len(report.exceptions), "open_exceptions": report.open_exceptions,
            "proofs": len(report.proof["proofs"]), "verified": report.proof["all_ok"],
            "tree_size": checkpoint.tree_size, "root_hash": bytes(checkpoint.root_hash).hex(),
            "html_sha256": hashlib.sha256(html.encode()).hexdigest(), "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        }
        with transaction.atomic():
            run = ReportRun.objects.select_for_update().get(pk=run_id)
            run.html_file.save("regulator-report.html", ContentFile(html.encode()), save=False)
            run.pdf_file.save("regulator-report.pdf", ContentFile(pdf), save=False)
            run.proofs_file.save("inclusion-proofs.json", ContentFile(proofs.encode()), save=False)
            run.status, run.progress, run.step = RunStatus.DONE, 100, "Finished"
            run.pages, run.summary, run.finished_at = pages, summary, timezone.now()
            run.save()
            audit_record(actor=None, action=actions.REPORT_RUN_COMPLETE, obj=run, force=single,
                         new=summary | {"requested_by": run.requested_by_id})
    except Exception as error:  # a failed run is recorded and shown, never left "running"
        log.exception("regulator report run %s failed", run_id)
        with transaction.atomic():
            ReportRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=str(error)[:2000],
                                                       step="Failed", finished_at=timezone.now())
            run = ReportRun.objects.get(pk=run_id)
            audit_record(actor=None, action=actions.REPORT_RUN_FAIL, obj=run, force=single,
                         new={"error": str(error)[:500], "requested_by": run.requested_by_id})
    return run


def report_run_state(run: ReportRun) -> dict:
    """What the run page and its JSON status show."""
    from django.urls import reverse

    done = run.status == RunStatus.DONE
    return {
        "id": run.pk, "status": run.status, "status_label": run.get_status_display(), "finished": run.finished,
        "progress": run.progress, "step": run.step, "error": run.error,
        "checkpoint": {"tree_size": run.checkpoint.tree_size, "signed_at": run.checkpoint.signed_at.isoformat()}
        if run.checkpoint_id else None,
        "html_url": reverse("report-run-html", args=[run.pk]) if done else "",
        "pdf_url": reverse("report-run-pdf", args=[run.pk]) if done else "",
        "proofs_url": reverse("report-run-proofs", args=[run.pk]) if done else "",
        "pages": run.pages, "summary": run.summary,
    }
