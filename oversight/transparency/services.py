"""Writes of the transparency layer: prepare, refresh, publish and withdraw a transparency report.

Each service names who acts and leaves an audit event in its transaction. Publishing freezes a version:
its figures were computed when it was prepared or refreshed (the publisher approves exactly what was
reviewed), and its HTML, CSV, JSON and PDF are rendered once and stored; the database refuses any later
change to them.
"""
from __future__ import annotations

from datetime import date, timedelta
from datetime import timezone as dt_timezone

import pghistory

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from oversight.audit.checkpoints import checkpoint_make
from oversight.audit.log import audit_record
from oversight.models import Force, Role, User
from oversight.permissions import ADMINISTER, can
from oversight.policy import policy_in_force
from oversight.transparency import audit_actions as actions
from oversight.transparency import figures, render
from oversight.transparency.models import ReportStatus, TransparencyReport, TransparencyReportFile
from oversight.transparency.selectors import PREPARER_ROLES

MAX_PERIOD_DAYS = 366


def _require_preparer(actor: User, force: Force) -> None:
    if actor is None or not actor.is_authenticated or actor.role not in PREPARER_ROLES or actor.force_id != force.pk:
        raise PermissionDenied(f"only a force administrator or approver of {force} may prepare its transparency "
                               "report")


def _require_publisher(actor: User, force: Force) -> None:
    if actor is not None and actor.is_authenticated and actor.role == Role.OVERSIGHT_ADMIN:
        return
    if (actor is not None and actor.is_authenticated and actor.role == Role.FORCE_ADMIN
            and actor.force_id == force.pk and can(actor, ADMINISTER, force)):
        setting = policy_in_force("publication.force_admin_may_publish")
        if setting.value is True:
            return
        raise PermissionDenied(f"policy publication.force_admin_may_publish (version {setting.version}) does not "
                               "allow a force administrator to publish: the oversight body publishes")
    raise PermissionDenied("only an oversight administrator (or a force administrator, when policy allows) may "
                           "publish a transparency report")


def _validate_period(period_start: date, period_end: date, today: date) -> None:
    errors = {}
    if period_end < period_start:
        errors["period_end"] = "the period ends on or after its first day"
    elif (period_end - period_start).days + 1 > MAX_PERIOD_DAYS:
        errors["period_end"] = f"a report covers at most {MAX_PERIOD_DAYS} days"
    if period_start > today:
        errors["period_start"] = "a report cannot cover a period that has not started"
    if errors:
        raise ValidationError(errors)


def _compute(report: TransparencyReport, now) -> None:
    snapshot = figures.report_figures(force=report.force, period_start=report.period_start,
                                      period_end=report.period_end, now=now)
    report.snapshot = snapshot
    report.snapshot_sha256 = render.sha256(render.canonical_json(snapshot))
    report.computed_at = now


def _history(actor: User):
    return pghistory.context(actor=getattr(actor, "username", "system"))


def _summary(report: TransparencyReport) -> dict:
    return {"period_start": report.period_start, "period_end": report.period_end, "version": report.version,
            "status": report.status, "snapshot_sha256": report.snapshot_sha256, "computed_at": report.computed_at}


def transparency_report_prepare(*, actor: User, force: Force, period_start: date,
                                 period_end: date) -> TransparencyReport:
    """Draft the next version of `force`'s report for the period, with its figures computed now."""
    _require_preparer(actor, force)
    now = timezone.now()
    _validate_period(period_start, period_end, timezone.localdate(now))
    with transaction.atomic(), _history(actor):
        # One preparer at a time per force: the version number and the one-draft rule need a stable view.
        Force.objects.select_for_update().get(pk=force.pk)
        same = TransparencyReport.objects.filter(force=force, period_start=period_start, period_end=period_end)
        draft = same.filter(status=ReportStatus.DRAFT).first()
        if draft is not None:
            raise ValidationError({"period_start": f"version {draft.version} of this period is already a draft: "
                                                   "refresh it or publish it"})
        report = TransparencyReport(force=force, period_start=period_start, period_end=period_end,
                                    version=(same.aggregate(n=Max("version"))["n"] or 0) + 1,
                                    prepared_by=actor, prepared_at=now)
        _compute(report, now)
        report.full_clean()
        report.save()
        audit_record(actor=actor, action=actions.REPORT_PREPARE, obj=report, new=_summary(report))
    return report


def transparency_report_refresh(*, actor: User, report: TransparencyReport) -> TransparencyReport:
    """Recompute a draft's figures from the data as it stands now."""
    _require_preparer(actor, report.force)
    now = timezone.now()
    with transaction.atomic(), _history(actor):
        report = TransparencyReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.DRAFT:
            raise ValidationError({"status": f"version {report.version} is {report.get_status_display().lower()}: "
                                             "only a draft can be refreshed; prepare a new version instead"})
        old = _summary(report)
        _compute(report, now)
        report.prepared_by, report.prepared_at = actor, now
        report.save()
        audit_record(actor=actor, action=actions.REPORT_REFRESH, obj=report, old=old, new=_summary(report))
    return report


