"""Community engagement is recorded consultation by consultation (who: an independent advisory group, the local
council, community representatives; when; what they said), audited, and shown to the approver on the page they
decide on. The public deployment log says that engagement took place and with what kinds of group, never names
or words."""
from __future__ import annotations

import json
import time
from datetime import timedelta

from django.utils import timezone

from deployments import services
from deployments.models import Consultation
from oversight.models import AuditEvent
from oversight.transparency.figures import report_figures
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import page_client

IAG = {"body": "advisory_group", "name": "Worcester Independent Advisory Group",
       "said": "Asked that the van stand where people can see it; it was moved to the station forecourt."}


def _form(**overrides) -> dict:
    return {**IAG, "held_on": (timezone.localdate() - timedelta(days=12)).isoformat(), **overrides}


def test_consultations_are_recorded_audited_and_shown_to_the_approver(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="submitted", entries=1)
    operator = page_client(personas.operator_a)
    response = operator.post(f"/deployments/{deployment.pk}/consultations/", _form())
    assert response.status_code == 302
    operator.post(f"/deployments/{deployment.pk}/consultations/", _form(
        body="local_council", name="Worcester City Council community safety committee",
        said="Supported it for the match day only; asked for the figures to be published afterwards."))

    html = page_client(personas.approver_a).get(f"/deployments/{deployment.pk}/").content.decode()
    table = html.split('id="consultations"')[1].split("</table>")[0]
    assert "Independent advisory group: Worcester Independent Advisory Group" in table
    assert "moved to the station forecourt" in table and "Local council" in table
    assert "Authorise" in html  # the same page the approver decides on
    events = AuditEvent.objects.filter(action="consultation.record", force=personas.force_a)
    assert events.count() == 2 and {e.actor for e in events} == {personas.operator_a}


def test_the_approver_is_told_when_nobody_was_consulted(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="submitted", entries=1)
    html = page_client(personas.approver_a).get(f"/deployments/{deployment.pk}/").content.decode()
    assert 'id="no-consultations"' in html and "No consultation with the community" in html


def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", entries=1)
    client = page_client(personas.operator_a)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for body, label in ((_form(held_on=tomorrow), "When"), (_form(body="the pub"), "Who was consulted"),
                        (_form(name=""), "Name of the group"), (_form(said=""), "What they said")):
        response = client.post(f"/deployments/{deployment.pk}/consultations/", body)
        assert response.status_code == 400 and label in response.content.decode()
    assert not Consultation.objects.exists()
    assert not AuditEvent.objects.filter(action="consultation.record").exists()


def test_another_force_can_neither_read_nor_record_them(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="submitted", entries=1)
    services.consultation_record(actor=personas.operator_a, deployment=deployment, body="community",
                                 name="Bullring traders", held_on=timezone.localdate(), said="Asked for signs.")
    other = page_client(personas.operator_b)
    assert other.get(f"/deployments/{deployment.pk}/").status_code == 404
    assert other.post(f"/deployments/{deployment.pk}/consultations/", _form()).status_code == 404
    assert Consultation.objects.count() == 1


def test_the_public_log_says_engagement_took_place_without_names_or_words(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="authorised", entries=1, starts_in=timedelta(seconds=3))
    services.consultation_record(actor=personas.operator_a, deployment=deployment, held_on=timezone.localdate(),
                                 **IAG)
    services.consultation_record(actor=personas.operator_a, deployment=deployment, body="community",
                                 name="Shrub Hill residents' association", held_on=timezone.localdate(),
                                 said="Worried about children being scanned on the way to school.")
    time.sleep(max(0.0, (deployment.starts_at - timezone.now()).total_seconds()) + 0.5)
    services.deployment_activate(actor=personas.operator_a, deployment=deployment)
    today = timezone.localdate()
    document = report_figures(force=personas.force_a, period_start=today - timedelta(days=1),
                              period_end=today + timedelta(days=1))
    row = next(r for r in document["deployment_log"] if r["reference"] == f"LFR-{deployment.pk}")
    assert row["community_consulted"] == "Independent advisory group; Community representatives"
    published = json.dumps(document)
    for private in ("Worcester Independent Advisory Group", "Shrub Hill", "children being scanned",
                    "station forecourt"):
        assert private not in published
