"""Writes of the governance layer.

Every service names who acts, checks what they may do on which force, runs the rules of its moment,
and writes the change and its audit event in one transaction. A refusal changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import Any, Sequence

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from deployments import audit_actions as actions
from deployments import bulk, files, rules, selectors, transitions
from deployments.geo import place_of
from deployments.models import (
    AlgorithmVersion, Asset, AssetBooking, Authorisation, AuthorisationKind, Consultation, ConsultedBody,
    DeletionStatus, Deployment, DocumentKind,
    Kind, PolicyDocument, PostDeploymentReview, ProportionalityAssessment, Status, Watchlist, WatchlistCategory,
    WatchlistEntry,
)
from oversight import bounds
from oversight.audit.log import audit_record, snapshot
from oversight.models import Force, LegalBasis, LegalBasisKind, Role, User
from oversight.permissions import ADMINISTER, AUTHORISE, CHANGE, can, require, require_role

MIN_REASONS_CHARS = 20

DEFAULT_CATEGORIES = [
    ("wanted-by-court", "Wanted by a court", "People wanted on a warrant issued by a court."),
    ("suspected-offence", "Suspected of an offence",
     "People suspected on reasonable grounds of having committed an offence."),
    ("conditions-breach", "Subject to conditions that presence would breach",
     "People subject to bail, court-order or licence conditions that their presence at the place would breach."),
    ("missing-at-risk", "Missing and at increased risk", "Missing people at increased risk of harm."),
    ("risk-of-harm", "A risk of harm to self or others", "People who present a risk of harm to themselves or others."),
]

DEPLOYMENT_FIELDS = [
    "kind", "title", "policing_objective", "intelligence_case", "watchlist_criteria", "location_name", "latitude",
    "longitude", "radius_m", "polygon", "location_justification", "starts_at", "ends_at", "algorithm_version",
    "threshold", "public_notice_plan", "critical_threat_exemption", "critical_threat_reason", "covert",
]
ASSESSMENT_FIELDS = ["legitimate_aim", "strict_necessity", "alternatives_considered", "expected_faces",
                     "community_impact", "engagement_consulted", "engagement_on", "engagement_feedback",
                     "collateral_intrusion", "conclusion"]
ENTRY_FIELDS = ["subject_reference", "category", "subject_kind", "justification", "extra_justification",
                "image_sha256", "image_source_system", "image_date", "quality_check", "quality_note", "under_18",
                "harm_justification", "unconvicted", "deletion_status"]
DOCUMENT_FIELDS = ["kind", "title", "version", "approved_on", "next_review_on", "published", "content_type",
                   "algorithm_version", "threshold_min", "threshold_max", "no_difference_from"]


def _history(actor):
    return pghistory.context(actor=getattr(actor, "username", "system"))


def _locked(deployment: Deployment) -> Deployment:
    # Row lock: two approvers pressing "authorise" at once must not both succeed.
    return Deployment.objects.select_for_update().get(pk=deployment.pk)


def _reasons(reasons: str, field: str = "reasons") -> str:
    if len((reasons or "").strip()) < MIN_REASONS_CHARS:
        raise ValidationError({field: f"give your reasons (at least {MIN_REASONS_CHARS} characters)"})
    return reasons.strip()


def _algorithm(value: str | AlgorithmVersion) -> AlgorithmVersion:
    if isinstance(value, AlgorithmVersion):
        return value
    found = AlgorithmVersion.objects.filter(code=value).first()
    if found is None:
        raise ValidationError({"algorithm_version": f"no algorithm version is called {value!r}"})
    return found


def _legal_bases(codes: Sequence[str], field: str = "legal_bases") -> list[LegalBasis]:
    bases = list(LegalBasis.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {b.code for b in bases})
    if unknown:
        raise ValidationError({field: f"not in the legal-basis register: {', '.join(unknown)}"})
    return bases


# --- Register data: algorithms, categories, documents ---------------------------------------------
def algorithm_version_create(*, actor: User | None, code: str, vendor: str, name: str, version: str,
                             calibration: list, embedding_size: int | None = None,
                             calibration_source: str = "") -> AlgorithmVersion:
    if actor is not None:
        require_role(actor, [Role.OVERSIGHT_ADMIN], "register an algorithm version")
    with transaction.atomic(), _history(actor):
        algorithm = AlgorithmVersion(code=code, vendor=vendor, name=name, version=version, calibration=calibration,
                                     embedding_size=embedding_size, calibration_source=calibration_source)
        algorithm.full_clean()
        algorithm.save()
        audit_record(actor=actor, action=actions.ALGORITHM_VERSION_CREATE, obj=algorithm,
                     new=snapshot(algorithm, ["code", "vendor", "name", "version", "embedding_size", "calibration",
                                              "calibration_source"]))
    return algorithm


def watchlist_category_create(*, actor: User | None, force: Force, code: str, name: str, public_description: str,
                              published: bool = True, position: int = 0) -> WatchlistCategory:
    """Add a category to a force's closed list; 'of interest' is refused (rule 8)."""
    if actor is not None:
        require(actor, ADMINISTER, force, "change the watchlist categories")
    problems = rules.closed_category_problems(code=code, name=name)
    if problems:
        field = "code" if rules.OF_INTEREST.search(code) else "name"
        raise rules.RuleError([rules.Violation("R08-closed-category", rules.BLOCKING, field, message)
                               for _, message in problems])
    with transaction.atomic(), _history(actor):
        category = WatchlistCategory(force=force, code=code, name=name, public_description=public_description,
                                     published=published, position=position)
        category.full_clean()
        category.save()
        audit_record(actor=actor, action=actions.WATCHLIST_CATEGORY_CREATE, obj=category,
                     new=snapshot(category, ["code", "name", "public_description", "published", "position"]))
    return category


