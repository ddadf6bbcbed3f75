"""The rules of domain.md section 3 on authorisations, watchlists, documents and reviews (1-14, 23, 25).

Each rule is written once, here, with a stable identifier, its source, the policy settings it reads and
its severity. A check runs every rule that concerns a moment (a *stage*) and returns every violation at
once; services refuse on a blocking one and keep the whole result on the record they write. Parameters
come from `policy_in_force(key, at=<the time the check is about>)`, and the exact setting versions read
are kept so a record can say what it was checked against.

Where a rule of the brief has a blocking and a warning part (13, 23), it is two rules, so that every
identifier has one severity and a report can count breaches and exceptions apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from deployments import selectors
from deployments.geo import place_contains, place_of
from deployments.models import (
    Authorisation, DeletionStatus, Deployment, DocumentKind, Kind, PostDeploymentReview, QualityCheck, Status,
    SubjectKind, Watchlist, WatchlistCategory, WatchlistEntry,
)
from oversight.models import LegalBasisKind, PolicySetting, Rank, User
from oversight.policy import policy_in_force

BLOCKING = "blocking"
WARNING = "warning"

# Stages: the moment a check is about.
DRAFT = "draft"                  # creating or changing a draft: what the input alone already breaks
AUTHORISE = "authorise"          # submitting, authorising (also urgently) and extending
ACTIVATE = "activate"            # switching the cameras on
MATCHING = "matching"            # the matcher, before it compares a face
URGENT_REVIEW = "urgent_review"  # a senior officer reviewing an urgent authorisation
ENTRY = "entry"                  # adding a person to a watchlist
REVIEW = "review"                # the post-deployment review
STAGES = (DRAFT, AUTHORISE, ACTIVATE, MATCHING, URGENT_REVIEW, ENTRY, REVIEW)

# "Non-trivial" written justification: a sentence, not a word. Not a legal parameter, so not a setting.
MIN_JUSTIFICATION_CHARS = 40
OF_INTEREST = re.compile(r"interest", re.IGNORECASE)

Problem = tuple[str, str]  # (field, message)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    source: str
    severity: str
    policy_keys: tuple[str, ...]
    stages: tuple[str, ...]
    kinds: tuple[str, ...]
    check: Callable[["Context"], Iterable[Problem] | None]


@dataclass(frozen=True)
class Violation:
    rule: str
    severity: str
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "field": self.field, "message": self.message}


class RuleError(ValidationError):
    """A refusal naming the rules behind it; a ValidationError keyed by field, so forms and the API show it."""

    status_code = 400

    def __init__(self, violations: Iterable[Violation]):
        self.violations = list(violations)
        messages: dict[str, list[str]] = {}
        for v in self.violations:
            messages.setdefault(v.field, []).append(f"{v.rule}: {v.message}")
        super().__init__(messages)

    @property
    def rule_ids(self) -> list[str]:
        return sorted({v.rule for v in self.violations})


class TransitionRefused(RuleError):
    """The deployment is not in a state from which the action is allowed."""

    status_code = 409


@dataclass(frozen=True)
class EntryFacts:
    """What the entry rules look at: the entry (saved or not), its category and its legal bases' kinds."""

    entry: WatchlistEntry
    category: WatchlistCategory | None
    category_code: str
    bases: tuple[tuple[str, str | None], ...]  # (code, kind at the time); kind None: not in the register
    has_image: bool

    @classmethod
    def of(cls, entry: WatchlistEntry, at: datetime) -> "EntryFacts":
        return cls(entry=entry, category=entry.category, category_code=entry.category.code,
                   bases=basis_kinds(entry.legal_bases.all(), at), has_image=bool(entry.image))


def basis_kinds(bases, at: datetime) -> tuple[tuple[str, str | None], ...]:
    kinds = []
    for basis in bases:
        version = basis.version_at(at) or basis.versions.order_by("-version").first()
        kinds.append((basis.code, version.kind if version else None))
    return tuple(kinds)


