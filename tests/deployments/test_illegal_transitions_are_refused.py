"""Illegal transitions answer 4xx with the rule identifiers, through the API, and change nothing."""
from __future__ import annotations

from datetime import timedelta

from deployments import services
from deployments.models import Status
from tests.deployments.factories import face, lfr_deployment
from tests.deployments.helpers import REASONS, database_state


def refused(response, *rule_ids):
    assert response.status_code == 409, response.content
    body = response.json()
    for rule_id in rule_ids:
        assert rule_id in body["rules"], body
    assert body["status"], body  # the message names the field: the deployment's state
    return body


def test_authorising_a_draft_is_refused(personas, draft):
    before = database_state()
    response = personas.api(personas.approver_a).post(f"/api/deployments/{draft.pk}/authorise/",
                                                      {"reasons": REASONS}, format="json")
    body = refused(response, "R01-written-authorisation")
    assert "draft" in body["status"][0]
    assert database_state() == before


def test_activating_a_refused_deployment_is_refused(personas, submitted):
    services.deployment_refuse(actor=personas.approver_a, deployment=submitted, reasons="The intelligence is stale.")
    before = database_state()
    response = personas.api(personas.operator_a).post(f"/api/deployments/{submitted.pk}/activate/")
    refused(response, "R01-written-authorisation", "R03-authorised-window")
    assert database_state() == before


def test_extending_without_an_authorisation_is_refused(personas, submitted):
    before = database_state()
    response = personas.api(personas.approver_a).post(
        f"/api/deployments/{submitted.pk}/extend/",
        {"ends_at": (submitted.ends_at + timedelta(hours=2)).isoformat(), "reasons": REASONS}, format="json")
    refused(response, "R03-authorised-window")
    assert database_state() == before


def test_editing_an_authorised_watchlist_without_a_new_review_is_refused(personas, submitted):
    services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    watchlist = submitted.watchlist
    api = personas.api(personas.operator_a)
    before = database_state()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.post("/api/watchlist-entries/", {
        "watchlist": watchlist.pk, "subject_reference": "LATE-0001", "category": "wanted-by-court",
        "legal_bases": ["PACE-S64A-CUSTODY"], "subject_kind": "wanted",
        "justification": "Wanted on a warrant and believed to travel to the match with the others.",
        "image": SimpleUploadedFile("f.jpg", face(), content_type="image/jpeg"), "image_source_system": "PND",
        "image_date": "2025-06-01", "quality_check": "passed"}, format="multipart")
    refused(response, "R10-watchlist-review")
    entry = watchlist.entries.first()
    refused(api.post(f"/api/watchlist-entries/{entry.pk}/remove/", {"reason": "arrested"}, format="json"),
            "R10-watchlist-review")
    refused(api.post(f"/api/watchlists/{watchlist.pk}/review/", {"notes": "again"}, format="json"),
            "R10-watchlist-review")
    assert database_state() == before


def test_withdrawing_to_draft_is_the_way_to_change_an_authorised_watchlist(personas, submitted):
    services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    api = personas.api(personas.operator_a)
    response = api.post(f"/api/deployments/{submitted.pk}/withdraw/", {"reason": "A wanted person was arrested."},
                        format="json")
    assert response.status_code == 200 and response.json()["status"] == Status.DRAFT
    entry = submitted.watchlist.entries.first()
    assert api.post(f"/api/watchlist-entries/{entry.pk}/remove/", {"reason": "arrested"}).status_code == 204
    submit = api.post(f"/api/deployments/{submitted.pk}/submit/")
    assert submit.status_code == 400 and "R10-watchlist-review" in submit.json()["rules"]


def test_a_blocking_rule_on_a_legal_transition_is_a_400_with_every_rule(personas, inspector_a, submitted):
    from deployments.models import Deployment

    Deployment.objects.filter(pk=submitted.pk).update(public_notice_plan="")
    before = database_state()
    response = personas.api(inspector_a).post(f"/api/deployments/{submitted.pk}/authorise/", {"reasons": REASONS},
                                              format="json")
    assert response.status_code == 400
    assert response.json()["rules"] == ["R02-authorising-rank", "R04-public-notice"]
    assert "public_notice_plan" in response.json() and "approver" in response.json()
    assert database_state() == before


def test_an_ended_deployment_cannot_be_activated_again(personas):
    active = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                            stage="active", entries=1)
    services.deployment_end(actor=personas.operator_a, deployment=active)
    before = database_state()
    refused(personas.api(personas.operator_a).post(f"/api/deployments/{active.pk}/activate/"),
            "R01-written-authorisation")
    assert database_state() == before