def watchlist_categories_seed(*, force: Force) -> list[WatchlistCategory]:
    """The five categories of domain.md rule 8, for a new force, inside the transaction that creates it.

    No audit event of its own: the list is fixed by this code and is part of creating the force, which the
    ground layer records as one `force.create` event; the rows keep their history (pghistory), and every
    later change to a force's list is audited by `watchlist_category_create`.
    """
    if force.watchlist_categories.exists():
        return list(force.watchlist_categories.all())
    return WatchlistCategory.objects.bulk_create([
        WatchlistCategory(force=force, code=code, name=name, public_description=text, position=i)
        for i, (code, name, text) in enumerate(DEFAULT_CATEGORIES, start=1)])


def policy_document_add(*, actor: User, force: Force, kind: str, title: str, version: str, approved_on: date,
                        next_review_on: date, file: File, published: bool = False,
                        algorithm_version: str | AlgorithmVersion | None = None, threshold_min: float | None = None,
                        threshold_max: float | None = None, no_difference_from: float | None = None) -> PolicyDocument:
    """File a version of a force's policy document (a force administrator or an approver does this)."""
    if not (can(actor, ADMINISTER, force) or can(actor, AUTHORISE, force)):
        raise PermissionDenied(f"you may not file policy documents for {force}")
    content_type = files.document_content_type(file)
    algorithm = _algorithm(algorithm_version) if algorithm_version else None
    with transaction.atomic(), _history(actor):
        doc = PolicyDocument(force=force, kind=kind, title=title, version=version, approved_on=approved_on,
                             next_review_on=next_review_on, published=published, content_type=content_type,
                             algorithm_version=algorithm, threshold_min=threshold_min, threshold_max=threshold_max,
                             no_difference_from=no_difference_from, created_by=actor)
        doc.file = file
        doc.full_clean(exclude=["file"])
        doc.file.save(f"document{'.pdf' if content_type == 'application/pdf' else '.txt'}", file, save=False)
        doc.save()
        audit_record(actor=actor, action=actions.POLICY_DOCUMENT_ADD, obj=doc, new=snapshot(doc, DOCUMENT_FIELDS))
    return doc


# --- Deployments -----------------------------------------------------------------------------------
def _validate_draft(deployment: Deployment, bases: list[LegalBasis], now: datetime) -> None:
    deployment.full_clean()
    rules.check(rules.DRAFT, at=now, deployment=deployment,
                deployment_bases=rules.basis_kinds(bases, now)).raise_if_blocking()


def deployment_create(
    *, actor: User, force: Force, title: str, starts_at: datetime, ends_at: datetime,
    algorithm_version: str | AlgorithmVersion, threshold: float, kind: str = Kind.LFR, policing_objective: str = "",
    intelligence_case: str = "", watchlist_criteria: str = "", location_name: str = "",
    latitude: float | None = None, longitude: float | None = None, radius_m: int | None = None,
    polygon: list | None = None, location_justification: str = "", public_notice_plan: str = "",
    critical_threat_exemption: bool = False, critical_threat_reason: str = "", covert: bool = False,
    legal_basis_codes: Sequence[str] = (), asset_codes: Sequence[str] = (),
) -> Deployment:
    require(actor, CHANGE, force, "draft a deployment")
    now = timezone.now()
    bases = _legal_bases(legal_basis_codes)
    deployment = Deployment(
        force=force, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at,
        algorithm_version=_algorithm(algorithm_version), threshold=threshold, policing_objective=policing_objective,
        intelligence_case=intelligence_case, watchlist_criteria=watchlist_criteria, location_name=location_name,
        latitude=latitude, longitude=longitude, radius_m=radius_m, polygon=polygon or None,
        location_justification=location_justification, public_notice_plan=public_notice_plan,
        critical_threat_exemption=critical_threat_exemption, critical_threat_reason=critical_threat_reason,
        covert=covert, created_by=actor,
    )
    _validate_draft(deployment, bases, now)
    with transaction.atomic(), _history(actor):
        deployment.save()
        deployment.legal_bases.set(bases)
        audit_record(actor=actor, action=actions.DEPLOYMENT_CREATE, obj=deployment,
                     new=snapshot(deployment, DEPLOYMENT_FIELDS) | {"legal_bases": sorted(legal_basis_codes)})
        for code in asset_codes:
            _book(actor, deployment, _asset(code))
    return deployment


def deployment_update(*, actor: User, deployment: Deployment, changes: dict[str, Any]) -> Deployment:
    """Change a draft. `changes` holds any of DEPLOYMENT_FIELDS and `legal_basis_codes`."""
    require(actor, CHANGE, deployment.force, "change this deployment")
    unknown = set(changes) - set(DEPLOYMENT_FIELDS) - {"legal_basis_codes"}
    if unknown:
        raise ValidationError({name: "this field cannot be changed" for name in unknown})
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        transitions.target(deployment, "edit")
        old = snapshot(deployment, DEPLOYMENT_FIELDS)
        for name, value in changes.items():
            if name == "algorithm_version":
                value = _algorithm(value)
            if name != "legal_basis_codes":
                setattr(deployment, name, value)
        if "legal_basis_codes" in changes:
            bases = _legal_bases(changes["legal_basis_codes"])
        else:
            bases = list(deployment.legal_bases.all())
        _validate_draft(deployment, bases, now)
        deployment.save()
        deployment.legal_bases.set(bases)
        for booking in deployment.bookings.filter(released_at__isnull=True):
            _rebook(actor, booking, deployment)
        new = snapshot(deployment, DEPLOYMENT_FIELDS)
        audit_record(actor=actor, action=actions.DEPLOYMENT_UPDATE, obj=deployment,
                     old={k: v for k, v in old.items() if new[k] != v},
                     new={k: v for k, v in new.items() if old[k] != v}
                     | ({"legal_bases": sorted(b.code for b in bases)} if "legal_basis_codes" in changes else {}))
    return deployment


