"""Transparency reports: a force's public account of a period, frozen when published.

A report is prepared as a draft (its figures computed from aggregates by the `figures` package and stored as a
snapshot), published by the oversight body (or a force administrator when policy allows), and from then
on never changes: its snapshot and its rendered HTML, CSV, JSON and PDF are kept with the version, and the
database itself refuses to alter them. A later version of the same period supersedes it; every published
version stays listed.
"""
from __future__ import annotations

import pghistory
import pgtrigger
from django.db import models
from django.db.models import F, Q

from oversight import bounds
from oversight.models import Checkpoint, Force, User


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded by a later version"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Shown to the public: withdrawn reports stay listed (with the reason) but their content is no longer served.
LISTED_STATUSES = (ReportStatus.PUBLISHED, ReportStatus.SUPERSEDED, ReportStatus.WITHDRAWN)
SERVED_STATUSES = (ReportStatus.PUBLISHED, ReportStatus.SUPERSEDED)

# Columns that may change once a report has left the draft state (its later fate); everything else is frozen.
_FROZEN_COLUMNS = ["force_id", "period_start", "period_end", "version", "snapshot", "snapshot_sha256",
                   "computed_at", "prepared_by_id", "prepared_at", "published_by_id", "published_at",
                   "checkpoint_id", "audit_tree_size"]
_FROZEN_CHANGED = " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in _FROZEN_COLUMNS)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=["snapshot"])
class TransparencyReport(models.Model):
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField(help_text="Last day of the period (inclusive).")
    version = models.PositiveIntegerField(help_text="1, 2, ... for this force and period.")
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    snapshot = models.JSONField(help_text="The public figures, built from aggregates only (figures.py).")
    snapshot_sha256 = models.CharField(max_length=64)
    computed_at = models.DateTimeField(help_text="When the figures were computed.")
    prepared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField()
    published_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    checkpoint = models.ForeignKey(Checkpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="The signed audit-log checkpoint made at publication.")
    audit_tree_size = models.BigIntegerField(null=True, blank=True,
                                             help_text="Size of the audit log at publication (the checkpoint's).")
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(max_length=bounds.NOTE, blank=True)

    class Meta:
        ordering = ["force", "-period_start", "-period_end", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["force", "period_start", "period_end", "version"],
                                    name="transparency_report_version_unique"),
            models.UniqueConstraint(fields=["force", "period_start", "period_end"], condition=Q(status="draft"),
                                    name="transparency_report_one_draft"),
            models.CheckConstraint(name="transparency_report_period_order",
                                   condition=Q(period_end__gte=F("period_start"))),
            models.CheckConstraint(name="transparency_report_published_has_publisher",
                                   condition=Q(status="draft") | Q(published_at__isnull=False,
                                                                   published_by__isnull=False)),
        ]
        triggers = [
            # Publishing freezes a version: whatever path a write takes, the database refuses to change it.
            pgtrigger.Trigger(
                name="transparency_report_frozen", when=pgtrigger.Before, operation=pgtrigger.Update,
                condition=pgtrigger.Condition(f"OLD.status <> 'draft' AND (NEW.status = 'draft' OR {_FROZEN_CHANGED})"),
                func="RAISE EXCEPTION 'a published transparency report is frozen: publish a new version'; "
                     "RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="transparency_report_kept", when=pgtrigger.Before, operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.status <> 'draft'"),
                func="RAISE EXCEPTION 'a published transparency report is kept: it cannot be deleted'; RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return (f"{self.force} transparency report {self.period_start:%d %b %Y} to {self.period_end:%d %b %Y} "
                f"v{self.version} ({self.get_status_display().lower()})")

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT


class ReportFormat(models.TextChoices):
    HTML = "html", "Web page (HTML)"
    CSV = "csv", "Deployment log (CSV)"
    JSON = "json", "Open data (JSON)"
    PDF = "pdf", "Printable report (PDF)"


CONTENT_TYPES = {
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.JSON: "application/json",
    ReportFormat.PDF: "application/pdf",
}


class TransparencyReportFile(models.Model):
    """One rendered file of a published report, kept byte for byte (written once, at publication)."""

    report = models.ForeignKey(TransparencyReport, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "format"]
        constraints = [models.UniqueConstraint(fields=["report", "format"], name="transparency_report_file_unique")]
        triggers = [pgtrigger.Protect(name="transparency_report_file_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.report_id}.{self.format} ({self.size} bytes)"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]
