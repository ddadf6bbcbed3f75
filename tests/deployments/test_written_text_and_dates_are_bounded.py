"""What people write has a maximum length and the dates they enter of things that happened have bounds, judged in
one place for every record: text longer than its field allows, or a date in the future or absurdly far back, is a
400 naming the field and the limit, through the API and the pages alike, and nothing is written."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from deployments.models import Authorisation, Consultation, Deployment, ProportionalityAssessment
from oversight import bounds
from oversight.models import AuditEvent
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import REASONS, page_client

# Text fields the product writes itself, never a person: no limit is needed on them.
WRITTEN_BY_THE_PRODUCT = {("matching", "videofeed", "error"),
                          ("oversight", "checkpoint", "note"), ("reports", "reportrun", "error")}


def _counts() -> tuple:
    return (Consultation.objects.count(), ProportionalityAssessment.objects.count(), Authorisation.objects.count(),
            Deployment.objects.count(), AuditEvent.objects.count())


def _consultation(**overrides) -> dict:
    return {"body": "advisory_group", "name": "Worcester Independent Advisory Group",
            "held_on": (timezone.localdate() - timedelta(days=12)).isoformat(),
            "said": "Asked that the van stand where people can see it.", **overrides}


def test_every_text_field_a_person_writes_has_a_limit():
    """A new text field without a limit fails here: the limit is what the one check reads."""
    unbounded = []
    for model in apps.get_models():
        if model._meta.app_label not in bounds.APPS or model.__name__.endswith("Event"):
            continue
        for field in model._meta.concrete_fields:
            key = (model._meta.app_label, model._meta.model_name, field.name)
            if isinstance(field, models.TextField) and not field.max_length and key not in WRITTEN_BY_THE_PRODUCT:
                unbounded.append(".".join(key))
    assert unbounded == []


@pytest.mark.parametrize("overrides, says", [
    ({"said": "x" * (bounds.TEXT + 1)}, "what they said is too long: 10,001 characters; the limit is 10,000"),
    ({"name": "y" * 201}, "at most 200 characters (it has 201)"),
    ({"held_on": "1990-05-01"}, "the date it was held cannot be before"),
    ({"held_on": (timezone.localdate() - timedelta(days=4 * 366)).isoformat()}, "more than 3 years ago"),
    ({"held_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "has not happened yet"),
], ids=["said-too-long", "name-too-long", "held-before-records", "held-years-ago", "held-tomorrow"])
def test_a_consultation_out_of_bounds_is_a_400_naming_it_and_writes_nothing(personas, overrides, says):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", entries=1)
    before = _counts()
    response = page_client(personas.operator_a).post(f"/deployments/{deployment.pk}/consultations/",
                                                     _consultation(**overrides))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert _counts() == before


def test_a_consultation_at_the_limits_is_recorded(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", entries=1)
    held = timezone.localdate() - timedelta(days=2 * 365)
    response = page_client(personas.operator_a).post(f"/deployments/{deployment.pk}/consultations/", _consultation(
        said="z" * bounds.TEXT, name="n" * 200, held_on=held.isoformat()))
    assert response.status_code == 302
    consultation = Consultation.objects.get(deployment=deployment)
    assert len(consultation.said) == bounds.TEXT and len(consultation.name) == 200 and consultation.held_on == held


def test_an_assessment_section_too_long_is_a_400_through_the_api(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", entries=1)
    body = {"legitimate_aim": "HRA-A8-2-CRIME", "strict_necessity": "s" * (bounds.TEXT + 5),
            "alternatives_considered": "Patrols failed.", "expected_faces": 20000,
            "community_impact": "No disproportionate effect.", "collateral_intrusion": "Low.",
            "conclusion": "Proportionate."}
    before = _counts()
    response = personas.api(personas.operator_a).put(f"/api/deployments/{deployment.pk}/assessment/", body,
                                                     format="json")
    assert response.status_code == 400, response.content
    assert response.json()["strict_necessity"] == ["strict necessity is too long: 10,005 characters; the limit is "
                                                   "10,000"]
    assert _counts() == before


def test_an_assessment_page_refuses_a_consultation_date_decades_back(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", entries=1)
    body = {"legitimate_aim": "HRA-A8-2-CRIME", "strict_necessity": "Patrols have not found them in six weeks.",
            "alternatives_considered": "Patrols failed.", "expected_faces": "20000",
            "community_impact": "No disproportionate effect.", "collateral_intrusion": "Low.",
            "conclusion": "Proportionate.", "engagement_consulted": "Ward councillors.",
            "engagement_on": "1901-01-01", "engagement_feedback": "Asked for signs."}
    old = ProportionalityAssessment.objects.filter(deployment=deployment).values().first()
    before = _counts()
    response = page_client(personas.operator_a).post(f"/deployments/{deployment.pk}/assessment/", body)
    assert response.status_code == 400
    assert "the consultation date cannot be before" in response.content.decode()
    assert "1 Jan 1901 is more than 3 years ago" in response.content.decode()
    assert _counts() == before
    assert ProportionalityAssessment.objects.filter(deployment=deployment).values().first() == old


def test_a_deployment_field_too_long_is_a_400_through_the_api(personas):
    starts = timezone.now() + timedelta(hours=3)
    body = {"title": "Market square", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=6)).isoformat(), "algorithm_version": "nec-neoface-v4",
            "threshold": 0.64, "location_name": "Market square", "latitude": 52.48, "longitude": -1.9,
            "radius_m": 200, "policing_objective": "o" * (bounds.TEXT + 1)}
    before = _counts()
    response = personas.api(personas.operator_a).post("/api/deployments/", body, format="json")
    assert response.status_code == 400, response.content
    assert "the limit is 10,000" in response.json()["policing_objective"][0]
    assert _counts() == before


def test_reasons_too_long_refuse_the_decision_and_the_deployment_stays_as_it_was(personas):
    """The record's own check, with no check of its own in the service: the transaction writes nothing."""
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="submitted", entries=1)
    before = _counts()
    response = personas.api(personas.approver_a).post(f"/api/deployments/{deployment.pk}/refuse/",
                                                      {"reasons": REASONS + "r" * bounds.TEXT}, format="json")
    assert response.status_code == 400, response.content
    assert "reasons is too long" in response.json()["reasons"][0] and "10,000" in response.json()["reasons"][0]
    assert _counts() == before
    deployment.refresh_from_db()
    assert deployment.status == "submitted"


def test_a_record_saved_again_later_keeps_a_date_entered_inside_the_window(personas):
    """The window of years is judged when the date is entered; an older record saved again is not refused."""
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", entries=1)
    consultation = Consultation.objects.create(deployment=deployment, body="community", name="Traders",
                                               held_on=timezone.localdate(), said="Asked for signs.",
                                               recorded_by=personas.operator_a, recorded_at=timezone.now())
    Consultation.objects.filter(pk=consultation.pk).update(held_on=date(2016, 3, 1))
    consultation.refresh_from_db()
    consultation.said = "Asked for signs at each entrance."
    consultation.save()
    assert Consultation.objects.get(pk=consultation.pk).held_on == date(2016, 3, 1)
