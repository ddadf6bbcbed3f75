"""An auditor opens an audit, draws a seeded sample anyone can redraw, records findings and recommendations;
the force responds; every step is an audit event, and the next regulator report shows it all."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from deployments.models import Deployment
from matching.models import Alert
from oversight.models import AuditEvent
from oversight.reports import audits
from oversight.reports.models import ForceAudit


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_sample_is_seeded_recorded_and_reproducible(world):
    audit = ForceAudit.objects.get(pk=world.audit.pk)
    assert audit.sample_seed == 20261122
    populations = audits.sample_populations(audit)
    assert populations["deployments"] == sorted(d.pk for d in (world.live, world.urgent, world.refused))
    assert populations["alerts"] == sorted(Alert.objects.filter(deployment=world.live).values_list("pk", flat=True))
    assert audits.sample_redraw(audit) == {k: audit.sample[k]["drawn"] for k in (
        "deployments", "alerts", "watchlist_entries", "rfr_searches", "oifr_checks")}
    assert len(audit.sample["deployments"]["drawn"]) == 2 and len(audit.sample["alerts"]["drawn"]) == 2
    assert audits.sample_draw(populations["alerts"], 2, 20261122) == audit.sample["alerts"]["drawn"]
    event = AuditEvent.objects.get(action="force_audit.sample", object_id=str(audit.pk))
    assert event.new["seed"] == 20261122 and event.new["alerts"]["drawn"] == audit.sample["alerts"]["drawn"]
    with pytest.raises(ValidationError, match="already drawn"):
        audits.force_audit_sample(actor=world.personas.auditor, audit=audit, deployments=3, alerts=3, seed=1)


def test_every_step_is_audited_with_who_did_it(world):
    events = AuditEvent.objects.filter(action__startswith="force_audit.").order_by("seq")
    assert [(e.action, e.actor.username) for e in events] == [
        ("force_audit.open", "amir.auditor"), ("force_audit.sample", "amir.auditor"),
        ("force_audit.finding", "amir.auditor"), ("force_audit.recommendation", "amir.auditor"),
        ("force_audit.response", "fran.admin")]
    assert all(e.force == world.personas.force_a for e in events)


def test_a_finding_links_only_to_the_audited_forces_records(world, personas):
    from deployments.models import PolicyDocument

    other = PolicyDocument.objects.get(force=personas.force_b)
    with pytest.raises(ValidationError, match="South Mercia Police has no policy document"):
        audits.audit_finding_add(actor=personas.auditor, audit=world.audit, severity="low",
                                 text="Points at another force's document.", linked_kind="policy_document",
                                 linked_id=str(other.pk))
    finding = audits.audit_finding_add(actor=personas.auditor, audit=world.audit, severity="medium",
                                       text="The urgent authorisation lapsed unreviewed.", linked_kind="deployment",
                                       linked_id=str(world.urgent.pk))
    assert audits.linked_url(finding.linked_kind, finding.linked_id) == f"/deployments/{world.urgent.pk}/"


def test_only_the_oversight_body_audits_and_only_the_force_responds(world, personas):
    with pytest.raises(PermissionDenied):
        audits.force_audit_open(actor=personas.admin_a, force=personas.force_a, scope="Auditing ourselves today.",
                                period_start=world.start, period_end=world.end)
    rec = world.audit.recommendations.get()
    for outsider in (personas.operator_a, personas.approver_b, personas.auditor):
        with pytest.raises(PermissionDenied):
            audits.recommendation_respond(actor=outsider, recommendation=rec, decision="accepted",
                                          text="Not ours to answer, but we try.")


def test_an_auditor_runs_an_audit_through_the_pages_and_the_force_responds(personas):
    today = timezone.localdate()
    auditor = page_client(personas.auditor)
    response = auditor.post("/oversight/audits/new/", {
        "force": "south-mercia", "scope": "Retention of alert images and their deletion evidence.",
        "period_start": (today - timedelta(days=30)).isoformat(), "period_end": today.isoformat()})
    audit = ForceAudit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/oversight/audits/{audit.pk}/"
    assert auditor.post(f"/oversight/audits/{audit.pk}/sample/",
                        {"deployments": 3, "alerts": 5, "seed": 7}).status_code == 302
    assert ForceAudit.objects.get().sample_seed == 7
    assert auditor.post(f"/oversight/audits/{audit.pk}/findings/",
                        {"severity": "nope", "text": "x"}).status_code == 400
    assert auditor.post(f"/oversight/audits/{audit.pk}/findings/",
                        {"severity": "medium", "text": "Deletion evidence is not reconciled monthly."}
                        ).status_code == 302
    finding = audit.findings.get()
    assert auditor.post(f"/oversight/audits/{audit.pk}/recommendations/", {
        "text": "Reconcile deletion evidence every month.", "deadline": (today + timedelta(days=60)).isoformat(),
        "finding": finding.pk}).status_code == 302
    rec = audit.recommendations.get()
    assert rec.finding == finding

    admin = page_client(personas.admin_a)
    page = admin.get(f"/oversight/audits/{audit.pk}/").content.decode()
    assert "Reconcile deletion evidence every month." in page and "Respond for South Mercia Police" in page
    assert "Record the finding" not in page  # the force sees, but does not audit
    response = admin.post(f"/oversight/audits/{audit.pk}/recommendations/{rec.pk}/respond/", {
        f"r{rec.pk}-decision": "accepted", f"r{rec.pk}-text": "Accepted: monthly reconciliation from next month."})
    assert response.status_code == 302
    assert "monthly reconciliation from next month" in auditor.get(f"/oversight/audits/{audit.pk}/").content.decode()
    assert auditor.post(f"/oversight/audits/{audit.pk}/close/").status_code == 302
    assert ForceAudit.objects.get().status == "closed"
    with pytest.raises(ValidationError, match="closed"):
        audits.audit_finding_add(actor=personas.auditor, audit=audit, severity="low", text="Too late for this one.")


def test_the_api_lists_a_forces_audits_and_takes_its_response(world, personas):
    api = personas.api(personas.approver_a)
    (listed,) = api.get("/api/force-audits/").json()
    assert listed["id"] == world.audit.pk and listed["sample_seed"] == 20261122
    rec = world.audit.recommendations.get()
    response = api.post(f"/api/force-audits/{world.audit.pk}/recommendations/{rec.pk}/responses/",
                        {"decision": "implemented", "text": "Implemented: alert queue on every shift briefing."},
                        format="json")
    assert response.status_code == 201 and rec.responses.count() == 2
    refused = personas.api(personas.operator_a).post(
        f"/api/force-audits/{world.audit.pk}/recommendations/{rec.pk}/responses/",
        {"decision": "accepted", "text": "An operator may not answer for the force."}, format="json")
    assert refused.status_code == 403


def test_the_sample_population_is_the_audited_forces_decided_deployments(world):
    assert set(audits.sample_populations(world.audit)["deployments"]) == set(
        Deployment.objects.filter(force=world.personas.force_a, authorisations__isnull=False)
        .values_list("pk", flat=True))
