"""The faces a deployment processed in one minute feed every published rate (false alerts per face), so the
ceiling on a vendor's report holds for the minute, not only for each report: reports under new keys cannot pile
a minute past it. The report that would is refused naming `faces`, and nothing of it is written."""
from __future__ import annotations

from django.utils import timezone
from rest_framework.test import APIClient

from matching.models import FacesProcessed, FrameReceipt
from matching.services import vendor
from oversight.models import AuditEvent


def _report(world, key: str, faces: int, minute):
    return APIClient().post(f"/api/live/{world.deployment.pk}/vendor/faces/", {
        "key": key, "minute": minute.isoformat(), "faces": faces, "algorithm": "nec-neoface-v4"}, format="json",
        HTTP_AUTHORIZATION=f"Device {world.token}")


def test_reports_cannot_pile_a_minute_past_the_ceiling(world):
    minute = timezone.now().replace(second=0, microsecond=0)
    assert _report(world, "m-1", vendor.MAX_FACES_PER_MINUTE - 10, minute).status_code == 200
    events, receipts = AuditEvent.objects.count(), FrameReceipt.objects.count()
    answer = _report(world, "m-2", 11, minute)
    assert answer.status_code == 400 and "faces" in answer.json(), answer.content
    assert FacesProcessed.objects.get(deployment=world.deployment, minute=minute).faces == \
        vendor.MAX_FACES_PER_MINUTE - 10
    assert AuditEvent.objects.count() == events and FrameReceipt.objects.count() == receipts
    # Up to the ceiling is still counted.
    assert _report(world, "m-3", 10, minute).status_code == 200
    assert FacesProcessed.objects.get(deployment=world.deployment, minute=minute).faces == vendor.MAX_FACES_PER_MINUTE
