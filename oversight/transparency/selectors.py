"""Reads of the transparency layer: which reports, files and forces a person (or the public) may see.

The public sees published, superseded and withdrawn versions (listed), and the content of published and
superseded ones; a force's people see their own force's drafts too; the oversight body sees every draft.
A report someone may not see simply is not there, so views answer 404.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from oversight.models import Force, Role
from oversight.permissions import ADMINISTER, can, forces_visible_to
from oversight.policy import policy_in_force
from oversight.transparency.models import (
    LISTED_STATUSES, SERVED_STATUSES, ReportStatus, TransparencyReport, TransparencyReportFile,
)

PREPARER_ROLES = (Role.FORCE_ADMIN, Role.FORCE_APPROVER)


def force_list_public() -> QuerySet[Force]:
    return Force.objects.order_by("name")


def force_public(*, code: str) -> Force | None:
    return Force.objects.filter(code=code).first()


def report_list_public(*, force: Force | None = None) -> QuerySet[TransparencyReport]:
    reports = TransparencyReport.objects.filter(status__in=LISTED_STATUSES).select_related("force", "superseded_by")
    if force is not None:
        reports = reports.filter(force=force)
    return reports.order_by("force__name", "-period_start", "-period_end", "-version")


def report_list(*, user) -> QuerySet[TransparencyReport]:
    """Everything public, plus the drafts of the forces `user` may read."""
    visible = Q(status__in=LISTED_STATUSES)
    if user is not None and user.is_authenticated:
        visible |= Q(status=ReportStatus.DRAFT, force__in=forces_visible_to(user))
    return (TransparencyReport.objects.filter(visible).select_related("force", "superseded_by")
            .order_by("force__name", "-period_start", "-period_end", "-version"))


def report_for(*, user, pk: int) -> TransparencyReport | None:
    return report_list(user=user).filter(pk=pk).first()


def report_is_served(report: TransparencyReport) -> bool:
    return report.status in SERVED_STATUSES


def report_latest_published(*, force: Force) -> TransparencyReport | None:
    return (TransparencyReport.objects.filter(force=force, status=ReportStatus.PUBLISHED)
            .order_by("-period_end", "-published_at", "-version").first())


def report_versions(*, report: TransparencyReport, user=None) -> QuerySet[TransparencyReport]:
    """Every version of the same force and period that `user` (or the public) may see."""
    return report_list(user=user).filter(force=report.force, period_start=report.period_start,
                                         period_end=report.period_end)


def report_file(*, report: TransparencyReport, format: str) -> TransparencyReportFile | None:
    return TransparencyReportFile.objects.filter(report=report, format=format).first()


# --- What a person may do (the services enforce the same answers) -------------------------------------------
def may_prepare(user, force: Force) -> bool:
    return (user is not None and user.is_authenticated and user.role in PREPARER_ROLES
            and user.force_id == force.pk)


def may_publish(user, force: Force) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.OVERSIGHT_ADMIN:
        return True
    return (user.role == Role.FORCE_ADMIN and user.force_id == force.pk and can(user, ADMINISTER, force)
            and policy_in_force("publication.force_admin_may_publish").value is True)


def may_withdraw(user) -> bool:
    return user is not None and user.is_authenticated and user.role == Role.OVERSIGHT_ADMIN


def audit_checkpoints_public() -> QuerySet:
    """Every signed checkpoint of the audit log, newest first: sizes, roots and signatures, no event content."""
    from oversight.models import Checkpoint

    return Checkpoint.objects.order_by("-tree_size", "-id").defer("frontier")