# --- Assets ----------------------------------------------------------------------------------------
def _asset(code: str) -> Asset:
    asset = Asset.objects.filter(code=code).first()
    if asset is None:
        raise ValidationError({"assets": f"no asset is called {code!r}"})
    return asset


def _window(deployment: Deployment) -> DateTimeTZRange:
    return DateTimeTZRange(deployment.starts_at, deployment.ends_at, "[)")


def _refuse_clash(asset: Asset, deployment: Deployment, exclude_booking: int | None = None) -> None:
    clashes = AssetBooking.objects.filter(asset=asset, released_at__isnull=True, during__overlap=_window(deployment))
    clash = clashes.exclude(pk=exclude_booking).select_related("deployment").first()
    if clash is None:
        return
    if clash.deployment.force_id != deployment.force_id:
        # Another force's bookings are its own business (its drafts may be covert): name only the window asked for.
        lower, upper = (timezone.localtime(t) for t in (deployment.starts_at, deployment.ends_at))
        raise ValidationError({"assets": f"{asset} is not available from {lower:%d %b %Y %H:%M} to "
                                         f"{upper:%d %b %Y %H:%M}; choose another"})
    lower, upper = (timezone.localtime(t) for t in (clash.during.lower, clash.during.upper))
    raise ValidationError({"assets": f"{asset} is already booked from {lower:%d %b %Y %H:%M} to "
                                     f"{upper:%d %b %Y %H:%M} for \u201c{clash.deployment.title}\u201d; "
                                     "choose another"})


def _book(actor: User, deployment: Deployment, asset: Asset) -> AssetBooking:
    if asset.force_id not in (None, deployment.force_id):
        raise ValidationError({"assets": f"{asset} belongs to another force"})
    allocated = set(asset.allocated_to.values_list("pk", flat=True))
    if allocated and deployment.force_id not in allocated:
        raise ValidationError({"assets": f"{asset} is allocated to other forces; choose one allocated to yours"})
    _refuse_clash(asset, deployment)
    try:
        with transaction.atomic():
            booking = AssetBooking.objects.create(asset=asset, deployment=deployment, during=_window(deployment),
                                                  booked_by=actor)
    except IntegrityError:  # the exclusion constraint caught a booking made since the check above
        raise ValidationError({"assets": f"{asset} was booked for an overlapping time a moment ago; "
                                         f"choose another"}) from None
    audit_record(actor=actor, action=actions.ASSET_BOOK, obj=booking, force=deployment.force,
                 new={"asset": asset.code, "deployment": deployment.pk, "from": deployment.starts_at,
                      "to": deployment.ends_at})
    return booking


def _rebook(actor: User, booking: AssetBooking, deployment: Deployment) -> None:
    """Move a booking to the deployment's (changed or extended) window."""
    _refuse_clash(booking.asset, deployment, exclude_booking=booking.pk)
    old = {"from": booking.during.lower, "to": booking.during.upper}
    booking.during = _window(deployment)
    try:
        with transaction.atomic():
            booking.save(update_fields=["during"])
    except IntegrityError:
        raise ValidationError({"assets": f"{booking.asset} was booked for an overlapping time a moment ago"}) from None
    audit_record(actor=actor, action=actions.ASSET_BOOK, obj=booking, force=deployment.force, old=old,
                 new={"asset": booking.asset.code, "deployment": deployment.pk, "from": deployment.starts_at,
                      "to": deployment.ends_at})


def _release_all(actor: User | None, deployment: Deployment, now: datetime, reason: str) -> None:
    for booking in deployment.bookings.filter(released_at__isnull=True).select_related("asset"):
        booking.released_at = now
        booking.save(update_fields=["released_at"])
        audit_record(actor=actor, action=actions.ASSET_RELEASE, obj=booking, force=deployment.force,
                     new={"asset": booking.asset.code, "released_at": now}, reason=reason)


BOOKABLE = (Status.DRAFT, Status.SUBMITTED, Status.AUTHORISED, Status.URGENT_AUTHORISED, Status.ACTIVE)


def deployment_asset_book(*, actor: User, deployment: Deployment, asset_code: str) -> AssetBooking:
    require(actor, CHANGE, deployment.force, "book equipment for this deployment")
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        if deployment.status not in BOOKABLE:
            raise ValidationError({"assets": f"a deployment that is {deployment.get_status_display().lower()} "
                                             f"books no equipment"})
        return _book(actor, deployment, _asset(asset_code))


def deployment_asset_release(*, actor: User, booking: AssetBooking, reason: str = "") -> AssetBooking:
    require(actor, CHANGE, booking.deployment.force, "release this booking")
    with transaction.atomic(), _history(actor):
        booking = AssetBooking.objects.select_for_update().get(pk=booking.pk)
        if booking.released_at is None:
            booking.released_at = timezone.now()
            booking.save(update_fields=["released_at"])
            audit_record(actor=actor, action=actions.ASSET_RELEASE, obj=booking, force=booking.deployment.force,
                         new={"asset": booking.asset.code, "released_at": booking.released_at}, reason=reason)
    return booking


