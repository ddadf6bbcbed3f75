"""A force deletes one of its own custody images from a page, with its reason (a person never convicted asked,
say): through the same service as the API, audited, behind the CSRF check, and never another force's image."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from matching.models import CustodyImage, Deletion
from matching.services import enrolment
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from oversight import bounds
from oversight.models import AuditEvent

REASON = "The person was never convicted; their application for deletion was granted on 1 December."


def page_client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def images(personas, photos):
    """A South Mercia custody image of a person never convicted, and a North Wessex one."""
    ours = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                                   subject_reference="SM-CUST-0001", unconvicted=True)
    theirs = enrolment.gallery_enrol(actor=personas.operator_b, force=personas.force_b, data=photos[OTHER_PERSON],
                                     subject_reference="NW-CUST-0001")
    return ours, theirs


def _state() -> tuple:
    return (list(CustodyImage.objects.order_by("pk").values("pk", "deleted_at", "deletion_granted", "image")),
            Deletion.objects.count(), AuditEvent.objects.count())


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_force_finds_its_image_and_deletes_it_with_a_reason(personas, images):
    ours, theirs = images
    client = page_client(personas.admin_a, enforce_csrf_checks=True)
    listing = client.get("/custody-images/")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert "SM-CUST-0001" in html and "NW-CUST-0001" not in html  # never another force's images
    assert 'href="/custody-images/' in html and "Custody images" in html
    found = client.get("/custody-images/", {"reference": "sm-cust-0001"}).content.decode()
    assert f'data-image="{ours.pk}"' in found

    page = client.get(f"/custody-images/{ours.pk}/delete/")
    text = page.content.decode()
    assert page.status_code == 200 and "Deleting cannot be undone" in text and "Why is the image deleted?" in text
    assert not re.search(r"\bR\d\d-|retention\.\w|unconvicted_custody", text)  # no rule ids or setting keys
    assert client.get(f"/custody-images/{ours.pk}/image/").status_code == 200

    response = client.post(f"/custody-images/{ours.pk}/delete/", {"reason": REASON,
                                                                  "csrfmiddlewaretoken": _token(text)})
    assert response.status_code == 302 and response["Location"] == "/custody-images/"
    ours.refresh_from_db()
    assert ours.deleted_at and ours.deletion_granted and ours.embedding is None and not ours.image
    deletion = Deletion.objects.get(kind="custody_image", object_id=str(ours.pk))
    assert deletion.force == personas.force_a
    event = AuditEvent.objects.get(action="retention.delete", object_id=str(ours.pk))
    assert event.actor == personas.admin_a and event.reason == REASON and event.force == personas.force_a
    after = client.get("/custody-images/").content.decode()
    assert "is deleted: no search of any force will return it" in after and "Deleted " in after
    # Asked again, it says so in words and writes nothing more.
    before = _state()
    again = client.post(f"/custody-images/{ours.pk}/delete/", {"reason": REASON,
                                                               "csrfmiddlewaretoken": _token(text)})
    assert again.status_code == 400 and "already deleted" in again.content.decode()
    assert _state() == before


@pytest.mark.parametrize("reason, says", [
    ("", "say why the image is deleted"),
    ("r" * (bounds.NOTE + 1), "the reason is too long: 2,001 characters; the limit is 2,000"),
], ids=["no-reason", "reason-too-long"])
def test_a_bad_reason_is_a_400_naming_it_and_nothing_is_deleted(personas, images, reason, says):
    ours, _ = images
    before = _state()
    response = page_client(personas.operator_a).post(f"/custody-images/{ours.pk}/delete/", {"reason": reason})
    assert response.status_code == 400 and says in response.content.decode()
    assert _state() == before
    ours.refresh_from_db()
    assert ours.embedding is not None and ours.image.storage.exists(ours.image.name)


def test_another_force_or_the_oversight_body_gets_a_404_and_nothing_changes(personas, images):
    ours, theirs = images
    before = _state()
    for user in (personas.operator_b, personas.approver_b, personas.auditor, personas.oversight_admin):
        client = page_client(user)
        assert client.get(f"/custody-images/{ours.pk}/delete/").status_code == 404
        assert client.post(f"/custody-images/{ours.pk}/delete/", {"reason": REASON}).status_code == 404
        assert client.get(f"/custody-images/{ours.pk}/image/").status_code == 404
    assert page_client(personas.admin_a).get(f"/custody-images/{theirs.pk}/delete/").status_code == 404
    assert "SM-CUST-0001" not in page_client(personas.auditor).get("/custody-images/").content.decode()
    assert _state() == before


def test_a_post_without_the_csrf_token_is_refused(personas, images):
    ours, _ = images
    before = _state()
    response = page_client(personas.admin_a, enforce_csrf_checks=True).post(f"/custody-images/{ours.pk}/delete/",
                                                                            {"reason": REASON})
    assert response.status_code == 403
    assert _state() == before


def test_signed_out_visitors_are_sent_to_sign_in(images):
    ours, _ = images
    response = Client().get(f"/custody-images/{ours.pk}/delete/")
    assert response.status_code == 302 and "login" in response["Location"]