@dataclass
class Context:
    stage: str
    at: datetime
    deployment: Deployment | None = None
    deployment_bases: tuple[tuple[str, str | None], ...] = ()
    approver: User | None = None
    urgent: bool = False
    entries: list[EntryFacts] = field(default_factory=list)
    point: tuple[float, float] | None = None
    authorisation: Authorisation | None = None
    review: PostDeploymentReview | None = None
    settings: dict[int, PolicySetting] = field(default_factory=dict)

    def policy(self, key: str, *, at: datetime | None = None):
        setting = policy_in_force(key, at=at or self.at)
        self.settings[setting.pk] = setting
        return setting.value

    def each_entry(self, check: Callable[[EntryFacts], Iterable[Problem]]) -> list[Problem]:
        """Run a per-entry check; when checking a whole watchlist, say which entry each problem is about."""
        problems = []
        for facts in self.entries:
            for name, message in check(facts):
                if self.stage == ENTRY:
                    problems.append((name, message))
                else:
                    problems.append(("watchlist", f"entry {facts.entry.subject_reference}: {message}"))
        return problems


@dataclass
class Outcome:
    rule: Rule
    applicable: bool
    violations: list[Violation]

    @property
    def status(self) -> str:
        if not self.applicable:
            return "not_applicable"
        return self.rule.severity if self.violations else "met"

    def as_dict(self) -> dict:
        return {"rule": self.rule.id, "title": self.rule.title, "severity": self.rule.severity,
                "status": self.status, "messages": [{"field": v.field, "message": v.message}
                                                    for v in self.violations]}


@dataclass
class Result:
    stage: str
    at: datetime
    outcomes: list[Outcome]
    settings: list[PolicySetting]

    @property
    def violations(self) -> list[Violation]:
        return [v for o in self.outcomes for v in o.violations]

    @property
    def blocking(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == BLOCKING]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == WARNING]

    def rule_ids(self) -> list[str]:
        return sorted({v.rule for v in self.violations})

    def as_json(self) -> list[dict]:
        return [o.as_dict() for o in self.outcomes]

    def raise_if_blocking(self) -> None:
        if self.blocking:
            raise RuleError(self.blocking)


RULES: dict[str, Rule] = {}
ALL_KINDS = tuple(Kind.values)


def rule(identifier: str, *, title: str, source: str, severity: str = BLOCKING, policy: tuple[str, ...] = (),
         stages: tuple[str, ...], kinds: tuple[str, ...] = ALL_KINDS):
    def register(check):
        if identifier in RULES:
            raise ValueError(f"rule {identifier} is defined twice")
        RULES[identifier] = Rule(identifier, title, source, severity, policy, stages, kinds, check)
        return check
    return register


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i")


def _written(text: str, minimum: int = MIN_JUSTIFICATION_CHARS) -> bool:
    return len((text or "").strip()) >= minimum


def _rank(value) -> str:
    return f"holds the rank of {Rank(value).label}" if value else "has no recorded rank"


# --- Deployment authorisation (LFR) -------------------------------------------------------------------
@rule("R01-written-authorisation", title="No matching before a written authorisation exists",
      source="domain.md rule 1; College of Policing APP (LFR); ICO audit 2025; Bridges [2020] EWCA Civ 1058 para 130",
      stages=(AUTHORISE, ACTIVATE, MATCHING))
def written_authorisation(ctx: Context):
    d = ctx.deployment
    if ctx.stage in (ACTIVATE, MATCHING):
        if ctx.stage == MATCHING and d.status != Status.ACTIVE:
            return [("status", f"the deployment is {d.get_status_display().lower()}, not active")]
        if selectors.authorisation_current(deployment=d) is None:
            return [("status", "no written authorisation is on record for this deployment")]
        return []
    required = [("policing_objective", "the policing objective"), ("intelligence_case", "the intelligence case")]
    if d.kind == Kind.LFR:
        required += [("watchlist_criteria", "the watchlist criteria"), ("location_name", "the name of the place"),
                     ("location_justification", "why watchlisted people are expected at this place")]
    problems = [(name, f"write {what}") for name, what in required if not getattr(d, name).strip()]
    if d.kind == Kind.LFR and not d.has_place:
        problems.append(("latitude", "give the place: a point with a radius, or a polygon"))
    assessment = selectors.assessment_of(deployment=d)
    if assessment is None:
        problems.append(("assessment", "record the proportionality assessment"))
    return problems


@rule("R02-authorising-rank", title="Authorised by an officer of at least the set rank",
      source="domain.md rule 2; College of Policing APP (LFR)",
      policy=("lfr.authorising_rank_floor", "lfr.urgent_rank_floor"), stages=(AUTHORISE, URGENT_REVIEW),
      kinds=(Kind.LFR,))
