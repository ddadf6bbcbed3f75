"""A report is requested on a page, built by a Celery task that reports its progress, and stored with its checkpoint."""
from __future__ import annotations

import hashlib

from django.templatetags.static import static
from django.test import Client

from oversight.models import AuditEvent
from oversight.reports.models import ReportRun


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_run_shows_its_progress_then_links_to_the_html_and_the_pdf(world, django_capture_on_commit_callbacks):
    auditor = world.personas.auditor
    client = page_client(auditor)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/oversight/reports/", {"forces": [world.personas.force_a.code],
                                                       "period_start": world.start.isoformat(),
                                                       "period_end": world.end.isoformat()})
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/oversight/reports/{run.pk}/"

    waiting = client.get(f"/oversight/reports/{run.pk}/status/").json()
    assert waiting["status"] == "queued" and waiting["progress"] == 0 and not waiting["finished"]
    assert waiting["pdf_url"] == "" and waiting["checkpoint"] is None
    page = client.get(f"/oversight/reports/{run.pk}/").content.decode()
    assert '<progress id="run-progress" max="100" value="0">' in page and static("reports/report_run.js") in page
    assert client.get(f"/oversight/reports/{run.pk}/report.pdf").status_code == 404  # not built yet

    for callback in queued:  # the worker's turn (tasks run in-process in tests)
        callback()
    done = client.get(f"/oversight/reports/{run.pk}/status/").json()
    assert done["status"] == "done" and done["finished"] and done["progress"] == 100, done
    assert done["pdf_url"] == f"/oversight/reports/{run.pk}/report.pdf"
    assert done["html_url"] == f"/oversight/reports/{run.pk}/report.html"
    run.refresh_from_db()
    steps = list(run.events.order_by("pgh_id").values_list("progress", flat=True))
    assert steps == sorted(steps) and {2, 10, 25, 35, 45, 70, 80, 95, 100} <= set(steps)  # every step was written
    assert '<progress id="run-progress" max="100" value="100">' in client.get(
        f"/oversight/reports/{run.pk}/").content.decode()

    html = client.get(done["html_url"]).content.decode()
    assert "Regulator report: South Mercia Police" in html and f"A{world.alerts['undecided'].pk}" in html
    pdf = b"".join(client.get(done["pdf_url"]).streaming_content)
    assert pdf.startswith(b"%PDF-") and run.pages == done["pages"] and run.pages > 3
    assert run.summary["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    proofs = client.get(done["proofs_url"])
    assert proofs.status_code == 200 and proofs["Content-Type"] == "application/json"


def test_a_run_is_built_from_a_fresh_checkpoint_and_every_run_is_audited(world, django_capture_on_commit_callbacks):
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        page_client(world.personas.auditor).post("/oversight/reports/", {
            "all_forces": "on", "period_start": world.start.isoformat(), "period_end": world.end.isoformat()})
    run = ReportRun.objects.get()
    assert run.status == "done" and run.all_forces
    assert run.checkpoint.tree_size == before + 1  # signed at the start, after the request's own event
    request, complete = AuditEvent.objects.filter(object_type="reports.reportrun", object_id=str(run.pk)).order_by(
        "seq")
    assert request.action == "report_run.request" and request.actor == world.personas.auditor
    assert complete.action == "report_run.complete" and complete.new["tree_size"] == run.checkpoint.tree_size
    assert complete.new["verified"] is True and complete.new["deployments"] == 3 and complete.new["alerts"] == 4


def test_a_request_without_forces_is_refused_next_to_the_field(world):
    response = page_client(world.personas.auditor).post("/oversight/reports/", {
        "period_start": world.start.isoformat(), "period_end": world.end.isoformat()})
    assert response.status_code == 400 and "choose at least one force" in response.content.decode()
    assert not ReportRun.objects.exists()


def test_the_api_starts_and_follows_a_run(world, django_capture_on_commit_callbacks):
    api = world.personas.api(world.personas.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/reports/runs/", {"forces": ["south-mercia"], "period_start": world.start.isoformat(),
                                                  "period_end": world.end.isoformat()}, format="json")
    assert started.status_code == 202, started.content
    followed = api.get(f"/api/reports/runs/{started.json()['id']}/").json()
    assert followed["status"] == "done" and followed["summary"]["alerts"] == 4
