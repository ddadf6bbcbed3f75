"""The vendor's confirmation that it deleted its copy of a package is retention evidence (rules 20 and 22): the
time it states must be one at which the deletion could have happened. A time before the package was exported, or
before the deployment ended (while its alerts still named the package), is refused naming `deleted_at`, and
nothing is written: no confirmation, no deletion record, no audit event."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from deployments import services as governance
from matching.models import Deletion, DeletionKind, VendorPackage
from oversight.models import AuditEvent

STATEMENT = "Images, manifest and templates erased from the van's store and its backup."


def _confirm(world, deleted_at):
    system = world.system()
    return system.transport.request("POST", f"/api/live/{world.deployment.pk}/vendor/package-deleted/", {
        "package_digest": world.package.digest, "deleted_at": deleted_at.isoformat(), "statement": STATEMENT},
        {"Authorization": f"Device {world.token}"})


@pytest.mark.parametrize("when", ["before the export", "while the deployment ran", "in 1970"])
def test_a_deletion_time_before_it_could_have_happened_is_refused(world, when):
    governance.deployment_end(actor=world.personas.operator_a, deployment=world.deployment)
    world.deployment.refresh_from_db()
    deleted_at = {"before the export": world.package.created_at - timedelta(minutes=1),
                  "while the deployment ran": world.deployment.ended_at - timedelta(minutes=5),
                  "in 1970": timezone.now().replace(year=1970)}[when]
    events = AuditEvent.objects.count()
    answer = _confirm(world, deleted_at)
    assert answer.status == 400 and "deleted_at" in answer.json(), answer.body
    assert VendorPackage.objects.get(pk=world.package.pk).deletion_confirmed_at is None
    assert not Deletion.objects.filter(kind=DeletionKind.VENDOR_PACKAGE).exists()
    assert AuditEvent.objects.count() == events


def test_a_deletion_after_the_end_is_recorded(world):
    governance.deployment_end(actor=world.personas.operator_a, deployment=world.deployment)
    answer = _confirm(world, timezone.now())
    assert answer.status == 200, answer.body
    assert Deletion.objects.filter(kind=DeletionKind.VENDOR_PACKAGE, object_id=str(world.package.pk)).exists()