# --- Proportionality assessment -------------------------------------------------------------------
def assessment_save(*, actor: User, deployment: Deployment, legitimate_aim: str, strict_necessity: str,
                    alternatives_considered: str, expected_faces: int, community_impact: str,
                    collateral_intrusion: str, conclusion: str, engagement_consulted: str = "",
                    engagement_on: date | None = None, engagement_feedback: str = "") -> ProportionalityAssessment:
    require(actor, CHANGE, deployment.force, "assess this deployment")
    now = timezone.now()
    aim = LegalBasis.objects.filter(code=legitimate_aim).first()
    version = aim.version_at(now) if aim else None
    if version is None or version.kind != LegalBasisKind.AIM:
        raise ValidationError({"legitimate_aim": f"{legitimate_aim!r} is not an Article 8(2) aim in the register"})
    out_of_bounds = bounds.problems(
        ProportionalityAssessment, strict_necessity=strict_necessity, alternatives_considered=alternatives_considered,
        community_impact=community_impact, collateral_intrusion=collateral_intrusion, conclusion=conclusion,
        engagement_consulted=engagement_consulted, engagement_on=engagement_on, engagement_feedback=engagement_feedback)
    if out_of_bounds:
        raise ValidationError(out_of_bounds)
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        transitions.target(deployment, "edit")
        assessment = selectors.assessment_of(deployment=deployment) or ProportionalityAssessment(deployment=deployment)
        old = snapshot(assessment, ASSESSMENT_FIELDS) if assessment.pk else None
        for name, value in [("legitimate_aim", aim), ("strict_necessity", strict_necessity),
                            ("alternatives_considered", alternatives_considered), ("expected_faces", expected_faces),
                            ("community_impact", community_impact),
                            ("engagement_consulted", (engagement_consulted or "").strip()),
                            ("engagement_on", engagement_on),
                            ("engagement_feedback", (engagement_feedback or "").strip()),
                            ("collateral_intrusion", collateral_intrusion),
                            ("conclusion", conclusion)]:
            setattr(assessment, name, value)
        assessment.updated_by = actor
        assessment.full_clean(exclude=["deployment"])
        assessment.save()
        audit_record(actor=actor, action=actions.ASSESSMENT_SAVE, obj=assessment, force=deployment.force, old=old,
                     new=snapshot(assessment, ASSESSMENT_FIELDS)
                     | {"expected_false_alerts": selectors.expected_false_alerts(deployment=deployment).value})
    return assessment


# --- Community engagement ------------------------------------------------------------------------
CONSULTATION_CLOSED = (Status.REFUSED, Status.REVIEWED)


def consultation_record(*, actor: User, deployment: Deployment, body: str, name: str, held_on: date,
                        said: str) -> Consultation:
    """Record one consultation with the community: who, when and what they said, for the approver to read."""
    require(actor, CHANGE, deployment.force, "record community engagement for this deployment")
    now = timezone.now()
    errors = {}
    if body not in ConsultedBody.values:
        errors["body"] = "choose the kind of group consulted"
    if not (name or "").strip():
        errors["name"] = "name the group, council or people consulted"
    if held_on is None:
        errors["held_on"] = "give the date it took place"
    if not (said or "").strip():
        errors["said"] = "say what they said, and what changed because of it"
    errors = bounds.problems(Consultation, name=(name or "").strip(), held_on=held_on, said=(said or "").strip()) | errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        if deployment.status in CONSULTATION_CLOSED:
            raise ValidationError({"status": f"this deployment is {deployment.get_status_display().lower()}: "
                                             f"engagement is recorded before and during a deployment"})
        consultation = Consultation.objects.create(deployment=deployment, body=body, name=name.strip(),
                                                   held_on=held_on, said=said.strip(), recorded_by=actor,
                                                   recorded_at=now)
        audit_record(actor=actor, action=actions.CONSULTATION_RECORD, obj=consultation, force=deployment.force,
                     new={"deployment_id": deployment.pk, "body": body, "name": consultation.name,
                          "held_on": held_on, "said": consultation.said})
    return consultation


# --- Watchlists ------------------------------------------------------------------------------------
def watchlist_create(*, actor: User, deployment: Deployment) -> Watchlist:
    require(actor, CHANGE, deployment.force, "build a watchlist for this deployment")
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        transitions.target(deployment, "edit_watchlist")
        if deployment.kind != Kind.LFR:
            raise ValidationError({"kind": "only live facial recognition uses a watchlist built for the deployment"})
        if selectors.watchlist_of(deployment=deployment) is not None:
            raise ValidationError({"watchlist": "this deployment already has a watchlist"})
        now = timezone.now()
        watchlist = Watchlist.objects.create(deployment=deployment, built_at=now, changed_at=now, created_by=actor)
        audit_record(actor=actor, action=actions.WATCHLIST_CREATE, obj=watchlist, force=deployment.force,
                     new={"deployment": deployment.pk, "built_at": now})
    return watchlist


def watchlist_rebuild(*, actor: User, watchlist: Watchlist, notes: str = "") -> Watchlist:
    """Record that the entries were re-extracted from their source systems now (rule 10); it needs a new review."""
    require(actor, CHANGE, watchlist.force, "rebuild this watchlist")
    with transaction.atomic(), _history(actor):
        transitions.target(_locked(watchlist.deployment), "edit_watchlist")
        watchlist = Watchlist.objects.select_for_update().get(pk=watchlist.pk)
        old = snapshot(watchlist, ["built_at", "reviewed_at"])
        watchlist.built_at = watchlist.changed_at = timezone.now()
        watchlist.reviewed_at, watchlist.reviewed_by = None, None
        watchlist.save()
        audit_record(actor=actor, action=actions.WATCHLIST_REBUILD, obj=watchlist, old=old,
                     new=snapshot(watchlist, ["built_at", "reviewed_at"]), reason=notes)
    return watchlist


