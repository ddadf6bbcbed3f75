"""Retrospective searches (rule 19) and operator-initiated checks (rule 18) against a force's gallery."""
from __future__ import annotations

import secrets
from collections import Counter

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from deployments import rules as rulebook
from matching import rules
from matching.services import engine
from matching.audit_actions import NATIONAL_SEARCH_NOTICE, OIFR_CHECK, RFR_CANDIDATE_MARK, RFR_SEARCH
from matching.images import image_decode, refusal
from matching.models import (
    CustodyImage, GalleryKind, NationalSearchNotice, OifrCheck, RfrCandidate, RfrSearch, SearchScope,
)
from matching.search import gallery_top, gallery_top_national
from oversight import bounds
from oversight.audit.log import audit_record
from oversight.policy import policy_value
from oversight.permissions import CHANGE, require


def _largest_face_embedding(data: bytes, *, field: str, face_model=None):
    image = image_decode(data, field=field)
    faces = engine.pipeline(face_model).faces(image)
    del image
    if not faces:
        raise refusal(field, "No face was found in the image.", "no_face")
    _, _, embedding = max(faces, key=lambda item: item[0].area)
    return embedding, len(faces)


def _search_threshold(key: str, model, *, asked: float | None = None, deployment=None) -> float | None:
    """The threshold a search runs at: the one asked for, the RFR authorisation's, or the policy's for the model."""
    if asked is not None:
        return asked
    if deployment is not None:
        return deployment.threshold
    return policy_value(key).get(model.algorithm.code)


def rfr_search_run(*, actor, probe: bytes, crime_reference: str, probe_source: str,
                   candidate_list_length: int = 10, deployment=None, keep_probe: bool = True,
                   threshold: float | None = None, scope: str = SearchScope.LOCAL, national_purpose: str = "",
                   authorised_by=None) -> RfrSearch:
    """Search custody images with the largest face of the probe; return a ranked candidate list.

    A local search reads the force's own images. A national search (`scope="national"`) reads every force's,
    once an officer of the set rank has authorised it and its purpose is written (rule R19-national-search);
    each force whose images it returns is told, and sees the search among its own records.

    The threshold is the one asked for, else the RFR authorisation's, else the policy's for the model; rule 19
    refuses any below the model's floor, before the probe is looked at. Only candidates at or above it are
    kept: nobody below it is shown to anyone."""
    force = actor.force
    require(actor, CHANGE, force, "run a retrospective search")
    # An RFR authorisation's algorithm makes the probe's template, compared only with the gallery's of that model.
    model = engine.face_model_of(deployment) if deployment is not None else engine.face_model_current()
    threshold = _search_threshold("rfr.threshold", model, asked=threshold, deployment=deployment)
    national = scope == SearchScope.NATIONAL
    facts = dict(actor=actor, crime_reference=crime_reference, probe_source=probe_source,
                 candidate_list_length=candidate_list_length, face_model=model, threshold=threshold, scope=scope,
                 national_purpose=national_purpose, authorised_by=authorised_by)
    result = rulebook.check(rules.RFR, deployment=deployment, force=force, facts=facts)
    if result.blocking:
        raise rulebook.RuleError(result.blocking)
    out_of_bounds = bounds.problems(RfrSearch, crime_reference=(crime_reference or "").strip(),
                                    national_purpose=(national_purpose or "").strip())
    if out_of_bounds:  # before the probe is read for a face
        raise ValidationError(out_of_bounds)
    embedding, _ = _largest_face_embedding(probe, field="probe", face_model=model)
    # Only images the probe's own face model made are comparable with it (the authorisation's algorithm's, or
    # the current one): another model's numbers live in another space, and any score against them is noise.
    among = dict(kinds=[GalleryKind.CUSTODY], limit=candidate_list_length, face_model_id=model.pk)
    found = gallery_top_national(embedding, **among) if national else gallery_top(force.pk, embedding, **among)
    hits = [hit for hit in found if hit.similarity >= threshold]
    # The candidates are read again from the primary before anyone sees them: when searches run on a read replica
    # (docs/scale.md), an image deleted a moment ago on the primary is not shown while the replica catches up.
    live = set(CustodyImage.objects.filter(pk__in=[hit.object_id for hit in hits], deletion_granted=False)
               .values_list("pk", flat=True))
    hits = [hit for hit in hits if hit.object_id in live]
    search = RfrSearch(force=force, deployment=deployment, requested_by=actor,
                       crime_reference=crime_reference.strip(), probe_source=probe_source,
                       candidate_list_length=candidate_list_length, face_model=model, threshold=threshold,
                       scope=scope, national_purpose=national_purpose.strip() if national else "",
                       authorised_by=(authorised_by or actor) if national else None)
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
                              "probe_kept": keep_probe, "scope": scope,
                              **({"national_purpose": search.national_purpose,
                                  "authorised_by": search.authorised_by_id} if national else {})})
            if national:
                _owning_forces_notify(actor=actor, search=search, image_ids=[hit.object_id for hit in hits])
    except BaseException:
        # No row, so no retention run would ever find the probe: it goes with the failed search.
        if search.probe.name:
            search.probe.storage.delete(search.probe.name)
        raise
    return search


def _owning_forces_notify(*, actor, search: RfrSearch, image_ids: list[int]) -> None:
    """Tell each other force whose custody images a national search returned: one notice and one audit event in
    that force's own records, naming the searching force, the crime reference and how many of its images."""
    owners = Counter(CustodyImage.objects.filter(pk__in=image_ids).exclude(force=search.force)
                     .values_list("force_id", flat=True))
    for force_id, count in sorted(owners.items()):
        notice = NationalSearchNotice.objects.create(search=search, owning_force_id=force_id, candidates=count)
        audit_record(actor=actor, action=NATIONAL_SEARCH_NOTICE, obj=notice, force=notice.owning_force,
                     new={"search": search.pk, "searching_force": search.force.code,
                          "crime_reference": search.crime_reference, "candidates": count})


def rfr_candidate_mark(*, actor, candidate: RfrCandidate, status: str, note: str = "") -> RfrCandidate:
    """A candidate becomes an identification only when a person corroborates it (rule 19)."""
    search = candidate.search
    require(actor, CHANGE, search.force, "review this candidate")
    with transaction.atomic():
        # The row lock makes two reviews of one candidate take turns; the second finds it already reviewed.
        candidate = (RfrCandidate.objects.select_for_update(of=("self",)).select_related("search__force")
                     .get(pk=candidate.pk))
        result = rulebook.check(rules.RFR, force=search.force, record=candidate,
                       facts=dict(action="corroborate", actor=actor, status=status, note=note))
        if result.blocking:
            raise rulebook.RuleError(result.blocking)
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
    model = engine.face_model_current()
    threshold = _search_threshold("oifr.threshold", model)
    result = rulebook.check(rules.OIFR, force=force, facts=dict(
        reason=reason, subject_category=subject_category, place_type=place_type, harm_declaration=harm_declaration,
        face_model=model, threshold=threshold))
    if result.blocking:
        raise rulebook.RuleError(result.blocking)
    embedding, faces = _largest_face_embedding(photo, field="photo")
    hits = gallery_top(force.pk, embedding, kinds=[GalleryKind.CUSTODY, GalleryKind.MISSING], limit=1,
                       face_model_id=model.pk)  # only templates of the model that made the photo's
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
