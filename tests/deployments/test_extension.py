"""Extending the window is a new authorisation, checked against every rule for the longer window."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from deployments import services
from deployments.models import AuthorisationKind, Deployment
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import REASONS, database_state, refused_by


@pytest.fixture
def active(personas):
    return lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                          stage="active", van="lfr-van-10", entries=1, hours=6)


def test_an_extension_is_a_new_authorisation_that_moves_the_window_and_the_booking(personas, active):
    new_end = active.ends_at + timedelta(hours=2)
    response = personas.api(personas.approver_a).post(f"/api/deployments/{active.pk}/extend/",
                                                      {"ends_at": new_end.isoformat(), "reasons": REASONS},
                                                      format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "extension" and response.json()["rule_results"]
    deployment = Deployment.objects.get(pk=active.pk)
    assert deployment.ends_at == new_end
    assert deployment.bookings.get().during.upper == new_end
    assert list(deployment.authorisations.values_list("kind", flat=True)) == [
        AuthorisationKind.FULL, AuthorisationKind.EXTENSION]


def test_an_extension_beyond_the_longest_window_is_refused(personas, active):
    before = database_state()
    with refused_by("R03-authorised-window", "ends_at"):
        services.deployment_extend(actor=personas.approver_a, deployment=active,
                                   ends_at=active.starts_at + timedelta(hours=25), reasons=REASONS)
    assert database_state() == before


def test_an_extension_into_another_booking_of_the_van_is_refused(personas, active):
    lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                   van="lfr-van-10", entries=1, stage="draft", starts_in=timedelta(hours=8, minutes=10))
    before = database_state()
    response = personas.api(personas.approver_a).post(
        f"/api/deployments/{active.pk}/extend/",
        {"ends_at": (active.ends_at + timedelta(hours=2)).isoformat(), "reasons": REASONS}, format="json")
    assert response.status_code == 400 and "assets" in response.json()
    assert database_state() == before


def test_an_inspector_cannot_extend(personas, inspector_a, active):
    with refused_by("R02-authorising-rank"):
        services.deployment_extend(actor=inspector_a, deployment=active, ends_at=active.ends_at + timedelta(hours=1),
                                   reasons=REASONS)


def test_an_operator_cannot_extend(personas, active):
    with pytest.raises(PermissionDenied):
        services.deployment_extend(actor=personas.operator_a, deployment=active,
                                   ends_at=active.ends_at + timedelta(hours=1), reasons=REASONS)
