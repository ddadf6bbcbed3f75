"""Every exception the regulator report lists, computed in one place, each of a stable kind.

A kind names one way a record departs from the rules of domain.md section 3. Kinds never change meaning;
a new way of breaking a rule gets a new kind. `open` says whether the exception still needs action at the
moment the report was built (an unadjudicated alert) or is history to account for (a deletion done late).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from deployments.models import Authorisation
from deployments.rules import BLOCKING, RULES, WARNING
from matching.models import AlertStatus
from oversight.reports.period import Facts


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    rule: str  # a rule id of deployments/rules.py, or the number of the rule in domain.md section 3


RULE_OVERRIDDEN = Kind("rule.overridden", "Authorised although a blocking rule was recorded as broken", "rules 1-25")
RULE_BROKEN = Kind("rule.broken", "A decision recorded a blocking rule as broken (refused)", "rules 1-25")
RULE_WARNING = Kind("rule.warning", "Authorised with a rule warning accepted", "rules 11, 13, 14, 23")
URGENT_REVIEW_LATE = Kind("urgent_review.late", "Urgent authorisation reviewed after its deadline",
                          "R02-urgent-review")
URGENT_REVIEW_LAPSED = Kind("urgent_review.lapsed", "Urgent authorisation not reviewed in time: deployment stopped",
                            "R02-urgent-review")
URGENT_REVIEW_OVERDUE = Kind("urgent_review.overdue", "Urgent authorisation still awaiting review after its deadline",
                             "R02-urgent-review")
ALERT_UNADJUDICATED = Kind("alert.unadjudicated", "Alert never adjudicated by an officer", "rule 15")
ALERT_UNAUTHORISED = Kind("alert.outside_authorisation", "Alert outside any authorised window",
                          "R03-authorised-window")
DELETION_LATE = Kind("deletion.late", "Biometric data deleted after it was due", "rules 20-22")
DELETION_OVERDUE = Kind("deletion.overdue", "Biometric data due for deletion still held", "rules 20-22")
DOCUMENT_REVIEW_OVERDUE = Kind("document.review_overdue", "Policy document past its review date",
                               "R25-document-review-overdue")
POST_REVIEW_OVERDUE = Kind("post_review.overdue", "Post-deployment review overdue", "R23-review-overdue")
POST_REVIEW_LATE = Kind("post_review.late", "Post-deployment review made late", "R23-review-overdue")
RECOMMENDATION_OVERDUE = Kind("recommendation.overdue", "Audit recommendation past its deadline with no response",
                              "rule 23 (oversight)")

KINDS: dict[str, Kind] = {k.code: k for k in [
    RULE_OVERRIDDEN, RULE_BROKEN, RULE_WARNING, URGENT_REVIEW_LATE, URGENT_REVIEW_LAPSED, URGENT_REVIEW_OVERDUE,
    ALERT_UNADJUDICATED, ALERT_UNAUTHORISED, DELETION_LATE, DELETION_OVERDUE, DOCUMENT_REVIEW_OVERDUE,
    POST_REVIEW_OVERDUE, POST_REVIEW_LATE, RECOMMENDATION_OVERDUE,
]}


@dataclass(frozen=True)
class ReportException:
    kind: str
    force_id: int
    at: datetime | None
    summary: str
    object_type: str
    object_id: str
    deployment_id: int | None = None
    count: int = 1
    open: bool = False
    rules: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return KINDS[self.kind].title

    @property
    def rule(self) -> str:
        return ", ".join(self.rules) or KINDS[self.kind].rule


def _when(moment: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%d %b %Y %H:%M")


def _rule_breaches(rule_results: list[dict], severity: str) -> list[dict]:
    return [r for r in rule_results or [] if r.get("status") == severity]


def _rule_names(results: list[dict]) -> str:
    return "; ".join(f"{r['rule']} ({RULES[r['rule']].title if r['rule'] in RULES else r.get('title', '')})"
                     for r in results)


def from_facts(facts: Facts, *, audits=()) -> list[ReportException]:
    """Every exception in the period, ordered by force, then time."""
    found: list[ReportException] = []
    add = found.append
    as_of = facts.as_of
    for df in facts.deployments:
        d = df.deployment
        for auth in df.authorisations:
            blocking = _rule_breaches(auth.rule_results, BLOCKING)
            warnings = _rule_breaches(auth.rule_results, WARNING)
            ref = ("deployments.authorisation", str(auth.pk))
            if blocking and auth.decision == Authorisation.Decision.AUTHORISED:
                add(ReportException(RULE_OVERRIDDEN.code, d.force_id, auth.decided_at,
                                    f"{d.title}: {auth.get_kind_display().lower()} given although "
                                    f"{_rule_names(blocking)} was broken", *ref, d.pk,
                                    rules=tuple(r["rule"] for r in blocking)))
            elif blocking:
                add(ReportException(RULE_BROKEN.code, d.force_id, auth.decided_at,
                                    f"{d.title}: refused; {_rule_names(blocking)}", *ref, d.pk,
                                    rules=tuple(r["rule"] for r in blocking)))
            if warnings and auth.decision == Authorisation.Decision.AUTHORISED:
                add(ReportException(RULE_WARNING.code, d.force_id, auth.decided_at,
                                    f"{d.title}: authorised with warnings: {_rule_names(warnings)}", *ref, d.pk,
                                    rules=tuple(r["rule"] for r in warnings)))
            if auth.urgent:
                due = auth.urgent_review_due_at
                if auth.urgent_review == Authorisation.UrgentReview.LAPSED and due and due > as_of:
                    pass  # recorded ahead of its deadline: at `as_of` it was still awaiting review, not yet due
                elif auth.urgent_review == Authorisation.UrgentReview.LAPSED:
                    add(ReportException(URGENT_REVIEW_LAPSED.code, d.force_id, due,
                                        f"{d.title}: urgent authorisation of {_when(auth.decided_at)} by "
                                        f"{auth.get_approver_rank_display() or 'an officer'} was not reviewed by "
                                        f"{_when(due)}", *ref, d.pk))
                elif auth.urgent_reviewed_at and due and auth.urgent_reviewed_at > due:
                    add(ReportException(URGENT_REVIEW_LATE.code, d.force_id, auth.urgent_reviewed_at,
                                        f"{d.title}: urgent authorisation reviewed {_when(auth.urgent_reviewed_at)}, "
                                        f"due by {_when(due)}", *ref, d.pk))
                elif auth.urgent_review == Authorisation.UrgentReview.PENDING and due and due < as_of:
                    add(ReportException(URGENT_REVIEW_OVERDUE.code, d.force_id, due,
                                        f"{d.title}: urgent authorisation awaiting review since {_when(due)}",
                                        *ref, d.pk, open=True))
        granted = [a for a in df.authorisations if a.decision == Authorisation.Decision.AUTHORISED]
        for alert in df.alerts:
            if alert.status == AlertStatus.NEW:
                add(ReportException(ALERT_UNADJUDICATED.code, d.force_id, alert.captured_at,
                                    f"{d.title}: alert {alert.pk} of {_when(alert.captured_at)} has no decision",
                                    "matching.alert", str(alert.pk), d.pk, open=True))
            if not any(a.starts_at <= alert.captured_at <= a.ends_at for a in granted):
                add(ReportException(ALERT_UNAUTHORISED.code, d.force_id, alert.captured_at,
                                    f"{d.title}: alert {alert.pk} at {_when(alert.captured_at)} is outside every "
                                    f"authorised window", "matching.alert", str(alert.pk), d.pk))
        if df.review is not None and df.review.reviewed_at > df.review.due_at:
            add(ReportException(POST_REVIEW_LATE.code, d.force_id, df.review.reviewed_at,
                                f"{d.title}: reviewed {_when(df.review.reviewed_at)}, due by "
                                f"{_when(df.review.due_at)}", "deployments.postdeploymentreview",
                                str(df.review.pk), d.pk))
        elif df.review is None and df.review_due_at is not None and df.review_due_at < as_of:
            add(ReportException(POST_REVIEW_OVERDUE.code, d.force_id, df.review_due_at,
                                f"{d.title}: ended {_when(d.ended_at)}, review due by {_when(df.review_due_at)}",
                                "deployments.deployment", str(d.pk), d.pk, open=True))

    late: dict[tuple, list] = defaultdict(list)
    for deletion in facts.late_deletions:
        late[(deletion["force_id"], deletion["kind"], deletion["deployment_id"])].append(deletion)
    for (force_id, kind, deployment_id), rows in late.items():
        worst = max(rows, key=lambda r: r["done_at"] - r["due_at"])
        hours = (worst["done_at"] - worst["due_at"]).total_seconds() / 3600
        add(ReportException(DELETION_LATE.code, force_id, worst["due_at"],
                            f"{len(rows)} × {kind.replace('_', ' ')} deleted late"
                            + (f" (deployment {deployment_id})" if deployment_id else "")
                            + f"; the latest {hours:.1f} hours after it was due",
                            worst["object_type"], worst["object_id"], deployment_id, count=len(rows)))
    for row in facts.outstanding:
        add(ReportException(DELETION_OVERDUE.code, row["force_id"], row["due_at"],
                            f"{row['items']} × {row['kind'].replace('_', ' ')} due for deletion by "
                            f"{_when(row['due_at'])} still held", row["object_type"], str(row["object_id"]),
                            row["deployment_id"], count=row["items"], open=True))
    for force_id, docs in facts.documents.items():
        for doc in docs:
            if doc.next_review_on < as_of.date():
                add(ReportException(DOCUMENT_REVIEW_OVERDUE.code, force_id, None,
                                    f"{doc.get_kind_display()} \u201c{doc.title}\u201d v{doc.version} was due for "
                                    f"review on {doc.next_review_on:%d %b %Y}", "deployments.policydocument",
                                    str(doc.pk), open=True))
    for audit in audits:
        for rec in audit.recommendations.all():
            if rec.deadline < as_of.date() and not rec.responses.all():
                add(ReportException(RECOMMENDATION_OVERDUE.code, audit.force_id, None,
                                    f"Recommendation {rec.pk} of the audit opened {audit.opened_at:%d %b %Y} was due "
                                    f"by {rec.deadline:%d %b %Y}", "reports.auditrecommendation", str(rec.pk),
                                    open=True))
    order = {f.pk: i for i, f in enumerate(facts.forces)}
    far = datetime.max.replace(tzinfo=as_of.tzinfo)
    return sorted(found, key=lambda e: (order.get(e.force_id, 0), list(KINDS).index(e.kind), e.at or far))


def count_by_kind(exceptions: list[ReportException]) -> dict[str, int]:
    """Items per kind (a grouped deletion counts each item deleted late)."""
    counts = {code: 0 for code in KINDS}
    for e in exceptions:
        counts[e.kind] += e.count
    return counts
