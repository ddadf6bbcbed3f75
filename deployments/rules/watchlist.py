"""The rules of watchlists and their entries (domain.md rules 8-14)."""
from __future__ import annotations

import re
from datetime import timedelta

from deployments import selectors
from deployments.models import DeletionStatus, Kind, QualityCheck, SubjectKind, Watchlist
from deployments.rules.engine import AUTHORISE, ENTRY, WARNING, Context, EntryFacts, Problem, _when, rule

OF_INTEREST = re.compile(r"interest", re.IGNORECASE)


def closed_category_problems(*, code: str, name: str = "") -> list[Problem]:
    """No category may be, or be named, 'of interest' (Bridges para 124)."""
    if OF_INTEREST.search(code or "") or OF_INTEREST.search(name or ""):
        return [("category", "'of interest' is not a lawful watchlist category: choose one of the force's "
                             "published closed list (Bridges para 124)")]
    return []


@rule("R08-closed-category", title="Exactly one category from the force's published closed list",
      source="domain.md rule 8; Bridges [2020] EWCA Civ 1058 paras 91, 124; College of Policing APP (LFR)",
      policy=("watchlist.extra_justification_categories", "rules.written_min_chars"), stages=(ENTRY, AUTHORISE),
      kinds=(Kind.LFR,))
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
        if kind in extra and not ctx.written(e.entry.extra_justification):
            problems.append(("extra_justification", f"a {SubjectKind(kind).label.lower()} goes on a watchlist only "
                                                    f"with an extra written justification"))
        return problems
    return ctx.each_entry(check)


@rule("R09-entry-provenance",
      title="Each entry has a justification, image source, legal basis, image date and quality check",
      source="domain.md rule 9; College of Policing APP (LFR) watchlist guidance", policy=("rules.written_min_chars",),
      stages=(ENTRY, AUTHORISE), kinds=(Kind.LFR,))
def entry_provenance(ctx: Context):
    def check(e: EntryFacts):
        entry, problems = e.entry, []
        if not ctx.written(entry.justification):
            problems.append(("justification", f"write why including this person is necessary and proportionate "
                                              f"(at least {ctx.policy('rules.written_min_chars'):g} characters)"))
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


@rule("R11-expected-false-alerts", title="Expected false alerts shown, with a warning above the tolerance "
      "and above the cap per 1,000 faces", source="domain.md rule 11; NPL 2023", severity=WARNING,
      policy=("watchlist.expected_false_alert_tolerance", "watchlist.expected_false_alerts_per_1000_faces"),
      stages=(AUTHORISE,), kinds=(Kind.LFR,))
def expected_false_alerts(ctx: Context):
    expected = selectors.expected_false_alerts(deployment=ctx.deployment)
    if expected.faces is None:
        return [("assessment", "the expected false alerts cannot be computed: the assessment gives no expected "
                               "number of faces")]
    if expected.rate is None:
        return [("threshold", f"the expected false alerts cannot be computed: {ctx.deployment.algorithm_version} "
                              f"has no calibration at threshold {ctx.deployment.threshold:g}")]
    problems = []
    tolerance = ctx.policy("watchlist.expected_false_alert_tolerance")
    if expected.value > tolerance:
        problems.append(("watchlist", f"expected false alerts {expected.explain()} exceed the tolerance of "
                                      f"{tolerance:g}: consider a smaller watchlist or a higher threshold"))
    cap = ctx.policy("watchlist.expected_false_alerts_per_1000_faces")
    if expected.per_thousand_faces > cap:
        beyond = " (beyond the rates the algorithm's evaluation could measure)" if expected.measured is False else ""
        problems.append(("threshold", f"{expected.per_thousand_in_words} false alerts are expected per 1,000 faces "
                                      f"with {expected.watchlist_size:,} watchlist entries at a threshold of "
                                      f"{ctx.deployment.threshold:g}{beyond}, above the cap of {cap:g} per 1,000: "
                                      f"use a smaller watchlist or a higher threshold"))
    return problems


@rule("R12-under-18", title="Under-18s need a significant-risk-of-harm justification and a second approval",
      source="domain.md rule 12; College of Policing APP (LFR)", policy=("rules.written_min_chars",),
      stages=(ENTRY, AUTHORISE), kinds=(Kind.LFR,))
def under_18(ctx: Context):
    def check(e: EntryFacts):
        entry, problems = e.entry, []
        if not entry.under_18:
            return problems
        if not ctx.written(entry.harm_justification):
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
