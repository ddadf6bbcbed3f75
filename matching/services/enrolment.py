"""Computing templates: watchlist entries (for one deployment) and gallery images (a force's custody set)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from deployments import transitions
from deployments.models import Deployment, Status
from deployments.selectors import watchlist_entries_for_matching
from matching.services import engine
from matching.audit_actions import ENTRY_ENROL, ENTRY_ENROL_REJECT, GALLERY_ENROL
from matching.images import image_enrolment
from matching.images import refusal as refusal_of
from matching.models import CustodyImage, GalleryKind, WatchlistTemplate
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require


def template_of(data: bytes, *, field: str = "image", face_model=None):
    """Decode and enrol one photo; a refusal is a ValidationError naming the field and the reason."""
    return image_enrolment(data, field=field, face_model=face_model)


class EntryRejected(Exception):
    """A watchlist entry that cannot be enrolled: `code` says why, `message` says it to a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _refusal(error: ValidationError, field: str) -> tuple[str, str]:
    """The code and the first message of a ValidationError raised for `field` (or for no field)."""
    errors = error.error_dict.get(field, []) if hasattr(error, "error_dict") else error.error_list
    first = errors[0] if errors else error
    code = getattr(first, "code", None) or "rejected"
    return code, " ".join(first.messages) if errors else " ".join(error.messages)


def _entry_enrolment(entry, model=None):
    """Compute the template of one entry from its stored photo (no writes), or EntryRejected saying why not."""
    if not entry.image:
        raise EntryRejected("image_deleted", f"{entry.subject_reference} has no photo: it was deleted when the "
                                             "retention period ended, or never attached")
    try:
        with entry.image.open("rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise EntryRejected("image_missing", f"the photo of {entry.subject_reference} is missing from storage") from None
    try:
        return template_of(data, face_model=model)
    except ValidationError as exc:
        raise EntryRejected(*_refusal(exc, "image")) from None


def _enrolment_allowed(actor, deployment):
    """Templates only for a deployment that may match (the governance layer's table of states)."""
    if actor is not None:
        require(actor, CHANGE, deployment.force, "enrol this watchlist")
    transitions.target(deployment, "enrol")


def _write_template(actor, entry, deployment, enrolment, model) -> WatchlistTemplate:
    template, _ = WatchlistTemplate.objects.update_or_create(
        entry=entry,
        defaults=dict(deployment=deployment, face_model=model, embedding=enrolment.embedding,
                      quality={k: round(float(v), 3) for k, v in enrolment.quality.items()}),
    )
    audit_record(actor=actor, action=ENTRY_ENROL, obj=entry, force=deployment.force,
                 new={"face_model": model.onnx_sha256[:16], "quality": template.quality})
    return template


def _write_rejection(actor, entry, deployment, refusal: EntryRejected) -> None:
    audit_record(actor=actor, action=ENTRY_ENROL_REJECT, obj=entry, force=deployment.force,
                 new={"reason": refusal.message, "code": refusal.code})


def _locked(deployment):
    return Deployment.objects.select_for_update().get(pk=deployment.pk)


def entry_enrol(*, actor, entry) -> WatchlistTemplate:
    """Compute (or recompute) the template of one watchlist entry from its stored image."""
    deployment = entry.watchlist.deployment
    _enrolment_allowed(actor, deployment)
    model = engine.face_model_of(deployment)  # templates are made by the authorised algorithm's model
    try:
        enrolment = _entry_enrolment(entry, model)
    except EntryRejected as refusal:
        with transaction.atomic():
            _write_rejection(actor, entry, deployment, refusal)
        raise refusal_of("image", refusal.message, refusal.code) from None
    with transaction.atomic():
        _enrolment_allowed(actor, _locked(deployment))
        return _write_template(actor, entry, deployment, enrolment, model)


@dataclass
class EnrolmentReport:
    enrolled: list[int] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)