def authorising_rank(ctx: Context):
    person = ctx.approver
    if person is None:
        return None  # nobody is deciding yet (a submission): the rank is checked at the decision
    urgent = ctx.urgent and ctx.stage == AUTHORISE
    floor = Rank.from_name(ctx.policy("lfr.urgent_rank_floor" if urgent else "lfr.authorising_rank_floor"))
    what = {AUTHORISE: "an urgent authorisation" if urgent else "an authorisation",
            URGENT_REVIEW: "the review of an urgent authorisation"}[ctx.stage]
    problems = []
    if person.rank is None or person.rank < floor:
        problems.append(("approver", f"{what} needs the rank of {floor.label} or above; "
                                     f"{person.get_full_name() or person.username} {_rank(person.rank)}"))
    if ctx.stage == URGENT_REVIEW and ctx.authorisation and ctx.authorisation.approver_id == person.pk:
        problems.append(("approver", "the review must be made by another officer than the one who gave the "
                                     "urgent authorisation"))
    return problems


def urgent_review_due_at(decided_at: datetime) -> tuple[datetime, PolicySetting]:
    """The deadline for reviewing an urgent authorisation, set by the policy in force when it was given."""
    setting = policy_in_force("lfr.urgent_review_hours", at=decided_at)
    return decided_at + timedelta(hours=setting.value), setting


@rule("R02-urgent-review", title="An urgent authorisation is reviewed in time, or the deployment stops",
      source="domain.md rule 2", policy=("lfr.urgent_review_hours",),
      stages=(ACTIVATE, MATCHING, URGENT_REVIEW), kinds=(Kind.LFR,))
def urgent_review(ctx: Context):
    auth = ctx.authorisation or (ctx.deployment.authorisations.filter(decision=Authorisation.Decision.AUTHORISED)
                                 .order_by("-decided_at", "-id").first())
    if auth is None or not auth.urgent:
        return None
    if auth.urgent_review in (Authorisation.UrgentReview.REFUSED, Authorisation.UrgentReview.LAPSED):
        return [("status", f"the urgent authorisation was {auth.get_urgent_review_display().lower()}")]
    due, setting = urgent_review_due_at(auth.decided_at)
    ctx.settings[setting.pk] = setting
    if auth.urgent_review == Authorisation.UrgentReview.PENDING and ctx.at > due:
        return [("urgent_review", f"the urgent authorisation of {_when(auth.decided_at)} had to be reviewed by "
                                  f"{_when(due)}; it was not, so the deployment must stop")]
    return []


@rule("R03-authorised-window", title="Matching only inside the authorised place and time window",
      source="domain.md rule 3; College of Policing APP (LFR)", policy=("lfr.max_window_hours",),
      stages=(DRAFT, AUTHORISE, ACTIVATE, MATCHING))
def authorised_window(ctx: Context):
    d = ctx.deployment
    if ctx.stage == ACTIVATE:
        return [("ends_at", f"the authorised window closed at {_when(d.ends_at)}")] if ctx.at >= d.ends_at else []
    if ctx.stage == MATCHING:
        problems = []
        if not d.starts_at <= ctx.at <= d.ends_at:
            problems.append(("ends_at", f"{_when(ctx.at)} is outside the authorised window "
                                        f"{_when(d.starts_at)} to {_when(d.ends_at)}"))
        if ctx.point is not None and d.kind == Kind.LFR and not place_contains(place_of(d), *ctx.point):
            problems.append(("place", f"the camera at {ctx.point[0]:.5f}, {ctx.point[1]:.5f} is outside the "
                                      f"authorised place ({d.location_name})"))
        return problems
    if d.ends_at <= d.starts_at:
        return [("ends_at", "the end of the window must come after its start")]
    problems = []
    if d.kind == Kind.LFR:
        hours = ctx.policy("lfr.max_window_hours")
        length = (d.ends_at - d.starts_at).total_seconds() / 3600
        if length > hours:
            problems.append(("ends_at", f"the window is {length:g} hours long; the policy allows at most {hours:g}"))
    if ctx.stage == AUTHORISE and d.ends_at <= ctx.at:
        problems.append(("ends_at", f"the window already closed at {_when(d.ends_at)}"))
    return problems


