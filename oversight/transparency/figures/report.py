"""The public transparency report of a force for a period: a frozen, JSON-safe snapshot.

Its figures come from the same facts as the regulator report and the dashboard (`oversight.reports.period.load`:
the same deployments, alerts, decisions, deletions due and done, searches and exceptions), so the two reports
of a force and a month cannot disagree. This module keeps only what may be published: the deployments that
ran overtly (one under a critical-threat exemption only once it is over), counts, published categories, and
free text passed through the `Redactor`.
"""
from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from deployments.complaints.selectors import OUTCOME_LABELS
from deployments.models import AlgorithmVersion, ConsultedBody, DocumentKind, Kind, PolicyDocument
from matching.models import (
    CandidateStatus, DeletionKind, LegalHold, OifrReason, OifrSubjectCategory, PRIVATE_PLACES, ProbeSource,
    SearchScope,
)
from oversight.models import AuditEvent, Force
from oversight.reports import exceptions as exc
from oversight.reports.period import DeploymentFacts, Facts, bounds, load
from oversight.transparency import deployment_log
from oversight.transparency.figures.public import advance_notices, force_profile, notice
from oversight.transparency.figures.redaction import Redactor, public_area
from oversight.transparency.figures.wording import (
    COMPLAINTS, DELETION_LABELS, iso_minute, local, month_label, setting, uses_explained,
)

SCHEMA_VERSION = 1
TOTAL_KEYS = ["deployments", "faces_processed", "alerts", "confirmed_matches", "false_alerts", "inconclusive",
              "undecided", "engagements", "arrests"]


