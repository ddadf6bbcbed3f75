"""The factory builds a deployment that meets every blocking rule, for this and later layers' tests."""
from deployments import rules, selectors
from deployments.models import Status
from tests.deployments.factories import lfr_deployment


def test_the_factory_builds_a_submitted_deployment_that_meets_every_blocking_rule(personas, submitted):
    assert submitted.status == Status.SUBMITTED
    result = rules.check_authorisation(submitted, approver=personas.approver_a)
    assert result.blocking == [], result.blocking
    assert selectors.watchlist_composition(watchlist=submitted.watchlist)["size"] == 3


def test_the_factory_goes_as_far_as_active_and_books_a_van(personas):
    deployment = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                                stage="active", van="lfr-van-03", entries=1)
    assert deployment.status == Status.ACTIVE
    assert selectors.authorisation_current(deployment=deployment).approver == personas.approver_b
    assert [b.asset.code for b in deployment.bookings.all()] == ["lfr-van-03"]
