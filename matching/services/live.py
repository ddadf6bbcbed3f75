"""Live matching (LFR): devices send frames or templates; matches become alerts; the rest is discarded.

A face that matches nothing leaves no trace but a count: its template lives only in this process's memory
for the length of one request and is never written to a table, a file or a log (rule 17). The count of
faces processed per deployment and minute is the evidence of that deletion.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from PIL import Image

from deployments import rules, transitions
from deployments.models import Deployment, Status
from matching.services import engine
from matching.audit_actions import ALERT_RAISE, DEVICE_CREATE, DEVICE_REVOKE
from matching.services.enrolment import TemplateRejected, check_template
from matching.face.decode import PixelBudget
from matching.face.errors import ImageRejected
from matching.models import EMBEDDING_SIZE, Alert, Device, FrameReceipt
from matching.search import watchlist_alerting
from oversight.audit.log import audit_record, audit_records
from oversight.inserts import insert_rows
from oversight.permissions import CHANGE, require

MAX_BATCH = 32
AHEAD = 2  # frames whose faces are being found while one is matched


# A short, stable code for a device's software, by the field a refusal is about.
REFUSAL_CODES = {"status": "deployment_not_active", "urgent_review": "urgent_review_overdue",
                 "ends_at": "outside_window", "place": "outside_place", "threshold": "below_threshold_floor",
                 "algorithm_version": "algorithm_mismatch", "score": "below_threshold",
                 "entry_reference": "entry_not_in_package", "package_digest": "unknown_package"}


class MatchingRefused(Exception):
    """Matching may not run for this deployment now: the rulebook's blocking violations at the matching stage.

    The message is the first violation's plain English; the rule's identifier is kept apart in `rule`."""

    def __init__(self, violations: Sequence[rules.Violation]) -> None:
        self.violations = list(violations)
        first = self.violations[0]
        super().__init__(first.message)
        self.rule = first.rule
        self.code = REFUSAL_CODES.get(first.field, "matching_refused")

    def as_dict(self) -> dict:
        return {"detail": str(self), "code": self.code, "rule": self.rule,
                "violations": [v.as_dict() for v in self.violations]}


@dataclass(frozen=True)
class Permit:
    """What the rulebook allowed for one request: the face model, and until when matching may run."""

    model: object
    until: datetime


# The rules of the matching stage whose reads `_stage_version` covers. A rule added to the stage turns the cache
# off (every request runs the whole stage again) until its reads are added to the version and its id here.
STAGE_RULES_COVERED = frozenset({"R01-written-authorisation", "R02-urgent-review", "R03-authorised-window",
                                 "R06-threshold-floor", "R16-alert-record",
                                 # reads rows only for an external matcher's alert (its package), never here
                                 "R16-authorised-package"})

# deployment id -> (version of what the stage read, camera position, when it was checked, the permit it gave)
_permits: dict[int, tuple[str, tuple[float, float] | None, datetime, Permit]] = {}


# The deployment's fields a request reads fresh: a feed that runs for minutes must stop when the deployment ends.
_FRESH_FIELDS = ("status", "starts_at", "ends_at", "threshold", "latitude", "longitude", "radius_m", "polygon")


# What the matching stage reads for the deployment `d` at %(at)s (and its day, %(day)s): the deployment, its
# authorisations, the policy settings in force, the force's documents approved by that day (bias tests among them),
# the algorithm version and the face models. (A row's text quotes every value that holds a delimiter, so two
# different sets of rows never give the same text.)
_STAGE_DIGEST = """md5(row(
    row(d.*)::text,
    (SELECT string_agg(row(a.*)::text, ',' ORDER BY a.id) FROM deployments_authorisation a
      WHERE a.deployment_id = d.id),
    (SELECT string_agg(row(s.*)::text, ',' ORDER BY s.id) FROM oversight_policysetting s
      WHERE s.effective_from <= %(at)s),
    (SELECT string_agg(row(p.*)::text, ',' ORDER BY p.id) FROM deployments_policydocument p
      WHERE p.force_id = d.force_id AND p.approved_on <= %(day)s),
    (SELECT row(v.*)::text FROM deployments_algorithmversion v WHERE v.id = d.algorithm_version_id),
    (SELECT string_agg(row(m.*)::text, ',' ORDER BY m.id) FROM matching_facemodel m))::text)"""


@dataclass(frozen=True)
class StageRead:
    """The version of what the matching stage reads for a deployment, read at `at` with the deployment itself."""

    at: datetime
    version: str


def _stage_version(deployment: Deployment, *, at: datetime) -> str:
    """Refresh the deployment's fields the stage reads, and return a digest of every row the matching stage
    reads for this deployment at `at` (`_STAGE_DIGEST`). Any change to any of them, by any path (a service, the
    back office, plain SQL), or a setting or document coming into force, gives another digest. One statement."""
    columns = ", ".join(f"d.{name}" for name in _FRESH_FIELDS)
    sql = f"SELECT {columns}, {_STAGE_DIGEST} FROM deployments_deployment d WHERE d.id = %(deployment)s"
    with connection.cursor() as cursor:
        cursor.execute(sql, {"deployment": deployment.pk, "at": at, "day": at.date()})
        row = cursor.fetchone()
    if row is None:
        raise Deployment.DoesNotExist(f"deployment {deployment.pk} no longer exists")
    for name, value in zip(_FRESH_FIELDS, row):
        field = Deployment._meta.get_field(name)
        setattr(deployment, field.attname, _from_db(field, value))
    return row[-1]


def _from_db(field, value):
    """A column's value as the ORM loads it into the field."""
    return value if value is None or not hasattr(field, "from_db_value") else field.from_db_value(value, None, connection)