def _months(period_start: date, period_end: date) -> list[str]:
    months, year, month = [], period_start.year, period_start.month
    while (year, month) <= (period_end.year, period_end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _quarter(month_key: str) -> str:
    year, month = month_key.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


def _log_row(df: DeploymentFacts, redact: Redactor, now: datetime) -> dict:
    deployment, counts = df.deployment, df.counts
    return {
        "reference": f"LFR-{deployment.pk}",
        "force_code": deployment.force.code,
        "date": local(deployment.starts_at).date().isoformat(),
        "window_start": iso_minute(deployment.starts_at),
        "window_end": iso_minute(deployment.ends_at),
        **public_area(deployment, redact),
        "purpose": redact(deployment.policing_objective),
        "notice": notice(deployment),
        # That the community was consulted and which kinds of group: never who, nor what they said.
        "community_consulted": "; ".join(ConsultedBody(body).label for body in df.consulted),
        # The hours the cameras ran, and whether and why it was stopped or cancelled.
        **deployment_log.run_record(deployment, now=now, redact=redact, local=local, over=df.over),
        "algorithm": deployment.algorithm_version.code,
        "threshold": deployment.threshold,
        "watchlist_size": df.size,
        "faces_processed": df.faces,
        "alerts": counts["alerts"],
        "confirmed_matches": counts["true_matches"],
        "false_alerts": counts["false_alerts"],
        "inconclusive": counts["inconclusive"],
        "undecided": counts["undecided"],
        "engagements": counts["engagements"],
        "arrests": counts["arrests"],
        **deployment_log.outcomes(deployment),
    }


def _cancelled(facts: Facts, now: datetime) -> list[DeploymentFacts]:
    """Deployments authorised for the period but never run, once they can no longer run: listed with the reason,
    counted in no total."""
    return [df for df in facts.deployments
            if df.state == "not_run" and not df.withheld and df.deployment.kind == Kind.LFR
            and (df.deployment.status in deployment_log.NOT_AUTHORISED_NOW or df.deployment.ends_at <= now)]


def _totals(rows: list[dict]) -> dict:
    totals = {key: 0 for key in TOTAL_KEYS}
    totals["deployments"] = len(rows)
    for row in rows:
        for key in TOTAL_KEYS[1:]:
            totals[key] += row[key]
    return totals


def _by_period(rows: list[dict], months: list[str]) -> tuple[list[dict], list[dict]]:
    by_month = {m: {"period": m, "label": month_label(m), **{k: 0 for k in TOTAL_KEYS}} for m in months}
    for row in rows:
        bucket = by_month.get(row["date"][:7])
        if bucket is None:  # unreachable: rows are selected by the same bounds
            continue
        bucket["deployments"] += 1
        for key in TOTAL_KEYS[1:]:
            bucket[key] += row[key]
    by_quarter: dict[str, dict] = {}
    for month in months:
        quarter = _quarter(month)
        bucket = by_quarter.setdefault(quarter, {"period": quarter, "label": quarter.replace("-", " "),
                                                 **{k: 0 for k in TOTAL_KEYS}})
        for key in TOTAL_KEYS:
            bucket[key] += by_month[month][key]
    return list(by_month.values()), list(by_quarter.values())


def _watchlist_by_category(facts: Facts, shown: list[DeploymentFacts]) -> list[dict]:
    counts: Counter = Counter()
    for df in shown:
        counts.update(df.by_category)
    rows: list[dict] = []
    unpublished = 0
    for category_id, n in sorted(counts.items(), key=lambda kv: (facts.categories[kv[0]].position,
                                                                 facts.categories[kv[0]].code)):
        category = facts.categories[category_id]
        if category.published:
            rows.append({"code": category.code, "name": category.name, "entries": n})
        else:
            unpublished += n
    if unpublished:
        rows.append({"code": None, "name": "Category not published", "entries": unpublished})
    return rows


def _algorithms(force: Force, facts: Facts, shown: list[DeploymentFacts], at: datetime,
                redact: Redactor) -> list[dict]:
    uses: dict[int, set] = defaultdict(set)
    thresholds: dict[int, set] = defaultdict(set)
    lfr_thresholds: dict[int, set] = defaultdict(set)
    for df in shown:
        algorithm_id = df.deployment.algorithm_version_id
        uses[algorithm_id].add(Kind.LFR)
        thresholds[algorithm_id].add(df.deployment.threshold)
        lfr_thresholds[algorithm_id].add(df.deployment.threshold)
    for kind, rows in ((Kind.RFR, facts.rfr_searches), (Kind.OIFR, facts.oifr_checks)):
        for row in rows:
            uses[row["face_model__algorithm_id"]].add(kind)
            thresholds[row["face_model__algorithm_id"]].add(row["threshold"])
    floors = (setting("matching.threshold_floor", at) or {"value": {}})["value"]
    tests = PolicyDocument.objects.filter(force=force, kind=DocumentKind.BIAS_TEST, published=True,
                                          approved_on__lte=local(at).date())
    out = []
    for algorithm in AlgorithmVersion.objects.filter(pk__in=uses).order_by("code"):
        published_tests = [
            {"title": redact(t.title), "version": redact(t.version), "approved_on": t.approved_on.isoformat(),
             "threshold_min": t.threshold_min, "threshold_max": t.threshold_max,
             "no_difference_from": t.no_difference_from}
            for t in tests.filter(algorithm_version=algorithm).order_by("-approved_on", "-id")]
        lfr = sorted(lfr_thresholds[algorithm.pk])
        at_or_above = None
        if published_tests and lfr:
            at_or_above = all(published_tests[0]["no_difference_from"] <= t for t in lfr)
        out.append({
            "code": algorithm.code, "vendor": algorithm.vendor, "name": algorithm.name, "version": algorithm.version,
            "uses": sorted(uses[algorithm.pk]), "thresholds_used": sorted(thresholds[algorithm.pk]),
            "policy_floor": floors.get(algorithm.code), "calibration_source": algorithm.calibration_source,
            "independent_tests": published_tests, "lfr_thresholds_at_or_above_tested_level": at_or_above,
        })
    return out


def _retention(force: Force, facts: Facts, shown: list[DeploymentFacts], at: datetime) -> dict:
    """Retention promises, and the deletions that fell due in the period: done on time, done late, and
    still outstanding (the same count as the regulator report's)."""
    watchlist_hours = setting("retention.watchlist_template_hours", at)
    alert_days = setting("retention.alert_image_days", at)
    probe_days = setting("retention.rfr_probe_days", at)
    promises = [
        {"data": "Faces that match nothing", "promise": "Never stored: each face is compared and its template "
                                                        "discarded at once.", "setting": None},
        {"data": DELETION_LABELS[DeletionKind.WATCHLIST_TEMPLATE],
         "promise": f"Deleted within {watchlist_hours['value']} hours of the deployment's end."
         if watchlist_hours else "Deleted after the deployment's end.", "setting": watchlist_hours},
        {"data": DELETION_LABELS[DeletionKind.ALERT_MEDIA],
         "promise": f"Deleted within {alert_days['value']} days, unless a legal hold with a reason and reference "
                    "is recorded." if alert_days else "Deleted on the retention timetable.", "setting": alert_days},
        {"data": DELETION_LABELS[DeletionKind.RFR_PROBE],
         "promise": f"Deleted within {probe_days['value']} days." if probe_days else "Deleted on the timetable.",
         "setting": probe_days},
        {"data": DELETION_LABELS[DeletionKind.VENDOR_PACKAGE],
         "promise": (f"Where a supplier's system does the matching, it deletes its copy of the watchlist within "
                     f"{watchlist_hours['value']} hours of the deployment's end and confirms it; a missing "
                     f"confirmation is reported as data still held." if watchlist_hours else
                     "Deleted by the supplier after the deployment's end, and confirmed."), "setting": watchlist_hours},
        {"data": "OIFR photos", "promise": "Never kept: the photo and its template are discarded when the check "
                                           "returns.", "setting": None},
    ]
    deletions = [{"kind": kind, "label": DELETION_LABELS[kind], "due": row["due"], "done": row["done"],
                  "done_on_time": row["on_time"], "done_late": row["late"], "overdue_not_done": row["outstanding"]}
                 for kind, row in facts.deletions().items()]
    holds = LegalHold.objects.filter(alert__deployment__force=force, placed_at__lt=facts.end).filter(
        Q(released_at__isnull=True) | Q(released_at__gte=facts.start)).count()
    return {"promises": promises, "faces_discarded": sum(df.discarded for df in shown), "deletions": deletions,
            "legal_holds": holds}


def _choice_counts(values: list, choices) -> list[dict]:
    counts = Counter(values)
    return [{"code": value, "label": label, "count": counts.get(value, 0)} for value, label in choices]


def _by_month(rows: list[dict], months: list[str]) -> list[dict]:
    counts = Counter(local(row["created_at"]).strftime("%Y-%m") for row in rows)
    return [{"period": m, "label": month_label(m), "count": counts.get(m, 0)} for m in months]


def _rfr(facts: Facts, months: list[str]) -> dict:
    searches = facts.rfr_searches
    return {
        "searches": len(searches),
        "national_searches": sum(1 for s in searches if s["scope"] == SearchScope.NATIONAL),
        "national_searches_received": len({n["search_id"] for n in facts.national_searches_received}),
        "by_probe_source": _choice_counts([s["probe_source"] for s in searches], ProbeSource.choices),
        "candidates_returned": len(facts.rfr_candidates),
        "identifications_corroborated": sum(1 for c in facts.rfr_candidates
                                            if c["status"] == CandidateStatus.CORROBORATED),
        "searches_by_month": _by_month(searches, months),
    }


def _oifr(facts: Facts, months: list[str]) -> dict:
    checks = facts.oifr_checks
    return {
        "checks": len(checks),
        "possible_matches": sum(1 for c in checks if c["matched_id"] is not None),
        "in_private_places": sum(1 for c in checks if c["place_type"] in PRIVATE_PLACES),
        "by_reason": _choice_counts([c["reason"] for c in checks], OifrReason.choices),
        "by_subject_category": _choice_counts([c["subject_category"] for c in checks], OifrSubjectCategory.choices),
        "checks_by_month": _by_month(checks, months),
    }


def _legal_bases_cited(shown: list[DeploymentFacts]) -> list[dict]:
    counts: Counter = Counter(code for df in shown for code in df.legal_bases)
    return [{"code": code, "deployments": counts[code]} for code in sorted(counts)]


def _exceptions(facts: Facts) -> list[dict]:
    """How many times each kind of rule breach or lapse happened, as the regulator report counts them; a
    deployment the public may not yet know of (a critical-threat exemption still running) is left out."""
    public = dataclasses.replace(facts, deployments=[df for df in facts.deployments if not df.withheld])
    counts = exc.count_by_kind(exc.from_facts(public, audits=facts.audits))
    return [{"kind": code, "title": kind.title, "count": counts[code]} for code, kind in exc.KINDS.items()]


def _complaints_received(facts: Facts) -> dict:
    """Complaints from the public received in the period and where each stands: counts only, never a word
    of a complaint (the same counts as the regulator report's)."""
    counts = facts.complaints["by_outcome"]
    return {"received": facts.complaints["received"],
            "by_outcome": [{"outcome": key, "label": OUTCOME_LABELS[key], "count": count}
                           for key, count in counts.items()]}


def report_figures(*, force: Force, period_start: date, period_end: date, now: datetime | None = None) -> dict:
    """The whole public content of a force's report for a period, from aggregates and published fields only."""
    now = now or timezone.now()
    redact = Redactor()
    start, end = bounds(period_start, period_end)
    months = _months(period_start, period_end)
    facts = load(forces=[force], start=start, end=end, as_of=now)
    shown = [df for df in facts.deployments if df.public]
    rows = [_log_row(df, redact, now) for df in shown]
    log = sorted(rows + [_log_row(df, redact, now) for df in _cancelled(facts, now)],
                 key=lambda row: row["window_start"])
    by_month, by_quarter = _by_period(rows, months)
    audit_size = (AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or -1) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "force": force_profile(force=force, now=now, redact=redact),
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "computed_at": local(now).replace(microsecond=0).isoformat(),
        "audit_log_size_at_computation": audit_size,
        "uses": uses_explained(now),
        "complaints": COMPLAINTS,
        "complaints_received": _complaints_received(facts),
        "advance_notices": advance_notices(now=now, force=force, redact=redact),
        "deployment_log": log,
        "totals": _totals(rows),
        "outcomes": deployment_log.outcome_totals(rows),
        "totals_by_month": by_month,
        "totals_by_quarter": by_quarter,
        "watchlist_by_category": _watchlist_by_category(facts, shown),
        "legal_bases_cited": _legal_bases_cited(shown),
        "algorithms": _algorithms(force, facts, shown, now, redact),
        "retention": _retention(force, facts, shown, min(end, now)),
        "rfr": _rfr(facts, months),
        "oifr": _oifr(facts, months),
        "exceptions": _exceptions(facts),
    }
