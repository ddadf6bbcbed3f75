"""The rules of a deployment's authorisation (domain.md rules 1-7): who may authorise what, where and when."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.formats import date_format

from deployments import selectors
from deployments.geo import place_contains, place_of
from deployments.models import Authorisation, DocumentKind, Kind, Status
from deployments.rules.engine import (
    ACTIVATE, AUTHORISE, DRAFT, ENTRY, MATCHING, URGENT_REVIEW, Context, _rank, _when, rule,
)
from oversight.models import LegalBasisKind, PolicySetting, Rank
from oversight.policy import policy_in_force


@rule("R01-written-authorisation", title="No matching before a written authorisation exists",
      source="domain.md rule 1; College of Policing APP (LFR); ICO audit 2025; Bridges [2020] EWCA Civ 1058 para 130",
      stages=(AUTHORISE, ACTIVATE, MATCHING))
def written_authorisation(ctx: Context):
    d = ctx.deployment
    if ctx.stage in (ACTIVATE, MATCHING):
        if ctx.stage == MATCHING and d.status != Status.ACTIVE:
            return [("status", f"the deployment is {d.get_status_display().lower()}, not active")]
        current = selectors.authorisation_current(deployment=d)
        if current is None:
            return [("status", "no written authorisation is on record for this deployment")]
        ctx.authorisation = ctx.authorisation or current  # the one the urgent-review rule looks at next
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
    if auth.urgent_review == Authorisation.UrgentReview.PENDING:
        ctx.facts["urgent_review_due"] = due
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
      policy=("rules.written_min_chars",), stages=(AUTHORISE,), kinds=(Kind.LFR,))
def public_notice(ctx: Context):
    d = ctx.deployment
    if d.critical_threat_exemption:
        if not ctx.written(d.critical_threat_reason):
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
    score = ctx.facts.get("score") if ctx.stage == MATCHING else None
    if score is not None and score < max(d.threshold, floor):
        # An external matcher reports its alerts with their scores: one below the line is not an alert.
        problems.append(("score", f"a score of {score:g} is below the deployment's threshold of {d.threshold:g} "
                                  f"(the floor for {code} is {floor:g})"))
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
                     for code, kind in ctx.bases() if kind == LegalBasisKind.REFUSED]
    return problems + ctx.each_entry(lambda e: [
        ("legal_bases", f"{code} is outside scope and always refused")
        for code, kind in e.bases if kind == LegalBasisKind.REFUSED])
