"""The deployment form offers only the vans free for the window; community engagement is recorded as facts
(who was consulted, when, what they said) and shown to the approver."""
from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from deployments import services
from deployments.models import AssetBooking, Deployment, ProportionalityAssessment
from oversight.models import AuditEvent
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import page_client
from tests.deployments.test_pages import draft_form, local


def offered(html: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="assets" value="([^"]+)"', html)


def test_the_form_lists_only_the_vans_free_for_the_window(personas):
    taken = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                           stage="draft", van="lfr-van-03", entries=1)
    client = page_client(personas.operator_a)
    everything = offered(client.get("/deployments/new/").content.decode())
    assert "lfr-van-03" in everything and "lfr-van-05" in everything  # no window yet: the whole pool
    assert "Asset codes separated by commas" not in client.get("/deployments/new/").content.decode()

    during = draft_form(starts_at=local(taken.starts_at), ends_at=local(taken.ends_at), assets=[])
    response = client.post("/deployments/new/", during | {"show_free": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and not Deployment.objects.filter(force=personas.force_a).exists()
    assert "lfr-van-03" not in offered(html) and "lfr-van-05" in offered(html)
    assert 'id="free-for-window"' in html
    assert "North Wessex" not in html and taken.title not in html  # another force's booking is not described

    later = taken.ends_at + timedelta(hours=1)
    response = client.post("/deployments/new/", draft_form(starts_at=local(later), ends_at=local(later + timedelta(
        hours=4)), assets=[]) | {"show_free": "1"})
    assert "lfr-van-03" in offered(response.content.decode())


def test_a_van_booked_for_that_window_is_refused_by_name_and_nothing_is_written(personas):
    taken = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                           stage="draft", van="lfr-van-03", entries=1)
    client = page_client(personas.operator_a)
    before = (Deployment.objects.count(), AssetBooking.objects.count(), AuditEvent.objects.count())
    response = client.post("/deployments/new/", draft_form(starts_at=local(taken.starts_at),
                                                           ends_at=local(taken.ends_at), assets=["lfr-van-03"]))
    assert response.status_code == 400
    assert "lfr-van-03 is not free for that window" in response.content.decode()
    assert (Deployment.objects.count(), AssetBooking.objects.count(), AuditEvent.objects.count()) == before
    response = client.post("/deployments/new/", draft_form(starts_at=local(taken.starts_at),
                                                           ends_at=local(taken.ends_at), assets=["lfr-van-05"]))
    assert response.status_code == 302
    assert Deployment.objects.get(force=personas.force_a).bookings.get().asset.code == "lfr-van-05"


def test_community_engagement_is_recorded_audited_and_shown_to_the_approver(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", entries=1)
    client = page_client(personas.operator_a)
    body = {"legitimate_aim": "HRA-A8-2-CRIME", "strict_necessity": "Patrols have not found them in six weeks.",
            "alternatives_considered": "Patrols failed.", "expected_faces": "20000",
            "community_impact": "Used by every community; no disproportionate effect found.",
            "collateral_intrusion": "Low.", "conclusion": "Proportionate.",
            "engagement_consulted": "Independent advisory group; Bullring traders' association; ward councillors.",
            "engagement_on": (timezone.localdate() - timedelta(days=9)).isoformat(),
            "engagement_feedback": "Traders asked for signs at every entrance; signs added to the notice plan."}
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(f"/deployments/{deployment.pk}/assessment/", body | {"engagement_on": tomorrow})
    assert response.status_code == 400 and "has not happened yet" in response.content.decode()
    assert ProportionalityAssessment.objects.get(deployment=deployment).engagement_consulted == ""

    assert client.post(f"/deployments/{deployment.pk}/assessment/", body).status_code == 302
    assessment = ProportionalityAssessment.objects.get(deployment=deployment)
    assert assessment.engagement_on == timezone.localdate() - timedelta(days=9)
    assert "advisory group" in assessment.engagement_consulted
    event = AuditEvent.objects.filter(action="assessment.save").order_by("-seq").first()
    assert "advisory group" in str(event.new)

    html = page_client(personas.approver_a).get(f"/deployments/{deployment.pk}/").content.decode()
    assert "Bullring traders" in re.search(r'id="engagement-consulted">(.*?)</dd>', html, re.S).group(1)
    assert (timezone.localdate() - timedelta(days=9)).strftime("%-d %b %Y") in html
    assert "signs added to the notice plan" in html


def test_the_service_records_engagement_without_a_page(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", entries=1)
    held = timezone.localdate() - timedelta(days=200)  # within the years a consultation may be recorded from
    assessment = services.assessment_save(
        actor=personas.operator_a, deployment=deployment, legitimate_aim="HRA-A8-2-CRIME", strict_necessity="x",
        alternatives_considered="x", expected_faces=100, community_impact="x", collateral_intrusion="x",
        conclusion="x", engagement_consulted="Residents' meeting", engagement_on=held)
    assert assessment.engagement_consulted == "Residents' meeting" and assessment.engagement_on == held
