"""A device's retry is answered, not counted again: frames and templates carry the device's own id, and a
request sent again with the same ids gets the first answer, with no second alert and no second count."""
from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching.services import engine, live as live_matching
from matching.audit_actions import ALERT_RAISE
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FacesProcessed, FrameReceipt
from oversight.models import AuditEvent
from tests.hardening.conftest import make_live

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def vectors(photos) -> dict[str, list[float]]:
    pipeline = engine.pipeline()
    return {name: pipeline.enrol(pipeline.decode(photos[name])).embedding.tolist()
            for name in (SAME_PERSON[1], OTHER_PERSON)}


def send(live, frames: list[bytes], ids: list[str]):
    uploads = [SimpleUploadedFile(f"f{i}.jpg", data, content_type="image/jpeg") for i, data in enumerate(frames)]
    return live.client.post(live.frames_url, {"frame": uploads, "frame_id": ids},
                            HTTP_AUTHORIZATION=f"Device {live.token}")


def send_templates(live, templates, ids):
    return live.client.post(live.templates_url, data=json.dumps({"templates": templates, "frame_ids": ids}),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Device {live.token}")


def tally(deployment) -> tuple[int, int, int, int]:
    counted = FacesProcessed.objects.filter(deployment=deployment).first()
    faces = (counted.faces, counted.alerts) if counted else (0, 0)
    return (*faces, Alert.objects.filter(deployment=deployment).count(),
            AuditEvent.objects.filter(action=ALERT_RAISE).count())


def test_a_frame_sent_again_with_its_id_is_answered_with_the_first_result_and_not_counted(live, photos):
    first = send(live, [photos[SAME_PERSON[1]], photos[OTHER_PERSON]], ["cam1-000101", "cam1-000102"])
    assert first.status_code == 200
    after_first = tally(live.deployment)
    assert after_first == (2, 1, 1, 1)
    again = send(live, [photos[SAME_PERSON[1]], photos[OTHER_PERSON]], ["cam1-000101", "cam1-000102"])
    assert again.status_code == 200
    for old, new in zip(first.json()["results"], again.json()["results"]):
        assert (new["faces"], new["alerts"], new["frame_id"]) == (old["faces"], old["alerts"], old["frame_id"])
        assert new["repeated"] is True and old["repeated"] is False
    assert tally(live.deployment) == after_first  # no second alert, no second count


def test_a_retry_with_one_new_frame_counts_only_the_new_one(live, photos):
    send(live, [photos[SAME_PERSON[1]]], ["f-1"])
    response = send(live, [photos[SAME_PERSON[1]], photos[SAME_PERSON[2]]], ["f-1", "f-2"])
    assert [r["repeated"] for r in response.json()["results"]] == [True, False]
    assert tally(live.deployment) == (2, 2, 2, 2)


def test_the_id_is_the_device_s_own_another_device_may_use_the_same(live, personas, photos):
    other_device, other_token = live_matching.device_create(actor=live.operator, deployment=live.deployment,
                                                            name="Van 3 camera 2")
    send(live, [photos[SAME_PERSON[1]]], ["000001"])
    uploads = [SimpleUploadedFile("f.jpg", photos[SAME_PERSON[2]], content_type="image/jpeg")]
    response = live.client.post(live.frames_url, {"frame": uploads, "frame_id": ["000001"]},
                                HTTP_AUTHORIZATION=f"Device {other_token}")
    assert response.json()["results"][0]["repeated"] is False
    assert tally(live.deployment) == (2, 2, 2, 2)
    assert FrameReceipt.objects.filter(frame_id="000001").count() == 2


def test_a_refused_frame_is_not_remembered_so_a_corrected_retry_is_matched(live, photos, nasty):
    refused = send(live, [nasty["jpeg_truncated"]], ["cam-7"])
    assert refused.status_code == 400 and FrameReceipt.objects.count() == 0
    corrected = send(live, [photos[SAME_PERSON[1]]], ["cam-7"])
    assert corrected.status_code == 200 and len(corrected.json()["results"][0]["alerts"]) == 1
    assert tally(live.deployment) == (1, 1, 1, 1)


def test_a_frame_without_faces_sent_twice_is_counted_once(live, nasty):
    from PIL import Image

    from tests.hardening.conftest import jpeg

    empty_street = jpeg(Image.new("RGB", (640, 480), (90, 90, 90)))
    send(live, [empty_street], ["street-1"])
    again = send(live, [empty_street], ["street-1"])
    assert again.json()["results"][0] == {"index": 0, "status": "processed", "faces": 0, "alerts": [],
                                          "error": None, "frame_id": "street-1", "repeated": True}
    assert FrameReceipt.objects.get(frame_id="street-1").faces == 0


def test_templates_sent_again_with_their_ids_are_not_counted_again(live, vectors):
    batch = [vectors[SAME_PERSON[1]], vectors[OTHER_PERSON]]
    first = send_templates(live, batch, ["t-1", "t-2"])
    again = send_templates(live, batch, ["t-1", "t-2"])
    assert first.status_code == again.status_code == 200
    assert [r["alerts"] for r in again.json()["results"]] == [r["alerts"] for r in first.json()["results"]]
    assert all(r["repeated"] for r in again.json()["results"])
    assert tally(live.deployment) == (2, 1, 1, 1)


@pytest.mark.parametrize("ids, words", [
    (["only-one"], "one id per item"),
    (["same", "same"], "repeat"),
    (["", "b"], "1 to 100 characters"),
    (["x" * 101, "b"], "1 to 100 characters"),
])
def test_bad_frame_ids_are_a_400_naming_frame_ids_and_nothing_is_counted(live, photos, vectors, ids, words):
    frames = send(live, [photos[SAME_PERSON[1]], photos[OTHER_PERSON]], ids)
    templates = send_templates(live, [vectors[SAME_PERSON[1]], vectors[OTHER_PERSON]], ids)
    for response in (frames, templates):
        assert response.status_code == 400 and words in response.json()["frame_ids"][0]
    assert tally(live.deployment) == (0, 0, 0, 0) and FrameReceipt.objects.count() == 0


@pytest.mark.parametrize("ids", [5, "t-1", {"0": "t-1"}, [1, 2]])
def test_template_ids_that_are_not_a_list_of_texts_are_a_400_naming_frame_ids(live, vectors, ids):
    response = send_templates(live, [vectors[SAME_PERSON[1]], vectors[OTHER_PERSON]], ids)
    assert response.status_code == 400 and "frame_ids" in response.json()
    assert tally(live.deployment) == (0, 0, 0, 0)


def test_frames_without_ids_are_counted_each_time_as_before(live, photos):
    live.send_frames([photos[SAME_PERSON[1]]])
    live.send_frames([photos[SAME_PERSON[1]]])
    assert tally(live.deployment) == (2, 2, 2, 2) and FrameReceipt.objects.count() == 0


def test_a_receipt_keeps_only_counts_and_alert_ids(live):
    fields = {f.name for f in FrameReceipt._meta.get_fields()}
    assert fields == {"id", "device", "frame_id", "faces", "alerts", "created_at"}


def test_a_retry_to_another_deployment_s_device_is_its_own(personas, photos, live):
    other = make_live(personas, photos, force=personas.force_b, operator=personas.operator_b,
                      approver=personas.approver_b)
    send(live, [photos[SAME_PERSON[1]]], ["shared-id"])
    send(other, [photos[SAME_PERSON[1]]], ["shared-id"])
    assert tally(live.deployment)[:2] == (1, 1) and tally(other.deployment)[:2] == (1, 1)
