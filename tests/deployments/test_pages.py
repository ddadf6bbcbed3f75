"""The pages: an operator drafts, builds the watchlist, assesses and submits; the approver decides with reasons."""
from __future__ import annotations

import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deployments.models import Deployment, Status
from tests.deployments.factories import JUSTIFICATION, documents_in_force, face
from tests.deployments.helpers import REASONS, page_client


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def error_next_to(html: str, field: str) -> str:
    """The error message shown inside the field's own block."""
    match = re.search(rf'<div class="field field-error">\s*<label for="id_{field}">.*?<p class="error-message"'
                      rf' id="id_{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error shown next to {field}"
    return match.group(1)


def draft_form(**changes):
    starts = timezone.now() + timedelta(hours=2)
    data = {"kind": "lfr", "title": "Christmas market", "policing_objective": "Find people wanted for robbery.",
            "intelligence_case": "Two robbers seen at the market each evening.",
            "watchlist_criteria": "Wanted by a court for robbery.", "location_name": "Victoria Square",
            "latitude": "52.4797", "longitude": "-1.9030", "radius_m": "150",
            "location_justification": "Both were seen at the square on three evenings.",
            "starts_at": local(starts), "ends_at": local(starts + timedelta(hours=6)),
            "algorithm_version": "nec-neoface-v4", "threshold": "0.64",
            "public_notice_plan": "Website and signs 48 hours ahead.", "legal_bases": ["CL-PREVENT-DETECT"],
            "assets": "lfr-van-05"}
    return data | changes


def test_an_operator_drafts_a_deployment_and_sees_errors_next_to_the_fields(personas):
    client = page_client(personas.operator_a)
    assert client.get("/deployments/new/").status_code == 200
    starts = timezone.now() + timedelta(hours=2)
    response = client.post("/deployments/new/", draft_form(ends_at=local(starts - timedelta(hours=1)),
                                                           threshold="0.5"))
    assert response.status_code == 400
    html = response.content.decode()
    # Plain English next to the field; the rule's identifier is not part of what the officer reads.
    assert error_next_to(html, "ends_at") == "the end of the window must come after its start"
    assert "There is a problem" in html
    assert not Deployment.objects.exists()
    response = client.post("/deployments/new/", draft_form(threshold="0.5"))
    assert "below the floor" in error_next_to(response.content.decode(), "threshold")
    response = client.post("/deployments/new/", draft_form())
    deployment = Deployment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/deployments/{deployment.pk}/"
    assert deployment.bookings.get().asset.code == "lfr-van-05"


def test_an_operator_builds_and_reviews_the_watchlist_assesses_and_submits(personas):
    documents_in_force(force=personas.force_a, approver=personas.approver_a)
    client = page_client(personas.operator_a)
    client.post("/deployments/new/", draft_form())
    deployment = Deployment.objects.get()
    base = f"/deployments/{deployment.pk}"
    assert client.get(f"{base}/watchlist/").status_code == 200
    assert client.post(f"{base}/watchlist/build/").status_code == 302
    entry = {"subject_reference": "ROB-0001", "category": "wanted-by-court", "subject_kind": "wanted",
             "legal_bases": ["PACE-S64A-CUSTODY", "COURT-WARRANT"], "justification": "",
             "image_source_system": "PND", "image_date": "2025-03-01", "quality_check": "passed",
             "deletion_status": "none"}
    response = client.post(f"{base}/watchlist/", entry | {"image": SimpleUploadedFile("a.jpg", face())})
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "justification") == (
        "write why including this person is necessary and proportionate (at least 40 characters)")
    response = client.post(f"{base}/watchlist/", entry | {"justification": JUSTIFICATION,
                                                          "image": SimpleUploadedFile("a.jpg", face())})
    assert response.status_code == 302
    page = client.get(f"{base}/watchlist/").content.decode()
    assert "ROB-0001" in page and "Not reviewed since its last change" in page
    assert client.post(f"{base}/watchlist/review/", {"notes": "checked"}).status_code == 302
    assert "tag-ok" in client.get(f"{base}/watchlist/").content.decode()

    response = client.post(f"{base}/assessment/", {"legitimate_aim": "HRA-A8-2-CRIME", "strict_necessity": "Needed.",
                                                   "alternatives_considered": "Patrols failed.",
                                                   "expected_faces": "20000",
                                                   "community_impact": "None.", "collateral_intrusion": "Low.",
                                                   "conclusion": "Proportionate."})
    assert response.status_code == 302
    assert client.post(f"{base}/submit/").status_code == 302
    assert Deployment.objects.get().status == Status.SUBMITTED


def test_a_submission_that_breaks_a_rule_shows_the_rule(personas, draft):
    client = page_client(personas.operator_a)
    Deployment.objects.filter(pk=draft.pk).update(public_notice_plan="")
    response = client.post(f"/deployments/{draft.pk}/submit/")
    assert response.status_code == 400
    assert "R04-public-notice" in response.content.decode()
    assert Deployment.objects.get(pk=draft.pk).status == Status.DRAFT


def test_the_approvers_page_shows_everything_needed_to_decide_on_one_screen(personas, submitted):
    html = page_client(personas.approver_a).get(f"/deployments/{submitted.pk}/").content.decode()
    for needed in ["Locate people wanted for serious violence", "New Street station concourse",
                   "Intelligence places the wanted people at the concourse", "Wanted by a court",
                   "Suspected of an offence", 'id="expected-false-alerts"', "R01-written-authorisation",
                   "R25-document-review-overdue", "tag-ok", 'value="authorise"', 'value="refuse"']:
        assert needed in html, needed
    window = timezone.localtime(submitted.starts_at).strftime("%-d %b %Y %H:%M")
    assert window in html


def test_an_inspector_sees_the_rank_rule_blocking(inspector_a, submitted):
    html = page_client(inspector_a).get(f"/deployments/{submitted.pk}/").content.decode()
    row = html[html.index("R02-authorising-rank"):]
    assert row.index("tag-blocking") < row.index("</tr>")


def test_authorising_asks_for_reasons_and_shows_the_error_next_to_the_field(personas, submitted):
    client = page_client(personas.approver_a)
    response = client.post(f"/deployments/{submitted.pk}/decide/", {"decision": "authorise", "reasons": ""})
    assert response.status_code == 400
    assert "give your reasons" in error_next_to(response.content.decode(), "reasons")
    assert Deployment.objects.get(pk=submitted.pk).status == Status.SUBMITTED
    response = client.post(f"/deployments/{submitted.pk}/decide/", {"decision": "authorise", "reasons": REASONS})
    assert response.status_code == 302
    deployment = Deployment.objects.get(pk=submitted.pk)
    assert deployment.status == Status.AUTHORISED
    assert deployment.authorisations.get().reasons == REASONS
    assert REASONS in client.get(f"/deployments/{submitted.pk}/").content.decode()


def test_refusing_records_the_reasons(personas, submitted):
    client = page_client(personas.approver_a)
    client.post(f"/deployments/{submitted.pk}/decide/", {"decision": "refuse",
                                                         "reasons": "The intelligence case is six months old."})
    assert Deployment.objects.get(pk=submitted.pk).status == Status.REFUSED


def test_the_list_shows_the_forces_deployments_and_the_nav_links_to_it(personas, submitted):
    html = page_client(personas.operator_a).get("/deployments/").content.decode()
    assert "New Street station, match day" in html and 'href="/deployments/"' in html
