"""The matcher's rules (domain.md rules 15-22 and 24), registered into the one rulebook of `deployments.rules`.

Each rule reads its numbers from policy settings in force at the time the check is about, like the rules of
authorisation and watchlists. The stages are the matcher's moments: an officer deciding on an alert
(`adjudication`), a retrospective search or the corroboration of one of its candidates (`rfr`), an
operator-initiated check (`oifr`), a legal hold on alert data (`legal_hold`), a retention run (`retention`)
and the facts a report is built from (`report`). Rule 16 also runs at the `matching` stage, with the
deployment's rules 1-6, before every frame the live matcher compares.

The services call `check` (or the helpers below) and refuse on a blocking violation with its plain message;
the rule's identifier travels beside the message, never inside it.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db.models import CharField, Exists, F, OuterRef, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format

from deployments.lifecycle import OVER_STATUSES, deployment_end, deployment_is_over
from deployments.models import Deployment, Kind
from deployments.rules import MATCHING, Context, Result, check, rule, stage_add
from matching.models import (
    PRIVATE_PLACES, Alert, AlertStatus, ArrestReason, CandidateStatus, Decision, Deletion, DeletionKind, FaceModel, FacesProcessed,
    LegalHold, OifrReason, OifrSubjectCategory, Outcome, PlaceType, ProbeSource, RfrSearch, SearchScope,
    WatchlistTemplate,
)
from oversight.models import AuditEvent, PolicySetting, Rank, Role
from oversight.policy import policy_in_force

ADJUDICATION = stage_add("adjudication")  # an officer decides on an alert, then records the engagement
RFR = stage_add("rfr")                    # a retrospective search, and the corroboration of a candidate
OIFR = stage_add("oifr")                  # an operator-initiated identity check
LEGAL_HOLD = stage_add("legal_hold")      # keeping an alert's image and template past the retention period
RETENTION = stage_add("retention")        # a retention run: what is still held after it was due
REPORT = stage_add("report")              # the facts a report is built from: the log intact, deletions audited

# "Deployment over": ended, stopped, reviewed or refused (its window may still be open on paper).
ENDED = OVER_STATUSES  # kept under its old name for the modules that import it
MAX_ENGAGEMENT_MINUTES = 24 * 60  # a day: an engagement is a stop, not a shift


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i")


def _choices(choices) -> str:
    return ", ".join(f"\u201c{label}\u201d" for label in choices.labels)


# --- Retention periods: the one place that says when data is due for deletion ---------------------
def watchlist_due_at(deployment: Deployment) -> tuple[datetime, PolicySetting]:
    end = deployment_end(deployment)
    setting = policy_in_force("retention.watchlist_template_hours", at=end)
    return end + timedelta(hours=setting.value), setting


def alert_due_at(alert: Alert) -> tuple[datetime, PolicySetting]:
    setting = policy_in_force("retention.alert_image_days", at=alert.created_at)
    return alert.created_at + timedelta(days=setting.value), setting


def probe_due_at(search: RfrSearch) -> tuple[datetime, PolicySetting]:
    setting = policy_in_force("retention.rfr_probe_days", at=search.created_at)
    return search.created_at + timedelta(days=setting.value), setting


def custody_image_held_from(*, taken_on, created_at: datetime) -> datetime:
    """Where the retention period of an image of a person never convicted begins: the day it was taken, else the
    day it entered the gallery."""
    if taken_on is None:
        return created_at
    return datetime.combine(taken_on, time.min, tzinfo=dt_timezone.utc)


# --- Thresholds of searches: per model, from policy, never below the floor -----------------------
def search_threshold(ctx: Context, key: str, model: FaceModel) -> float | None:
    """The threshold `key` ('rfr.threshold', 'oifr.threshold') sets for the model, or None when none is set."""
    return ctx.policy(key).get(model.algorithm.code)


def _threshold_problems(ctx: Context, *, threshold: float | None, model: FaceModel, what: str) -> list:
    code = model.algorithm.code
    floor = ctx.policy("matching.threshold_floor").get(code)
    if floor is None:
        return [("threshold", f"no threshold floor is set for {model.algorithm}: the oversight body must set one "
                              f"before {what} can run")]
    if threshold is None:
        return [("threshold", f"no threshold is set for {what} with {model.algorithm}")]
    if threshold < floor:
        return [("threshold", f"a threshold of {threshold:g} is below the floor of {floor:g} for {model.algorithm}: "
                              f"{what} may not use it")]
    return []


# --- Matching, alerts, review ----------------------------------------------------------------------
@rule("R15-human-adjudication", title="An officer decides on every alert before any engagement is recorded",
      source="domain.md rule 15; College of Policing APP (LFR)", stages=(ADJUDICATION,))
def human_adjudication(ctx: Context):
    alert, facts = ctx.record, ctx.facts
    if facts.get("action") == "decide":
        decision, problems = facts.get("decision"), []
        if decision not in Decision.values:
            problems.append(("decision", f"choose one of {_choices(Decision)}"))
        elif decision == Decision.FALSE_ALERT and not (facts.get("note") or "").strip():
            problems.append(("note", "a false alert needs a note, such as \u201cwrong person: different age and "
                                     "build\u201d"))
        if alert is not None and alert.status != AlertStatus.NEW:
            problems.append(("decision", "this alert was already decided"))
        return problems
    outcome, minutes, problems = facts.get("outcome"), facts.get("duration_minutes"), []
    if outcome not in Outcome.values:
        problems.append(("outcome", f"choose one of {_choices(Outcome)}"))
    if (not isinstance(minutes, int) or isinstance(minutes, bool)
            or not 0 <= minutes <= MAX_ENGAGEMENT_MINUTES):
        problems.append(("duration_minutes", f"give the length of the engagement as a whole number of minutes "
                                             f"from 0 to {MAX_ENGAGEMENT_MINUTES}"))
    # Arrests are published by reason, as forces publish them: an arrest says why, and only an arrest does.
    reason = facts.get("arrest_reason") or ""
    if outcome == Outcome.ARRESTED and reason not in ArrestReason.values:
        problems.append(("arrest_reason", f"say why the person was arrested: choose one of {_choices(ArrestReason)}"))
    elif outcome != Outcome.ARRESTED and reason:
        problems.append(("arrest_reason", "give a reason for an arrest only when the person was arrested"))
    if alert is not None and alert.status == AlertStatus.NEW:
        problems.append(("outcome", "this alert has no decision yet: an officer decides whether it is the person "
                                    "before any engagement is recorded"))
    elif alert is not None and alert.status == AlertStatus.ENGAGED:
        problems.append(("outcome", "this alert already has an engagement recorded"))
    return problems


@rule("R16-alert-record", title="Every alert keeps its deployment, entry, similarity, threshold and algorithm in force",
      source="domain.md rule 16; ICO audit 2025", policy=("matching.threshold_floor",), stages=(MATCHING,))
def alert_record(ctx: Context):
    """The matcher compares faces only with the algorithm the deployment was authorised for, so that the
    threshold and algorithm every alert stores are the ones the authorisation, floor and bias test were for."""
    model = ctx.facts.get("face_model")
    d = ctx.deployment
    if ctx.facts.get("external"):
        return _external_algorithm_problems(ctx)
    if model is None:
        return None
    if model.algorithm_id != d.algorithm_version_id:
        return [("algorithm_version", f"this deployment was authorised for {d.algorithm_version}, but this "
                                      f"matcher runs {model.algorithm}")]
    return []


def _external_algorithm_problems(ctx: Context) -> list:
    """What an external (vendor) matcher reports must come from the algorithm the deployment was authorised for,
    and that algorithm must be one that runs outside the platform."""
    d, claimed = ctx.deployment, ctx.facts.get("algorithm_version")
    if not d.algorithm_version.external:
        return [("algorithm_version", f"this deployment was authorised for {d.algorithm_version}, which runs in this "
                                      f"platform's own matcher, not in a vendor's system")]
    if claimed is None or claimed.pk != d.algorithm_version_id:
        name = claimed or ctx.facts.get("algorithm_code") or "an unnamed algorithm"
        return [("algorithm_version", f"this deployment was authorised for {d.algorithm_version}, but the report "
                                      f"comes from {name}")]
    return []


@rule("R16-authorised-package", title="An external matcher's alert names an entry of the signed package of the "
      "authorised watchlist", source="domain.md rules 10 and 16; Bridges [2020] EWCA Civ 1058 para 124",
      stages=(MATCHING,))
def authorised_package(ctx: Context):
    """A vendor's system matches against the package the platform exported for this deployment: its alert names
    that package by digest and an entry in it that may still be used (not one whose deletion was granted)."""
    f = ctx.facts
    if "package_digest" not in f:
        return None  # the platform's own matcher searches the enrolled watchlist itself
    package = f.get("package")
    if package is None or package.deployment_id != ctx.deployment.pk:
        return [("package_digest", "no watchlist package with this digest was exported for this deployment")]
    if package.deletion_confirmed_at is not None:
        return [("package_digest", "the vendor confirmed this package deleted; it can no longer raise alerts")]
    reference = f.get("entry_reference")
    if reference not in package.references:
        return [("entry_reference", "this person is not in the authorised watchlist package")]
    from deployments.selectors import watchlist_entries_for_matching

    entry_id = package.entries[package.references.index(reference)]
    if not watchlist_entries_for_matching(deployment=ctx.deployment).filter(pk=entry_id).exists():
        return [("entry_reference", "this watchlist entry may no longer be used (its deletion was granted)")]
    return []


@rule("R17-no-template-kept", title="No template of a face that matched nothing is kept; faces are counted",
      source="domain.md rule 17; Met APD; Bridges [2020] EWCA Civ 1058 para 93", stages=(REPORT,))
def no_template_kept(ctx: Context):
    alerts = Alert.objects.filter(embedding__isnull=False)
    counted = FacesProcessed.objects.all()
    if ctx.force is not None:
        alerts, counted = alerts.filter(deployment__force=ctx.force), counted.filter(deployment__force=ctx.force)
    kept, raised = alerts.count(), counted.aggregate(n=Sum("alerts"))["n"] or 0
    if kept > raised:
        return [("alerts", f"{kept} face templates are kept with alerts, but only {raised} alerts were counted: "
                           f"templates of faces that matched nothing may have been kept")]
    return []


@rule("R18-oifr-record", title="An identity check records its reason and subject; in private places a harm declaration",
      source="domain.md rule 18; South Wales Police and Gwent Police operator-initiated facial recognition, 2024",
      policy=("oifr.threshold", "matching.threshold_floor", "oifr.harm_declaration_min_chars"), stages=(OIFR,))
def oifr_record(ctx: Context):
    f, problems = ctx.facts, []
    if f.get("reason") not in OifrReason.values:
        problems.append(("reason", f"say why the person's identity is checked: one of {_choices(OifrReason)}"))
    if f.get("subject_category") not in OifrSubjectCategory.values:
        problems.append(("subject_category", f"say whom the check is for: one of {_choices(OifrSubjectCategory)}"))
    place = f.get("place_type")
    if place not in PlaceType.values:
        problems.append(("place_type", f"say where the check is made: one of {_choices(PlaceType)}"))
    elif place in PRIVATE_PLACES and not ctx.written(f.get("harm_declaration"), "oifr.harm_declaration_min_chars"):
        problems.append(("harm_declaration", f"in a {PlaceType(place).label.lower()} a check needs a declaration of "
                                             f"the risk of significant harm (at least "
                                             f"{ctx.policy('oifr.harm_declaration_min_chars')} characters)"))
    model = f.get("face_model")
    if model is not None:
        problems += _threshold_problems(ctx, threshold=f.get("threshold"), model=model,
                                        what="an operator-initiated check")
    return problems


@rule("R19-rfr-record", title="A retrospective search records its source, crime reference, list length, algorithm "
      "and threshold; a candidate is an identification only when corroborated",
      source="domain.md rule 19; Police National Database rules; force policy",
      policy=("rfr.threshold", "matching.threshold_floor", "rfr.max_candidate_list_length",
              "rfr.corroboration_note_min_chars"), stages=(RFR,))
def rfr_record(ctx: Context):
    f = ctx.facts
    if f.get("action") == "corroborate":
        return _corroboration_problems(ctx)
    problems = []
    reference = (f.get("crime_reference") or "").strip()
    longest = RfrSearch._meta.get_field("crime_reference").max_length
    if not reference:
        problems.append(("crime_reference", "a retrospective search needs a crime reference"))
    elif len(reference) > longest:
        problems.append(("crime_reference", f"a crime reference has at most {longest} characters; this one has "
                                            f"{len(reference)}"))
    if f.get("probe_source") not in ProbeSource.values:
        problems.append(("probe_source", f"say where the image comes from: one of {_choices(ProbeSource)}"))
    most, length = ctx.policy("rfr.max_candidate_list_length"), f.get("candidate_list_length")
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= most:
        problems.append(("candidate_list_length", f"ask for between 1 and {most} candidates"))
    d = ctx.deployment
    if d is not None and (d.force_id != f["actor"].force_id or d.kind != Kind.RFR):
        problems.append(("deployment", "this is not a retrospective search authorisation of your force"))
    model = f.get("face_model")
    if model is not None:
        problems += _threshold_problems(ctx, threshold=f.get("threshold"), model=model,
                                        what="a retrospective search")
    return problems


@rule("R19-national-search", title="A search of every force's custody images is authorised by an officer of at least "
      "the set rank of the searching force, and records its purpose and crime reference",
      source="domain.md rule 19; Police National Database code of practice; Protection of Freedoms Act 2012",
      policy=("rfr.national_authorising_rank_floor", "rfr.national_purpose_min_chars"), stages=(RFR,))
def national_search(ctx: Context):
    """A national search reaches images other forces own and answer for, so it needs more than a local one: an
    authorising officer of the set rank (the investigator, or a senior officer of the same force) and a purpose
    written out. Its crime reference is required by rule 19 as for every search."""
    f = ctx.facts
    if f.get("action") == "corroborate":
        return None
    scope = f.get("scope", SearchScope.LOCAL)
    if scope not in SearchScope.values:
        return [("scope", f"choose which custody images to search: one of {_choices(SearchScope)}")]
    if scope != SearchScope.NATIONAL:
        return None  # a search of the force's own images: rule 19 alone
    problems = []
    floor = Rank.from_name(ctx.policy("rfr.national_authorising_rank_floor"))
    actor, authoriser = f["actor"], f.get("authorised_by") or f["actor"]
    if authoriser.force_id is None or authoriser.force_id != actor.force_id:
        problems.append(("authorised_by", "a national search is authorised by an officer of your own force"))
    elif authoriser.rank is None or authoriser.rank < floor:
        held = f"holds the rank of {Rank(authoriser.rank).label}" if authoriser.rank else "has no rank recorded"
        problems.append(("authorised_by", f"a search of every force's custody images needs the authority of an "
                                          f"officer of the rank of {floor.label} or above; "
                                          f"{authoriser.get_full_name() or authoriser.username} {held}"))
    if not ctx.written(f.get("national_purpose"), "rfr.national_purpose_min_chars"):
        problems.append(("national_purpose", f"say why every force's custody images must be searched, not only "
                                             f"your own (at least {ctx.policy('rfr.national_purpose_min_chars')} "
                                             f"characters)"))
    return problems


def _corroboration_problems(ctx: Context) -> list:
    f, candidate, problems = ctx.facts, ctx.record, []
    actor, status = f["actor"], f.get("status")
    if actor.pk != candidate.search.requested_by_id and actor.role != Role.FORCE_APPROVER:
        problems.append(("status", "only the investigator who ran the search, or an approver, reviews its "
                                   "candidates"))
    if status not in (CandidateStatus.CORROBORATED, CandidateStatus.REJECTED):
        problems.append(("status", "mark the candidate \u201ccorroborated\u201d or \u201crejected\u201d"))
    elif status == CandidateStatus.CORROBORATED and not ctx.written(f.get("note"), "rfr.corroboration_note_min_chars"):
        problems.append(("note", f"say what corroborates the identification (at least "
                                 f"{ctx.policy('rfr.corroboration_note_min_chars')} characters)"))
    if candidate.status != CandidateStatus.UNREVIEWED:
        problems.append(("status", f"this candidate was already reviewed: it is "
                                   f"{CandidateStatus(candidate.status).label.lower()}"))
    return problems


# --- Retention ---------------------------------------------------------------------------------------
def _deployments_holding_watchlist_data(force=None):
    has_template = Exists(WatchlistTemplate.objects.filter(deployment=OuterRef("pk")))
    from deployments.models import WatchlistEntry

    has_image = Exists(WatchlistEntry.objects.filter(watchlist__deployment=OuterRef("pk")).exclude(image=""))
    found = Deployment.objects.filter(has_template | has_image).select_related("force")
    return found.filter(force=force) if force is not None else found


@rule("R20-watchlist-deletion", title="Watchlist templates and images are deleted within the set time after the end",
      source="domain.md rule 20; Met APD", policy=("retention.watchlist_template_hours",),
      stages=(RETENTION, REPORT), kinds=(Kind.LFR,))
def watchlist_deletion(ctx: Context):
    problems = []
    for deployment in _deployments_holding_watchlist_data(ctx.force):
        if not deployment_is_over(deployment, ctx.at):
            continue
        due, setting = watchlist_due_at(deployment)
        ctx.settings[setting.pk] = setting
        if ctx.at > due:
            problems.append(("watchlist", f"the watchlist of \u201c{deployment.title}\u201d is still held; it was "
                                          f"due for deletion by {_when(due)}"))
    for package in packages_unconfirmed(force=ctx.force, at=ctx.at):
        due, setting = watchlist_due_at(package.deployment)
        ctx.settings[setting.pk] = setting
        problems.append(("watchlist", f"the vendor has not confirmed that it deleted its copy of the watchlist of "
                                      f"\u201c{package.deployment.title}\u201d; it was due for deletion by {_when(due)}"))
    return problems


def packages_unconfirmed(*, force=None, at: datetime) -> list:
    """Watchlist packages held by an external matcher whose deletion was due by `at` and is not confirmed."""
    from matching.models import VendorPackage

    found = (VendorPackage.objects.filter(deletion_confirmed_at__isnull=True)
             .select_related("deployment__force").order_by("created_at", "id"))
    if force is not None:
        found = found.filter(deployment__force=force)
    return [p for p in found if deployment_is_over(p.deployment, at) and at > watchlist_due_at(p.deployment)[0]]


@rule("R21-alert-media-deletion", title="Alert images and templates are deleted within the set period unless held",
      source="domain.md rule 21 (24 hours South Wales, 31 days Met)",
      policy=("retention.alert_image_days", "retention.legal_hold_reason_min_chars"),
      stages=(LEGAL_HOLD, RETENTION, REPORT))
def alert_media_deletion(ctx: Context):
    if ctx.stage == LEGAL_HOLD:
        f, problems = ctx.facts, []
        if not ctx.written(f.get("reason"), "retention.legal_hold_reason_min_chars"):
            problems.append(("reason", f"say why the data must be kept (at least "
                                       f"{ctx.policy('retention.legal_hold_reason_min_chars')} characters)"))
        if not (f.get("reference") or "").strip():
            problems.append(("reference", "give the case, complaint or disclosure reference"))
        if ctx.record is not None and ctx.record.media_deleted_at is not None:
            problems.append(("alert", "this alert's image and template were already deleted"))
        return problems
    held = Exists(LegalHold.objects.filter(alert=OuterRef("pk"), released_at__isnull=True))
    holding = Alert.objects.filter(media_deleted_at__isnull=True, embedding__isnull=False).exclude(held)
    if ctx.force is not None:
        holding = holding.filter(deployment__force=ctx.force)
    late = []
    for alert in holding.only("pk", "created_at").iterator():
        due, setting = alert_due_at(alert)
        ctx.settings[setting.pk] = setting
        if ctx.at > due:
            late.append(due)
    if late:
        return [("alerts", f"{len(late)} alert image(s) and template(s) are still held, without a legal hold, "
                           f"after they were due for deletion (the earliest by {_when(min(late))})")]
    return []


# Where the audit event of each kind of deletion points.
_DELETION_AUDITED_ON = {DeletionKind.WATCHLIST_TEMPLATE: ("deployments.deployment", "deployment_id"),
                        DeletionKind.ALERT_MEDIA: ("matching.alert", "object_id"),
                        DeletionKind.RFR_PROBE: ("matching.rfrsearch", "object_id"),
                        DeletionKind.VENDOR_PACKAGE: ("matching.vendorpackage", "object_id"),
                        DeletionKind.CUSTODY_IMAGE: ("matching.custodyimage", "object_id"),
                        DeletionKind.COMPLAINT_PERSONAL_DATA: ("complaints.complaint", "object_id")}


@rule("R22-deletion-audited", title="Every deletion is itself audited; deletions done are counted against those due",
      source="domain.md rule 22; DPA 2018 s34(3)", stages=(RETENTION, REPORT))
def deletion_audited(ctx: Context):
    from matching.audit_actions import DELETION

    problems = []
    for kind, (object_type, column) in _DELETION_AUDITED_ON.items():
        events = AuditEvent.objects.filter(action=DELETION, object_type=object_type)
        deletions = Deletion.objects.filter(kind=kind)
        if ctx.force is not None:
            deletions = deletions.filter(force=ctx.force)
        key = Cast(column, CharField()) if column == "deployment_id" else F(column)
        unaudited = deletions.annotate(audited_as=key).exclude(Exists(events.filter(object_id=OuterRef("audited_as"))))
        count = unaudited.count()
        if count:
            problems.append(("deletions", f"{count} deletion(s) of {DeletionKind(kind).label.lower()} have no "
                                          f"event in the audit log"))
    return problems


# --- Oversight ---------------------------------------------------------------------------------------
@rule("R24-audit-log-intact", title="Authorisations, watchlist changes, thresholds, decisions and deletions are in an "
      "append-only audit log that can be verified", source="domain.md rule 24; DPA 2018 s34(3) and s62",
      stages=(REPORT,))
def audit_log_intact(ctx: Context):
    from oversight.audit.verify import verify_log

    report = verify_log()
    ctx.facts["audit_verification"] = report
    return [("audit_log", f"the audit log failed verification: {failure.describe()}")
            for failure in report.failures[:5]]


# --- Running the matcher's stages ----------------------------------------------------------------
def check_retention(*, at: datetime | None = None, force=None) -> Result:
    return check(RETENTION, at=at, force=force)


def check_report(*, force=None, at: datetime | None = None) -> Result:
    """What a report states about the matcher's data: templates kept, deletions done and audited, the log intact."""
    return check(REPORT, at=at, force=force)


__all__ = ["ADJUDICATION", "ENDED", "LEGAL_HOLD", "OIFR", "REPORT", "RETENTION", "RFR", "alert_due_at",
           "check_report", "check_retention", "deployment_end", "packages_unconfirmed", "probe_due_at",
           "search_threshold", "watchlist_due_at"]