@rule("R04-public-notice", title="Time and place published in advance, or a critical-threat exemption recorded",
      source="domain.md rule 4; College of Policing APP (LFR); Surveillance Camera Code principle 3",
      stages=(AUTHORISE,), kinds=(Kind.LFR,))
def public_notice(ctx: Context):
    d = ctx.deployment
    if d.critical_threat_exemption:
        if not _written(d.critical_threat_reason):
            return [("critical_threat_reason", "record why a critical threat means the time and place cannot be "
                                               "published in advance")]
        return []
    if not d.public_notice_plan.strip():
        return [("public_notice_plan", "say how the time and place will be published in advance, or record a "
                                       "critical-threat exemption with its reason")]
    return []


@rule("R05-documents-in-force", title="A current DPIA, APD, equality assessment and bias test for the algorithm",
      source="domain.md rule 5; DPA 2018 ss35(5), 42, 64; Equality Act 2010 s149; Bridges grounds 3 and 5",
      stages=(AUTHORISE,))
def documents_in_force(ctx: Context):
    d = ctx.deployment
    docs = selectors.documents_in_force(force=d.force, at=ctx.at)
    problems = [("documents", f"no {label.lower()} approved by {date_format(ctx.at.date())} is on file")
                for kind, label in DocumentKind.choices
                if kind in (DocumentKind.DPIA, DocumentKind.APD, DocumentKind.EQIA) and kind not in docs]
    test = selectors.bias_test_for(deployment=d, at=ctx.at)
    if test is None:
        problems.append(("documents", f"no independent bias-test report for {d.algorithm_version} is on file"))
    elif not test.threshold_min <= d.threshold <= test.threshold_max:
        problems.append(("threshold", f"the bias test \u201c{test}\u201d covers thresholds {test.threshold_min:g} "
                                      f"to {test.threshold_max:g} for {d.algorithm_version}; {d.threshold:g} is "
                                      f"outside it"))
    return problems


@rule("R06-threshold-floor", title="Threshold at or above the floor for that algorithm version",
      source="domain.md rule 6; Home Office LFR SOP Oct 2025; NPL 2023 equitability study",
      policy=("matching.threshold_floor",), stages=(DRAFT, AUTHORISE, ACTIVATE, MATCHING))
def threshold_floor(ctx: Context):
    d = ctx.deployment
    code = d.algorithm_version.code
    floor = ctx.policy("matching.threshold_floor").get(code)
    if floor is None:
        return [("threshold", f"no threshold floor is set for {code}, and a floor for another algorithm means "
                              f"nothing for this one: the oversight body must set one first")]
    problems = []
    if d.threshold < floor:
        problems.append(("threshold", f"{d.threshold:g} is below the floor of {floor:g} for {code}"))
    test = selectors.bias_test_for(deployment=d, at=ctx.at)
    if test is not None and d.threshold < test.no_difference_from:
        problems.append(("threshold", f"{d.threshold:g} is below {test.no_difference_from:g}, the lowest threshold at "
                                      f"which the independent test \u201c{test}\u201d found no demographic difference"))
    return problems


@rule("R07-covert-refused", title="Covert use is refused",
      source="domain.md rule 7; RIPA 2000 (outside this platform's scope)", stages=(DRAFT, AUTHORISE, ENTRY))
def covert_refused(ctx: Context):
    problems = []
    d = ctx.deployment
    if ctx.stage in (DRAFT, AUTHORISE):
        if d.covert:
            problems.append(("covert", "covert use of facial recognition is outside this platform's scope and is "
                                       "always refused"))
        problems += [("legal_bases", f"{code} is outside scope and always refused")
                     for code, kind in ctx.deployment_bases if kind == LegalBasisKind.REFUSED]
    return problems + ctx.each_entry(lambda e: [
        ("legal_bases", f"{code} is outside scope and always refused")
        for code, kind in e.bases if kind == LegalBasisKind.REFUSED])


# --- Watchlists -------------------------------------------------------------------------------------
def closed_category_problems(*, code: str, name: str = "") -> list[Problem]:
    """No category may be, or be named, 'of interest' (Bridges para 124)."""
    if OF_INTEREST.search(code or "") or OF_INTEREST.search(name or ""):
        return [("category", "'of interest' is not a lawful watchlist category: choose one of the force's "
                             "published closed list (Bridges para 124)")]
    return []