def matching_check(deployment: Deployment, *, at: datetime | None = None,
                   position: tuple[float, float] | None = None) -> Permit:
    """Run the rulebook's matching stage (rules 1, 2, 3, 6, 16) for this deployment now, or raise MatchingRefused.

    Always on the state in the database: a feed that runs for minutes must stop when the deployment ends. (The
    algorithm is not read again: it is fixed once the deployment leaves its draft.)

    Every request asks the stage; the answer is kept in this process with the version of everything the stage
    read (`_stage_version`: one statement, which also refreshes the deployment's fields). While that version,
    the camera position and the permit's time hold, the kept permit is the stage's answer, since the same rows
    at a time inside the permit give the same result; any change to a row the stage reads, or the permit's time
    running out, runs the whole stage again on the next request. Only permits are kept, never refusals. This
    takes the stage from about 10-14 ms a request to one statement (README, bench/ingest.py); a device's request
    reads that version in the statement that finds the device (`device_for_token`), so its stage costs no
    statement of its own while the version holds. Without `at`, the time of that read, or now."""
    read = deployment.__dict__.pop("stage_read", None)  # used once: a second check reads the rows again
    if at is None:
        at = read.at if read is not None else timezone.now()
    covered = frozenset(r.id for r in rules.RULES.values() if rules.MATCHING in r.stages) == STAGE_RULES_COVERED
    if covered and read is not None and read.at == at:
        version = read.version  # read with the deployment's fields, in the device's statement
    elif covered:
        version = _stage_version(deployment, at=at)  # also refreshes the deployment's fields
    else:
        version = None
        deployment.refresh_from_db(fields=list(_FRESH_FIELDS))
    kept = _permits.get(deployment.pk)
    if version is not None and kept is not None:
        kept_version, kept_position, checked_at, permit = kept
        if kept_version == version and kept_position == position and checked_at <= at <= permit.until:
            return permit
    model = engine.face_model_of(deployment)  # the authorised algorithm's model made the watchlist's templates
    latitude, longitude = position if position is not None else (None, None)
    result = rules.check_matching(deployment, at=at, latitude=latitude, longitude=longitude, face_model=model)
    if result.blocking:
        _permits.pop(deployment.pk, None)
        if any(v.rule == "R02-urgent-review" for v in result.blocking):
            # The deadline has passed: stop the deployment now (and audit it), not at the next periodic run.
            from deployments.services import urgent_authorisations_enforce

            urgent_authorisations_enforce(at)
        raise MatchingRefused(result.blocking)
    permit = Permit(model=model, until=min(filter(None, [deployment.ends_at, result.facts.get("urgent_review_due")])))
    if version is not None:
        _permits[deployment.pk] = (version, position, at, permit)
    return permit


def _permit_again(deployment: Deployment, permit: Permit) -> Permit:
    """The deployment stopped being active, or the permit's time ran out, while a request was being matched: ask
    the rulebook again. Raises MatchingRefused, or renews the permit when a change allows matching on (an
    extension, an urgent review confirmed)."""
    deployment.refresh_from_db(fields=["status", "ends_at", "ended_at"])
    result = rules.check_matching(deployment, at=timezone.now(), face_model=permit.model)
    if result.blocking:
        raise MatchingRefused(result.blocking)
    return Permit(model=permit.model, until=min(filter(None, [deployment.ends_at,
                                                              result.facts.get("urgent_review_due")])))