def watchlist_enrol(*, actor, deployment) -> EnrolmentReport:
    """Template every usable entry of a deployment's watchlist; refusals are reported entry by entry.

    The templates are computed first, with nothing written; then every template and every refusal is
    written in one transaction, under a lock on the deployment whose state is checked again: a batch is
    enrolled whole or not at all, never half-written.
    """
    # Judged on the deployment as stored, not on the caller's copy (which may predate its authorisation).
    deployment.refresh_from_db(fields=["status"])
    _enrolment_allowed(actor, deployment)
    entries = list(watchlist_entries_for_matching(deployment=deployment))
    if entries and not any(entry.image for entry in entries):
        raise refusal_of("deployment", "the watchlist photos of this deployment were deleted when the retention "
                                       "period ended: there is nothing to enrol", "images_deleted")
    model = engine.face_model_of(deployment)  # templates are made by the authorised algorithm's model
    computed: list[tuple[object, object]] = []
    for entry in entries:
        try:
            computed.append((entry, _entry_enrolment(entry, model)))
        except EntryRejected as refusal:
            computed.append((entry, refusal))
    report = EnrolmentReport()
    with transaction.atomic():
        locked = _locked(deployment)
        _enrolment_allowed(actor, locked)
        for entry, outcome in computed:
            if isinstance(outcome, EntryRejected):
                _write_rejection(actor, entry, locked, outcome)
                report.rejected.append({"entry": entry.pk, "subject_reference": entry.subject_reference,
                                        "reason": outcome.message, "code": outcome.code})
            else:
                _write_template(actor, entry, locked, outcome, model)
                report.enrolled.append(entry.pk)
    return report


def gallery_enrol(*, actor, force, data: bytes, subject_reference: str, kind: str = GalleryKind.CUSTODY,
                  source_system: str = "PND", taken_on=None, unconvicted: bool = False,
                  keep_image: bool = True) -> CustodyImage:
    """Add one custody or missing-person image to a force's searchable gallery: its template, and (unless
    `keep_image` is false) the photo itself, which an investigator compares with a probe."""
    if actor is not None:
        require(actor, CHANGE, force, "add to this force's gallery")
    if kind not in GalleryKind.values:
        raise ValidationError({"kind": f"unknown gallery kind {kind!r}; one of {', '.join(GalleryKind.values)}"})
    enrolment = template_of(data)
    image = CustodyImage(force=force, kind=kind, subject_reference=subject_reference, source_system=source_system,
                         taken_on=taken_on, unconvicted=unconvicted, face_model=engine.face_model_current(),
                         embedding=enrolment.embedding)
    image.full_clean(exclude=["embedding", "image"])
    try:
        with transaction.atomic():
            if keep_image:  # the photo passed the image gate in template_of above
                suffix = "png" if data.startswith(b"\x89PNG") else "jpg"
                image.image.save(f"photo.{suffix}", ContentFile(data), save=False)
            image.save()
            audit_record(actor=actor, action=GALLERY_ENROL, obj=image, force=force,
                         new={"kind": kind, "subject_reference": subject_reference, "source_system": source_system,
                              "photo_kept": keep_image})
    except BaseException:
        if image.image.name:  # no row points at it: it goes with the failed write
            image.image.storage.delete(image.image.name)
        raise
    return image


class TemplateRejected(ValueError):
    """A pre-computed template that cannot be matched; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_template(values) -> np.ndarray:
    """A pre-computed template from an edge device: a flat list of 128 finite numbers (JSON numbers, not text
    or true/false), neither all zeros nor so large that its length overflows; normalised here."""
    size = WatchlistTemplate._meta.get_field("embedding").dimensions
    if not isinstance(values, (list, tuple)):
        raise TemplateRejected("not_a_list", f"must be a list of {size} numbers, not {_kind(values)}")
    if any(isinstance(v, (list, tuple, dict)) for v in values):
        raise TemplateRejected("nested", f"must be a flat list of {size} numbers, not a list of lists")
    if len(values) != size:
        raise TemplateRejected("wrong_size", f"must have {size} numbers, not {len(values)}")
    for position, value in enumerate(values, start=1):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TemplateRejected("not_numbers", f"number {position} is {_kind(value)}, not a number")
    try:
        vector = np.asarray(values, dtype=np.float64)
    except OverflowError:  # an integer beyond any float
        raise TemplateRejected("too_large", "holds a number too large to be part of a face template") from None
    if not np.all(np.isfinite(vector)):
        raise TemplateRejected("not_finite", "contains NaN or infinite values")
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm):
        raise TemplateRejected("too_large", "holds numbers too large to be a face template (its length overflows)")
    if norm < 1e-6:
        raise TemplateRejected("zero_vector", "is all zeros")
    return (vector / norm).astype(np.float32)


def _kind(value) -> str:
    """What a person would call a JSON value that is not what was asked for."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (a yes/no value)"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:20] + "…"
        return f'the text "{shown}"'
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (int, float)):
        return "a single number"
    return "not a list"


