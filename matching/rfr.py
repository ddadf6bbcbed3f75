"""Retrospective searches (rule 19) and operator-initiated checks (rule 18) against a force's gallery."""
from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from matching import engine
from matching.audit_actions import OIFR_CHECK, RFR_CANDIDATE_MARK, RFR_SEARCH
from matching.images import image_decode, refusal
from matching.models import (
    PRIVATE_PLACES, CandidateStatus, GalleryKind, OifrCheck, OifrReason, OifrSubjectCategory, PlaceType, ProbeSource,
    RfrCandidate, RfrSearch,
)
from matching.search import gallery_top
from oversight.audit.log import audit_record
from oversight.models import Role
from oversight.permissions import CHANGE, require

MAX_CANDIDATES = 50


def _largest_face_embedding(data: bytes, *, field: str):
    image = image_decode(data, field=field)
    faces = engine.pipeline().faces(image)
    del image
    if not faces:
        raise refusal(field, "No face was found in the image.", "no_face")
    _, _, embedding = max(faces, key=lambda item: item[0].area)
    return embedding, len(faces)


def rfr_search_run(*, actor, probe: bytes, crime_reference: str, probe_source: str,
                   candidate_list_length: int = 10, deployment=None, keep_probe: bool = True) -> RfrSearch:
    """Search the force's custody gallery with the largest face of the probe; return a ranked candidate list."""
    force = actor.force
    require(actor, CHANGE, force, "run a retrospective search")
    errors = {}
    longest = RfrSearch._meta.get_field("crime_reference").max_length
    if not crime_reference.strip():
        errors["crime_reference"] = "a retrospective search needs a crime reference"
    elif len(crime_reference.strip()) > longest:
        errors["crime_reference"] = (f"a crime reference has at most {longest} characters; this one has "
                                     f"{len(crime_reference.strip())}")
    if probe_source not in ProbeSource.values:
        errors["probe_source"] = f"unknown probe source {probe_source!r}; one of {', '.join(ProbeSource.values)}"
    if not isinstance(candidate_list_length, int) or not 1 <= candidate_list_length <= MAX_CANDIDATES:
        errors["candidate_list_length"] = f"between 1 and {MAX_CANDIDATES}"
    if deployment is not None and (deployment.force_id != force.pk or deployment.kind != "rfr"):
        errors["deployment"] = "not an RFR authorisation of your force"
    if errors:
        raise ValidationError(errors)
    embedding, _ = _largest_face_embedding(probe, field="probe")
    model = engine.face_model_current()
    threshold = deployment.threshold if deployment is not None else model.thresholds.get("fmr_0.01", 0.9)
    hits = [hit for hit in gallery_top(force.pk, embedding, kinds=[GalleryKind.CUSTODY], limit=candidate_list_length)
            if hit.similarity >= threshold]
    search = RfrSearch(force=force, deployment=deployment, requested_by=actor,
                       crime_reference=crime_reference.strip(), probe_source=probe_source,
                       candidate_list_length=candidate_list_length, face_model=model, threshold=threshold)
    search.full_clean(exclude=["probe"])  # every field judged before the probe is written anywhere
    try:
        with transaction.atomic():
            if keep_probe:
                search.probe.save(f"{secrets.token_hex(12)}.img", ContentFile(probe), save=False)
            search.save()
            RfrCandidate.objects.bulk_create([
                RfrCandidate(search=search, rank=rank, custody_image_id=hit.object_id,
                             similarity=round(hit.similarity, 6))
                for rank, hit in enumerate(hits, start=1)
            ])
            audit_record(actor=actor, action=RFR_SEARCH, obj=search, force=force,
                         new={"crime_reference": search.crime_reference, "probe_source": probe_source,
                              "candidate_list_length": candidate_list_length, "candidates": len(hits),
                              "threshold": threshold, "face_model": model.onnx_sha256[:16],
                              "probe_kept": keep_probe})
    except BaseException:
        # No row, so no retention run would ever find the probe: it goes with the failed search.
        if search.probe.name:
            search.probe.storage.delete(search.probe.name)
        raise
    return search


