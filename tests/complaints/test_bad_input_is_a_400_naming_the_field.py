"""The public form refuses bad input with a 400 that names the field, and writes nothing: no complaint, no
audit event. A deployment reference the force never published (another force's, a covert one, none at all)
is refused in the same words, so the form says nothing of what exists."""
from __future__ import annotations

from datetime import timedelta

import re

import pytest
from django.utils import timezone

from deployments.complaints.models import Complaint
from oversight.models import AuditEvent
from tests.complaints.helpers import file_through_page, public_client
from tests.deployments.factories import lfr_deployment

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("overrides, label", [
    ({"description": ""}, "What happened"),
    ({"description": "too short"}, "What happened"),
    ({"description": "x" * 5001}, "What happened"),
    ({"subject": "everything"}, "What your complaint is about"),
    ({"force": "no-such-force"}, "Which police force"),
    ({"happened_on": "31/02/2026"}, "When it happened"),
    ({"happened_on": TOMORROW}, "When it happened"),
    ({"contact_email": "not an address"}, "Your email address"),
    ({"contact_phone": "call me maybe"}, "Your phone number"),
    ({"subject": "deployment", "deployment": "LFR-999999"}, "Deployment reference"),
    ({"subject": "force", "deployment": "LFR-1"}, "Deployment reference"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(personas, overrides, label):
    events = AuditEvent.objects.count()
    response, reference = file_through_page(public_client(), personas.force_a, **overrides)
    html = response.content.decode()
    assert response.status_code == 400 and reference is None
    assert f"{label}" in html and "There is a problem" in html
    assert Complaint.objects.count() == 0 and AuditEvent.objects.count() == events


def test_a_deployment_of_another_force_or_a_draft_is_refused_in_the_same_words(personas):
    theirs = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                            stage="authorised", entries=1)
    draft = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                           stage="draft", entries=1)
    answers = []
    for deployment in (theirs, draft):
        response, reference = file_through_page(public_client(), personas.force_a, subject="deployment",
                                                deployment=f"LFR-{deployment.pk}")
        assert response.status_code == 400 and reference is None
        summary = response.content.decode().split("There is a problem")[1].split("</div>")[0]
        answers.append(re.sub(r"LFR-\d+", "LFR-N", summary))
    assert len(set(answers)) == 1
    assert Complaint.objects.count() == 0

    ours = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                          stage="authorised", entries=1)
    response, reference = file_through_page(public_client(), personas.force_a, subject="deployment",
                                            deployment=f"lfr-{ours.pk}")
    assert response.status_code == 200 and Complaint.objects.get(reference=reference).deployment == ours
