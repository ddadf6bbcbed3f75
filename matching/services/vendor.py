"""External (vendor) matchers under the same rules as the platform's own.

An algorithm version marked external runs in a vendor's system. For a deployment authorised with it, the
platform exports the authorised watchlist as a signed package (`package_export`); the vendor's system
downloads it with its device token (`package_bytes`), verifies it, and reports through the device API the
faces it processed each minute (`vendor_faces_count`) and its alerts (`vendor_alert_receive`). Each report
runs the rulebook's matching stage, the same one the platform's matcher runs before every frame, with the
facts the vendor states (its algorithm, the alert's time, place and score, the entry and the package):
a refusal names its rule and writes nothing. An accepted alert is an `Alert` like any other, without a
template, and goes through the same adjudication, retention and reports. After the deployment, the vendor
confirms it deleted its copy (`package_deletion_confirm`): that is the retention evidence, and a missing
confirmation after the retention period is an exception (rule 20).

How a vendor verifies a package: the ZIP's SHA-256 (hex) is the digest; the signature is Ed25519 over the
bytes `PACKAGE_SIGNATURE_CONTEXT + digest` (the hex text), checked with the platform's package public key,
which the vendor pins out of band (`package_public_key()`, shown to the force with each export). The
manifest inside lists every entry's reference, category and image file with the image's own SHA-256.
`tools/vendor_client.py`, a reference client a vendor can copy, does exactly this.

The signing key is derived from the platform's audit signing key with HKDF under its own label, so it never
signs what the audit key signs and needs no key of its own to be kept.
"""
from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from deployments import rules, selectors as governance, transitions
from deployments.lifecycle import deployment_is_over
from deployments.models import AlgorithmVersion, Deployment, Status, WatchlistEntry
from matching.audit_actions import (
    ALERT_RAISE, DELETION, FACE_MODEL_REGISTER, VENDOR_FACES_COUNT, VENDOR_PACKAGE_DOWNLOAD, VENDOR_PACKAGE_EXPORT,
)
from matching.face.decode import decode
from matching.face.errors import ImageRejected
from matching.services.live import MatchingRefused
from matching.models import Alert, Deletion, DeletionKind, Device, FaceModel, FrameReceipt, VendorPackage
from matching.rules import watchlist_due_at
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require

PACKAGE_SIGNATURE_CONTEXT = b"frgov watchlist package v1\n"
_HKDF_INFO = b"frgov watchlist package signing key v1"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # every member's time: the same entries always give the same bytes
MAX_FACES_PER_MINUTE = 1_000_000  # far above any camera; a bigger number is a mistake, not a crowd
CLOCK_SKEW = timedelta(minutes=2)  # a report may be this far ahead of the platform's clock


# --- The signing key ---------------------------------------------------------------------------------
def _signing_key():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        bytes.fromhex(settings.AUDIT_SIGNING_KEY))
    return Ed25519PrivateKey.from_private_bytes(seed)


def package_public_key() -> str:
    """The public key (hex) a vendor pins to verify packages."""
    from cryptography.hazmat.primitives import serialization

    return _signing_key().public_key().public_bytes(serialization.Encoding.Raw,
                                                    serialization.PublicFormat.Raw).hex()


# --- Building and exporting the package --------------------------------------------------------------
def _entries(deployment: Deployment, ids: list[int] | None = None):
    entries = governance.watchlist_entries_for_matching(deployment=deployment).exclude(image="")
    if ids is not None:
        entries = entries.filter(pk__in=ids)
    return list(entries.order_by("pk"))


def _build(deployment: Deployment, entries: list[WatchlistEntry]) -> bytes:
    """The package's bytes: manifest.json and one image per entry, in a ZIP with fixed times (deterministic)."""
    algorithm = deployment.algorithm_version
    members, listed = [], []
    for entry in entries:
        with entry.image.open("rb") as handle:
            image = handle.read()
        suffix = ".png" if image[:8] == b"\x89PNG\r\n\x1a\n" else ".jpg"
        name = f"images/{entry.pk}{suffix}"
        members.append((name, image))
        listed.append({"reference": entry.subject_reference, "category": entry.category.code,
                       "category_name": entry.category.name, "image": name,
                       "image_sha256": hashlib.sha256(image).hexdigest()})
    manifest = {
        "format": "frgov-watchlist-package/1", "force": deployment.force.code, "deployment": deployment.pk,
        "algorithm": {"code": algorithm.code, "vendor": algorithm.vendor, "product": algorithm.name,
                      "version": algorithm.version},
        "threshold": deployment.threshold, "starts_at": deployment.starts_at.isoformat(),
        "ends_at": deployment.ends_at.isoformat(), "entries": listed,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in [("manifest.json", json.dumps(manifest, sort_keys=True, indent=1).encode())] + members:
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), data)
    return buffer.getvalue()