def device_create(*, actor, deployment, name: str) -> tuple[Device, str]:
    """A device token scoped to one deployment. The token is shown once; only its hash is kept."""
    require(actor, CHANGE, deployment.force, "register devices for this deployment")
    if not name.strip():
        raise ValidationError({"name": "name the camera or van"})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Only for a deployment that may match: never on a draft, or one that has ended (the state table).
        transitions.target(Deployment.objects.select_for_update().get(pk=deployment.pk), "register_device")
        device = Device.objects.create(deployment=deployment, name=name.strip(), created_by=actor,
                                       token_sha256=hashlib.sha256(token.encode()).hexdigest())
        audit_record(actor=actor, action=DEVICE_CREATE, obj=device, force=deployment.force,
                     new={"deployment": deployment.pk, "name": device.name})
    return device, token


def device_revoke(*, actor, device: Device, reason: str = "") -> Device:
    """Stop a device's token from working (a lost or stolen van): its next request is refused as unauthenticated."""
    require(actor, CHANGE, device.deployment.force, "revoke this device")
    with transaction.atomic():
        device = Device.objects.select_for_update(of=("self",)).select_related("deployment__force").get(pk=device.pk)
        if device.revoked_at is not None:
            raise ValidationError({"device": f"{device.name} was already revoked on "
                                             f"{timezone.localtime(device.revoked_at):%d %b %Y at %H:%M}"})
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=DEVICE_REVOKE, obj=device, force=device.deployment.force,
                     old={"revoked_at": None}, new={"revoked_at": device.revoked_at, "name": device.name,
                                                    "deployment": device.deployment_id}, reason=reason.strip())
    return device


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


def _instance(model, values):
    """A model instance from its concrete fields' values, in order, as the ORM would load it."""
    fields = model._meta.concrete_fields
    return model.from_db(connection.alias, [f.attname for f in fields],
                         [_from_db(f, v) for f, v in zip(fields, values)])


def device_for_token(token: str, *, at: datetime | None = None) -> Device | None:
    """The device with this token, unless revoked, with its deployment, the deployment's force and algorithm
    version, and the version of what the matching stage reads for the deployment at `at` (now): one statement, so
    a camera's request costs one statement before its frames are decoded. The version rides on the deployment
    (`stage_read`), for the request's `matching_check`."""
    from deployments.models import AlgorithmVersion
    from oversight.models import Force

    at = at or timezone.now()
    parts = [(Device, "dev"), (Deployment, "d"), (Force, "f"), (AlgorithmVersion, "v")]
    sql = f"""
        SELECT {", ".join(_columns(model, alias) for model, alias in parts)}, {_STAGE_DIGEST}
        FROM matching_device dev
        JOIN deployments_deployment d ON d.id = dev.deployment_id
        JOIN oversight_force f ON f.id = d.force_id
        JOIN deployments_algorithmversion v ON v.id = d.algorithm_version_id
        WHERE dev.token_sha256 = %(digest)s AND dev.revoked_at IS NULL"""
    with connection.cursor() as cursor:
        cursor.execute(sql, {"digest": hashlib.sha256(token.encode()).hexdigest(), "at": at, "day": at.date()})
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, _ in parts:
        width = len(model._meta.concrete_fields)
        instances.append(_instance(model, row[start:start + width]))
        start += width
    device, deployment, deployment.force, deployment.algorithm_version = instances
    device.deployment = deployment
    deployment.stage_read = StageRead(at=at, version=row[-1])
    return device


@dataclass
class ItemResult:
    index: int
    status: str = "processed"
    faces: int = 0
    alerts: list[int] = field(default_factory=list)
    error: dict | None = None
    frame_id: str | None = None  # the device's own id of the frame or template, when it sent one
    repeated: bool = False  # the device sent this id before: the first answer, not counted again

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