def watchlist_review(*, actor: User, watchlist: Watchlist, notes: str = "") -> Watchlist:
    """Record that someone checked every entry after the last change (rule 10)."""
    require(actor, CHANGE, watchlist.force, "review this watchlist")
    with transaction.atomic(), _history(actor):
        transitions.target(_locked(watchlist.deployment), "edit_watchlist")
        watchlist = Watchlist.objects.select_for_update().get(pk=watchlist.pk)
        if not watchlist.entries.exists():
            raise ValidationError({"watchlist": "an empty watchlist has nothing to review"})
        watchlist.reviewed_at, watchlist.reviewed_by, watchlist.review_notes = timezone.now(), actor, notes
        watchlist.save()
        audit_record(actor=actor, action=actions.WATCHLIST_REVIEW, obj=watchlist,
                     new={"reviewed_at": watchlist.reviewed_at, "size": watchlist.entries.count()}, reason=notes)
    return watchlist


def _touch(watchlist: Watchlist, now: datetime) -> None:
    Watchlist.objects.filter(pk=watchlist.pk).update(changed_at=now)


def watchlist_entry_add(
    *, actor: User, watchlist: Watchlist, subject_reference: str, category: str, legal_basis_codes: Sequence[str],
    subject_kind: str, justification: str, image: File | None, image_source_system: str, image_date: date | None,
    quality_check: str, extra_justification: str = "", quality_note: str = "", under_18: bool = False,
    harm_justification: str = "", unconvicted: bool = False, deletion_status: str = DeletionStatus.NONE,
) -> WatchlistEntry:
    """Put one person on a watchlist. `category` is a code of the force's closed list (rule 8)."""
    require(actor, CHANGE, watchlist.force, "change this watchlist")
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(watchlist.deployment)
        transitions.target(deployment, "edit_watchlist")
        found = WatchlistCategory.objects.filter(force=deployment.force, code=category).first()
        bases = list(LegalBasis.objects.filter(code__in=legal_basis_codes))
        known = {b.code for b in bases}
        kinds = rules.basis_kinds(bases, now) + tuple((c, None) for c in legal_basis_codes if c not in known)
        entry = WatchlistEntry(
            watchlist=watchlist, subject_reference=subject_reference, category=found, subject_kind=subject_kind,
            justification=justification, extra_justification=extra_justification,
            image_source_system=image_source_system, image_date=image_date, quality_check=quality_check,
            quality_note=quality_note, under_18=under_18, harm_justification=harm_justification,
            unconvicted=unconvicted, deletion_status=deletion_status, created_by=actor,
        )
        facts = rules.EntryFacts(entry=entry, category=found, category_code=category, bases=kinds,
                                 has_image=image is not None)
        rules.check_entry(facts, deployment=deployment, at=now).raise_if_blocking()
        kind, entry.image_sha256 = files.image_kind(image)
        if watchlist.entries.filter(subject_reference=subject_reference).exists():
            raise ValidationError({"subject_reference": "this person is already on the watchlist"})
        entry.full_clean(exclude=["image", "watchlist", "created_by"])
        entry.image.save(f"face.{'png' if kind == 'png' else 'jpg'}", image, save=False)
        entry.save()
        entry.legal_bases.set(bases)
        _touch(watchlist, now)
        audit_record(actor=actor, action=actions.WATCHLIST_ENTRY_ADD, obj=entry, force=deployment.force,
                     new=snapshot(entry, ENTRY_FIELDS) | {"legal_bases": sorted(known), "watchlist": watchlist.pk})
    return entry


@dataclass
class BulkRowOutcome:
    """One CSV line of a bulk upload: the entry it added, or what was wrong with it (field: messages)."""

    line: int
    reference: str
    entry: WatchlistEntry | None = None
    problems: dict[str, list[str]] = dataclass_field(default_factory=dict)
    rules: list[str] = dataclass_field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.entry is not None


def watchlist_entries_add_bulk(*, actor: User, watchlist: Watchlist, rows: Sequence[bulk.Row],
                               images: dict[str, bytes]) -> list[BulkRowOutcome]:
    """Add people from a bulk upload, each row through `watchlist_entry_add`: its own transaction, rules and
    audit event, so a refused row writes nothing and does not stop the others."""
    require(actor, CHANGE, watchlist.force, "change this watchlist")
    # Refused whole when the watchlist cannot change at all (say, it was submitted), rather than line by line;
    # each line still checks again under the row lock, in case the state changes during the upload.
    transitions.target(Deployment.objects.get(pk=watchlist.deployment_id), "edit_watchlist")
    outcomes = []
    for row in rows:
        outcome = BulkRowOutcome(line=row.line, reference=row.reference, problems=dict(row.problems))
        outcomes.append(outcome)
        picture = bulk.image_for(row, images)
        if picture is None:
            outcome.problems.setdefault("image", []).append(
                f"no photo called \u201c{row.image_name}\u201d in the zip" if row.image_name
                else "name the row's photo in the image column")
        elif not picture:
            outcome.problems.setdefault("image", []).append(
                f"the photo is over {files.MAX_IMAGE_BYTES // 2**20} MB")
        if outcome.problems:
            continue
        name = row.image_name.lower()
        try:
            outcome.entry = watchlist_entry_add(
                actor=actor, watchlist=watchlist, image=ContentFile(picture, name=name), **row.values)
        except rules.RuleError as error:  # in words for the page; the rule ids stay beside them for auditors
            for violation in error.violations:
                outcome.problems.setdefault(violation.field, []).append(violation.message)
            outcome.rules = error.rule_ids
        except ValidationError as error:
            outcome.problems = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    return outcomes


