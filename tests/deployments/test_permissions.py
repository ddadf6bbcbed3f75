"""Another force's deployments are invisible (404) everywhere; operators cannot authorise; auditors only read."""
from __future__ import annotations

import pytest

from deployments.models import Deployment
from tests.deployments.helpers import REASONS, database_state, page_client


def force_a_urls(deployment):
    entry = deployment.watchlist.entries.first()
    doc = deployment.force.policy_documents.first()
    auth = deployment.authorisations.first()
    return {
        "api": [f"/api/deployments/{deployment.pk}/", f"/api/deployments/{deployment.pk}/check/",
                f"/api/deployments/{deployment.pk}/assessment/", f"/api/deployments/{deployment.pk}/watchlist/",
                f"/api/watchlists/{deployment.watchlist.pk}/", f"/api/watchlist-entries/{entry.pk}/",
                f"/api/watchlist-entries/{entry.pk}/image/", f"/api/policy-documents/{doc.pk}/",
                f"/api/policy-documents/{doc.pk}/file/", f"/api/authorisations/{auth.pk}/"],
        "actions": [f"/api/deployments/{deployment.pk}/{a}/" for a in
                    ["submit", "authorise", "refuse", "urgent-authorise", "urgent-review", "activate", "end",
                     "extend", "review", "withdraw", "book"]],
        "pages": [f"/deployments/{deployment.pk}/", f"/deployments/{deployment.pk}/watchlist/",
                  f"/deployments/{deployment.pk}/assessment/"],
        "admin": [f"/admin/deployments/deployment/{deployment.pk}/change/",
                  f"/admin/deployments/watchlistentry/{entry.pk}/change/",
                  f"/admin/deployments/authorisation/{auth.pk}/change/"],
    }


@pytest.fixture
def authorised(personas, submitted):
    from deployments import services

    services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    return Deployment.objects.get(pk=submitted.pk)


@pytest.mark.parametrize("who", ["approver_b", "operator_b"])
def test_force_b_cannot_see_or_act_on_force_a_deployments(personas, authorised, who):
    user = getattr(personas, who)
    urls = force_a_urls(authorised)
    api = personas.api(user)
    before = database_state()
    for url in urls["api"]:
        assert api.get(url).status_code == 404, url
    for url in urls["actions"]:
        assert api.post(url, {"reasons": REASONS}, format="json").status_code == 404, url
    pages = page_client(user)
    for url in urls["pages"] + urls["admin"]:
        response = pages.get(url)
        assert response.status_code == 404, url
        assert b"New Street" not in response.content
    assert pages.post(f"/deployments/{authorised.pk}/decide/", {"decision": "refuse",
                                                                "reasons": REASONS}).status_code == 404
    assert api.get("/api/deployments/").json()["results"] == []
    assert b"New Street" not in pages.get("/deployments/").content
    assert database_state() == before


def test_an_operator_cannot_authorise(personas, submitted):
    before = database_state()
    api = personas.api(personas.operator_a)
    for action in ["authorise", "refuse", "urgent-authorise"]:
        response = api.post(f"/api/deployments/{submitted.pk}/{action}/", {"reasons": REASONS}, format="json")
        assert response.status_code == 403, action
    response = page_client(personas.operator_a).post(f"/deployments/{submitted.pk}/decide/",
                                                     {"decision": "authorise", "reasons": REASONS})
    assert response.status_code == 403
    assert database_state() == before


def test_an_auditor_reads_every_force_and_changes_nothing(personas, authorised):
    from tests.deployments.factories import lfr_deployment

    other = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                           entries=1)
    api = personas.api(personas.auditor)
    listed = {d["id"] for d in api.get("/api/deployments/").json()["results"]}
    assert listed == {authorised.pk, other.pk}
    for url in force_a_urls(authorised)["api"]:
        assert api.get(url).status_code == 200, url
    assert page_client(personas.auditor).get(f"/deployments/{other.pk}/").status_code == 200
    assert page_client(personas.auditor).get(f"/admin/deployments/deployment/{other.pk}/change/").status_code == 200
    before = database_state()
    for url in force_a_urls(authorised)["actions"]:
        response = api.post(url, {"reasons": REASONS, "reason": REASONS, "asset": "lfr-van-09",
                                  "decision": "confirm", "ends_at": "2030-01-01T00:00:00Z", "false_alerts": 0,
                                  "outcomes_against_objective": "x", "complaints": "x", "deletion_evidence": "x"},
                            format="json")
        assert response.status_code in (403, 409), (url, response.status_code)
    body = {"force": "north-wessex", "title": "x", "starts_at": "2030-01-01T10:00:00Z",
            "ends_at": "2030-01-01T12:00:00Z", "algorithm_version": "nec-neoface-v4", "threshold": 0.7}
    assert api.post("/api/deployments/", body, format="json").status_code == 403
    assert api.patch(f"/api/deployments/{authorised.pk}/", {"title": "x"}, format="json").status_code == 403
    admin = page_client(personas.auditor)
    assert admin.post(f"/admin/deployments/deployment/{authorised.pk}/delete/", {"post": "yes"}).status_code == 403
    assert database_state() == before