@rule("R08-closed-category", title="Exactly one category from the force's published closed list",
      source="domain.md rule 8; Bridges [2020] EWCA Civ 1058 paras 91, 124; College of Policing APP (LFR)",
      policy=("watchlist.extra_justification_categories",), stages=(ENTRY, AUTHORISE), kinds=(Kind.LFR,))
def closed_category(ctx: Context):
    force = ctx.deployment.force
    extra = ctx.policy("watchlist.extra_justification_categories")

    def check(e: EntryFacts):
        problems = closed_category_problems(code=e.category_code, name=e.category.name if e.category else "")
        if not problems:
            if e.category is None or e.category.force_id != force.pk:
                listed = ", ".join(selectors.watchlist_category_list_published(force=force)
                                   .values_list("code", flat=True))
                problems.append(("category", f"{e.category_code or 'no category'!s} is not on {force}'s published "
                                             f"closed list ({listed})"))
            elif not e.category.published:
                problems.append(("category", f"the category \u201c{e.category.name}\u201d is not published"))
        kind = e.entry.subject_kind
        if kind in extra and not _written(e.entry.extra_justification):
            problems.append(("extra_justification", f"a {SubjectKind(kind).label.lower()} goes on a watchlist only "
                                                    f"with an extra written justification"))
        return problems
    return ctx.each_entry(check)


@rule("R09-entry-provenance",
      title="Each entry has a justification, image source, legal basis, image date and quality check",
      source="domain.md rule 9; College of Policing APP (LFR) watchlist guidance", stages=(ENTRY, AUTHORISE),
      kinds=(Kind.LFR,))
def entry_provenance(ctx: Context):
    def check(e: EntryFacts):
        entry, problems = e.entry, []
        if not _written(entry.justification):
            problems.append(("justification", f"write why including this person is necessary and proportionate "
                                              f"(at least {MIN_JUSTIFICATION_CHARS} characters)"))
        if not e.has_image:
            problems.append(("image", "attach the face image"))
        if not entry.image_source_system.strip():
            problems.append(("image_source_system", "name the system the image comes from"))
        if not e.bases:
            problems.append(("legal_bases", "give the legal basis under which the image is held"))
        problems += [("legal_bases", f"{code} is not in the legal-basis register") for code, kind in e.bases
                     if kind is None]
        if entry.image_date is None:
            problems.append(("image_date", "give the date the image was taken"))
        elif entry.image_date > ctx.at.date():
            problems.append(("image_date", "the image date is in the future"))
        if entry.quality_check != QualityCheck.PASSED:
            problems.append(("quality_check", "the image failed its quality check: replace it"
                             if entry.quality_check == QualityCheck.FAILED else "record the image quality check"))
        return problems
    return ctx.each_entry(check)


@rule("R10-watchlist-review", title="Watchlist reviewed after its last change and built shortly before the start",
      source="domain.md rule 10; College of Policing APP (LFR)", policy=("watchlist.max_build_age_hours",),
      stages=(AUTHORISE,), kinds=(Kind.LFR,))
def watchlist_review(ctx: Context):
    d = ctx.deployment
    watchlist = Watchlist.objects.filter(deployment=d).first()
    if watchlist is None:
        return [("watchlist", "build the watchlist for this deployment")]
    problems = []
    if not watchlist.entries.exists():
        problems.append(("watchlist", "the watchlist has no entries"))
    if watchlist.reviewed_at is None or watchlist.reviewed_at < watchlist.changed_at:
        problems.append(("watchlist", f"the watchlist changed at {_when(watchlist.changed_at)} and has not been "
                                      f"reviewed since"))
    hours = ctx.policy("watchlist.max_build_age_hours")
    if watchlist.built_at < d.starts_at - timedelta(hours=hours):
        problems.append(("watchlist", f"the watchlist was built at {_when(watchlist.built_at)}, more than {hours:g} "
                                      f"hours before the start: rebuild it from the source systems"))
    return problems


@rule("R11-expected-false-alerts", title="Expected false alerts shown, with a warning above the tolerance",
      source="domain.md rule 11; NPL 2023", severity=WARNING,
      policy=("watchlist.expected_false_alert_tolerance",), stages=(AUTHORISE,), kinds=(Kind.LFR,))