def watchlist_entry_remove(*, actor: User, entry: WatchlistEntry, reason: str) -> None:
    require(actor, CHANGE, entry.force, "change this watchlist")
    with transaction.atomic(), _history(actor):
        transitions.target(_locked(entry.watchlist.deployment), "edit_watchlist")
        old = snapshot(entry, ENTRY_FIELDS)
        storage, name = entry.image.storage, entry.image.name
        audit_record(actor=actor, action=actions.WATCHLIST_ENTRY_REMOVE, obj=entry, old=old, reason=reason)
        entry.legal_bases.clear()
        entry.delete()
        _touch(entry.watchlist, timezone.now())
        # The image goes only once the removal is certain.
        transaction.on_commit(lambda: storage.delete(name) if name else None)


def watchlist_entry_second_approve(*, actor: User, entry: WatchlistEntry) -> WatchlistEntry:
    """A second approver (another person, an approver of the same force) approves an under-18 entry (rule 12)."""
    require(actor, AUTHORISE, entry.force, "give a second approval on this watchlist")
    require_role(actor, [Role.FORCE_APPROVER], "give a second approval")
    if actor.pk == entry.created_by_id:
        raise ValidationError({"second_approver": "the second approval must be by someone other than the person "
                                                  "who added the entry"})
    if not entry.under_18:
        raise ValidationError({"under_18": "only entries for under-18s need a second approval"})
    with transaction.atomic(), _history(actor):
        transitions.target(_locked(entry.watchlist.deployment), "edit_watchlist")
        entry.second_approver, entry.second_approved_at = actor, timezone.now()
        entry.save(update_fields=["second_approver", "second_approved_at"])
        audit_record(actor=actor, action=actions.WATCHLIST_ENTRY_SECOND_APPROVE, obj=entry,
                     new={"second_approver": actor.pk, "second_approved_at": entry.second_approved_at})
    return entry


def watchlist_entry_deletion_status_set(*, actor: User, entry: WatchlistEntry, status: str,
                                        reason: str) -> WatchlistEntry:
    """Record the state of the person's deletion application, in any state of the deployment. A granted deletion
    is final (rule 13): it blocks the image's use, so it is never set back to anything else."""
    require(actor, CHANGE, entry.force, "record a deletion application")
    if status not in DeletionStatus.values:
        raise ValidationError({"deletion_status": f"one of {', '.join(DeletionStatus.values)}"})
    with transaction.atomic(), _history(actor):
        # The row lock makes two changes take turns: the second reads the first's status, granted or not.
        entry = WatchlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.deletion_status == DeletionStatus.GRANTED and status != DeletionStatus.GRANTED:
            raise rules.RuleError([rules.Violation(
                "R13-deletion-granted", rules.BLOCKING, "deletion_status",
                "the deletion of this image was granted: that is final, and the image may not be used again")])
        old = {"deletion_status": entry.deletion_status}
        entry.deletion_status = status
        entry.save(update_fields=["deletion_status"])
        audit_record(actor=actor, action=actions.WATCHLIST_ENTRY_DELETION_STATUS, obj=entry, old=old,
                     new={"deletion_status": status}, reason=reason)
    return entry


# --- Transitions -----------------------------------------------------------------------------------
def _record_move(actor: User | None, deployment: Deployment, old_status: str, action: str, *, reason: str = "",
                 result: rules.Result | None = None) -> None:
    deployment.save()
    audit_record(actor=actor, action=actions.DEPLOYMENT_TRANSITION, obj=deployment,
                 old={"status": old_status},
                 new={"status": deployment.status, "action": action}
                 | ({"rules": result.as_json()} if result is not None else {}),
                 reason=reason)


def _decide(*, actor: User, deployment: Deployment, result: rules.Result, kind: str, decision: str, reasons: str,
            now: datetime, extra_settings: Sequence = ()) -> Authorisation:
    """Write the decision with everything it relied on: rule results, policy versions and documents."""
    docs = selectors.documents_in_force(force=deployment.force, at=now)
    expected = selectors.expected_false_alerts(deployment=deployment)
    urgent = kind == AuthorisationKind.URGENT and decision == Authorisation.Decision.AUTHORISED
    due = rules.urgent_review_due_at(now)[0] if urgent else None
    auth = Authorisation.objects.create(
        deployment=deployment, kind=kind, decision=decision, approver=actor, approver_rank=actor.rank,
        urgent=urgent, reasons=reasons, decided_at=now, starts_at=deployment.starts_at, ends_at=deployment.ends_at,
        place=place_of(deployment), threshold=deployment.threshold, algorithm_version=deployment.algorithm_version,
        watchlist_size=expected.watchlist_size if deployment.kind == Kind.LFR else None,
        expected_false_alerts=expected.value, rule_results=result.as_json(),
        dpia=docs.get(DocumentKind.DPIA), apd=docs.get(DocumentKind.APD), eqia=docs.get(DocumentKind.EQIA),
        bias_test=selectors.bias_test_for(deployment=deployment, at=now),
        urgent_review_due_at=due, urgent_review=Authorisation.UrgentReview.PENDING if urgent else "",
    )
    auth.policy_settings.set([*result.settings, *extra_settings])
    assessment = selectors.assessment_of(deployment=deployment)
    if assessment is not None and kind != AuthorisationKind.EXTENSION:
        authorised = decision == Authorisation.Decision.AUTHORISED
        assessment.decision = (ProportionalityAssessment.Decision.PROPORTIONATE if authorised
                               else ProportionalityAssessment.Decision.NOT_PROPORTIONATE)
        assessment.decision_reasons, assessment.decided_by, assessment.decided_at = reasons, actor, now
        assessment.save()
    audit_record(actor=actor, action=actions.AUTHORISATION_DECIDE, obj=auth, force=deployment.force,
                 new={"deployment": deployment.pk, "kind": kind, "decision": decision, "approver_rank": actor.rank,
                      "starts_at": deployment.starts_at, "ends_at": deployment.ends_at,
                      "threshold": deployment.threshold, "urgent_review_due_at": due,
                      "rules_broken": result.rule_ids(), "policy_settings": sorted(s.pk for s in result.settings)},
                 reason=reasons)
    return auth