def rfr_candidate_mark(*, actor, candidate: RfrCandidate, status: str, note: str = "") -> RfrCandidate:
    """A candidate becomes an identification only when a person corroborates it (rule 19)."""
    search = candidate.search
    require(actor, CHANGE, search.force, "review this candidate")
    if actor.pk != search.requested_by_id and actor.role != Role.FORCE_APPROVER:
        raise ValidationError({"status": "only the investigator who ran the search (or an approver) reviews it"})
    if status not in (CandidateStatus.CORROBORATED, CandidateStatus.REJECTED):
        raise ValidationError({"status": "mark a candidate 'corroborated' or 'rejected'"})
    if status == CandidateStatus.CORROBORATED and len(note.strip()) < 10:
        raise ValidationError({"note": "say what corroborates the identification (at least 10 characters)"})
    with transaction.atomic():
        # The row lock makes two reviews of one candidate take turns; the second finds it already reviewed.
        candidate = RfrCandidate.objects.select_for_update().select_related("search__force").get(pk=candidate.pk)
        if candidate.status != CandidateStatus.UNREVIEWED:
            raise refusal("status", f"this candidate was already reviewed: it is "
                                    f"{CandidateStatus(candidate.status).label.lower()}", "already_reviewed")
        old = candidate.status
        candidate.status, candidate.note = status, note.strip()
        candidate.reviewed_by, candidate.reviewed_at = actor, timezone.now()
        candidate.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
        audit_record(actor=actor, action=RFR_CANDIDATE_MARK, obj=candidate, force=search.force,
                     old={"status": old}, new={"status": status, "note": candidate.note, "search": search.pk})
    return candidate


def oifr_check_run(*, actor, photo: bytes, reason: str, subject_category: str, place_type: str,
                   harm_declaration: str = "") -> OifrCheck:
    """Check the identity of a person on the spot. The photo and its template are never stored."""
    force = actor.force
    require(actor, CHANGE, force, "run an identity check")
    errors = {}
    if reason not in OifrReason.values:
        errors["reason"] = f"unknown reason {reason!r}; one of {', '.join(OifrReason.values)}"
    if subject_category not in OifrSubjectCategory.values:
        errors["subject_category"] = (f"unknown subject category {subject_category!r}; "
                                      f"one of {', '.join(OifrSubjectCategory.values)}")
    if place_type not in PlaceType.values:
        errors["place_type"] = f"unknown place type {place_type!r}; one of {', '.join(PlaceType.values)}"
    elif place_type in PRIVATE_PLACES and len(harm_declaration.strip()) < 20:
        errors["harm_declaration"] = (f"in a {PlaceType(place_type).label.lower()} a check needs a declaration of "
                                      "the risk of significant harm (rule 18)")
    if errors:
        raise ValidationError(errors)
    embedding, faces = _largest_face_embedding(photo, field="photo")
    model = engine.face_model_current()
    threshold = model.thresholds.get("fmr_0.001", 0.934)
    hits = gallery_top(force.pk, embedding, kinds=[GalleryKind.CUSTODY, GalleryKind.MISSING], limit=1)
    del embedding, photo  # nothing of the photo outlives this call
    best = hits[0] if hits and hits[0].similarity >= threshold else None
    with transaction.atomic():
        check = OifrCheck.objects.create(
            force=force, officer=actor, reason=reason, subject_category=subject_category, place_type=place_type,
            harm_declaration=harm_declaration.strip(), face_model=model, threshold=threshold, faces_found=faces,
            matched_id=best.object_id if best else None, similarity=round(best.similarity, 6) if best else None,
        )
        audit_record(actor=actor, action=OIFR_CHECK, obj=check, force=force,
                     new={"reason": reason, "subject_category": subject_category, "place_type": place_type,
                          "matched": bool(best), "threshold": threshold})
    return check
