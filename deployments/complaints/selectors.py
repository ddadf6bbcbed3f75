"""Reads of complaints: the complainant's view by reference, the staff lists, what is overdue and the counts
the reports publish. A force reads only the complaints passed to it; the oversight body reads every one."""
from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from deployments.complaints.models import Complaint, ComplaintOutcome, ComplaintStatus
from deployments.complaints.services import REFERENCE_PATTERN, normalise_reference
from oversight.models import OVERSIGHT_ROLES
from oversight.permissions import forces_visible_to


def complaint_status(*, reference: str) -> dict | None:
    """What the holder of a reference may read: where the complaint stands, never who filed it or what they
    wrote (the reference may have been passed on), and nothing of any other complaint."""
    reference = normalise_reference(reference)
    if not REFERENCE_PATTERN.match(reference):
        return None
    complaint = (Complaint.objects.filter(reference=reference).select_related("force")
                 .only("reference", "subject", "force__name", "deployment_id", "status", "received_at",
                       "triage_due_at", "response_due_at", "outcome", "response", "closed_at", "happened_on")
                 .first())
    if complaint is None:
        return None
    return {
        "reference": complaint.reference, "force": complaint.force.name,
        "subject": complaint.get_subject_display(),
        "deployment": f"LFR-{complaint.deployment_id}" if complaint.deployment_id else "",
        "happened_on": complaint.happened_on, "received_at": complaint.received_at,
        "status": complaint.status, "status_label": complaint.get_status_display(),
        "due_at": complaint.due_at, "outcome": complaint.get_outcome_display() if complaint.outcome else "",
        "answer": complaint.response if complaint.status in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED) else "",
        "closed_at": complaint.closed_at,
    }


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """The oversight body: every complaint. A force: those passed to it (never one still waiting for triage,
    which the oversight body has not yet sent anywhere). Anyone else: none."""
    qs = Complaint.objects.select_related("force", "triaged_by", "responded_by")
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role in OVERSIGHT_ROLES:
        return qs
    if user.force_id is None:
        return qs.none()
    return qs.filter(force__in=forces_visible_to(user), force_id=user.force_id).exclude(
        status=ComplaintStatus.RECEIVED)


def complaints_overdue(*, forces=None, now: datetime | None = None) -> list[Complaint]:
    """Open complaints past the deadline of the step they wait for (triage, or the force's answer)."""
    now = now or timezone.now()
    qs = Complaint.objects.select_related("force").filter(
        Q(status=ComplaintStatus.RECEIVED, triage_due_at__lt=now)
        | Q(status=ComplaintStatus.ASSIGNED, response_due_at__lt=now))
    if forces is not None:
        qs = qs.filter(force__in=forces)
    return list(qs.order_by("triage_due_at", "id"))


def complaint_counts(*, forces, start: datetime, end: datetime) -> dict:
    """Complaints received in the period, per force and per outcome (open ones as 'open')."""
    rows = (Complaint.objects.filter(force__in=forces, received_at__gte=start, received_at__lt=end)
            .values("force_id", "outcome").annotate(n=Count("id")))
    by_force: dict[int, dict[str, int]] = {}
    for row in rows:
        outcome = row["outcome"] or "open"
        by_force.setdefault(row["force_id"], {})
        by_force[row["force_id"]][outcome] = by_force[row["force_id"]].get(outcome, 0) + row["n"]
    keys = ["open", *ComplaintOutcome.values]
    total = {key: sum(counts.get(key, 0) for counts in by_force.values()) for key in keys}
    return {"by_force": {force_id: {key: counts.get(key, 0) for key in keys} for force_id, counts in by_force.items()},
            "by_outcome": total, "received": sum(total.values())}


OUTCOME_LABELS = {"open": "Still open", **dict(ComplaintOutcome.choices)}