def deployment_submit(*, actor: User, deployment: Deployment) -> Deployment:
    """Put the written application to an approver; it must already meet every rule that does not depend on them."""
    require(actor, CHANGE, deployment.force, "submit this deployment")
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        old, deployment.status = deployment.status, transitions.target(deployment, "submit")
        result = rules.check_authorisation(deployment)
        result.raise_if_blocking()
        deployment.submitted_at = timezone.now()
        _record_move(actor, deployment, old, "submit", result=result)
    return deployment


def deployment_withdraw(*, actor: User, deployment: Deployment, reason: str) -> Deployment:
    """Back to draft, e.g. to change an authorised watchlist: it will need a new review and authorisation."""
    require(actor, CHANGE, deployment.force, "withdraw this deployment")
    reason = _reasons(reason, "reason")
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        old, deployment.status = deployment.status, transitions.target(deployment, "withdraw")
        deployment.submitted_at = None
        _record_move(actor, deployment, old, "withdraw", reason=reason)
    return deployment


def deployment_authorise(*, actor: User, deployment: Deployment, reasons: str) -> Authorisation:
    require(actor, AUTHORISE, deployment.force, "authorise this deployment")
    reasons = _reasons(reasons)
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        old, new = deployment.status, transitions.target(deployment, "authorise")
        result = rules.check_authorisation(deployment, at=now, approver=actor)
        result.raise_if_blocking()
        auth = _decide(actor=actor, deployment=deployment, result=result, kind=AuthorisationKind.FULL,
                       decision=Authorisation.Decision.AUTHORISED, reasons=reasons, now=now)
        deployment.status = new
        _record_move(actor, deployment, old, "authorise", reason=reasons)
    return auth


def deployment_refuse(*, actor: User, deployment: Deployment, reasons: str) -> Authorisation:
    """Refuse with reasons; the rule results at that moment are kept with the refusal."""
    require(actor, AUTHORISE, deployment.force, "refuse this deployment")
    reasons = _reasons(reasons)
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        old, new = deployment.status, transitions.target(deployment, "refuse")
        result = rules.check_authorisation(deployment, at=now, approver=actor)
        auth = _decide(actor=actor, deployment=deployment, result=result, kind=AuthorisationKind.FULL,
                       decision=Authorisation.Decision.REFUSED, reasons=reasons, now=now)
        deployment.status = new
        _release_all(actor, deployment, now, "deployment refused")
        _record_move(actor, deployment, old, "refuse", reason=reasons)
    return auth


def deployment_urgent_authorise(*, actor: User, deployment: Deployment, reasons: str) -> Authorisation:
    """Authorise at the urgent rank floor; a senior officer must review it by the deadline (rule 2)."""
    require(actor, AUTHORISE, deployment.force, "authorise this deployment")
    reasons = _reasons(reasons)
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        old, new = deployment.status, transitions.target(deployment, "urgent_authorise")
        result = rules.check_authorisation(deployment, at=now, approver=actor, urgent=True)
        result.raise_if_blocking()
        auth = _decide(actor=actor, deployment=deployment, result=result, kind=AuthorisationKind.URGENT,
                       decision=Authorisation.Decision.AUTHORISED, reasons=reasons, now=now,
                       extra_settings=[rules.urgent_review_due_at(now)[1]])
        deployment.status = new
        deployment.submitted_at = deployment.submitted_at or now
        _record_move(actor, deployment, old, "urgent_authorise", reason=reasons)
    return auth


def _pending_urgent(deployment: Deployment) -> Authorisation | None:
    return (deployment.authorisations.select_for_update()
            .filter(urgent=True, urgent_review=Authorisation.UrgentReview.PENDING).order_by("-decided_at").first())


def deployment_urgent_review(*, actor: User, deployment: Deployment, confirm: bool, reasons: str) -> Authorisation:
    """A senior officer confirms or refuses an urgent authorisation; a refusal stops the deployment."""
    require(actor, AUTHORISE, deployment.force, "review this urgent authorisation")
    reasons = _reasons(reasons)
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        auth = _pending_urgent(deployment)
        if auth is None:
            raise rules.TransitionRefused([rules.Violation("R02-urgent-review", rules.BLOCKING, "status",
                                                           "no urgent authorisation of this deployment awaits review")])
        old, new = deployment.status, transitions.target(deployment, "urgent_confirm" if confirm else "urgent_refuse")
        result = rules.check(rules.URGENT_REVIEW, at=now, deployment=deployment, approver=actor, authorisation=auth)
        result.raise_if_blocking()
        auth.urgent_review = Authorisation.UrgentReview.CONFIRMED if confirm else Authorisation.UrgentReview.REFUSED
        auth.urgent_reviewed_by, auth.urgent_reviewer_rank = actor, actor.rank
        auth.urgent_reviewed_at, auth.urgent_review_reasons = now, reasons
        auth.save()
        auth.policy_settings.add(*result.settings)
        audit_record(actor=actor, action=actions.AUTHORISATION_URGENT_REVIEW, obj=auth, force=deployment.force,
                     old={"urgent_review": Authorisation.UrgentReview.PENDING},
                     new={"urgent_review": auth.urgent_review, "reviewer_rank": actor.rank}, reason=reasons)
        deployment.status = new
        if new in (Status.STOPPED, Status.REFUSED):
            deployment.ended_at = now if new == Status.STOPPED else None
            _release_all(actor, deployment, now, "urgent authorisation refused on review")
        _record_move(actor, deployment, old, "urgent_confirm" if confirm else "urgent_refuse", reason=reasons)
    return auth


