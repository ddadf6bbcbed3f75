"""A complaint past the deadline of the step it waits for (the oversight body's triage, then the force's answer;
both policy settings) appears on the oversight dashboard; one within its deadline, or answered, does not."""
from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from deployments.complaints import services
from deployments.complaints.selectors import complaints_overdue
from oversight import services as ground

DESCRIPTION = "The van filmed the whole market square and no notice was given beforehand."


def _file(force, *, days_ago: float):
    return services.complaint_file(force=force, subject="force", description=DESCRIPTION, address="192.0.2.1",
                                   now=timezone.now() - timedelta(days=days_ago))


def _dashboard(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/oversight/")
    assert response.status_code == 200
    return response.content.decode().split('id="complaints-overdue"')[1]


def test_a_complaint_not_triaged_in_time_is_on_the_dashboard(personas):
    late = _file(personas.force_a, days_ago=6)  # triage within 5 days by default
    on_time = _file(personas.force_b, days_ago=1)
    section = _dashboard(personas.auditor)
    assert f'data-complaint="{late.pk}"' in section and "South Mercia Police" in section
    assert f'data-complaint="{on_time.pk}"' not in section
    assert "The oversight body to pass it on or close it" in section


def test_a_complaint_the_force_has_not_answered_in_time_is_on_the_dashboard_until_answered(personas):
    complaint = _file(personas.force_a, days_ago=30)
    services.complaint_assign(actor=personas.auditor, complaint=complaint, note="Please look at the notices.",
                              now=timezone.now() - timedelta(days=25))  # answer due 20 days later: 5 days ago
    section = _dashboard(personas.oversight_admin)
    assert f'data-complaint="{complaint.pk}"' in section and "The force's answer" in section
    services.complaint_respond(actor=personas.approver_a, complaint=complaint, outcome="partly_upheld",
                               response="Notices went out a day late; they now go out three days before.")
    assert f'data-complaint="{complaint.pk}"' not in _dashboard(personas.oversight_admin)


def test_the_deadline_is_the_policy_setting_in_force_when_the_complaint_arrived(personas):
    before = _file(personas.force_a, days_ago=6)
    ground.policy_setting_version_add(actor=personas.oversight_admin, key="complaints.triage_days", value=10,
                                      effective_from=timezone.now() - timedelta(days=7),
                                      reason="Test: the oversight body allows itself ten days to triage.")
    after = _file(personas.force_a, days_ago=6)
    assert before.triage_due_at == before.received_at + timedelta(days=5)  # filed under the old version
    assert after.triage_due_at == after.received_at + timedelta(days=10)
    assert before in complaints_overdue() and after not in complaints_overdue()
    section = _dashboard(personas.auditor)
    assert f'data-complaint="{before.pk}"' in section and f'data-complaint="{after.pk}"' not in section


def test_force_staff_do_not_reach_the_dashboard(personas):
    client = Client()
    client.force_login(personas.approver_a)
    assert client.get("/oversight/").status_code == 403
