"""A deployment kept from the public under a critical-threat exemption appears in the force's public log once it
is over; from then on the public may name it in a complaint, like any other published deployment. While it runs,
its reference is refused in the same words as one that does not exist."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from deployments.complaints.models import Complaint
from deployments.models import Deployment, Status
from tests.complaints.helpers import file_through_page, public_client
from tests.deployments.factories import lfr_deployment


def _exempt(personas, *, over: bool):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="authorised", entries=1)
    if over:  # it ran three hours ago and ended an hour ago
        now = timezone.now()
        Deployment.objects.filter(pk=deployment.pk).update(
            starts_at=now - timedelta(hours=3), ends_at=now - timedelta(minutes=30), status=Status.ENDED,
            ended_at=now - timedelta(hours=1))
    Deployment.objects.filter(pk=deployment.pk).update(critical_threat_exemption=True)
    return deployment


def test_an_exempt_deployment_that_is_over_may_be_named(personas):
    deployment = _exempt(personas, over=True)
    response, reference = file_through_page(public_client(), personas.force_a, subject="deployment",
                                            deployment=f"LFR-{deployment.pk}")
    assert response.status_code == 200 and Complaint.objects.get(reference=reference).deployment == deployment


def test_an_exempt_deployment_not_yet_over_is_refused(personas):
    deployment = _exempt(personas, over=False)
    response, reference = file_through_page(public_client(), personas.force_a, subject="deployment",
                                            deployment=f"LFR-{deployment.pk}")
    assert response.status_code == 400 and reference is None and not Complaint.objects.exists()
