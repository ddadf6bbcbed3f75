"""The live matcher keeps the matching stage's permit between requests only while nothing it read has changed: a
change to the deployment, its authorisation, a policy setting or a document is seen on the very next frame. Through
the real live API, the real face matcher and the real rulebook."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deployments import rules
from deployments.models import Authorisation, Deployment, DocumentKind, PolicyDocument
from matching.services import live as live_matching
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FacesProcessed
from oversight import services as ground

pytestmark = pytest.mark.django_db


def _faces_counted(deployment) -> int:
    return sum(FacesProcessed.objects.filter(deployment=deployment).values_list("faces", flat=True))


def _stage_runs(live, *, at=None) -> int:
    """How many queries of the rulebook's own reads a matching check makes now (0 when the kept permit answers)."""
    deployment = Deployment.objects.select_related("force", "algorithm_version").get(pk=live.deployment.pk)
    with CaptureQueriesContext(connection) as queries:
        live_matching.matching_check(deployment, at=at or timezone.now())
    return sum("deployments_authorisation" in q["sql"] and "md5" not in q["sql"] for q in queries.captured_queries)


def test_a_second_request_uses_the_kept_permit_and_reads_only_the_version(live, photos):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    deployment = Deployment.objects.select_related("force", "algorithm_version").get(pk=live.deployment.pk)
    with CaptureQueriesContext(connection) as queries:
        permit = live_matching.matching_check(deployment, at=timezone.now())
    assert len(queries.captured_queries) == 1  # the deployment's fresh fields with the version of what the stage reads
    assert permit.until == deployment.ends_at


def test_a_camera_request_reads_its_device_and_the_stage_version_in_one_statement(live, photos):
    assert live.send_frames([photos[OTHER_PERSON]]).status_code == 200  # the permit is now kept
    with CaptureQueriesContext(connection) as queries:
        assert live.send_frames([photos[OTHER_PERSON]]).status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    versions = [sql for sql in statements if "md5(row(" in sql]
    assert len(versions) == 1 and "matching_device" in versions[0]  # the device's own statement
    assert not [sql for sql in statements if "deployments_authorisation" in sql and "md5(row(" not in sql]
    # A frame without alerts: the device's statement, the search, and the frame's record (its row lock, count and
    # receipt); the savepoints are the test's own transaction.
    assert len([sql for sql in statements if "SAVEPOINT" not in sql]) == 3


def test_an_authorisation_withdrawn_in_the_database_is_refused_on_the_next_frame(live, photos):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    assert _stage_runs(live) == 0
    # Changed behind the services' back (the back office, plain SQL): the version still sees it.
    Authorisation.objects.filter(deployment=live.deployment).update(decision=Authorisation.Decision.REFUSED)

    refused = live.send_frames([photos[SAME_PERSON[2]]])
    assert refused.status_code == 409
    assert refused.json()["rule"] == "R01-written-authorisation"
    assert Alert.objects.filter(deployment=live.deployment).count() == 1


def test_an_urgent_authorisation_whose_deadline_passes_is_refused_without_any_change_to_a_row(live, photos):
    """The permit lasts only until the review deadline: time alone, with no row changed, ends it."""
    auth = live.deployment.authorisations.get()
    decided = timezone.now() - timedelta(hours=23, minutes=59, seconds=50)
    Authorisation.objects.filter(pk=auth.pk).update(urgent=True, urgent_review=Authorisation.UrgentReview.PENDING,
                                                    decided_at=decided,
                                                    urgent_review_due_at=decided + timedelta(hours=24))
    deployment = Deployment.objects.select_related("force", "algorithm_version").get(pk=live.deployment.pk)
    permit = live_matching.matching_check(deployment, at=timezone.now())
    assert permit.until == decided + timedelta(hours=24)
    assert _stage_runs(live) == 0

    with pytest.raises(live_matching.MatchingRefused) as refused:
        live_matching.matching_check(deployment, at=permit.until + timedelta(seconds=1))
    assert refused.value.rule == "R02-urgent-review"


