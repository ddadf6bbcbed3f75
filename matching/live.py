"""Live matching (LFR): devices send frames or templates; matches become alerts; the rest is discarded.

A face that matches nothing leaves no trace but a count: its template lives only in this process's memory
for the length of one request and is never written to a table, a file or a log (rule 17). The count of
faces processed per deployment and minute is the evidence of that deletion.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from PIL import Image

from deployments.geo import place_contains, place_of
from deployments.models import Status
from deployments.selectors import authorisation_current
from matching import engine
from matching.audit_actions import ALERT_RAISE, DEVICE_CREATE, DEVICE_REVOKE
from matching.enrolment import TemplateRejected, check_template
from matching.face.errors import ImageRejected
from matching.models import Alert, Device
from matching.search import watchlist_best
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require

MAX_BATCH = 32


class MatchingRefused(Exception):
    """Matching may not run for this deployment now (rules 1 and 3)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def device_create(*, actor, deployment, name: str) -> tuple[Device, str]:
    """A device token scoped to one deployment. The token is shown once; only its hash is kept."""
    require(actor, CHANGE, deployment.force, "register devices for this deployment")
    if not name.strip():
        raise ValidationError({"name": "name the camera or van"})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = Device.objects.create(deployment=deployment, name=name.strip(), created_by=actor,
                                       token_sha256=hashlib.sha256(token.encode()).hexdigest())
        audit_record(actor=actor, action=DEVICE_CREATE, obj=device, force=deployment.force,
                     new={"deployment": deployment.pk, "name": device.name})
    return device, token


def device_revoke(*, actor, device: Device) -> Device:
    require(actor, CHANGE, device.deployment.force, "revoke this device")
    with transaction.atomic():
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=DEVICE_REVOKE, obj=device, force=device.deployment.force)
    return device


def device_for_token(token: str) -> Device | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return (Device.objects.select_related("deployment__force", "deployment__algorithm_version")
            .filter(token_sha256=digest, revoked_at__isnull=True).first())


def matching_permitted(deployment, *, at: datetime, position: tuple[float, float] | None = None):
    """Raise MatchingRefused unless the deployment is authorised, active, inside its window and place.

    Returns the face model this process runs (checked against the deployment's authorised algorithm)."""
    # Always the state in the database: a feed that runs for minutes must stop when the deployment ends.
    deployment.refresh_from_db(fields=["status", "starts_at", "ends_at", "threshold", "algorithm_version",
                                       "latitude", "longitude", "radius_m", "polygon"])
    if deployment.status != Status.ACTIVE or authorisation_current(deployment=deployment) is None:
        raise MatchingRefused("deployment_not_active",
                              f"deployment {deployment.pk} is {deployment.get_status_display().lower()}, not active "
                              "under an authorisation: no matching (rule 1)")
    if not deployment.starts_at <= at <= deployment.ends_at:
        raise MatchingRefused("outside_window",
                              f"deployment {deployment.pk} is authorised from {deployment.starts_at:%Y-%m-%d %H:%M} "
                              f"to {deployment.ends_at:%Y-%m-%d %H:%M}: no matching outside it (rule 3)")
    if position is not None and deployment.has_place and not place_contains(place_of(deployment), *position):
        raise MatchingRefused("outside_place", "the device reports a position outside the authorised place (rule 3)")
    model = engine.face_model_current()
    if model.algorithm_id != deployment.algorithm_version_id:
        raise MatchingRefused("algorithm_mismatch",
                              f"deployment {deployment.pk} was authorised for {deployment.algorithm_version}, "
                              f"but this matcher runs {model.algorithm}")
    return model


@dataclass
class ItemResult:
    index: int
    status: str = "processed"
    faces: int = 0
    alerts: list[int] = field(default_factory=list)
    error: dict | None = None

    def reject(self, code: str, message: str) -> "ItemResult":
        self.status, self.error = "rejected", {"code": code, "message": message}
        return self


