"""The urgent route: an Inspector authorises, a Superintendent reviews in time, or the deployment stops."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from deployments import services
from deployments.models import Authorisation, Deployment, Status
from oversight.models import AuditEvent
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import REASONS, database_state, refused_by


@pytest.fixture
def urgent(personas, inspector_a):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                van="lfr-van-07")
    response = personas.api(inspector_a).post(f"/api/deployments/{deployment.pk}/urgent-authorise/",
                                              {"reasons": REASONS}, format="json")
    assert response.status_code == 201, response.content
    return Deployment.objects.get(pk=deployment.pk)


def test_an_inspector_authorises_urgently_with_a_review_deadline_from_policy(urgent, inspector_a):
    auth = urgent.authorisations.get()
    assert urgent.status == Status.URGENT_AUTHORISED
    assert auth.urgent and auth.approver_rank == inspector_a.rank
    assert auth.urgent_review == Authorisation.UrgentReview.PENDING
    assert auth.urgent_review_due_at == auth.decided_at + timedelta(hours=24)
    assert "lfr.urgent_review_hours" in {s.key for s in auth.policy_settings.all()}
    assert "lfr.urgent_rank_floor" in {s.key for s in auth.policy_settings.all()}


def test_a_sergeant_cannot_authorise_even_urgently(personas, submitted):
    from oversight import services as ground
    from oversight.models import Rank, Role

    sergeant = ground.user_create(actor=personas.oversight_admin, username="sid.sergeant", password=None,
                                  role=Role.FORCE_APPROVER, force=personas.force_a, rank=Rank.SERGEANT)
    with refused_by("R02-authorising-rank", "approver"):
        services.deployment_urgent_authorise(actor=sergeant, deployment=submitted, reasons=REASONS)


def test_it_may_run_until_a_superintendent_confirms_it(personas, urgent):
    active = services.deployment_activate(actor=personas.operator_a, deployment=urgent)
    assert active.status == Status.ACTIVE
    response = personas.api(personas.approver_a).post(f"/api/deployments/{urgent.pk}/urgent-review/",
                                                      {"decision": "confirm", "reasons": REASONS}, format="json")
    assert response.status_code == 200 and response.json()["urgent_review"] == "confirmed"
    assert Deployment.objects.get(pk=urgent.pk).status == Status.ACTIVE
    assert services.urgent_authorisations_enforce(urgent.ends_at) == []


def test_refused_on_review_it_stops_and_frees_its_van(personas, urgent):
    services.deployment_activate(actor=personas.operator_a, deployment=urgent)
    services.deployment_urgent_review(actor=personas.approver_a, deployment=urgent, confirm=False,
                                      reasons="No urgency: the wanted person was arrested this morning.")
    stopped = Deployment.objects.get(pk=urgent.pk)
    assert stopped.status == Status.STOPPED and stopped.ended_at is not None
    assert not stopped.bookings.filter(released_at__isnull=True).exists()


def test_an_inspector_cannot_review_an_urgent_authorisation(urgent, inspector_a):
    with refused_by("R02-authorising-rank", "approver"):
        services.deployment_urgent_review(actor=inspector_a, deployment=urgent, confirm=True, reasons=REASONS)


def test_not_reviewed_in_time_it_is_stopped_by_the_scheduled_job(personas, urgent):
    services.deployment_activate(actor=personas.operator_a, deployment=urgent)
    due = urgent.authorisations.get().urgent_review_due_at
    assert services.urgent_authorisations_enforce(due - timedelta(minutes=1)) == []
    stopped = services.urgent_authorisations_enforce(due + timedelta(minutes=1))
    assert [d.pk for d in stopped] == [urgent.pk]
    assert Deployment.objects.get(pk=urgent.pk).status == Status.STOPPED
    assert urgent.authorisations.get().urgent_review == Authorisation.UrgentReview.LAPSED
    event = AuditEvent.objects.filter(action="deployment.transition", object_id=str(urgent.pk)).last()
    assert event.actor is None and event.new["status"] == Status.STOPPED and "R02-urgent-review" in event.reason
    assert services.urgent_authorisations_enforce(due + timedelta(hours=1)) == []  # runs again harmlessly


def test_a_review_after_the_deadline_is_refused(personas, urgent):
    from django.utils import timezone

    Authorisation.objects.filter(deployment=urgent).update(decided_at=timezone.now() - timedelta(hours=25),
                                                           urgent_review_due_at=timezone.now() - timedelta(hours=1))
    before = database_state()
    with refused_by("R02-urgent-review", "urgent_review"):
        services.deployment_urgent_review(actor=personas.approver_a, deployment=urgent, confirm=True,
                                          reasons=REASONS)
    assert database_state() == before


def test_an_operator_cannot_review_an_urgent_authorisation(personas, urgent):
    with pytest.raises(PermissionDenied):
        services.deployment_urgent_review(actor=personas.operator_a, deployment=urgent, confirm=True,
                                          reasons=REASONS)


def test_the_celery_task_runs_the_same_enforcement(personas, urgent):
    from deployments.tasks import urgent_authorisations_enforce_task

    assert urgent_authorisations_enforce_task.delay().get() == {"stopped": []}
