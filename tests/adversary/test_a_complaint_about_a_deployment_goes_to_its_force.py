"""A complaint that names a deployment is about that force's deployment: the oversight body passes it to that
force, never to another (which could neither read the deployment nor answer for it). Passing it elsewhere is
refused naming the force, and nothing is written."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from deployments.complaints import services
from deployments.complaints.models import ComplaintStatus
from oversight.models import AuditEvent
from tests.deployments.factories import lfr_deployment

WORDS = "A van with cameras filmed everyone leaving the station and nobody said why."


@pytest.fixture
def about_a_deployment(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="authorised", entries=1)
    return services.complaint_file(force=personas.force_a, subject="deployment", description=WORDS,
                                   deployment_reference=f"LFR-{deployment.pk}", address="198.51.100.9")


def test_passing_it_to_another_force_is_refused(personas, about_a_deployment):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.complaint_assign(actor=personas.auditor, complaint=about_a_deployment, force=personas.force_b,
                                  note="North Wessex ran the cameras that day.")
    assert "force" in refused.value.message_dict
    about_a_deployment.refresh_from_db()
    assert about_a_deployment.status == ComplaintStatus.RECEIVED and about_a_deployment.force == personas.force_a
    assert AuditEvent.objects.count() == events


def test_the_page_says_so_with_a_400(personas, about_a_deployment):
    from django.test import Client

    client = Client()
    client.force_login(personas.auditor)
    response = client.post(f"/complaints/{about_a_deployment.pk}/assign/",
                           {"force": personas.force_b.code, "note": "North Wessex ran the cameras that day."})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    about_a_deployment.refresh_from_db()
    assert about_a_deployment.status == ComplaintStatus.RECEIVED


def test_passing_it_to_its_own_force_is_accepted(personas, about_a_deployment):
    services.complaint_assign(actor=personas.auditor, complaint=about_a_deployment, force=personas.force_a,
                              note="Please look at the notices at the station.")
    about_a_deployment.refresh_from_db()
    assert about_a_deployment.status == ComplaintStatus.ASSIGNED