def _frame_record(deployment_id: int, *, minute: datetime, faces: int, alerts: int, device_id: int | None = None,
                  frame_id: str | None = None, until: datetime) -> str:
    """The frame's row lock, claim, count and receipt in one statement. Returns "counted", "repeated" (the device
    sent this frame id before: nothing written) or "ask again" (the deployment is no longer active, or the permit's
    time ran out: nothing written).

    The deployment's row is locked first, and only while it is active and the permit's time (`until`) has not run
    out (a row changed while the lock was awaited is checked again in its new state): ending a deployment takes
    the same lock, so a frame counted here has its alerts committed before the end is recorded, and a frame that
    comes after the end writes nothing. Then the frame id is claimed (a second request with the same id waits on
    the unique index until the first commits, then finds it taken), and the faces are counted only if the claim
    was new: a retry is counted once. The receipt holds the faces; the caller adds the alert ids.

    Nothing is written unless everything is: run on its own (no transaction around it), the statement is a
    whole frame without alerts."""
    sql = """
        WITH active AS (
            SELECT d.id FROM deployments_deployment d
            WHERE d.id = %(deployment)s AND d.status = %(status)s AND %(in_time)s
              AND clock_timestamp() <= %(until)s FOR UPDATE OF d),
        claim AS (
            INSERT INTO matching_framereceipt (device_id, frame_id, faces, alerts, created_at)
            SELECT %(device)s::bigint, %(frame)s::text, %(faces)s, '[]'::jsonb, now() FROM active
            WHERE %(frame)s::text IS NOT NULL
            ON CONFLICT (device_id, frame_id) DO NOTHING RETURNING id),
        counted AS (
            INSERT INTO matching_facesprocessed (deployment_id, minute, faces, alerts, discarded)
            SELECT id, %(minute)s, %(faces)s, %(alerts)s, %(discarded)s FROM active
            WHERE %(frame)s::text IS NULL OR EXISTS (SELECT 1 FROM claim)
            ON CONFLICT (deployment_id, minute) DO UPDATE SET
              faces = matching_facesprocessed.faces + EXCLUDED.faces,
              alerts = matching_facesprocessed.alerts + EXCLUDED.alerts,
              discarded = matching_facesprocessed.discarded + EXCLUDED.discarded
            RETURNING 1)
        SELECT (SELECT count(*) FROM active), (SELECT count(*) FROM counted)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"deployment": deployment_id, "status": Status.ACTIVE, "until": until,
                             "in_time": timezone.now() <= until,
                             "device": device_id, "frame": frame_id, "faces": faces, "alerts": alerts,
                             "discarded": faces - alerts, "minute": minute})
        active, counted = cursor.fetchone()
    if not active:
        return "ask again"
    return "counted" if counted else "repeated"


def _receipt(device: Device, frame_id: str | None) -> FrameReceipt | None:
    return FrameReceipt.objects.filter(device=device, frame_id=frame_id).first() if frame_id else None


def _repeat(result: ItemResult, receipt: FrameReceipt) -> ItemResult:
    result.faces, result.alerts, result.repeated = receipt.faces, list(receipt.alerts), True
    return result


def _match_item(device: Device, permit: Permit, result: ItemResult, embeddings: np.ndarray,
                crop_of: Callable[[int], bytes | None], captured_at: datetime) -> ItemResult:
    """Search one frame's (or one template's) faces exactly, raise alerts at or above the threshold, count them,
    and keep the device's frame id with the answer: all in one transaction, so a frame is counted once or not
    at all. `crop_of(i)` gives face i's crop; it is asked only for faces that alert, so no other face is encoded.

    The frame's first statement (`_frame_record`) holds the deployment's row lock: a deployment ended, or a
    permit run out, since the request began leaves nothing of the frame, and the rulebook says why.

    A frame without alerts is that one statement, its own transaction. Every frame's commit waits for the disk:
    a device told that its frame was counted can rely on it, through a crash of the database server too.
    """
    deployment, model = device.deployment, permit.model
    alerting = [(i, hit) for i, hit in enumerate(watchlist_alerting(deployment.pk, embeddings,
                                                                   threshold=deployment.threshold))
                if hit is not None]
    minute = captured_at.replace(second=0, microsecond=0)
    while True:
        alert_ids = []
        record = dict(minute=minute, faces=len(embeddings), alerts=len(alerting), device_id=device.pk,
                      frame_id=result.frame_id, until=permit.until)
        if not alerting and not connection.in_atomic_block:
            outcome = _frame_record(deployment.pk, **record)  # the whole frame: one statement, its own transaction
        else:
            with transaction.atomic():
                outcome = _frame_record(deployment.pk, **record)
                if outcome == "counted" and alerting:
                    alert_ids = _alerts_raise(device, model, alerting, embeddings, crop_of, captured_at)
                    if result.frame_id:
                        FrameReceipt.objects.filter(device=device, frame_id=result.frame_id).update(alerts=alert_ids)
        if outcome == "repeated":
            return _repeat(result, _receipt(device, result.frame_id))
        if outcome == "counted":
            result.faces, result.alerts = len(embeddings), alert_ids
            return result
        permit = _permit_again(deployment, permit)  # raises MatchingRefused unless a change allows matching on


def _alerts_raise(device: Device, model, alerting: list, embeddings: np.ndarray,
                  crop_of: Callable[[int], bytes | None], captured_at: datetime) -> list[int]:
    """The alerts of one frame, with their crops, in one insert, and their audit entries in one append."""
    deployment = device.deployment
    alerts = []
    for i, hit in alerting:
        alert = Alert(deployment=deployment, entry_id=hit.object_id, device=device, face_model=model,
                      similarity=round(hit.similarity, 6), threshold=deployment.threshold, captured_at=captured_at,
                      embedding=embeddings[i])
        if crop := crop_of(i):
            alert.crop.save(f"{deployment.pk}-{secrets.token_hex(8)}.jpg", ContentFile(crop), save=False)
        alerts.append(alert)
    insert_rows(alerts)
    audit_records([dict(actor=None, action=ALERT_RAISE, obj=alert, force=deployment.force,
                        new={"deployment": deployment.pk, "entry": alert.entry_id, "similarity": alert.similarity,
                             "threshold": alert.threshold, "face_model": model.onnx_sha256[:16],
                             "device": device.name})
                   for alert in alerts])
    return [alert.pk for alert in alerts]


def _frame_ids(frame_ids, count: int, field_name: str) -> list[str | None]:
    """The device's ids of the items of a batch: none, or one per item, distinct, each a short text."""
    if frame_ids is None or (isinstance(frame_ids, (list, tuple)) and len(frame_ids) == 0):
        return [None] * count
    if not isinstance(frame_ids, (list, tuple)) or len(frame_ids) != count:
        raise ValidationError({field_name: f"give one id per item: {count} ids in a list, in the same order"})
    limit = FrameReceipt._meta.get_field("frame_id").max_length
    for i, value in enumerate(frame_ids):
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise ValidationError({field_name: f"id {i + 1} must be a text of 1 to {limit} characters"})
    if len(set(frame_ids)) != len(frame_ids):
        raise ValidationError({field_name: "each item of a batch needs its own id; some ids repeat"})
    return [value.strip() for value in frame_ids]


