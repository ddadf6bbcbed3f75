"""Operator-initiated identity checks from the page: a real check, harm declared in private places, no photo kept."""
from __future__ import annotations

import base64
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from matching.services import enrolment
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import OifrCheck


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def gallery(personas, photos):
    missing = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a,
                                      data=photos[SAME_PERSON[0]], subject_reference="MISP-0042", kind="missing")
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-0002")
    return missing


def check_form(photo: bytes, **changes) -> dict:
    return {"photo": SimpleUploadedFile("phone.jpg", photo, content_type="image/jpeg"), "reason": "unable",
            "subject_category": "missing", "place_type": "public", "harm_declaration": ""} | changes


def stored_files() -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def error_next_to(html: str, field_id: str) -> str:
    block = re.search(rf'<div class="field field-error" data-field="[^"]+">\s*<label for="{field_id}">.*?'
                      rf'<div class="error-messages" id="{field_id}_error">(.*?)</div>', html, re.S)
    assert block, f"no error shown next to {field_id}"
    return re.sub(r"<[^>]+>", " ", block.group(1)).strip()


def test_the_form_says_the_photo_is_not_kept_and_asks_for_a_harm_declaration_in_private_places(personas):
    html = page_client(personas.operator_a).get("/oifr/").content.decode()
    assert "The photo is not kept." in html
    assert "Declaration of the risk of significant harm (required in a private place)" in html
    assert 'data-private-places="home school medical worship other_private"' in html


def test_a_check_finds_the_missing_person_and_keeps_no_photo(gallery, personas, photos):
    client = page_client(personas.operator_a)
    before = stored_files()
    response = client.post("/oifr/", check_form(photos[SAME_PERSON[1]]))
    check = OifrCheck.objects.get()
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert check.matched == gallery and check.officer == personas.operator_a
    assert stored_files() == before

    # During the check, and only then, the officer sees the face they photographed beside the matched image.
    html = response.content.decode()
    faces = re.search(r'<div class="faces" id="oifr-faces">(.*?)</div>\s*<dl', html, re.S).group(1)
    photo = re.search(r'<img src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', faces)
    assert photo and base64.b64decode(photo.group(1)).startswith(b"\xff\xd8\xff")
    assert f'<img src="/oifr/{check.pk}/candidate-image/"' in faces
    assert "Possible match: MISP-0042" in html and "Missing person" in html
    assert f"{check.similarity:.3f} against a threshold of {check.threshold:.3f}" in html
    assert "The photo was not kept." in html

    later = client.get(f"/oifr/{check.pk}/").content.decode()  # afterwards the photo is gone for good
    assert "data:image" not in later and "Possible match: MISP-0042" in later
    image = client.get(f"/oifr/{check.pk}/candidate-image/")
    assert image.status_code == 200 and image["Cache-Control"] == "private, no-store"
    assert b"".join(image.streaming_content) == photos[SAME_PERSON[0]]
    assert page_client(personas.operator_b).get(f"/oifr/{check.pk}/candidate-image/").status_code == 404
    assert page_client(personas.approver_a).get(f"/oifr/{check.pk}/candidate-image/").status_code == 404
    assert Client().get(f"/oifr/{check.pk}/candidate-image/").status_code == 302


def test_someone_in_no_gallery_of_the_force_is_no_match(personas, photos):
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-0002")
    enrolment.gallery_enrol(actor=personas.operator_b, force=personas.force_b, data=photos[SAME_PERSON[0]],
                            subject_reference="NW-0001")  # another force's image is never searched
    client = page_client(personas.operator_a)
    response = client.post("/oifr/", check_form(photos[SAME_PERSON[1]], subject_category="wanted"))
    check = OifrCheck.objects.get()
    assert check.matched is None
    html = response.content.decode()
    assert "data:image" not in html and "candidate-image" not in html  # nothing to compare, nothing shown
    assert page_client(personas.operator_a).get(f"/oifr/{check.pk}/candidate-image/").status_code == 404
    assert "<h1>No match</h1>" in html and "NW-0001" not in html and "The photo was not kept." in html


def test_a_private_place_without_a_harm_declaration_shows_the_error_next_to_it(gallery, personas, photos):
    response = page_client(personas.operator_a).post("/oifr/", check_form(photos[SAME_PERSON[1]], place_type="home"))
    assert response.status_code == 400
    assert "risk of significant harm" in error_next_to(response.content.decode(), "id_harm_declaration")
    assert not OifrCheck.objects.exists()


def test_a_private_place_with_a_harm_declaration_is_checked(gallery, personas, photos):
    response = page_client(personas.operator_a).post("/oifr/", check_form(
        photos[SAME_PERSON[1]], place_type="home",
        harm_declaration="Child reported missing at high risk; carer cannot confirm identity."))
    assert response.status_code == 200
    check = OifrCheck.objects.get()
    assert check.place_type == "home" and check.harm_declaration.startswith("Child reported missing")


def test_a_check_is_seen_only_by_the_officer_and_auditors(gallery, personas, photos):
    page_client(personas.operator_a).post("/oifr/", check_form(photos[SAME_PERSON[1]]))
    check = OifrCheck.objects.get()
    assert page_client(personas.operator_b).get(f"/oifr/{check.pk}/").status_code == 404
    assert page_client(personas.auditor).get(f"/oifr/{check.pk}/").status_code == 200
    assert Client().get(f"/oifr/{check.pk}/").status_code == 302


def test_a_post_without_a_csrf_token_is_refused(gallery, personas, photos):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.operator_a)
    response = client.post("/oifr/", check_form(photos[SAME_PERSON[1]]))
    assert response.status_code == 403 and not OifrCheck.objects.exists()


def test_a_large_photo_is_held_in_memory_and_never_spilled_to_a_temporary_file(gallery, personas, photos, settings,
                                                                               tmp_path):
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(photos[SAME_PERSON[1]])).convert("RGB")
    buffer = BytesIO()
    image.resize((image.width * 2, image.height * 2)).save(buffer, format="PNG", compress_level=0)
    large = buffer.getvalue()
    assert len(large) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE  # Django would normally write this to a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "no-such-folder")  # so any temporary file would fail loudly
    response = page_client(personas.operator_a).post("/oifr/", check_form(large))
    assert response.status_code == 200, response.content.decode()[:500]
    assert OifrCheck.objects.get().matched == gallery