def expected_false_alerts(ctx: Context):
    expected = selectors.expected_false_alerts(deployment=ctx.deployment)
    if expected.faces is None:
        return [("assessment", "the expected false alerts cannot be computed: the assessment gives no expected "
                               "number of faces")]
    if expected.rate is None:
        return [("threshold", f"the expected false alerts cannot be computed: {ctx.deployment.algorithm_version} "
                              f"has no calibration at threshold {ctx.deployment.threshold:g}")]
    tolerance = ctx.policy("watchlist.expected_false_alert_tolerance")
    if expected.value > tolerance:
        return [("watchlist", f"expected false alerts {expected.explain()} exceed the tolerance of {tolerance:g}: "
                              f"consider a smaller watchlist or a higher threshold")]
    return []


@rule("R12-under-18", title="Under-18s need a significant-risk-of-harm justification and a second approval",
      source="domain.md rule 12; College of Policing APP (LFR)", stages=(ENTRY, AUTHORISE), kinds=(Kind.LFR,))
def under_18(ctx: Context):
    def check(e: EntryFacts):
        entry, problems = e.entry, []
        if not entry.under_18:
            return problems
        if not _written(entry.harm_justification):
            problems.append(("harm_justification", "an under-18 needs a written justification of the significant "
                                                   "risk of harm"))
        if ctx.stage == AUTHORISE:
            if entry.second_approver_id is None:
                problems.append(("second_approver", "an under-18 needs a second approval by another approver"))
            elif entry.second_approver_id == entry.created_by_id:
                problems.append(("second_approver", "the second approval must be by someone other than the person "
                                                    "who added the entry"))
        return problems
    return ctx.each_entry(check)


@rule("R13-deletion-granted", title="An image whose deletion was granted is not used",
      source="domain.md rule 13; RMC and FJ v Met Commissioner [2012] EWHC 1681 (Admin)",
      stages=(ENTRY, AUTHORISE), kinds=(Kind.LFR,))
def deletion_granted(ctx: Context):
    return ctx.each_entry(lambda e: [("deletion_status", "a deletion application for this image was granted: it "
                                                          "may not be used")]
                          if e.entry.deletion_status == DeletionStatus.GRANTED else [])


@rule("R13-unconvicted-image", title="Images of unconvicted people carry a review flag",
      source="domain.md rule 13; RMC and FJ v Met Commissioner [2012] EWHC 1681 (Admin)", severity=WARNING,
      stages=(ENTRY, AUTHORISE), kinds=(Kind.LFR,))
def unconvicted_image(ctx: Context):
    def check(e: EntryFacts):
        if not e.entry.unconvicted:
            return []
        pending = e.entry.deletion_status == DeletionStatus.PENDING
        return [("unconvicted", "the person has no conviction: check the custody image is still lawfully held"
                 + ("; a deletion application is pending" if pending else ""))]
    return ctx.each_entry(check)


@rule("R14-image-age", title="Images older than the set age warn", source="domain.md rule 14; APP watchlist guidance",
      severity=WARNING, policy=("watchlist.image_age_warn_years",), stages=(ENTRY, AUTHORISE), kinds=(Kind.LFR,))
def image_age(ctx: Context):
    years = ctx.policy("watchlist.image_age_warn_years")

    def check(e: EntryFacts):
        taken = e.entry.image_date
        if taken is None:
            return []
        age = (ctx.at.date() - taken).days / 365.25
        return [("image_date", f"the image is {age:.1f} years old, older than {years:g} years: a recent image "
                               f"would match more reliably")] if age > years else []
    return ctx.each_entry(check)


# --- Oversight -------------------------------------------------------------------------------------
@rule("R23-post-deployment-review", title="Post-deployment review of outcomes, false alerts, complaints and deletion",
      source="domain.md rule 23; College of Policing APP (LFR)", stages=(REVIEW,), kinds=(Kind.LFR,))
def post_deployment_review(ctx: Context):
    r = ctx.review
    required = [("outcomes_against_objective", "the outcomes against the policing objective"),
                ("complaints", "the complaints received ('none' if none)"),
                ("deletion_evidence", "the evidence that watchlist and alert data were deleted")]
    problems = [(name, f"write {what}") for name, what in required if not (getattr(r, name) or "").strip()]
    if r.false_alerts is None:
        problems.append(("false_alerts", "give the number of false alerts"))
    return problems