def _external_algorithm_of(deployment: Deployment) -> AlgorithmVersion:
    algorithm = deployment.algorithm_version
    if not algorithm.external:
        raise ValidationError({"algorithm_version": f"{algorithm.vendor} {algorithm.name} {algorithm.version} runs in "
                                                    f"this platform's own matcher: there is no vendor system to "
                                                    f"send the watchlist to"}, code="not_external")
    return algorithm


def package_export(*, actor, deployment: Deployment) -> VendorPackage:
    """Sign the authorised watchlist as a package for the deployment's external matcher; audit its digest."""
    require(actor, CHANGE, deployment.force, "export the watchlist of this deployment")
    with transaction.atomic():
        deployment = (Deployment.objects.select_for_update(of=("self",))
                      .select_related("force", "algorithm_version").get(pk=deployment.pk))
        transitions.target(deployment, "enrol")  # only an authorised deployment's watchlist leaves the platform
        algorithm = _external_algorithm_of(deployment)
        entries = _entries(deployment)
        if not entries:
            raise ValidationError({"watchlist": "the watchlist has no entry with a photo that may be used"},
                                  code="empty_watchlist")
        data = _build(deployment, entries)
        digest = hashlib.sha256(data).hexdigest()
        existing = VendorPackage.objects.filter(digest=digest).first()
        if existing is not None:
            return existing  # the same watchlist again: the same package, already signed and audited
        signature = _signing_key().sign(PACKAGE_SIGNATURE_CONTEXT + digest.encode()).hex()
        package = VendorPackage.objects.create(
            deployment=deployment, algorithm=algorithm, entries=[e.pk for e in entries],
            references=[e.subject_reference for e in entries], digest=digest, signature=signature,
            public_key=package_public_key(), size=len(data), created_by=actor)
        audit_record(actor=actor, action=VENDOR_PACKAGE_EXPORT, obj=package, force=deployment.force,
                     new={"deployment": deployment.pk, "digest": digest, "entries": len(entries),
                          "algorithm": algorithm.code, "public_key": package.public_key})
    return package


def package_current(*, deployment: Deployment) -> VendorPackage | None:
    return VendorPackage.objects.filter(deployment=deployment).order_by("-created_at", "-id").first()


def package_bytes(*, device: Device) -> tuple[VendorPackage, bytes]:
    """The newest package of the device's deployment, built again from its entries; the download is audited."""
    deployment = device.deployment
    package = package_current(deployment=deployment)
    if package is None:
        raise ValidationError({"package": "no watchlist package was exported for this deployment yet"},
                              code="no_package")
    if deployment_is_over(deployment, timezone.now()):
        raise ValidationError({"package": "the deployment is over: its watchlist may no longer be downloaded"},
                              code="deployment_over")
    entries = _entries(deployment, package.entries)
    data = _build(deployment, entries)
    if hashlib.sha256(data).hexdigest() != package.digest:
        raise ValidationError({"package": "the watchlist changed since this package was exported: the force must "
                                          "export it again"}, code="package_stale")
    with transaction.atomic():
        audit_record(actor=None, action=VENDOR_PACKAGE_DOWNLOAD, obj=package, force=deployment.force,
                     new={"digest": package.digest, "device": device.name})
    return package, data


