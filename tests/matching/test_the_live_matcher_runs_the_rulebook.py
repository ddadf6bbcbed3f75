"""The live matcher asks the rulebook before every request, and again under the deployment's lock before it writes
an alert: through the real live API and the real face matcher."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from deployments import services as governance
from deployments.audit_actions import DEPLOYMENT_TRANSITION
from deployments.models import Authorisation, Deployment, Status
from matching.services import enrolment, live as live_matching
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FacesProcessed
from oversight import services as ground
from oversight.models import AuditEvent, Rank, Role
from tests.conftest import make_personas
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import REASONS
from tests.matching.conftest import THRESHOLD, Live, make_live
from tests.workers import committed_db  # noqa: F401


@pytest.fixture
def urgent_live(personas, photos) -> Live:
    """An LFR deployment running on an Inspector's urgent authorisation, still waiting for its review."""
    inspector = ground.user_create(actor=personas.oversight_admin, username="ian.inspector", password="x" * 16,
                                   role=Role.FORCE_APPROVER, force=personas.force_a, rank=Rank.INSPECTOR,
                                   first_name="Ian", last_name="Inspector")
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="submitted", images=[photos[SAME_PERSON[0]]], starts_in=timedelta(minutes=-1),
                                hours=6, algorithm="dlib-resnet-v1", threshold=THRESHOLD)
    governance.deployment_urgent_authorise(actor=inspector, deployment=deployment, reasons=REASONS)
    governance.deployment_activate(actor=personas.operator_a, deployment=deployment)
    assert enrolment.watchlist_enrol(actor=personas.operator_a, deployment=deployment).rejected == []
    _, token = live_matching.device_create(actor=personas.operator_a, deployment=deployment, name="Van 7 camera 1")
    from rest_framework.test import APIClient

    return Live(deployment, deployment.watchlist.entries.get(), token, personas.operator_a, APIClient())


def test_an_urgent_authorisation_whose_review_time_passes_is_refused_on_the_next_frame(urgent_live, photos):
    first = urgent_live.send_frames([photos[SAME_PERSON[1]]])
    assert first.status_code == 200 and len(first.json()["results"][0]["alerts"]) == 1

    # The 24 hours for a Superintendent's review run out (the authorisation was given a day and a minute ago).
    auth = urgent_live.deployment.authorisations.get()
    given = timezone.now() - timedelta(hours=24, minutes=1)
    Authorisation.objects.filter(pk=auth.pk).update(decided_at=given, urgent_review_due_at=given + timedelta(hours=24))

    refused = urgent_live.send_frames([photos[SAME_PERSON[2]]])
    assert refused.status_code == 409
    body = refused.json()
    assert body["rule"] == "R02-urgent-review" and body["code"] == "urgent_review_overdue"
    assert "had to be reviewed by" in body["detail"] and not body["detail"].startswith("R02")
    assert Alert.objects.filter(deployment=urgent_live.deployment).count() == 1
    # The deployment stopped at once, with its audit event, not at the next periodic run.
    assert Deployment.objects.get(pk=urgent_live.deployment.pk).status == Status.STOPPED
    assert Authorisation.objects.get(pk=auth.pk).urgent_review == Authorisation.UrgentReview.LAPSED
    assert AuditEvent.objects.filter(action=DEPLOYMENT_TRANSITION, object_id=str(urgent_live.deployment.pk),
                                     new__action="urgent_lapse", new__status=Status.STOPPED).count() == 1


def test_a_frame_for_a_deployment_whose_threshold_is_below_the_floor_is_refused(live, photos, personas):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    counted = FacesProcessed.objects.filter(deployment=live.deployment)
    faces_before = sum(counted.values_list("faces", flat=True))
    # The oversight body raises the floor for this algorithm above the deployment's threshold (0.94): the searches'
    # thresholds first, since no threshold may be left below a floor.
    for key in ("rfr.threshold", "oifr.threshold"):
        ground.policy_setting_version_add(actor=personas.oversight_admin, key=key, value={"dlib-resnet-v1": 0.96},
                                          reason="new bias test results")
    ground.policy_setting_version_add(actor=personas.oversight_admin, key="matching.threshold_floor",
                                      value={"nec-neoface-v4": 0.64, "dlib-resnet-v1": 0.95},
                                      reason="new bias test results")

    response = live.send_frames([photos[SAME_PERSON[2]], photos[OTHER_PERSON]])
    assert response.status_code == 409
    body = response.json()
    assert body["rule"] == "R06-threshold-floor" and body["code"] == "below_threshold_floor"
    assert body["detail"] == "0.94 is below the floor of 0.95 for dlib-resnet-v1"
    assert Alert.objects.filter(deployment=live.deployment).count() == 1
    assert sum(counted.values_list("faces", flat=True)) == faces_before


def test_a_refusal_names_its_rule_apart_from_a_plain_message(live, photos):
    governance.deployment_end(actor=live.operator, deployment=live.deployment)
    body = live.send_frames([photos[SAME_PERSON[1]]]).json()
    assert body["rule"] == "R01-written-authorisation" and body["code"] == "deployment_not_active"
    assert body["detail"] == "the deployment is ended, not active"
    assert [v["rule"] for v in body["violations"]] == ["R01-written-authorisation"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_a_deployment_ended_during_a_batch_gets_no_alert_created_after_its_end(photos):
    personas = make_personas()
    live = make_live(personas, photos)
    frames = [photos[SAME_PERSON[1]], photos[SAME_PERSON[2]]] * 16  # 32 frames, every one alerts
    answer: dict = {}

    def send():
        try:
            answer["response"] = live.send_frames(frames)
        finally:
            connections.close_all()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        deadline = time.monotonic() + 120
        while not Alert.objects.filter(deployment=live.deployment).exists():  # the batch is under way
            assert time.monotonic() < deadline, "no alert was raised"
            time.sleep(0.02)
        ended = personas.api(personas.operator_a).post(f"/api/deployments/{live.deployment.pk}/end/")
        assert ended.status_code == 200, ended.content
    finally:
        sender.join(timeout=300)

    deployment = Deployment.objects.get(pk=live.deployment.pk)
    assert deployment.status == Status.ENDED
    alerts = Alert.objects.filter(deployment=deployment)
    assert alerts.exists()
    assert not alerts.filter(created_at__gt=deployment.ended_at).exists()
    results = answer["response"].json()["results"]
    processed = [r for r in results if r["status"] == "processed"]
    refused = [r for r in results if r["status"] == "rejected"]
    assert len(processed) == alerts.count() and refused, results
    assert all(r["error"]["code"] == "deployment_not_active" for r in refused)
    assert [r["index"] for r in results] == list(range(32))
