"""A complaint's texts have limits and its date bounds: the date it happened is not in the future, not before
anything the service records, and not before the deployment it names began. What breaks them is a 400 naming the
field and the limit, and nothing is written."""
from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from deployments.complaints.models import Complaint, ComplaintStatus
from oversight import bounds
from oversight.models import AuditEvent
from tests.complaints.helpers import complaint_of, file_through_page, public_client
from tests.deployments.factories import lfr_deployment


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _state() -> tuple:
    return (list(Complaint.objects.order_by("pk").values()), AuditEvent.objects.count())


def test_a_date_before_anything_the_service_records_is_refused(personas):
    before = _state()
    response, reference = file_through_page(public_client(), personas.force_a, happened_on="2009-06-01")
    html = response.content.decode()
    assert response.status_code == 400 and reference is None
    assert "When it happened" in html
    assert "the date it happened cannot be before 1 Jan 2014" in html
    assert _state() == before


def test_a_date_before_the_named_deployment_began_is_refused(personas):
    # It began a minute ago: made to start in two hours, it would begin tomorrow when the test runs late at night,
    # and the day it began would be a date in the future, which is refused for that reason.
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="authorised", entries=1, starts_in=timedelta(minutes=-1))
    day_before = timezone.localdate(deployment.starts_at) - timedelta(days=1)
    before = _state()
    response, reference = file_through_page(public_client(), personas.force_a, subject="deployment",
                                            deployment=f"LFR-{deployment.pk}", happened_on=day_before.isoformat())
    assert response.status_code == 400 and reference is None
    assert "when the deployment you name began" in response.content.decode()
    assert _state() == before
    # The day it began is accepted.
    response, reference = file_through_page(public_client(), personas.force_a, subject="deployment",
                                            deployment=f"LFR-{deployment.pk}",
                                            happened_on=timezone.localdate(deployment.starts_at).isoformat())
    assert reference is not None and complaint_of(reference).deployment == deployment


def test_the_note_passing_it_on_and_the_forces_answer_have_limits(personas):
    _, reference = file_through_page(public_client(), personas.force_a)
    complaint = complaint_of(reference)
    auditor = _signed_in(personas.auditor)
    before = _state()
    response = auditor.post(f"/complaints/{complaint.pk}/assign/", {"force": personas.force_a.code,
                                                                    "note": "n" * (bounds.NOTE + 1)})
    assert response.status_code == 400
    assert "triage note is too long: 2,001 characters; the limit is 2,000" in response.content.decode()
    assert _state() == before

    auditor.post(f"/complaints/{complaint.pk}/assign/", {"force": personas.force_a.code, "note": "Please look."})
    before = _state()
    response = _signed_in(personas.approver_a).post(f"/complaints/{complaint.pk}/answer/", {
        "outcome": "upheld", "response": "We looked into it. " + "a" * bounds.COMPLAINT})
    assert response.status_code == 400
    assert "response is too long: 5,019 characters; the limit is 5,000" in response.content.decode()
    assert _state() == before
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ASSIGNED