def _rejection(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, ValidationError):
        errors = [e for errors in exc.error_dict.values() for e in errors] if hasattr(exc, "error_dict") else [exc]
        return getattr(errors[0], "code", None) or "rejected", " ".join(exc.messages)
    return getattr(exc, "code", "rejected"), str(exc)


def _refused_from(results: list[ItemResult], refused: MatchingRefused, *, count: int,
                  ids: list[str | None]) -> list[ItemResult]:
    """The deployment stopped matching during the batch: the last item and the rest are refused, the earlier ones
    stand. If none was matched, the whole request is refused."""
    if not any(r.status == "processed" for r in results[:-1]):
        raise refused
    results[-1].reject(refused.code, str(refused))
    for i in range(len(results), count):
        results.append(ItemResult(i, frame_id=ids[i]).reject(refused.code, str(refused)))
    return results


def _frame_faces(pipeline, frame: bytes | Callable[[], bytes], budget: PixelBudget):
    """Read, decode and find the faces of one frame: (image, faces), or the frame's rejection. No database work:
    it may run on the request's second thread."""
    try:
        image = pipeline.decode(frame() if callable(frame) else frame, budget=budget)
    except (ImageRejected, ValidationError) as exc:
        return None, exc
    return (image, pipeline.faces(image)), None