def _checkpoint_document(checkpoint) -> dict:
    return {"tree_size": checkpoint.tree_size, "root_hash": bytes(checkpoint.root_hash).hex(),
            "signed_at": checkpoint.signed_at.astimezone(dt_timezone.utc).isoformat(timespec="seconds"),
            "key_id": checkpoint.key_id, "signature": bytes(checkpoint.signature).hex(),
            "checkpoints_url": reverse("transparency-audit-json")}


def transparency_report_publish(*, actor: User, report: TransparencyReport,
                                snapshot_sha256: str | None = None) -> TransparencyReport:
    """Publish a draft exactly as reviewed, freeze it with its rendered files, and supersede older versions.

    `snapshot_sha256`, when given, is the digest of the figures the publisher reviewed: if the draft was
    refreshed since, publication is refused so that nobody publishes figures they have not seen.
    """
    _require_publisher(actor, report.force)
    report = TransparencyReport.objects.select_related("force").get(pk=report.pk)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError({"status": f"version {report.version} is already "
                                         f"{report.get_status_display().lower()}"})
    if snapshot_sha256 is not None and snapshot_sha256 != report.snapshot_sha256:
        raise ValidationError({"snapshot_sha256": "the draft's figures changed after you reviewed them: review the "
                                                  "draft again before publishing"})
    # Sign the audit log first, in its own short transaction: rendering the PDF takes seconds and must not hold
    # the log's append lock. The checkpoint covers every event the figures were built from.
    checkpoint = checkpoint_make(only_if_grown=True)
    now = timezone.now()
    document = render.report_document(report=report, snapshot=report.snapshot, status=ReportStatus.PUBLISHED,
                                      published_at=timezone.localtime(now).replace(microsecond=0).isoformat(),
                                      checkpoint=_checkpoint_document(checkpoint))
    files = render.render_all(document)
    with transaction.atomic(), _history(actor):
        locked = TransparencyReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != ReportStatus.DRAFT or locked.snapshot_sha256 != report.snapshot_sha256:
            raise ValidationError({"status": "the draft changed while it was being published: try again"})
        TransparencyReportFile.objects.bulk_create([
            TransparencyReportFile(report=locked, format=fmt, content=data, sha256=render.sha256(data), size=len(data))
            for fmt, data in files.items()
        ])
        locked.status, locked.published_by, locked.published_at = ReportStatus.PUBLISHED, actor, now
        locked.checkpoint, locked.audit_tree_size = checkpoint, checkpoint.tree_size
        locked.save()
        older = (TransparencyReport.objects.select_for_update()
                 .filter(force=locked.force, period_start=locked.period_start, period_end=locked.period_end,
                         status=ReportStatus.PUBLISHED).exclude(pk=locked.pk))
        for previous in older:
            previous.status, previous.superseded_by, previous.superseded_at = ReportStatus.SUPERSEDED, locked, now
            previous.save(update_fields=["status", "superseded_by", "superseded_at"])
            audit_record(actor=actor, action=actions.REPORT_SUPERSEDE, obj=previous,
                         old={"status": ReportStatus.PUBLISHED},
                         new={"status": ReportStatus.SUPERSEDED, "superseded_by": locked.pk,
                              "superseded_by_version": locked.version})
        audit_record(actor=actor, action=actions.REPORT_PUBLISH, obj=locked, old={"status": ReportStatus.DRAFT},
                     new=_summary(locked) | {"files": {fmt: render.sha256(data) for fmt, data in files.items()},
                                             "audit_tree_size": checkpoint.tree_size,
                                             "audit_root_hash": bytes(checkpoint.root_hash).hex()})
    return locked


def transparency_report_withdraw(*, actor: User, report: TransparencyReport, reason: str) -> TransparencyReport:
    """Stop serving a published version (it stays listed, with the reason); its files are kept for audit."""
    if actor is None or not actor.is_authenticated or actor.role != Role.OVERSIGHT_ADMIN:
        raise PermissionDenied("only an oversight administrator may withdraw a transparency report")
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": "say why the report is withdrawn (at least 10 characters)"})
    with transaction.atomic(), _history(actor):
        report = TransparencyReport.objects.select_for_update().get(pk=report.pk)
        if report.status not in (ReportStatus.PUBLISHED, ReportStatus.SUPERSEDED):
            raise ValidationError({"status": f"version {report.version} is {report.get_status_display().lower()}: "
                                             "only a published version can be withdrawn"})
        old = report.status
        report.status, report.withdrawn_by = ReportStatus.WITHDRAWN, actor
        report.withdrawn_at, report.withdrawn_reason = timezone.now(), reason.strip()
        report.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawn_reason"])
        audit_record(actor=actor, action=actions.REPORT_WITHDRAW, obj=report, old={"status": old},
                     new={"status": ReportStatus.WITHDRAWN}, reason=report.withdrawn_reason)
    return report


def default_period(today: date) -> tuple[date, date]:
    """The last complete calendar quarter before `today`: the usual reporting period."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = quarter_start - timedelta(days=1)
    return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end