def test_a_threshold_lowered_below_the_floor_in_the_database_is_refused_on_the_next_frame(live, photos):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    faces = _faces_counted(live.deployment)
    Deployment.objects.filter(pk=live.deployment.pk).update(threshold=0.5)

    refused = live.send_frames([photos[SAME_PERSON[2]], photos[OTHER_PERSON]])
    assert refused.status_code == 409 and refused.json()["rule"] == "R06-threshold-floor"
    assert _faces_counted(live.deployment) == faces


def test_a_new_floor_is_refused_on_the_next_frame(live, photos, personas):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    for key in ("rfr.threshold", "oifr.threshold"):
        ground.policy_setting_version_add(actor=personas.oversight_admin, key=key, value={"dlib-resnet-v1": 0.96},
                                          reason="new bias test results")
    ground.policy_setting_version_add(actor=personas.oversight_admin, key="matching.threshold_floor",
                                      value={"nec-neoface-v4": 0.64, "dlib-resnet-v1": 0.95},
                                      reason="new bias test results")
    refused = live.send_frames([photos[SAME_PERSON[2]]])
    assert refused.status_code == 409 and refused.json()["rule"] == "R06-threshold-floor"


def test_a_bias_test_filed_with_a_higher_no_difference_threshold_is_refused_on_the_next_frame(live, photos):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    current = PolicyDocument.objects.filter(force=live.deployment.force, kind=DocumentKind.BIAS_TEST,
                                            algorithm_version=live.deployment.algorithm_version).latest("approved_on")
    PolicyDocument.objects.filter(pk=current.pk).update(no_difference_from=0.97)

    refused = live.send_frames([photos[SAME_PERSON[2]]])
    assert refused.status_code == 409 and refused.json()["rule"] == "R06-threshold-floor"
    assert "found no demographic difference" in refused.json()["detail"]


def test_a_setting_that_comes_into_force_later_is_seen_when_it_does(live, photos, personas):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    start = timezone.now() + timedelta(minutes=10)
    for key in ("rfr.threshold", "oifr.threshold"):
        ground.policy_setting_version_add(actor=personas.oversight_admin, key=key, value={"dlib-resnet-v1": 0.96},
                                          reason="new bias test results", effective_from=start)
    ground.policy_setting_version_add(actor=personas.oversight_admin, key="matching.threshold_floor",
                                      value={"nec-neoface-v4": 0.64, "dlib-resnet-v1": 0.95},
                                      reason="new bias test results", effective_from=start)
    deployment = Deployment.objects.select_related("force", "algorithm_version").get(pk=live.deployment.pk)
    live_matching.matching_check(deployment, at=timezone.now())  # not yet in force: matching goes on
    with pytest.raises(live_matching.MatchingRefused) as refused:
        live_matching.matching_check(deployment, at=start + timedelta(seconds=1))
    assert refused.value.rule == "R06-threshold-floor"


def test_a_rule_added_to_the_matching_stage_turns_the_kept_permit_off(live, photos):
    stage = {r.id for r in rules.RULES.values() if rules.MATCHING in r.stages}
    assert stage == live_matching.STAGE_RULES_COVERED, "a new matching rule: add its reads to _stage_version"
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200

    @rules.rule("R99-test-only", title="A rule the kept permit does not know", source="test", stages=(rules.MATCHING,))
    def refuse_everything(ctx):
        return [("status", "matching is refused by a rule added after the permit was kept")]

    try:
        refused = live.send_frames([photos[SAME_PERSON[2]]])
        assert refused.status_code == 409 and refused.json()["rule"] == "R99-test-only"
    finally:
        del rules.RULES["R99-test-only"]
    assert live.send_frames([photos[SAME_PERSON[2]]]).status_code == 200
