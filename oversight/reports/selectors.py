"""Reads of the oversight workspace, each returning exactly what the user may see.

Reports and the dashboard are the oversight body's alone; audits are seen by the oversight body and by the
audited force's own people (who respond to them); the public sees none of it.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone

from deployments.complaints.selectors import complaints_overdue
from oversight import charts
from oversight.models import Force
from oversight.permissions import scope_to_forces
from oversight.reports import exceptions as exc
from oversight.reports.models import AuditStatus, ForceAudit, ReportRun
from oversight.reports.period import bounds, load


def is_oversight(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and user.is_oversight


def report_run_list(*, user) -> QuerySet[ReportRun]:
    if not is_oversight(user):
        return ReportRun.objects.none()
    return ReportRun.objects.select_related("requested_by", "checkpoint").prefetch_related("forces")


def force_audit_list(*, user) -> QuerySet[ForceAudit]:
    audits = ForceAudit.objects.select_related("force", "opened_by", "closed_by", "sampled_by")
    if is_oversight(user):
        return audits
    if user is None or not user.is_authenticated or not user.force_id:
        return ForceAudit.objects.none()
    return scope_to_forces(audits, user)


def oversight_dashboard(*, year: int, as_of: datetime | None = None) -> dict:
    """Per force over one calendar year: open exceptions, overdue reviews and documents, false alerts against
    expectation, deletions overdue and deployments; with a chart of open exceptions. For the oversight body."""
    as_of = as_of or timezone.now()
    forces = list(Force.objects.order_by("name"))
    start, end = bounds(date(year, 1, 1), date(year, 12, 31))
    facts = load(forces=forces, start=start, end=end, as_of=as_of)
    audits = list(ForceAudit.objects.filter(force__in=forces, status=AuditStatus.OPEN)
                  .prefetch_related("recommendations__responses"))
    found = exc.from_facts(facts, audits=audits)
    per_force = {f.pk: {"force": f, "deployments": 0, "faces": 0, "false_alerts": 0, "alerts": 0, "expected": 0.0,
                        "uncomputable": 0, "open_exceptions": 0, "reviews_overdue": 0, "documents_overdue": 0,
                        "deletions_overdue": 0, "unadjudicated": 0, "open_audits": 0, "by_kind": defaultdict(int)}
                 for f in forces}
    for df in facts.deployments:
        row = per_force[df.deployment.force_id]
        row["deployments"] += 1
        row["faces"] += df.faces
        row["alerts"] += df.counts["alerts"]
        row["false_alerts"] += df.counts["false_alerts"]
        if df.expected_for_faces_seen is None:
            row["uncomputable"] += 1
        else:
            row["expected"] += df.expected_for_faces_seen
    for e in found:
        row = per_force[e.force_id]
        if e.open:
            row["open_exceptions"] += e.count
            row["by_kind"][e.kind] += e.count
    for audit in audits:
        per_force[audit.force_id]["open_audits"] += 1
    rows = []
    for row in per_force.values():
        kinds = row.pop("by_kind")
        row["reviews_overdue"] = kinds.get(exc.POST_REVIEW_OVERDUE.code, 0) + kinds.get(
            exc.URGENT_REVIEW_OVERDUE.code, 0)
        row["documents_overdue"] = kinds.get(exc.DOCUMENT_REVIEW_OVERDUE.code, 0)
        row["deletions_overdue"] = kinds.get(exc.DELETION_OVERDUE.code, 0)
        row["unadjudicated"] = kinds.get(exc.ALERT_UNADJUDICATED.code, 0)
        row["false_per_face"] = row["false_alerts"] / row["faces"] if row["faces"] else None
        row["expected_per_face"] = row["expected"] / row["faces"] if row["faces"] else None
        row["ratio"] = row["false_alerts"] / row["expected"] if row["expected"] else None
        rows.append(row)
    chart = charts.bar_chart([(r["force"].name, r["open_exceptions"]) for r in rows],
                             title=f"Open exceptions by force, {year}", unit="exceptions", label_header="Force")
    # Complaints waiting past their deadline now, whatever the year shown: they need action today.
    overdue = complaints_overdue(now=as_of)
    return {"year": year, "as_of": as_of, "rows": rows, "chart": chart, "complaints_overdue": overdue,
            "totals": {key: sum(r[key] for r in rows) for key in
                       ("deployments", "open_exceptions", "reviews_overdue", "documents_overdue",
                        "deletions_overdue", "unadjudicated", "open_audits")}}
