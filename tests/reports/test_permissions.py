"""The oversight workspace is the oversight body's: forces see only their own audits, the public sees nothing.

The personas and one built report run are made once for the module (tests/worlds.py); each test is rolled back
to them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from oversight.reports import audits, runs
from oversight.reports.models import ReportRun
from tests.conftest import make_personas
from tests.worlds import world_once

OVERSIGHT_PAGES = ["/oversight/", "/oversight/reports/", "/oversight/audits/new/"]


def page_client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def audit_a(personas):
    today = timezone.localdate()
    audit = audits.force_audit_open(actor=personas.auditor, force=personas.force_a, scope="Watchlist composition.",
                                    period_start=today - timedelta(days=30), period_end=today)
    audits.audit_recommendation_add(actor=personas.auditor, audit=audit, text="Publish the watchlist criteria.",
                                    deadline=today + timedelta(days=30))
    return audit


def _personas_and_run():
    """The personas, and a report run of force A's last week started by the auditor and built (its task run as
    the commit would send it)."""
    personas = make_personas()
    today = timezone.localdate()
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = runs.report_run_start(actor=personas.auditor, forces=[personas.force_a], all_forces=False,
                                    period_start=today - timedelta(days=7), period_end=today)
    return personas, run


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("report-permissions-media")
    with world_once(_personas_and_run, django_db_blocker=django_db_blocker, media=media) as (personas, run):
        yield personas, run, media


@pytest.fixture
def personas(built, db, settings):
    settings.MEDIA_ROOT = built[2]  # where the run's PDF was written
    return built[0]


@pytest.fixture
def run(built, personas):
    return built[1]


def _run_pages(run) -> list[str]:
    base = f"/oversight/reports/{run.pk}/"
    return [base, base + "status/", base + "report.html", base + "report.pdf", base + "proofs.json"]


@pytest.mark.parametrize("who", ["admin_a", "approver_a", "operator_a", "approver_b"])
def test_force_users_cannot_open_the_dashboard_or_any_report(personas, run, who):
    client = page_client(getattr(personas, who))
    for url in OVERSIGHT_PAGES + _run_pages(run):
        assert client.get(url).status_code == 403, url
    assert client.post("/oversight/reports/", {"all_forces": "on", "period_start": "2026-01-01",
                                               "period_end": "2026-12-31"}).status_code == 403
    api = personas.api(getattr(personas, who))
    assert api.get("/api/reports/runs/").status_code == 403
    assert api.get(f"/api/reports/runs/{run.pk}/").status_code == 403
    assert ReportRun.objects.count() == 1


def test_the_public_sees_none_of_it(personas, run, audit_a):
    client = page_client()
    for url in OVERSIGHT_PAGES + _run_pages(run) + ["/oversight/audits/", f"/oversight/audits/{audit_a.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert personas.api(None).get("/api/reports/runs/").status_code in (401, 403)
    assert personas.api(None).get("/api/force-audits/").status_code in (401, 403)


def test_auditors_see_every_force_and_every_report(personas, run, audit_a):
    client = page_client(personas.auditor)
    dashboard = client.get("/oversight/").content.decode()
    assert 'data-force="south-mercia"' in dashboard and 'data-force="north-wessex"' in dashboard
    for url in _run_pages(run) + [f"/oversight/audits/{audit_a.pk}/"]:
        assert client.get(url).status_code == 200, url
    assert page_client(personas.oversight_admin).get("/oversight/").status_code == 200


def test_force_users_see_their_own_forces_audits_and_get_404_for_others(personas, audit_a):
    own = page_client(personas.operator_a)
    assert own.get(f"/oversight/audits/{audit_a.pk}/").status_code == 200
    assert "Audit " in own.get("/oversight/audits/").content.decode()
    other = page_client(personas.approver_b)
    assert other.get(f"/oversight/audits/{audit_a.pk}/").status_code == 404
    assert f"/oversight/audits/{audit_a.pk}/" not in other.get("/oversight/audits/").content.decode()
    assert personas.api(personas.approver_b).get(f"/api/force-audits/{audit_a.pk}/").status_code == 404
    assert personas.api(personas.approver_b).get("/api/force-audits/").json() == []


def test_only_the_audited_forces_admin_or_approver_may_respond(personas, audit_a):
    rec = audit_a.recommendations.get()
    url = f"/oversight/audits/{audit_a.pk}/recommendations/{rec.pk}/respond/"
    data = {f"r{rec.pk}-decision": "accepted", f"r{rec.pk}-text": "Accepted: criteria published on the website."}
    assert page_client(personas.operator_a).post(url, data).status_code == 403
    assert page_client(personas.approver_b).post(url, data).status_code == 404
    assert page_client(personas.auditor).post(url, data).status_code == 403
    assert page_client(personas.approver_a).post(url, data).status_code == 302
    assert rec.responses.get().responded_by == personas.approver_a


def test_force_users_cannot_audit(personas, audit_a):
    client = page_client(personas.admin_a)
    assert client.post(f"/oversight/audits/{audit_a.pk}/findings/",
                       {"severity": "low", "text": "We audit ourselves, apparently."}).status_code == 403
    assert client.post(f"/oversight/audits/{audit_a.pk}/sample/", {"deployments": 1, "alerts": 1}).status_code == 403
    assert client.post("/oversight/audits/new/", {"force": "south-mercia", "scope": "A self-audit of ours.",
                                                  "period_start": "2026-01-01",
                                                  "period_end": "2026-02-01"}).status_code == 403
    assert audit_a.findings.count() == 0


def test_navigation_offers_the_workspace_to_auditors_only(personas):
    auditor = page_client(personas.auditor).get("/", follow=True).content.decode()
    assert 'href="/oversight/"' in auditor and 'href="/oversight/reports/"' in auditor
    assert 'href="/oversight/audits/"' in auditor
    operator = page_client(personas.operator_a).get("/", follow=True).content.decode()
    assert 'href="/oversight/"' not in operator and 'href="/oversight/reports/"' not in operator