# --- What the vendor's system reports ----------------------------------------------------------------
def _vendor_face_model(algorithm: AlgorithmVersion) -> FaceModel:
    """The register's row for the vendor's system (every alert names the model that raised it). It has no
    model file here: its identifier is the hash of the algorithm's code, and no template is ever made with it."""
    marker = hashlib.sha256(f"external:{algorithm.code}".encode()).hexdigest()
    model = FaceModel.objects.filter(onnx_sha256=marker).first()
    if model is not None:
        return model
    with transaction.atomic():
        model, created = FaceModel.objects.get_or_create(onnx_sha256=marker, defaults=dict(
            algorithm=algorithm, name=f"{algorithm.vendor} {algorithm.name}", version=algorithm.version,
            detector="the vendor's own", detector_sha256="", licence="the vendor's licence", embedding_size=0,
            thresholds={"operating": algorithm.operating_threshold}))
        if created:
            audit_record(actor=None, action=FACE_MODEL_REGISTER, obj=model,
                         new={"name": model.name, "version": model.version, "external": True,
                              "algorithm": algorithm.code})
    return model


def _check(device: Device, *, at: datetime, position, facts: dict) -> None:
    """The rulebook's matching stage for what the vendor reports; MatchingRefused on a blocking violation."""
    deployment = device.deployment
    deployment.refresh_from_db(fields=["status", "starts_at", "ends_at", "threshold", "ended_at"])
    latitude, longitude = position if position is not None else (None, None)
    point = (latitude, longitude) if latitude is not None else None
    result = rules.check(rules.MATCHING, at=at, deployment=deployment, point=point, facts=facts)
    if result.blocking:
        raise MatchingRefused(result.blocking)


def _refused_now(device: Device, *, at: datetime, facts: dict) -> None:
    """The deployment stopped being active while a report was being written: the rulebook says why."""
    _check(device, at=at, position=None, facts=facts)
    raise MatchingRefused([rules.Violation("R01-written-authorisation", rules.BLOCKING, "status",
                                           "the deployment is no longer active")])


def _future(moment: datetime, name: str) -> None:
    if moment > timezone.now() + CLOCK_SKEW:
        raise ValidationError({name: "this time is in the future"}, code="future")


def _claim(device: Device, key: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO matching_framereceipt (device_id, frame_id, faces, alerts, created_at)
               VALUES (%s, %s, 0, '[]', now()) ON CONFLICT (device_id, frame_id) DO NOTHING RETURNING id""",
            [device.pk, key])
        return cursor.fetchone() is not None


@dataclass
class Received:
    status: str  # "accepted" or "repeated"
    alerts: list[int] = field(default_factory=list)
    faces: int = 0


def vendor_faces_count(*, device: Device, minute: datetime, faces: int, key: str,
                       algorithm: str) -> Received:
    """Count the faces the vendor's system processed in one minute (the evidence that the rest were discarded)."""
    _future(minute, "minute")
    if (first := FrameReceipt.objects.filter(device=device, frame_id=f"faces:{key}").first()) is not None:
        return Received("repeated", faces=first.faces)
    if not isinstance(faces, int) or isinstance(faces, bool) or not 0 <= faces <= MAX_FACES_PER_MINUTE:
        raise ValidationError({"faces": f"give a whole number of faces from 0 to {MAX_FACES_PER_MINUTE}"})
    minute = minute.replace(second=0, microsecond=0)
    claimed = AlgorithmVersion.objects.filter(code=algorithm).first()
    # A minute counts if any of it lies in the window (which may open or close mid-minute): the moment checked is
    # the minute's start, or the window's start if that falls within the minute.
    _check(device, at=min(max(minute, device.deployment.starts_at), minute + timedelta(seconds=59)), position=None,
           facts={"external": True, "algorithm_version": claimed, "algorithm_code": algorithm})
    receipt_key, counted = f"faces:{key}", True
    with transaction.atomic():
        if not (claimed_now := _claim(device, receipt_key)):
            transaction.set_rollback(True)
        elif not (counted := _faces_count_while_active(device.deployment_id, minute, faces)):
            # Nothing of this report is kept, not even its claim on the key (the error rolls back, as does the flag).
            if Deployment.objects.filter(pk=device.deployment_id, status=Status.ACTIVE).exists():
                raise ValidationError({"faces": f"this would take the faces of the minute past "
                                                f"{MAX_FACES_PER_MINUTE:,}, far above what any deployment's cameras "
                                                f"see: check the count"}, code="minute_full")
            transaction.set_rollback(True)
        else:
            FrameReceipt.objects.filter(device=device, frame_id=receipt_key).update(faces=faces)
            audit_record(actor=None, action=VENDOR_FACES_COUNT, object_type="deployments.deployment",
                         object_id=device.deployment_id, force=device.deployment.force,
                         new={"minute": minute, "faces": faces, "device": device.name})
    if not counted:
        _refused_now(device, at=minute, facts={"external": True, "algorithm_version": claimed})
    if not claimed_now:  # sent before (perhaps at the same moment): the first answer, not counted again
        return Received("repeated", faces=FrameReceipt.objects.get(device=device, frame_id=receipt_key).faces)
    return Received("accepted", faces=faces)


def _faces_count_while_active(deployment_id: int, minute: datetime, faces: int) -> bool:
    """Count the vendor's faces for a minute (each counted as discarded; an alert later takes one back), only if
    the deployment is still active, holding its row locked until the report's transaction ends; False (nothing
    counted) if it is not, or if the minute's faces would pass the ceiling (reports under several keys add up).
    Ending a deployment takes the same lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO matching_facesprocessed (deployment_id, minute, faces, alerts, discarded)
               SELECT d.id, %s, %s, 0, %s FROM deployments_deployment d
               WHERE d.id = %s AND d.status = %s FOR UPDATE OF d
               ON CONFLICT (deployment_id, minute) DO UPDATE SET
                 faces = matching_facesprocessed.faces + EXCLUDED.faces,
                 discarded = matching_facesprocessed.discarded + EXCLUDED.discarded
               WHERE matching_facesprocessed.faces + EXCLUDED.faces <= %s
               RETURNING 1""",
            [minute, faces, faces, deployment_id, Status.ACTIVE, MAX_FACES_PER_MINUTE])
        return cursor.fetchone() is not None