def frames_ingest(*, device: Device, frames: Sequence[bytes | Callable[[], bytes]],
                  frame_ids: Sequence[str] | None = None, captured_at: datetime | None = None,
                  position: tuple[float, float] | None = None) -> list[ItemResult]:
    """Detect, embed and match every face of every frame. Bad frames are reported; good ones processed.

    Frames are read, decoded, matched and let go in order (an item may be a function that reads it). While one
    frame's faces are searched and its count and alerts committed (work the database does), the next frames
    (`AHEAD`) are decoded and their faces found, in order, on a second thread of the request: the face work never
    waits for the database. So a request holds three decoded frames at most, whatever its size, and the pixels
    of the whole request are bounded too. Each frame is committed on its own: a bad frame or a failure later in
    the batch loses none of the good ones. A frame whose id (`frame_ids`) this device sent before is answered
    with its first result, not counted.
    """
    captured_at = captured_at or timezone.now()
    permit = matching_check(device.deployment, position=position)  # at the device's read (or now)
    if not 1 <= len(frames) <= MAX_BATCH:
        raise ValidationError({"frames": f"send between 1 and {MAX_BATCH} frames at a time, not {len(frames)}"})
    ids = _frame_ids(frame_ids, len(frames), "frame_ids")
    sent = [i for i in ids if i is not None]
    sent_before = {receipt.frame_id: receipt for receipt in
                   FrameReceipt.objects.filter(device=device, frame_id__in=sent)} if sent else {}
    todo = [i for i in range(len(frames)) if ids[i] not in sent_before]
    pipeline = engine.pipeline(permit.model)
    budget = PixelBudget()
    results = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="frames-ahead") as ahead:
        work = {}  # frame index -> its faces being found (the next frames to match, one at a time)

        def start(k: int) -> None:
            if k >= len(todo):
                return
            if len(todo) > 1:
                work[todo[k]] = ahead.submit(_frame_faces, pipeline, frames[todo[k]], budget)
            else:  # a single frame needs no second thread
                work[todo[k]] = done = Future()
                done.set_result(_frame_faces(pipeline, frames[todo[k]], budget))
        for k in range(AHEAD):
            start(k)
        for i in range(len(frames)):
            result = ItemResult(i, frame_id=ids[i])
            results.append(result)
            if i not in work:
                _repeat(result, sent_before[ids[i]])
                continue
            found, rejected = work.pop(i).result()
            start(todo.index(i) + AHEAD)
            if rejected is not None:
                result.reject(*_rejection(rejected))
                continue
            image, faces = found
            embeddings = (np.stack([embedding for _, _, embedding in faces]) if faces
                          else np.zeros((0, EMBEDDING_SIZE)))
            try:
                _match_item(device, permit, result, embeddings, lambda k: _crop_jpeg(image, faces[k][0].box),
                            captured_at)
            except MatchingRefused as refused:
                return _refused_from(results, refused, count=len(frames), ids=ids)
            del found, image, faces, embeddings  # the frame and the templates of faces that matched nothing end here
    return results


def templates_ingest(*, device: Device, templates: list, captured_at: datetime | None = None,
                     crops: list[bytes | None] | None = None, frame_ids: Sequence[str] | None = None,
                     position: tuple[float, float] | None = None) -> list[ItemResult]:
    """Match templates computed on an edge device (same model). Malformed ones are reported, not matched.

    A crop sent with a template passes the same image gate as a frame before it can be kept with an alert."""
    captured_at = captured_at or timezone.now()
    permit = matching_check(device.deployment, position=position)  # at the device's read (or now)
    if not 1 <= len(templates) <= MAX_BATCH:
        raise ValidationError({"templates": f"send between 1 and {MAX_BATCH} templates at a time, not {len(templates)}"})
    crops = list(crops or [])
    if len(crops) > len(templates):
        raise ValidationError({"crops": f"at most one crop per template: {len(crops)} crops for "
                                        f"{len(templates)} templates"})
    ids = _frame_ids(frame_ids, len(templates), "frame_ids")
    pipeline = engine.pipeline(permit.model)
    budget = PixelBudget()
    results = []
    for i, values in enumerate(templates):
        result = ItemResult(i, frame_id=ids[i])
        results.append(result)
        if (receipt := _receipt(device, ids[i])) is not None:
            _repeat(result, receipt)
            continue
        try:
            vector = check_template(values)
        except TemplateRejected as exc:
            result.reject(exc.code, f"templates[{i}] {exc}")
            continue
        crop = crops[i] if i < len(crops) else None
        if crop is not None:
            try:
                pipeline.decode(crop, budget=budget)
            except ImageRejected as exc:
                result.reject(exc.code, f"crops[{i}]: {exc}")
                continue
        try:
            _match_item(device, permit, result, vector[None, :], lambda _k: crop, captured_at)
        except MatchingRefused as refused:
            return _refused_from(results, refused, count=len(templates), ids=ids)
        del vector
    return results