@rule("R23-review-overdue", title="Post-deployment reviews are made within the set time",
      source="domain.md rule 23", severity=WARNING, policy=("review.post_deployment_days",),
      stages=(REVIEW, AUTHORISE), kinds=(Kind.LFR,))
def review_overdue(ctx: Context):
    def due(deployment: Deployment) -> datetime:
        return deployment.ended_at + timedelta(days=ctx.policy("review.post_deployment_days", at=deployment.ended_at))

    if ctx.stage == REVIEW:
        d = ctx.deployment
        if d.ended_at is not None and ctx.at > due(d):
            return [("reviewed_at", f"the review was due by {_when(due(d))}")]
        return []
    ended = Deployment.objects.filter(force=ctx.deployment.force, status__in=[Status.ENDED, Status.STOPPED],
                                      ended_at__isnull=False)
    late = [d for d in ended if ctx.at > due(d)]
    if late:
        names = "; ".join(f"{d.title} (due {_when(due(d))})" for d in late[:5])
        return [("force", f"{len(late)} earlier deployment(s) of {ctx.deployment.force} are past their "
                          f"post-deployment review date: {names}")]
    return []


@rule("R25-document-review-overdue", title="An overdue policy-document review blocks new authorisations",
      source="domain.md rule 25; ICO audit 2025", stages=(AUTHORISE,))
def document_review_overdue(ctx: Context):
    d = ctx.deployment
    docs = list(selectors.documents_in_force(force=d.force, at=ctx.at).values())
    test = selectors.bias_test_for(deployment=d, at=ctx.at)
    docs += [test] if test else []
    return [("documents", f"{doc.get_kind_display()} \u201c{doc}\u201d was due for review on "
                          f"{date_format(doc.next_review_on)}")
            for doc in docs if doc.next_review_on < timezone.localdate(ctx.at)]


# --- Running checks ----------------------------------------------------------------------------------
def check(stage: str, *, at: datetime | None = None, deployment: Deployment | None = None,
          deployment_bases: tuple | None = None, approver: User | None = None, urgent: bool = False,
          entries: list[EntryFacts] | None = None, point: tuple[float, float] | None = None,
          authorisation: Authorisation | None = None, review: PostDeploymentReview | None = None) -> Result:
    """Run every rule of `stage` and return all their outcomes (met, broken or not applicable)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    at = at or timezone.now()
    if deployment_bases is None:
        deployment_bases = basis_kinds(deployment.legal_bases.all(), at) if deployment and deployment.pk else ()
    if entries is None:
        entries = []
        if stage == AUTHORISE and deployment is not None and deployment.pk:
            saved = (WatchlistEntry.objects.filter(watchlist__deployment=deployment)
                     .select_related("category").prefetch_related("legal_bases"))
            entries = [EntryFacts.of(e, at) for e in saved]
    ctx = Context(stage=stage, at=at, deployment=deployment, deployment_bases=deployment_bases, approver=approver,
                  urgent=urgent, entries=entries, point=point, authorisation=authorisation, review=review)
    outcomes = []
    for r in RULES.values():
        if stage not in r.stages:
            continue
        if deployment is not None and deployment.kind not in r.kinds:
            outcomes.append(Outcome(r, applicable=False, violations=[]))
            continue
        found = r.check(ctx)
        violations = [Violation(r.id, r.severity, name, message) for name, message in (found or [])]
        outcomes.append(Outcome(r, applicable=found is not None, violations=violations))
    return Result(stage=stage, at=at, outcomes=outcomes, settings=list(ctx.settings.values()))


def check_authorisation(deployment: Deployment, *, at: datetime | None = None, approver: User | None = None,
                        urgent: bool = False) -> Result:
    """Every rule an approver must see before deciding (or that a submission must already meet)."""
    return check(AUTHORISE, at=at, deployment=deployment, approver=approver, urgent=urgent)


def check_matching(deployment: Deployment, *, at: datetime | None = None, latitude: float | None = None,
                   longitude: float | None = None) -> Result:
    """For the matcher: may this deployment compare a face now, at this camera position?"""
    point = (latitude, longitude) if latitude is not None and longitude is not None else None
    return check(MATCHING, at=at, deployment=deployment, point=point)


def check_entry(facts: EntryFacts, *, deployment: Deployment, at: datetime | None = None) -> Result:
    return check(ENTRY, at=at, deployment=deployment, entries=[facts])