def _count_alert(deployment_id: int, minute: datetime) -> bool:
    """One more alert in the minute's count, only while the deployment is active (its row locked, as
    `_faces_count_while_active` does): the faces are the vendor's count; an alerting face is not discarded."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO matching_facesprocessed (deployment_id, minute, faces, alerts, discarded)
               SELECT d.id, %s, 0, 1, 0 FROM deployments_deployment d
               WHERE d.id = %s AND d.status = %s FOR UPDATE OF d
               ON CONFLICT (deployment_id, minute) DO UPDATE SET
                 alerts = matching_facesprocessed.alerts + 1,
                 discarded = GREATEST(matching_facesprocessed.discarded - 1, 0)
               RETURNING 1""",
            [minute, deployment_id, Status.ACTIVE])
        return cursor.fetchone() is not None


def vendor_alert_receive(*, device: Device, key: str, entry_reference: str, score: float, captured_at: datetime,
                         package_digest: str, algorithm: str, crop: bytes | None = None,
                         position: tuple[float, float] | None = None) -> Received:
    """Accept one alert of the vendor's system if the rulebook allows it, as an alert of this platform.

    The same device and key again is answered with the first alert, not stored twice."""
    _future(captured_at, "captured_at")
    if crop is not None:
        try:
            decode(crop)  # the same image gate as a camera's frame, before anything is kept
        except ImageRejected as exc:
            raise ValidationError({"crop": str(exc)}, code=exc.code) from None
    receipt_key = f"alert:{key}"
    if (first := FrameReceipt.objects.filter(device=device, frame_id=receipt_key).first()) is not None:
        return Received("repeated", alerts=list(first.alerts))
    deployment = device.deployment
    package = VendorPackage.objects.filter(deployment=deployment, digest=package_digest).first()
    claimed = AlgorithmVersion.objects.filter(code=algorithm).first()
    facts = {"external": True, "algorithm_version": claimed, "algorithm_code": algorithm, "score": score,
             "package": package, "package_digest": package_digest, "entry_reference": entry_reference}
    _check(device, at=captured_at, position=position, facts=facts)
    entry = WatchlistEntry.objects.get(pk=package.entries[package.references.index(entry_reference)])
    model = _vendor_face_model(deployment.algorithm_version)
    minute = captured_at.replace(second=0, microsecond=0)
    counted = True
    with transaction.atomic():
        if not (claimed_now := _claim(device, receipt_key)):
            transaction.set_rollback(True)
        elif not (counted := _count_alert(deployment.pk, minute)):
            transaction.set_rollback(True)  # nothing of this alert is kept, not even its claim on the key
        else:
            alert = _vendor_alert_write(device, entry, model, package, score, captured_at, crop, algorithm,
                                        receipt_key)
    if not counted:
        _refused_now(device, at=captured_at, facts=facts)
    if not claimed_now:
        return Received("repeated", alerts=list(FrameReceipt.objects.get(device=device, frame_id=receipt_key).alerts))
    return Received("accepted", alerts=[alert.pk])


