"""Computing templates: watchlist entries (for one deployment) and gallery images (a force's custody set)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction

from deployments.selectors import watchlist_entries_for_matching
from matching import engine
from matching.audit_actions import ENTRY_ENROL, ENTRY_ENROL_REJECT, GALLERY_ENROL
from matching.face.errors import ImageRejected, QualityRejected
from matching.models import CustodyImage, GalleryKind, WatchlistTemplate
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require


def template_of(data: bytes, *, field: str = "image"):
    """Decode and enrol one photo; a refusal is a ValidationError naming the field and the reason."""
    pipeline = engine.pipeline()
    try:
        return pipeline.enrol(pipeline.decode(data))
    except (ImageRejected, QualityRejected) as exc:
        raise ValidationError({field: f"{exc} ({exc.code})"}, code=exc.code) from None


def entry_enrol(*, actor, entry) -> WatchlistTemplate:
    """Compute (or recompute) the template of one watchlist entry from its stored image."""
    deployment = entry.watchlist.deployment
    if actor is not None:
        require(actor, CHANGE, deployment.force, "enrol this watchlist")
    if not entry.image:
        raise ValidationError({"image": f"entry {entry.subject_reference} has no image (deleted after retention?)"})
    with entry.image.open("rb") as fh:
        data = fh.read()
    try:
        enrolment = template_of(data)
    except ValidationError as exc:
        with transaction.atomic():
            audit_record(actor=actor, action=ENTRY_ENROL_REJECT, obj=entry, force=deployment.force,
                         new={"reason": exc.message_dict["image"][0]})
        raise
    model = engine.face_model_current()
    with transaction.atomic():
        template, _ = WatchlistTemplate.objects.update_or_create(
            entry=entry,
            defaults=dict(deployment=deployment, face_model=model, embedding=enrolment.embedding,
                          quality={k: round(float(v), 3) for k, v in enrolment.quality.items()}),
        )
        audit_record(actor=actor, action=ENTRY_ENROL, obj=entry, force=deployment.force,
                     new={"face_model": model.onnx_sha256[:16], "quality": template.quality})
    return template


@dataclass
class EnrolmentReport:
    enrolled: list[int] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)


def watchlist_enrol(*, actor, deployment) -> EnrolmentReport:
    """Template every usable entry of a deployment's watchlist; refusals are reported, not fatal."""
    require(actor, CHANGE, deployment.force, "enrol this watchlist") if actor is not None else None
    report = EnrolmentReport()
    for entry in watchlist_entries_for_matching(deployment=deployment):
        try:
            entry_enrol(actor=actor, entry=entry)
            report.enrolled.append(entry.pk)
        except ValidationError as exc:
            report.rejected.append({"entry": entry.pk, "subject_reference": entry.subject_reference,
                                    "reason": exc.message_dict["image"][0], "code": exc.code})
    return report


def gallery_enrol(*, actor, force, data: bytes, subject_reference: str, kind: str = GalleryKind.CUSTODY,
                  source_system: str = "PND", taken_on=None, unconvicted: bool = False) -> CustodyImage:
    """Add one custody or missing-person image to a force's searchable gallery (the template only)."""
    if actor is not None:
        require(actor, CHANGE, force, "add to this force's gallery")
    if kind not in GalleryKind.values:
        raise ValidationError({"kind": f"unknown gallery kind {kind!r}; one of {', '.join(GalleryKind.values)}"})
    enrolment = template_of(data)
    image = CustodyImage(force=force, kind=kind, subject_reference=subject_reference, source_system=source_system,
                         taken_on=taken_on, unconvicted=unconvicted, face_model=engine.face_model_current(),
                         embedding=enrolment.embedding)
    image.full_clean(exclude=["embedding"])
    with transaction.atomic():
        image.save()
        audit_record(actor=actor, action=GALLERY_ENROL, obj=image, force=force,
                     new={"kind": kind, "subject_reference": subject_reference, "source_system": source_system})
    return image


class TemplateRejected(ValueError):
    """A pre-computed template that cannot be matched; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_template(values) -> np.ndarray:
    """A pre-computed template from an edge device: 128 finite numbers; normalised here."""
    size = WatchlistTemplate._meta.get_field("embedding").dimensions
    try:
        vector = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TemplateRejected("not_numbers", f"must be a list of {size} numbers") from None
    if vector.ndim != 1 or vector.shape[0] != size:
        raise TemplateRejected("wrong_size", f"must have {size} numbers, not {vector.size}")
    if not np.all(np.isfinite(vector)):
        raise TemplateRejected("not_finite", "contains NaN or infinite values")
    norm = np.linalg.norm(vector)
    if norm < 1e-6:
        raise TemplateRejected("zero_vector", "is all zeros")
    return (vector / norm).astype(np.float32)
