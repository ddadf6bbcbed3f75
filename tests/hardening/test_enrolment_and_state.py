"""Enrolment and device registration follow the deployment's state table: templates only for a deployment that
may match, never for a draft or one that has ended; each refused entry is reported in words and the batch is
written whole, never half; a watchlist whose photos retention deleted is a 4xx, not a server error."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from deployments import services as governance
from deployments.models import Deployment, WatchlistEntry
from matching.services import enrolment, live as live_matching
from matching.audit_actions import DEVICE_CREATE, ENTRY_ENROL, ENTRY_ENROL_REJECT
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Device, WatchlistTemplate
from matching.services.retention import retention_run
from oversight.models import AuditEvent
from tests.deployments.factories import lfr_deployment
from tests.hardening.conftest import jpeg, readable

pytestmark = pytest.mark.django_db

THRESHOLD = 0.94


def deployment_at(personas, photos, stage: str, names=(SAME_PERSON[0], OTHER_PERSON, SAME_PERSON[2])) -> Deployment:
    return lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                          stage=stage, images=[photos[n] for n in names], starts_in=timedelta(minutes=-1), hours=6,
                          algorithm="dlib-resnet-v1", threshold=THRESHOLD)


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def state() -> dict[str, int]:
    return {"templates": WatchlistTemplate.objects.count(), "devices": Device.objects.count(),
            "audit": AuditEvent.objects.count()}


def replace_stored_photo(entry: WatchlistEntry, data: bytes) -> None:
    """The photo in storage is not what was checked at upload (stored before the check, or altered since)."""
    Path(entry.image.path).write_bytes(data)


@pytest.fixture(scope="module")
def blank() -> bytes:
    from PIL import Image

    return jpeg(Image.new("RGB", (400, 300), (120, 130, 140)))


# --- each refused entry reported, the rest enrolled, the batch written whole ------------------------------
def test_a_refused_entry_is_reported_and_every_other_entry_is_enrolled(personas, photos, blank):
    deployment = deployment_at(personas, photos, "active",
                               names=(SAME_PERSON[0], OTHER_PERSON, SAME_PERSON[2], SAME_PERSON[1]))
    entries = list(deployment.watchlist.entries.order_by("pk"))
    replace_stored_photo(entries[2], blank)  # the third: once, enrolment stopped here with a server error
    response = personas.api(personas.operator_a).post(f"/api/deployments/{deployment.pk}/enrol/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["enrolled"] == 3
    [refused] = body["rejected"]
    assert refused["entry"] == entries[2].pk and refused["code"] == "no_face"
    assert "No face" in refused["reason"] and readable(refused["reason"])
    assert set(WatchlistTemplate.objects.values_list("entry_id", flat=True)) == {e.pk for e in entries} - {
        entries[2].pk}
    assert events(ENTRY_ENROL) == 3 and events(ENTRY_ENROL_REJECT) == 1


def test_one_entry_refused_alone_is_a_validation_error_with_its_reason(personas, photos, blank):
    deployment = deployment_at(personas, photos, "active")
    entry = deployment.watchlist.entries.order_by("pk").first()
    replace_stored_photo(entry, blank)
    with pytest.raises(ValidationError) as refused:
        enrolment.entry_enrol(actor=personas.operator_a, entry=entry)
    assert refused.value.message_dict["image"] == ["No face was found in the photo."]
    assert WatchlistTemplate.objects.count() == 0 and events(ENTRY_ENROL_REJECT) == 1


def test_every_kind_of_unusable_stored_photo_is_reported_not_raised(personas, photos, blank, nasty):
    deployment = deployment_at(personas, photos, "active",
                               names=(SAME_PERSON[0], OTHER_PERSON, SAME_PERSON[2], SAME_PERSON[1]))
    entries = list(deployment.watchlist.entries.order_by("pk"))
    replace_stored_photo(entries[0], nasty["jpeg_truncated"])
    replace_stored_photo(entries[1], nasty["strip_20000x2"])
    Path(entries[2].image.path).unlink()  # the file is gone from storage
    report = enrolment.watchlist_enrol(actor=personas.operator_a, deployment=deployment)
    assert report.enrolled == [entries[3].pk]
    assert [(r["entry"], r["code"]) for r in report.rejected] == [
        (entries[0].pk, "corrupt"), (entries[1].pk, "unusable_shape"), (entries[2].pk, "image_missing")]
    assert all(readable(r["reason"]) for r in report.rejected)


# --- the state table: draft, submitted and ended deployments are refused ----------------------------------
@pytest.mark.parametrize("stage", ["draft", "submitted"])
def test_no_templates_for_a_deployment_not_yet_authorised(personas, photos, stage):
    deployment = deployment_at(personas, photos, stage)
    before = state()
    response = personas.api(personas.operator_a).post(f"/api/deployments/{deployment.pk}/enrol/")
    assert response.status_code in (400, 409)
    assert "status" in response.json() and stage in " ".join(response.json()["status"])
    with pytest.raises(ValidationError):
        enrolment.watchlist_enrol(actor=personas.operator_a, deployment=deployment)
    with pytest.raises(ValidationError):
        enrolment.entry_enrol(actor=personas.operator_a, entry=deployment.watchlist.entries.first())
    assert state() == before


def test_templates_may_be_computed_once_it_is_authorised(personas, photos):
    deployment = deployment_at(personas, photos, "authorised")
    report = enrolment.watchlist_enrol(actor=personas.operator_a, deployment=deployment)
    assert len(report.enrolled) == 3 and report.rejected == []


def test_an_ended_deployment_whose_photos_retention_deleted_is_a_4xx_not_a_server_error(personas, photos):
    deployment = deployment_at(personas, photos, "active")
    enrolment.watchlist_enrol(actor=personas.operator_a, deployment=deployment)
    governance.deployment_end(actor=personas.operator_a, deployment=deployment)
    assert retention_run().watchlist_entries == 3
    before = state()
    response = personas.api(personas.operator_a).post(f"/api/deployments/{deployment.pk}/enrol/")
    assert response.status_code in (400, 409) and "ended" in " ".join(response.json()["status"])
    assert state() == before


def test_a_watchlist_whose_photos_were_all_deleted_is_refused_as_a_whole(personas, photos):
    deployment = deployment_at(personas, photos, "active")
    WatchlistEntry.objects.filter(watchlist__deployment=deployment).update(image="")
    before = state()
    response = personas.api(personas.operator_a).post(f"/api/deployments/{deployment.pk}/enrol/")
    assert response.status_code == 400
    assert "deleted when the retention period ended" in response.json()["deployment"][0]
    assert state() == before


# --- devices -----------------------------------------------------------------------------------------------
def test_no_device_is_registered_on_an_ended_deployment_through_the_api_or_the_page(personas, photos):
    deployment = deployment_at(personas, photos, "active")
    governance.deployment_end(actor=personas.operator_a, deployment=deployment)
    before = state()
    response = personas.api(personas.operator_a).post(f"/api/deployments/{deployment.pk}/devices/",
                                                       {"name": "Van 9"}, format="json")
    assert response.status_code in (400, 409) and "ended" in " ".join(response.json()["status"])
    client = Client()
    client.force_login(personas.operator_a)
    page = client.post(f"/deployments/{deployment.pk}/live/devices/", {"name": "Van 9"})
    assert page.status_code == 400 and "ended" in page.content.decode()
    with pytest.raises(ValidationError):
        live_matching.device_create(actor=personas.operator_a, deployment=deployment, name="Van 9")
    assert state() == before and events(DEVICE_CREATE) == 0


def test_no_device_is_registered_on_a_draft_but_one_is_on_an_authorised_deployment(personas, photos):
    draft = deployment_at(personas, photos, "draft")
    with pytest.raises(ValidationError) as refused:
        live_matching.device_create(actor=personas.operator_a, deployment=draft, name="Van 9")
    assert "draft" in " ".join(refused.value.message_dict["status"])
    authorised = deployment_at(personas, photos, "authorised")
    device, token = live_matching.device_create(actor=personas.operator_a, deployment=authorised, name="Van 9")
    assert device.pk and token and Device.objects.count() == 1
