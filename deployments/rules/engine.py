"""The rule engine: one registry of the rules of domain.md section 3, and the function that runs a stage.

Each rule is written once, with a stable identifier, its source, the policy settings it reads and its
severity, in the module of its subject: `authorisation`, `watchlist` and `review` here, and the matcher's
rules (15-22, 24) in `matching/rules.py`, which registers them into this same registry when the matcher app
loads (a lower layer offers the registry; it never imports the matcher). A check runs every rule that
concerns a moment (a *stage*) and returns every violation at once; services refuse on a blocking one and
keep the whole result on the record they write. Parameters come from `policy_in_force(key, at=<the time the
check is about>)`, and the exact setting versions read are kept so a record can say what it was checked
against.

Where a rule of the brief has a blocking and a warning part (13, 23), it is two rules, so that every
identifier has one severity and a report can count breaches and exceptions apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from deployments.models import (
    Authorisation, Deployment, Kind, PostDeploymentReview, WatchlistCategory, WatchlistEntry,
)
from oversight.models import Force, PolicySetting, Rank, User
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
STAGES: list[str] = [DRAFT, AUTHORISE, ACTIVATE, MATCHING, URGENT_REVIEW, ENTRY, REVIEW]


def stage_add(name: str) -> str:
    """A stage of a higher layer (the matcher's adjudication, searches, retention and reports)."""
    if name not in STAGES:
        STAGES.append(name)
    return name



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
    """A refusal naming the rules behind it; a ValidationError keyed by field, so forms and the API show it.

    The messages are plain English; the rules' identifiers travel beside them (`violations`, `rule_ids`, and
    each message's `code`), never inside the text people read."""

    status_code = 400

    def __init__(self, violations: Iterable[Violation]):
        self.violations = list(violations)
        messages: dict[str, list[ValidationError]] = {}
        for v in self.violations:
            messages.setdefault(v.field, []).append(ValidationError(v.message, code=v.rule))
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
    deployment_bases: tuple[tuple[str, str | None], ...] | None = None  # read when a rule first asks: bases()
    approver: User | None = None
    urgent: bool = False
    entries: list[EntryFacts] = field(default_factory=list)
    point: tuple[float, float] | None = None
    authorisation: Authorisation | None = None
    review: PostDeploymentReview | None = None
    force: Force | None = None
    record: Any = None  # the matcher's record a stage is about: an alert, a search, a check, a hold
    facts: dict[str, Any] = field(default_factory=dict)  # what the actor asks for (a decision, a threshold...)
    settings: dict[int, PolicySetting] = field(default_factory=dict)

    def policy(self, key: str, *, at: datetime | None = None):
        setting = policy_in_force(key, at=at or self.at)
        self.settings[setting.pk] = setting
        return setting.value

    def bases(self) -> tuple[tuple[str, str | None], ...]:
        """The deployment's legal bases and their kinds at the time (read once, and only by rules that need them)."""
        if self.deployment_bases is None:
            d = self.deployment
            self.deployment_bases = basis_kinds(d.legal_bases.all(), self.at) if d is not None and d.pk else ()
        return self.deployment_bases

    def written(self, text: str, key: str = "rules.written_min_chars") -> bool:
        """A written reason is a sentence, not a word: at least the set number of characters."""
        return len((text or "").strip()) >= self.policy(key)

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
    facts: dict = field(default_factory=dict)  # what the rules found out on the way (a deadline, a verification)

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


def _rank(value) -> str:
    return f"holds the rank of {Rank(value).label}" if value else "has no recorded rank"



# --- Running checks ----------------------------------------------------------------------------------
def check(stage: str, *, at: datetime | None = None, deployment: Deployment | None = None,
          deployment_bases: tuple | None = None, approver: User | None = None, urgent: bool = False,
          entries: list[EntryFacts] | None = None, point: tuple[float, float] | None = None,
          authorisation: Authorisation | None = None, review: PostDeploymentReview | None = None,
          force: Force | None = None, record: Any = None, facts: dict | None = None) -> Result:
    """Run every rule of `stage` and return all their outcomes (met, broken or not applicable)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    at = at or timezone.now()
    if entries is None:
        entries = []
        if stage == AUTHORISE and deployment is not None and deployment.pk:
            saved = (WatchlistEntry.objects.filter(watchlist__deployment=deployment)
                     .select_related("category").prefetch_related("legal_bases"))
            entries = [EntryFacts.of(e, at) for e in saved]
    ctx = Context(stage=stage, at=at, deployment=deployment, deployment_bases=deployment_bases, approver=approver,
                  urgent=urgent, entries=entries, point=point, authorisation=authorisation, review=review,
                  force=force or (deployment.force if deployment is not None else None), record=record,
                  facts=dict(facts or {}))
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
    return Result(stage=stage, at=at, outcomes=outcomes, settings=list(ctx.settings.values()), facts=ctx.facts)


def check_authorisation(deployment: Deployment, *, at: datetime | None = None, approver: User | None = None,
                        urgent: bool = False) -> Result:
    """Every rule an approver must see before deciding (or that a submission must already meet)."""
    return check(AUTHORISE, at=at, deployment=deployment, approver=approver, urgent=urgent)


def check_matching(deployment: Deployment, *, at: datetime | None = None, latitude: float | None = None,
                   longitude: float | None = None, face_model=None) -> Result:
    """For the matcher: may this deployment compare a face now, at this camera position, with this face model?

    The live matcher calls this before every request; `facts["matching_until"]` says until when the answer
    holds (the window's end, or an urgent authorisation's review deadline if that comes first)."""
    point = (latitude, longitude) if latitude is not None and longitude is not None else None
    facts = {"face_model": face_model} if face_model is not None else {}
    return check(MATCHING, at=at, deployment=deployment, point=point, facts=facts)


def check_entry(facts: EntryFacts, *, deployment: Deployment, at: datetime | None = None) -> Result:
    return check(ENTRY, at=at, deployment=deployment, entries=[facts])