# A deployment's algorithm may change only before it matches: never while active, nor once it has ended.
SWITCHABLE = (Status.DRAFT, Status.SUBMITTED, Status.AUTHORISED, Status.URGENT_AUTHORISED)
AUTHORISED_STATES = (Status.AUTHORISED, Status.URGENT_AUTHORISED)


def deployment_algorithm_switch(*, actor, deployment, algorithm, threshold: float, reason: str):
    """Change the algorithm (and, since thresholds belong to an algorithm, the threshold) of a deployment that is
    not active, and enrol its watchlist again with the new algorithm's face model: the old templates go, each
    entry's new template (or refusal) is written, all in one transaction or not at all.

    Once authorised, the change is an approver's, and the authorisation rules must hold for the new algorithm
    (its threshold floor, a bias test covering the threshold); the refusal names the rules that do not.
    Returns (deployment, EnrolmentReport or None when the deployment is not yet authorised to hold templates)."""
    from deployments import rules as rulebook
    from deployments.models import AlgorithmVersion
    from matching.audit_actions import DEPLOYMENT_ALGORITHM_SWITCH
    from oversight.permissions import AUTHORISE

    if not isinstance(algorithm, AlgorithmVersion):
        found = AlgorithmVersion.objects.filter(code=str(algorithm)).first()
        if found is None:
            raise ValidationError({"algorithm_version": f"no algorithm version is called {algorithm!r}"})
        algorithm = found
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise ValidationError({"threshold": "give a threshold between 0 and 1 for the new algorithm"})
    if len((reason or "").strip()) < 10:
        raise ValidationError({"reason": "say in a sentence why the algorithm changes"})
    with transaction.atomic():
        locked = _locked(deployment)
        authorised = locked.status in AUTHORISED_STATES
        if actor is not None:
            require(actor, AUTHORISE if authorised else CHANGE, locked.force,
                    "change the algorithm of this authorised deployment" if authorised
                    else "change the algorithm of this deployment")
        if locked.status not in SWITCHABLE:
            state = locked.get_status_display().lower()
            raise ValidationError({"status": f"the algorithm of a deployment that is {state} cannot change: only "
                                             "before it is active"})
        if locked.algorithm_version_id == algorithm.pk:
            raise ValidationError({"algorithm_version": f"this deployment already uses {algorithm.code}"})
        old = {"algorithm_version": locked.algorithm_version.code, "threshold": locked.threshold}
        locked.algorithm_version, locked.threshold = algorithm, float(threshold)
        locked.save(update_fields=["algorithm_version", "threshold"])
        if authorised:
            result = rulebook.check_authorisation(locked, approver=actor)
            result.raise_if_blocking()
        dropped, _ = WatchlistTemplate.objects.filter(deployment=locked).delete()
        audit_record(actor=actor, action=DEPLOYMENT_ALGORITHM_SWITCH, obj=locked, force=locked.force, old=old,
                     new={"algorithm_version": algorithm.code, "threshold": locked.threshold,
                          "templates_dropped": dropped}, reason=reason.strip())
        report = watchlist_enrol(actor=actor, deployment=locked) if authorised else None
    deployment.refresh_from_db()
    return deployment, report