def _vendor_alert_write(device, entry, model, package, score, captured_at, crop, algorithm, receipt_key) -> Alert:
    """The alert, its receipt and its audit event (inside the caller's transaction, after the count)."""
    deployment = device.deployment
    alert = Alert(deployment=deployment, entry=entry, device=device, face_model=model, package=package,
                  similarity=round(float(score), 6), threshold=deployment.threshold, captured_at=captured_at)
    if crop:
        alert.crop.save(f"{deployment.pk}-{secrets.token_hex(8)}.jpg", ContentFile(crop), save=False)
    alert.save()
    FrameReceipt.objects.filter(device=device, frame_id=receipt_key).update(faces=1, alerts=[alert.pk])
    audit_record(actor=None, action=ALERT_RAISE, obj=alert, force=deployment.force,
                 new={"deployment": deployment.pk, "entry": entry.pk, "similarity": alert.similarity,
                      "threshold": alert.threshold, "algorithm": algorithm, "package": package.digest,
                      "device": device.name, "external": True})
    return alert


def package_deletion_confirm(*, device: Device, package_digest: str, deleted_at: datetime,
                             statement: str) -> VendorPackage:
    """The vendor's system confirms it deleted its copy of a package: recorded, with its due time, as a deletion."""
    _future(deleted_at, "deleted_at")
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": "say what was deleted and how, in the vendor's words"})
    with transaction.atomic():
        package = (VendorPackage.objects.select_for_update().select_related("deployment__force")
                   .filter(deployment=device.deployment_id, digest=package_digest).first())
        if package is None:
            raise ValidationError({"package_digest": "no package with this digest was exported for this deployment"},
                                  code="unknown_package")
        if package.deletion_confirmed_at is not None:
            raise ValidationError({"package_digest": "the deletion of this package was already confirmed"},
                                  code="already_confirmed")
        deployment = package.deployment
        if not deployment_is_over(deployment, timezone.now()):
            raise ValidationError({"package_digest": "the deployment is still running: its package is deleted after "
                                                     "it ends"}, code="deployment_running")
        # The evidence must state a time the deletion could have happened: after the export, and after the end
        # (the deployment's recorded end, or its window's, whichever came first), while no alert could name it.
        ended = min(deployment.ended_at or deployment.ends_at, deployment.ends_at)
        earliest = max(package.created_at, ended if deployment.status != Status.REFUSED else package.created_at)
        if deleted_at < earliest:
            raise ValidationError({"deleted_at": f"this is before the package could have been deleted: it was "
                                                 f"in use until {timezone.localtime(earliest):%d %B %Y %H:%M}"},
                                  code="before_end")
        due, setting = watchlist_due_at(deployment)
        package.deletion_confirmed_at, package.deletion_confirmed_by = deleted_at, device
        package.deletion_statement = statement[:2000]
        package.save(update_fields=["deletion_confirmed_at", "deletion_confirmed_by", "deletion_statement"])
        Deletion.objects.create(kind=DeletionKind.VENDOR_PACKAGE, force=deployment.force, deployment=deployment,
                                object_type="matching.vendorpackage", object_id=str(package.pk), due_at=due,
                                done_at=deleted_at, policy_setting=setting)
        audit_record(actor=None, action=DELETION, obj=package, force=deployment.force,
                     new={"kind": DeletionKind.VENDOR_PACKAGE, "digest": package.digest, "deleted_at": deleted_at,
                          "due_at": due, "device": device.name}, reason=package.deletion_statement)
    return package
