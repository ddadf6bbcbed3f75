"""A national-pool van is booked for a window; a double booking is refused by the service and the database."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from deployments import services
from deployments.models import Asset, AssetBooking
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import database_state


def test_the_national_pool_has_ten_vans_every_force_can_see(personas):
    codes = [a["code"] for a in personas.api(personas.operator_b).get("/api/assets/").json()["results"]]
    assert codes == [f"lfr-van-{n:02d}" for n in range(1, 11)]


def test_a_van_booked_by_one_force_is_refused_to_another_for_an_overlapping_window(personas):
    lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                   van="lfr-van-01", entries=1)
    other = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                           starts_in=timedelta(hours=6), entries=1, stage="draft")
    before = database_state()
    response = personas.api(personas.operator_b).post(f"/api/deployments/{other.pk}/book/", {"asset": "lfr-van-01"},
                                                      format="json")
    assert response.status_code == 400
    message = response.json()["assets"][0]
    assert message.startswith("lfr-van-01 is not available from")  # the window asked for, not the other's
    assert "New Street" not in message  # nothing of the other force's deployment leaks
    assert database_state() == before
    assert personas.api(personas.operator_b).post(f"/api/deployments/{other.pk}/book/", {"asset": "lfr-van-02"},
                                                  format="json").status_code == 201


def test_back_to_back_windows_may_share_a_van(personas):
    first = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                           van="lfr-van-04", entries=1, hours=4)
    second = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                            van="lfr-van-04", entries=1, stage="draft", starts_in=timedelta(hours=6, minutes=1))
    assert first.bookings.get().during.upper <= second.bookings.get().during.lower


def test_the_database_itself_refuses_a_double_booking(personas):
    booked = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                            van="lfr-van-06", entries=1)
    window = DateTimeTZRange(booked.starts_at + timedelta(hours=1), booked.ends_at + timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetBooking.objects.create(asset=Asset.objects.get(code="lfr-van-06"), deployment=booked, during=window,
                                    booked_by=personas.operator_a)


def test_a_released_booking_frees_the_van(personas, submitted):
    services.deployment_asset_book(actor=personas.operator_a, deployment=submitted, asset_code="lfr-van-08")
    services.deployment_refuse(actor=personas.approver_a, deployment=submitted, reasons="Not proportionate today.")
    again = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                           van="lfr-van-08", entries=1, stage="draft")
    assert again.bookings.get().asset.code == "lfr-van-08"


def test_an_unknown_asset_is_refused_naming_the_field(personas, draft):
    with pytest.raises(ValidationError) as info:
        services.deployment_asset_book(actor=personas.operator_a, deployment=draft, asset_code="van-99")
    assert "assets" in info.value.message_dict
