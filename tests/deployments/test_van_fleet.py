"""The national pool's vans: the oversight administrator allocates each to one force or jointly to two; only they
may book it; the fleet page shows allocation, bookings and which vans are free in a window."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from deployments import fleet, services
from deployments.models import Asset
from oversight.models import AuditEvent
from tests.deployments.factories import lfr_deployment


def ready_deployment(personas):
    return lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                          stage="draft", entries=1, title="Victoria Square evening economy")


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_oversight_admin_allocates_a_van_jointly_and_it_is_audited(personas):
    van = Asset.objects.get(code="lfr-van-07")
    fleet.asset_allocate(actor=personas.oversight_admin, asset=van, forces=[personas.force_a, personas.force_b])
    assert sorted(van.allocated_to.values_list("code", flat=True)) == ["north-wessex", "south-mercia"]
    event = AuditEvent.objects.get(action="asset.allocate", object_id=str(van.pk))
    assert event.old == {"forces": []} and event.new == {"forces": ["north-wessex", "south-mercia"]}
    with pytest.raises(PermissionDenied):
        fleet.asset_allocate(actor=personas.approver_a, asset=van, forces=[personas.force_a])


def test_a_van_allocated_to_other_forces_cannot_be_booked(personas):
    van = Asset.objects.get(code="lfr-van-02")
    fleet.asset_allocate(actor=personas.oversight_admin, asset=van, forces=[personas.force_b])
    deployment = ready_deployment(personas)
    with pytest.raises(ValidationError) as refused:
        services.deployment_asset_book(actor=personas.approver_a, deployment=deployment, asset_code="lfr-van-02")
    assert "allocated to other forces" in refused.value.message_dict["assets"][0]
    booking = services.deployment_asset_book(actor=personas.approver_a, deployment=deployment,
                                             asset_code="lfr-van-03")  # allocated to nobody: any force
    assert booking.asset.code == "lfr-van-03"


def test_the_fleet_page_shows_allocation_bookings_and_free_vans_without_other_forces_details(personas):
    fleet.asset_allocate(actor=personas.oversight_admin, asset=Asset.objects.get(code="lfr-van-09"),
                         forces=[personas.force_a, personas.force_b])
    deployment = ready_deployment(personas)
    services.deployment_asset_book(actor=personas.approver_a, deployment=deployment, asset_code="lfr-van-09")
    start = timezone.localtime(deployment.starts_at)
    window = f"?start={start:%Y-%m-%dT%H:%M}&end={start + timedelta(hours=1):%Y-%m-%dT%H:%M}"
    own = page_client(personas.operator_a).get(f"/fleet/{window}").content.decode()
    row = own.split('id="van-lfr-van-09"')[1].split("</tr>")[0]
    assert "North Wessex Police and South Mercia Police" in row and "(jointly)" in row
    assert "Booked" in row and deployment.title in row
    other = page_client(personas.operator_b).get(f"/fleet/{window}").content.decode()
    row = other.split('id="van-lfr-van-09"')[1].split("</tr>")[0]
    assert "Booked by another force" in row and deployment.title not in row
    assert "9 vans your force may book are free" in other
    assert page_client(personas.operator_b).get("/fleet/?start=soon").status_code == 400
    assert page_client(None).get("/fleet/").status_code == 302


def test_the_admin_changes_an_allocation_through_the_page_and_only_the_admin(personas):
    url = "/fleet/lfr-van-01/allocate/"
    response = page_client(personas.oversight_admin).post(url, {"lfr-van-01-forces": ["south-mercia"]})
    assert response.status_code == 302 and response["Location"] == "/fleet/#van-lfr-van-01"
    assert list(Asset.objects.get(code="lfr-van-01").allocated_to.values_list("code", flat=True)) == ["south-mercia"]
    bad = page_client(personas.oversight_admin).post(url, {"lfr-van-01-forces": ["atlantis"]})
    assert bad.status_code == 400 and ">Allocated to:" in bad.content.decode()
    assert page_client(personas.approver_a).post(url, {"lfr-van-01-forces": []}).status_code == 403
    assert list(Asset.objects.get(code="lfr-van-01").allocated_to.values_list("code", flat=True)) == ["south-mercia"]


def test_the_free_vans_offered_to_a_force_leave_out_vans_allocated_only_to_others(personas):
    from deployments.models import Asset
    from deployments.selectors import assets_free

    national = list(Asset.objects.filter(force__isnull=True).order_by("code")[:3])
    assert len(national) == 3
    ours, joint, theirs = national
    ours.allocated_to.set([personas.force_a])
    joint.allocated_to.set([personas.force_a, personas.force_b])
    theirs.allocated_to.set([personas.force_b])
    offered = set(assets_free(user=personas.operator_a, starts_at=None, ends_at=None))
    assert ours in offered and joint in offered and theirs not in offered
    offered_b = set(assets_free(user=personas.operator_b, starts_at=None, ends_at=None))
    assert ours not in offered_b and joint in offered_b and theirs in offered_b