def _crop_jpeg(image: np.ndarray, box) -> bytes:
    height, width = image.shape[:2]
    x1, y1, x2, y2 = box
    pad_x, pad_y = 0.25 * (x2 - x1), 0.25 * (y2 - y1)
    left, top = max(0, int(x1 - pad_x)), max(0, int(y1 - pad_y))
    right, bottom = min(width, int(x2 + pad_x)), min(height, int(y2 + pad_y))
    buffer = io.BytesIO()
    Image.fromarray(image[top:bottom, left:right]).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def _count(deployment_id: int, minute: datetime, faces: int, alerts: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO matching_facesprocessed (deployment_id, minute, faces, alerts, discarded)
               VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (deployment_id, minute) DO UPDATE SET
                 faces = matching_facesprocessed.faces + EXCLUDED.faces,
                 alerts = matching_facesprocessed.alerts + EXCLUDED.alerts,
                 discarded = matching_facesprocessed.discarded + EXCLUDED.discarded""",
            [deployment_id, minute, faces, alerts, faces - alerts],
        )


def _match(device: Device, model, embeddings: np.ndarray, crop_of: Callable[[int], bytes | None],
           captured_at: datetime) -> list[int | None]:
    """Search every embedding exactly; raise alerts at or above the threshold; count all of them.

    `crop_of(i)` gives face i's crop; it is asked only for faces that alert, so no other face is ever encoded.
    """
    deployment = device.deployment
    hits = watchlist_best(deployment.pk, embeddings)
    alert_ids: list[int | None] = [None] * len(embeddings)
    with transaction.atomic():
        for i, hit in enumerate(hits):
            if hit is None or hit.similarity < deployment.threshold:
                continue
            alert = Alert(deployment=deployment, entry_id=hit.object_id, device=device, face_model=model,
                          similarity=round(hit.similarity, 6), threshold=deployment.threshold,
                          captured_at=captured_at, embedding=embeddings[i])
            crop = crop_of(i)
            if crop:
                alert.crop.save(f"{deployment.pk}-{secrets.token_hex(8)}.jpg", ContentFile(crop), save=False)
            alert.save()
            audit_record(actor=None, action=ALERT_RAISE, obj=alert, force=deployment.force,
                         new={"deployment": deployment.pk, "entry": hit.object_id, "similarity": alert.similarity,
                              "threshold": alert.threshold, "face_model": model.onnx_sha256[:16],
                              "device": device.name})
            alert_ids[i] = alert.pk
        _count(deployment.pk, captured_at.replace(second=0, microsecond=0), len(embeddings),
               sum(1 for a in alert_ids if a is not None))
    return alert_ids


def frames_ingest(*, device: Device, frames: list[bytes], captured_at: datetime | None = None,
                  position: tuple[float, float] | None = None) -> list[ItemResult]:
    """Detect, embed and match every face of every frame. Bad frames are reported; good ones processed."""
    captured_at = captured_at or timezone.now()
    model = matching_permitted(device.deployment, at=timezone.now(), position=position)
    if not 1 <= len(frames) <= MAX_BATCH:
        raise ValidationError({"frames": f"send between 1 and {MAX_BATCH} frames at a time, not {len(frames)}"})
    pipeline = engine.pipeline()
    results = [ItemResult(i) for i in range(len(frames))]
    embeddings, faces, owners = [], [], []
    for i, data in enumerate(frames):
        try:
            image = pipeline.decode(data)
        except ImageRejected as exc:
            results[i].reject(exc.code, str(exc))
            continue
        for face, _chip, embedding in pipeline.faces(image):
            embeddings.append(embedding)
            faces.append((image, face.box))
            owners.append(i)
        results[i].faces = owners.count(i)
    if embeddings:
        alert_ids = _match(device, model, np.stack(embeddings), lambda i: _crop_jpeg(*faces[i]), captured_at)
        for owner, alert_id in zip(owners, alert_ids):
            if alert_id is not None:
                results[owner].alerts.append(alert_id)
    elif any(r.status == "processed" for r in results):
        _count(device.deployment.pk, captured_at.replace(second=0, microsecond=0), 0, 0)
    del embeddings, faces  # the templates and images of faces that matched nothing end here
    return results


def templates_ingest(*, device: Device, templates: list, captured_at: datetime | None = None,
                     crops: list[bytes | None] | None = None,
                     position: tuple[float, float] | None = None) -> list[ItemResult]:
    """Match templates computed on an edge device (same model). Malformed ones are reported, not matched."""
    captured_at = captured_at or timezone.now()
    model = matching_permitted(device.deployment, at=timezone.now(), position=position)
    if not 1 <= len(templates) <= MAX_BATCH:
        raise ValidationError({"templates": f"send between 1 and {MAX_BATCH} templates at a time, not {len(templates)}"})
    crops = crops or [None] * len(templates)
    results = [ItemResult(i) for i in range(len(templates))]
    good, good_crops, owners = [], [], []
    for i, values in enumerate(templates):
        try:
            good.append(check_template(values))
        except TemplateRejected as exc:
            results[i].reject(exc.code, f"templates[{i}] {exc}")
            continue
        good_crops.append(crops[i] if i < len(crops) else None)
        owners.append(i)
        results[i].faces = 1
    if good:
        for owner, alert_id in zip(owners, _match(device, model, np.stack(good), good_crops.__getitem__, captured_at)):
            if alert_id is not None:
                results[owner].alerts.append(alert_id)
    del good
    return results