def urgent_authorisations_enforce(now: datetime | None = None) -> list[Deployment]:
    """Stop every deployment whose urgent authorisation was not reviewed in time (rule 2). Safe to run often."""
    now = now or timezone.now()
    stopped = []
    overdue = Authorisation.objects.filter(urgent=True, urgent_review=Authorisation.UrgentReview.PENDING,
                                           urgent_review_due_at__lt=now).values_list("pk", flat=True)
    for pk in overdue:
        with transaction.atomic(), _history(None):
            auth = Authorisation.objects.select_for_update().get(pk=pk)
            if auth.urgent_review != Authorisation.UrgentReview.PENDING:
                continue  # reviewed since the query above
            deployment = _locked(auth.deployment)
            auth.urgent_review = Authorisation.UrgentReview.LAPSED
            auth.save(update_fields=["urgent_review"])
            audit_record(actor=None, action=actions.AUTHORISATION_URGENT_REVIEW, obj=auth, force=deployment.force,
                         old={"urgent_review": Authorisation.UrgentReview.PENDING},
                         new={"urgent_review": auth.urgent_review, "due_at": auth.urgent_review_due_at},
                         reason="R02-urgent-review: not reviewed by the deadline")
            if deployment.status in transitions.TRANSITIONS["urgent_lapse"].moves:
                old, deployment.status = deployment.status, transitions.target(deployment, "urgent_lapse")
                # It stopped when its authority ran out, at the deadline, not when this job noticed.
                deployment.ended_at = min(now, auth.urgent_review_due_at)
                _release_all(None, deployment, now, "urgent authorisation lapsed")
                _record_move(None, deployment, old, "urgent_lapse",
                             reason="R02-urgent-review: the urgent authorisation was not reviewed in time")
                stopped.append(deployment)
    return stopped


def deployment_activate(*, actor: User, deployment: Deployment) -> Deployment:
    require(actor, CHANGE, deployment.force, "activate this deployment")
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        old, new = deployment.status, transitions.target(deployment, "activate")
        result = rules.check(rules.ACTIVATE, at=now, deployment=deployment)
        result.raise_if_blocking()
        deployment.status, deployment.activated_at = new, now
        _record_move(actor, deployment, old, "activate", result=result)
    return deployment


def deployment_end(*, actor: User, deployment: Deployment) -> Deployment:
    require(actor, CHANGE, deployment.force, "end this deployment")
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        # The time is read once the lock is held: a frame being matched holds the same lock while it writes its
        # alerts, so every alert is created before the end time recorded here, and none after it.
        now = timezone.now()
        old, deployment.status = deployment.status, transitions.target(deployment, "end")
        deployment.ended_at = now
        _release_all(actor, deployment, now, "deployment ended")
        _record_move(actor, deployment, old, "end")
    return deployment


def deployment_extend(*, actor: User, deployment: Deployment, ends_at: datetime, reasons: str) -> Authorisation:
    """Extend the window: a new authorisation, checked against every rule for the longer window (rule 3)."""
    require(actor, AUTHORISE, deployment.force, "extend this deployment")
    reasons = _reasons(reasons)
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        transitions.target(deployment, "extend")
        if _pending_urgent(deployment) is not None:
            raise rules.TransitionRefused([rules.Violation(
                "R02-urgent-review", rules.BLOCKING, "status",
                "review the urgent authorisation before extending the window")])
        if ends_at <= deployment.ends_at:
            raise ValidationError({"ends_at": "an extension moves the end of the window later"})
        old_end, deployment.ends_at = deployment.ends_at, ends_at
        result = rules.check_authorisation(deployment, at=now, approver=actor)
        result.raise_if_blocking()
        for booking in deployment.bookings.filter(released_at__isnull=True).select_related("asset"):
            _rebook(actor, booking, deployment)
        deployment.save()
        auth = _decide(actor=actor, deployment=deployment, result=result,
                       kind=AuthorisationKind.EXTENSION, decision=Authorisation.Decision.AUTHORISED,
                       reasons=reasons, now=now)
        audit_record(actor=actor, action=actions.DEPLOYMENT_EXTEND, obj=deployment, old={"ends_at": old_end},
                     new={"ends_at": ends_at, "authorisation": auth.pk}, reason=reasons)
    return auth


def deployment_review(*, actor: User, deployment: Deployment, outcomes_against_objective: str, false_alerts: int,
                      complaints: str, deletion_evidence: str) -> PostDeploymentReview:
    """The post-deployment review (rule 23): a late review is recorded, with its lateness as an exception."""
    require(actor, CHANGE, deployment.force, "review this deployment")
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        deployment = _locked(deployment)
        old, new = deployment.status, transitions.target(deployment, "review")
        review = PostDeploymentReview(
            deployment=deployment, outcomes_against_objective=outcomes_against_objective, false_alerts=false_alerts,
            complaints=complaints, deletion_evidence=deletion_evidence, due_at=selectors.review_due_at(
                deployment=deployment), reviewed_at=now, reviewed_by=actor, rule_results=[])
        result = rules.check(rules.REVIEW, at=now, deployment=deployment, review=review)
        result.raise_if_blocking()
        review.rule_results = result.as_json()
        review.full_clean(exclude=["deployment", "reviewed_by"])
        review.save()
        review.policy_settings.set(result.settings)
        deployment.status = new
        _record_move(actor, deployment, old, "review", result=result)
    return review
