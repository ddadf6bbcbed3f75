"""Rule 23: a post-deployment review covers outcomes, false alerts, complaints and deletion, in time."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from deployments import services
from deployments.models import Deployment, Status
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import REASONS, refused_by, status_of

COMPLETE = dict(outcomes_against_objective="Two of three wanted people arrested; objective met.", false_alerts=0,
                complaints="None received.", deletion_evidence="Watchlist templates deleted 02:10 the next day.")


@pytest.fixture
def ended(personas):
    active = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                            stage="active", starts_in=timedelta(minutes=-10))
    return services.deployment_end(actor=personas.operator_a, deployment=active)


def test_r23_a_review_without_deletion_evidence_is_refused(personas, ended):
    with refused_by("R23-post-deployment-review", "deletion_evidence"):
        services.deployment_review(actor=personas.operator_a, deployment=ended,
                                   **(COMPLETE | {"deletion_evidence": ""}))
    assert Deployment.objects.get(pk=ended.pk).status == Status.ENDED


def test_r23_a_complete_review_in_time_meets_both_parts(personas, ended):
    review = services.deployment_review(actor=personas.operator_a, deployment=ended, **COMPLETE)
    assert status_of(review.rule_results, "R23-post-deployment-review") == "met"
    assert status_of(review.rule_results, "R23-review-overdue") == "met"
    assert review.due_at == ended.ended_at + timedelta(days=14)
    assert Deployment.objects.get(pk=ended.pk).status == Status.REVIEWED


def test_r23_a_late_review_is_recorded_as_an_exception(personas, ended):
    Deployment.objects.filter(pk=ended.pk).update(ended_at=timezone.now() - timedelta(days=20))
    review = services.deployment_review(actor=personas.operator_a, deployment=ended, **COMPLETE)
    assert status_of(review.rule_results, "R23-review-overdue") == "warning"


def test_r23_an_overdue_review_warns_the_approver_of_the_next_deployment(personas, ended):
    Deployment.objects.filter(pk=ended.pk).update(ended_at=timezone.now() - timedelta(days=20))
    following = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                               title="Next match")
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=following, reasons=REASONS)
    assert status_of(auth.rule_results, "R23-review-overdue") == "warning"
