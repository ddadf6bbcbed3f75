"""Retrospective search from the page: a real search on real photos, a ranked list, corroboration with a note."""
from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from matching.services import enrolment
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import RfrCandidate, RfrSearch


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def gallery(personas, photos):
    obama = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                                    subject_reference="CUST-0001")
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-0002")
    enrolment.gallery_enrol(actor=personas.operator_b, force=personas.force_b, data=photos[SAME_PERSON[2]],
                            subject_reference="NW-0001")
    return obama


def search_form(photo: bytes, **changes) -> dict:
    return {"probe": SimpleUploadedFile("cctv.jpg", photo, content_type="image/jpeg"),
            "crime_reference": "SM/123/26", "probe_source": "cctv", "candidate_list_length": "5"} | changes


def run_search(client, photos) -> RfrSearch:
    response = client.post("/rfr/", search_form(photos[SAME_PERSON[1]]))
    search = RfrSearch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rfr/{search.pk}/"
    return search


def error_next_to(html: str, field_id: str) -> str:
    block = re.search(rf'<div class="field field-error" data-field="[^"]+">\s*<label for="{field_id}">.*?'
                      rf'<div class="error-messages" id="{field_id}_error">(.*?)</div>', html, re.S)
    assert block, f"no error shown next to {field_id}"
    return re.sub(r"<[^>]+>", " ", block.group(1)).strip()


def test_a_search_returns_the_ranked_candidates_of_the_forces_own_gallery(gallery, personas, photos):
    client = page_client(personas.operator_a)
    assert client.get("/rfr/").status_code == 200
    search = run_search(client, photos)
    assert search.crime_reference == "SM/123/26" and search.probe_source == "cctv"
    assert search.candidate_list_length == 5 and search.requested_by == personas.operator_a

    html = client.get(f"/rfr/{search.pk}/").content.decode()
    first = search.candidates.get(rank=1)
    assert first.custody_image == gallery
    assert "1. CUST-0001" in html and "NW-0001" not in html
    assert f"{first.similarity:.3f} against a threshold of {search.threshold:.3f}" in html
    assert 'value="corroborated"' in html and 'value="rejected"' in html


def test_a_search_needs_a_crime_reference_shown_next_to_the_field(gallery, personas, photos):
    response = page_client(personas.operator_a).post("/rfr/", search_form(photos[SAME_PERSON[1]], crime_reference=""))
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "id_crime_reference")
    assert not RfrSearch.objects.exists()


def test_a_probe_without_a_face_is_refused_next_to_the_probe(gallery, personas, bad_images):
    response = page_client(personas.operator_a).post("/rfr/", search_form(bad_images["blank"]))
    assert response.status_code == 400
    assert "No face" in error_next_to(response.content.decode(), "id_probe")
    assert not RfrSearch.objects.exists()


def test_corroborating_needs_a_note_and_then_is_recorded(gallery, personas, photos):
    client = page_client(personas.operator_a)
    search = run_search(client, photos)
    candidate = search.candidates.get(rank=1)
    url = f"/rfr/{search.pk}/candidates/{candidate.pk}/"
    prefix = f"candidate-{candidate.pk}"

    refused = client.post(url, {f"{prefix}-status": "corroborated", f"{prefix}-note": ""})
    assert refused.status_code == 400
    assert "corroborates" in error_next_to(refused.content.decode(), f"id_{prefix}-note")
    candidate.refresh_from_db()
    assert candidate.status == "unreviewed"

    response = client.post(url, {f"{prefix}-status": "corroborated",
                                 f"{prefix}-note": "fingerprints match, PNC record SM/55/26"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "corroborated" and candidate.reviewed_by == personas.operator_a
    html = client.get(f"/rfr/{search.pk}/").content.decode()
    assert "Corroborated (identification)" in html and "fingerprints match" in html


def test_a_candidate_can_be_rejected_without_a_note(gallery, personas, photos):
    client = page_client(personas.operator_a)
    search = run_search(client, photos)
    candidate = search.candidates.get(rank=1)
    client.post(f"/rfr/{search.pk}/candidates/{candidate.pk}/", {f"candidate-{candidate.pk}-status": "rejected"})
    assert RfrCandidate.objects.get(pk=candidate.pk).status == "rejected"


def test_only_the_requester_and_auditors_see_a_search(gallery, personas, photos):
    search = run_search(page_client(personas.operator_a), photos)
    assert page_client(personas.operator_b).get(f"/rfr/{search.pk}/").status_code == 404
    assert page_client(personas.approver_a).get(f"/rfr/{search.pk}/").status_code == 404
    auditor = page_client(personas.auditor).get(f"/rfr/{search.pk}/")
    assert auditor.status_code == 200 and "CUST-0001" in auditor.content.decode()
    assert 'value="corroborated"' not in auditor.content.decode()
    candidate = search.candidates.get(rank=1)
    other = page_client(personas.operator_b).post(f"/rfr/{search.pk}/candidates/{candidate.pk}/",
                                                  {f"candidate-{candidate.pk}-status": "rejected"})
    assert other.status_code == 404
    assert Client().get(f"/rfr/{search.pk}/").status_code == 302
