"""A vendor's system, played by the reference client, posts faces and alerts for an authorised deployment through the
device API; what breaks a rule is refused with the rule's id and leaves nothing behind."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from deployments import services as governance
from matching.audit_actions import ALERT_RAISE
from matching.models import Alert, FacesProcessed, FrameReceipt
from oversight.models import AuditEvent
from tests.deployments.factories import png


def _counts(world):
    counted = FacesProcessed.objects.filter(deployment=world.deployment)
    return (Alert.objects.count(), sum(counted.values_list("faces", flat=True)),
            sum(counted.values_list("alerts", flat=True)), FrameReceipt.objects.count(),
            AuditEvent.objects.filter(action=ALERT_RAISE).count())


def test_the_reference_client_verifies_its_package_and_posts_faces_and_an_alert(world):
    system = world.system()
    package = system.package_download()
    assert package.digest == world.package.digest
    assert sorted(package.references) == sorted(world.deployment.watchlist.entries.values_list("subject_reference",
                                                                                              flat=True))
    assert package.manifest["algorithm"]["code"] == "nec-neoface-v4"

    minute = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    faces = system.faces_post(minute=minute, faces=140, key="m-1")
    assert faces.status == 200 and faces.json()["status"] == "accepted"
    assert FacesProcessed.objects.get(deployment=world.deployment, minute=minute).faces == 140

    reference = package.references[0]
    answer = system.alert_post(reference=reference, score=0.71, captured_at=timezone.now() - timedelta(seconds=20),
                               crop=png(), key="a-1")
    assert answer.status == 201, answer.body
    alert = Alert.objects.get(pk=answer.json()["alerts"][0])
    assert alert.deployment == world.deployment and alert.entry.subject_reference == reference
    assert alert.package == world.package and alert.embedding is None and alert.crop
    assert alert.similarity == pytest.approx(0.71) and alert.threshold == world.deployment.threshold
    assert alert.face_model.algorithm.code == "nec-neoface-v4"
    event = AuditEvent.objects.get(action=ALERT_RAISE, object_id=str(alert.pk))
    assert event.new["package"] == world.package.digest and event.new["external"] is True


def _post(world, system, **changes):
    fields = dict(reference=world.package.references[0], score=0.72,
                  captured_at=timezone.now() - timedelta(seconds=30), key="refused-1")
    fields.update(changes)
    return system.alert_post(**fields)


@pytest.mark.parametrize("changes, rule", [
    ({"captured_at_offset": -timedelta(hours=1)}, "R03-authorised-window"),
    ({"latitude": 53.4778}, "R03-authorised-window"),
    ({"score": 0.52}, "R06-threshold-floor"),
    ({"reference": "SUBJ-NOT-ON-THE-LIST"}, "R16-authorised-package"),
    ({"digest": "0" * 64}, "R16-authorised-package"),
    ({"algorithm": "dlib-resnet-v1"}, "R16-alert-record"),
    ({"algorithm": "acme-face-9"}, "R16-alert-record"),
], ids=["before-the-window", "outside-the-place", "below-the-floor", "entry-not-in-package", "unknown-package",
        "another-algorithm", "unknown-algorithm"])
def test_an_alert_that_breaks_a_rule_is_refused_with_its_rule_and_nothing_is_stored(world, changes, rule):
    system = world.system()
    system.package_download()
    before = _counts(world)
    if "captured_at_offset" in changes:
        changes = {"captured_at": world.deployment.starts_at + changes.pop("captured_at_offset")}
    answer = _post(world, system, **changes)
    assert answer.status == 409, answer.body
    body = answer.json()
    assert body["rule"] == rule and not body["detail"].startswith("R")
    assert _counts(world) == before


def test_an_alert_after_the_deployment_ended_is_refused(world):
    system = world.system()
    system.package_download()
    captured = timezone.now() - timedelta(seconds=30)  # inside the window, but sent after the end
    governance.deployment_end(actor=world.personas.operator_a, deployment=world.deployment)
    before = _counts(world)
    answer = _post(world, system, captured_at=captured)
    assert answer.status == 409 and answer.json()["rule"] == "R01-written-authorisation"
    assert _counts(world) == before
    faces = system.faces_post(minute=captured, faces=10)
    assert faces.status == 409 and faces.json()["rule"] == "R01-written-authorisation"
    assert _counts(world) == before


def test_a_replayed_alert_is_answered_with_the_first_and_not_counted_twice(world):
    system = world.system()
    system.package_download()
    captured = timezone.now() - timedelta(seconds=10)
    first = _post(world, system, captured_at=captured, key="again-1")
    assert first.status == 201
    again = _post(world, system, captured_at=captured, key="again-1")
    assert again.status == 200 and again.json() == {"status": "repeated", "alerts": first.json()["alerts"]}
    assert Alert.objects.filter(deployment=world.deployment).count() == 1
    minute = captured.replace(second=0, microsecond=0)
    assert FacesProcessed.objects.get(deployment=world.deployment, minute=minute).alerts == 1
    assert system.faces_post(minute=minute, faces=50, key="f-1").json()["status"] == "accepted"
    assert system.faces_post(minute=minute, faces=50, key="f-1").json()["status"] == "repeated"
    assert FacesProcessed.objects.get(deployment=world.deployment, minute=minute).faces == 50


def test_an_accepted_alert_is_adjudicated_like_any_other(world):
    system = world.system()
    system.package_download()
    answer = _post(world, system, key="to-decide", crop=png())
    alert_id = answer.json()["alerts"][0]
    client = APIClient()
    client.force_login(world.personas.operator_a)
    listed = client.get(f"/api/alerts/?deployment={world.deployment.pk}").json()["results"]
    row = next(r for r in listed if r["id"] == alert_id)
    assert row["status"] == "new" and row["crop_url"] and row["entry_image_url"]
    decided = client.post(f"/api/alerts/{alert_id}/adjudicate/", {"decision": "true_match"}, format="json")
    assert decided.status_code == 200 and decided.json()["decision"] == "true_match"
    page = client.get(f"/alerts/{alert_id}/crop/")
    assert page.status_code == 200
    # Another force's officer neither sees nor decides it.
    other = APIClient()
    other.force_login(world.personas.operator_b)
    assert other.get(f"/api/alerts/{alert_id}/").status_code == 404


def test_another_forces_device_cannot_post_to_this_deployment(world):
    before = _counts(world)
    intruder = world.system(token=world.other_token)
    with pytest.raises(Exception, match="401"):
        intruder.package_download()
    answer = _post(world, intruder, digest=world.package.digest)
    assert answer.status == 401 and "another deployment" in answer.json()["detail"]
    assert intruder.faces_post(minute=timezone.now(), faces=5).status == 401
    assert _counts(world) == before
    # Nor can its officers export this deployment's watchlist.
    client = APIClient()
    client.force_login(world.personas.operator_b)
    assert client.post(f"/api/deployments/{world.deployment.pk}/vendor-package/").status_code == 404


def test_an_alert_for_an_entry_whose_deletion_was_granted_after_the_export_is_refused(world):
    system = world.system()
    package = system.package_download()
    entry = world.deployment.watchlist.entries.get(subject_reference=package.references[0])
    governance.watchlist_entry_deletion_status_set(actor=world.personas.operator_a, entry=entry, status="granted",
                                                   reason="The person's application for deletion was granted.")
    before = _counts(world)
    answer = _post(world, system, reference=package.references[0])
    assert answer.status == 409 and answer.json()["rule"] == "R16-authorised-package"
    assert _counts(world) == before
    # The package no longer matches the watchlist: the vendor cannot download it again until the force re-exports.
    again = APIClient().get(f"/api/live/{world.deployment.pk}/vendor/package/",
                            HTTP_AUTHORIZATION=f"Device {world.token}")
    assert again.status_code == 400 and "package" in again.json()


def test_faces_in_the_minute_the_window_opens_are_counted(world):
    system = world.system()
    opening = world.deployment.starts_at.replace(second=0, microsecond=0)
    assert system.faces_post(minute=opening, faces=7).status == 200
    assert system.faces_post(minute=opening - timedelta(minutes=1), faces=7).json()["rule"] == "R03-authorised-window"
