"""The alerts of one camera frame are written with their audit entries in one append: one entry per alert, in
order, with consecutive places in the log, each hashed as a single entry would be, and the log still verifies."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from matching.audit_actions import ALERT_RAISE
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FacesProcessed
from oversight.audit.log import audit_records, event_leaf_hash
from oversight.audit.verify import verify_log
from oversight.models import AuditEvent

pytestmark = pytest.mark.django_db


def _side_by_side(*photos: bytes) -> bytes:
    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in photos]
    height = 600
    parts = [im.resize((round(im.width * height / im.height), height)) for im in images]
    canvas = Image.new("RGB", (sum(p.width for p in parts), height), (40, 40, 40))
    x = 0
    for part in parts:
        canvas.paste(part, (x, 0))
        x += part.width
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def test_a_frame_with_two_alerting_faces_gets_two_alerts_and_two_entries_in_a_row(live, photos):
    frame = _side_by_side(photos[SAME_PERSON[1]], photos[OTHER_PERSON], photos[SAME_PERSON[2]])
    before = AuditEvent.objects.count()
    response = live.send_frames([frame])
    assert response.status_code == 200, response.json()
    result = response.json()["results"][0]
    assert result["faces"] == 3 and len(result["alerts"]) == 2

    alerts = list(Alert.objects.filter(deployment=live.deployment).order_by("pk"))
    assert [a.pk for a in alerts] == sorted(result["alerts"]) and all(a.crop for a in alerts)
    events = list(AuditEvent.objects.filter(action=ALERT_RAISE).order_by("seq"))
    assert [e.object_id for e in events] == [str(a.pk) for a in alerts]
    assert events[1].seq == events[0].seq + 1 and AuditEvent.objects.count() == before + 2
    assert all(bytes(e.leaf_hash) == event_leaf_hash(e) for e in events)
    counted = FacesProcessed.objects.get(deployment=live.deployment)
    assert (counted.faces, counted.alerts, counted.discarded) == (3, 2, 1)
    assert verify_log().ok


def test_several_entries_appended_at_once_verify_as_single_ones(live):
    from matching.audit_actions import DEVICE_CREATE

    device = live.deployment.devices.get()
    first = AuditEvent.objects.order_by("-seq").first().seq
    events = audit_records([dict(actor=live.operator, action=DEVICE_CREATE, obj=device, new={"n": k})
                            for k in range(3)])
    assert [e.seq for e in events] == [first + 1, first + 2, first + 3]
    stored = list(AuditEvent.objects.filter(seq__gt=first).order_by("seq"))
    assert [e.new for e in stored] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert all(bytes(e.leaf_hash) == event_leaf_hash(e) for e in stored)
    assert audit_records([]) == []
    report = verify_log()
    assert report.ok and report.entries == first + 4
