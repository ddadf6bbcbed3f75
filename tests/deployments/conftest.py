"""Fixtures of the governance tests: an Inspector of force A, uploads kept out of the real media folder."""
from __future__ import annotations

import pytest

from oversight import services
from oversight.models import Rank, Role
from tests.conftest import PASSWORD
from tests.deployments.factories import lfr_deployment


@pytest.fixture
def inspector_a(personas):
    return services.user_create(actor=personas.oversight_admin, username="ian.inspector", password=PASSWORD,
                                role=Role.FORCE_APPROVER, force=personas.force_a, rank=Rank.INSPECTOR,
                                first_name="Ian", last_name="Inspector")


@pytest.fixture
def submitted(personas):
    """A complete, rule-satisfying LFR deployment of force A, submitted for authorisation."""
    return lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a)


@pytest.fixture
def draft(personas):
    return lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                          stage="draft")
