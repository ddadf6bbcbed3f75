"""The signed package, malformed reports, the vendor's deletion confirmation and what the regulator report and the
approver read about an external matcher."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from deployments import services as governance
from matching import rules as matcher_rules
from matching.services import vendor
from matching.audit_actions import DELETION, VENDOR_PACKAGE_EXPORT
from matching.models import Alert, Deletion, DeletionKind, FacesProcessed, FrameReceipt
from oversight.audit.checkpoints import checkpoint_make
from oversight.models import AuditEvent
from oversight.reports import exceptions as report_exceptions
from oversight.reports.period import bounds, load
from oversight.reports.regulator import regulator_report
from tests.matching.conftest import make_live
from tools.vendor_client import PackageRejected, package_verify


def _download(world):
    client = APIClient()
    answer = client.get(f"/api/live/{world.deployment.pk}/vendor/package/",
                        HTTP_AUTHORIZATION=f"Device {world.token}")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    return answer.content, answer["X-Package-Signature"]


def test_the_export_is_audited_with_its_digest_and_the_package_lists_references_images_and_categories(world):
    event = AuditEvent.objects.get(action=VENDOR_PACKAGE_EXPORT, object_id=str(world.package.pk))
    assert event.new["digest"] == world.package.digest and event.actor == world.personas.operator_a
    data, signature = _download(world)
    package = package_verify(data, signature_hex=signature, pinned_key_hex=world.pinned_key)
    entries = {e.subject_reference: e for e in world.deployment.watchlist.entries.select_related("category")}
    assert {e["reference"]: e["category"] for e in package.manifest["entries"]} == {
        ref: e.category.code for ref, e in entries.items()}
    for reference, entry in entries.items():
        with entry.image.open("rb") as handle:
            assert package.image_of(reference) == handle.read()


def test_a_tampered_package_fails_verification(world):
    data, signature = _download(world)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest["entries"].append({"reference": "SUBJ-SLIPPED-IN", "category": "wanted-by-court",
                                "image": manifest["entries"][0]["image"],
                                "image_sha256": manifest["entries"][0]["image_sha256"]})
    members["manifest.json"] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(PackageRejected, match="signature"):
        package_verify(buffer.getvalue(), signature_hex=signature, pinned_key_hex=world.pinned_key)
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(PackageRejected):
        package_verify(bytes(flipped), signature_hex=signature, pinned_key_hex=world.pinned_key)
    # A response's own key is never trusted: a package signed with another key fails against the pinned one.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = Ed25519PrivateKey.generate().sign(vendor.PACKAGE_SIGNATURE_CONTEXT + world.package.digest.encode())
    with pytest.raises(PackageRejected):
        package_verify(data, signature_hex=forged.hex(), pinned_key_hex=world.pinned_key)
    assert package_verify(data, signature_hex=signature, pinned_key_hex=world.pinned_key).digest == world.package.digest


GOOD_ALERT = {"key": "m-1", "entry_reference": "X", "score": 0.7, "captured_at": "2026-12-01T10:00:00Z",
              "package_digest": "a" * 64, "algorithm": "nec-neoface-v4", "latitude": 52.4778, "longitude": -1.899}


@pytest.mark.parametrize("what, body, field", [
    ("alerts", {k: v for k, v in GOOD_ALERT.items() if k != "score"}, "score"),
    ("alerts", {**GOOD_ALERT, "score": "high"}, "score"),
    ("alerts", {**GOOD_ALERT, "score": 1.5}, "score"),
    ("alerts", {**GOOD_ALERT, "captured_at": "yesterday"}, "captured_at"),
    ("alerts", {**GOOD_ALERT, "package_digest": "not-a-digest"}, "package_digest"),
    ("alerts", {k: v for k, v in GOOD_ALERT.items() if k != "latitude"}, "latitude"),
    ("alerts", {**GOOD_ALERT, "crop": "%%%"}, "crops"),
    ("alerts", {**GOOD_ALERT, "crop": "bm90IGFuIGltYWdl"}, "crop"),
    ("alerts", {**GOOD_ALERT, "key": ""}, "key"),
    ("alerts", [GOOD_ALERT], "body"),
    ("faces", {"key": "f", "minute": "2026-12-07T10:00:00Z", "faces": -3, "algorithm": "nec-neoface-v4"}, "faces"),
    ("faces", {"key": "f", "minute": "2026-12-07T10:00:00Z", "faces": 3}, "algorithm"),
    ("faces", {"key": "f", "minute": "9999-01-01T00:00:00Z", "faces": 3, "algorithm": "nec-neoface-v4"}, "minute"),
    ("package-deleted", {"package_digest": "a" * 64, "deleted_at": "2026-12-07T10:00:00Z"}, "statement"),
    ("package-deleted", "deleted", "body"),
])
def test_a_malformed_report_gets_a_400_naming_the_field_and_writes_nothing(world, what, body, field):
    before = (Alert.objects.count(), FacesProcessed.objects.count(), FrameReceipt.objects.count(),
              AuditEvent.objects.count())
    answer = APIClient().post(f"/api/live/{world.deployment.pk}/vendor/{what}/", json.dumps(body),
                              content_type="application/json", HTTP_AUTHORIZATION=f"Device {world.token}")
    assert answer.status_code == 400, answer.content
    assert field in answer.json(), answer.json()
    assert (Alert.objects.count(), FacesProcessed.objects.count(), FrameReceipt.objects.count(),
            AuditEvent.objects.count()) == before


def test_a_deployment_on_the_platforms_own_matcher_has_no_package_to_export(world, photos):
    live = make_live(world.personas, photos)
    client = APIClient()
    client.force_login(world.personas.operator_a)
    answer = client.post(f"/api/deployments/{live.deployment.pk}/vendor-package/")
    assert answer.status_code == 400 and "algorithm_version" in answer.json()
    # Nor may the vendor's system report for it.
    vendor_answer = APIClient().post(f"/api/live/{live.deployment.pk}/vendor/faces/", {
        "key": "x", "minute": timezone.now().isoformat(), "faces": 4, "algorithm": "dlib-resnet-v1"}, format="json",
        HTTP_AUTHORIZATION=f"Device {live.token}")
    assert vendor_answer.status_code == 409 and vendor_answer.json()["rule"] == "R16-alert-record"


def _exceptions(world, as_of):
    today = timezone.localdate()
    begin, finish = bounds(today, today + timedelta(days=3))
    return report_exceptions.from_facts(load(forces=[world.personas.force_a], start=begin, end=finish, as_of=as_of))


def _vendor_overdue(found):
    return [e for e in found if e.kind == "deletion.overdue" and e.object_type == "matching.vendorpackage"]


def test_a_missing_deletion_confirmation_is_an_exception_until_the_vendor_confirms(world):
    system = world.system()
    system.package_download()
    governance.deployment_end(actor=world.personas.operator_a, deployment=world.deployment)
    later = timezone.now() + timedelta(days=2)  # past the 24 hours after the end
    overdue = _vendor_overdue(_exceptions(world, later))
    assert len(overdue) == 1 and overdue[0].open and overdue[0].object_id == str(world.package.pk)
    retention = matcher_rules.check_retention(at=later, force=world.personas.force_a)
    assert any(v.rule == "R20-watchlist-deletion" and "vendor has not confirmed" in v.message
               for v in retention.violations)

    answer = system.deletion_confirm(deleted_at=timezone.now(), statement="Images, manifest and templates erased "
                                                                          "from the van's store and its backup.")
    assert answer.status == 200, answer.body
    deletion = Deletion.objects.get(kind=DeletionKind.VENDOR_PACKAGE, object_id=str(world.package.pk))
    assert deletion.on_time and deletion.deployment == world.deployment
    assert AuditEvent.objects.filter(action=DELETION, object_type="matching.vendorpackage",
                                     object_id=str(world.package.pk)).count() == 1
    assert _vendor_overdue(_exceptions(world, later)) == []
    assert not any("vendor has not confirmed" in v.message for v in
                   matcher_rules.check_retention(at=later, force=world.personas.force_a).violations)
    # Confirmed once: a second confirmation is refused, naming the field.
    again = system.transport.request("POST", f"/api/live/{world.deployment.pk}/vendor/package-deleted/", {
        "package_digest": world.package.digest, "deleted_at": timezone.now().isoformat(), "statement": "again"},
        {"Authorization": f"Device {world.token}"})
    assert again.status == 400 and "package_digest" in again.json()


def test_a_deletion_cannot_be_confirmed_while_the_deployment_runs(world):
    system = world.system()
    system.package_download()
    answer = system.deletion_confirm(deleted_at=timezone.now(), statement="Deleted early by mistake.")
    assert answer.status == 400 and "package_digest" in answer.json()
    assert not Deletion.objects.filter(kind=DeletionKind.VENDOR_PACKAGE).exists()


def test_an_accepted_alert_appears_in_the_regulator_report(world):
    system = world.system()
    system.package_download()
    answer = system.alert_post(reference=system.package.references[1], score=0.69,
                               captured_at=timezone.now() - timedelta(seconds=5), key="for-the-report")
    alert_id = answer.json()["alerts"][0]
    today = timezone.localdate()
    report = regulator_report(forces=[world.personas.force_a], start=today, end=today, checkpoint=checkpoint_make())
    rows = [row for chain in report.chains for row in chain["alerts"]]
    row = next(r for r in rows if r["pk"] == alert_id)
    assert row["entry"]["reference"] == system.package.references[1] and row["decision"] == "Undecided"
    assert row["event_seq"] is not None and row["authorisation"] is not None
    assert any(e.kind == "alert.unadjudicated" and e.object_id == str(alert_id) for e in report.exceptions)


def test_the_approver_page_states_the_vendors_tested_figures_in_plain_words(world):
    client = APIClient()
    client.force_login(world.personas.approver_a)
    page = client.get(f"/deployments/{world.deployment.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    start = text.index('id="vendor-figures"')
    section = text[start:text.index("</section>", start)]
    assert "NEC's own system, NeoFace version V4" in section
    assert "threshold of <strong>0.6</strong>" in section and "from 0.56 to 0.64" in section
    assert "1 false alert in 6,000 faces" in section and "10,000 people" in section
    assert "Independent bias test of nec-neoface-v4" in section
    assert "nec-neoface-v4" not in section.replace("Independent bias test of nec-neoface-v4", "")
