"""Records of the oversight workspace: regulator report runs and the oversight body's audits of forces.

Writes go through `runs.py` and `audits.py` (services that leave audit events); reads through `selectors.py`.
"""
from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models

from oversight import bounds


class ReportKind(models.TextChoices):
    REGULATOR = "regulator", "Regulator report"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


def report_file_path(instance: "ReportRun", filename: str) -> str:
    return f"reports/{instance.pk}/{filename}"


# Row history keeps every progress step the task wrote, so a run can be replayed step by step afterwards.
@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class ReportRun(models.Model):
    """One generation of a report, built by a Celery task from a checkpoint it signs at its start."""

    kind = models.CharField(max_length=16, choices=ReportKind.choices, default=ReportKind.REGULATOR)
    all_forces = models.BooleanField(default=False)
    forces = models.ManyToManyField("oversight.Force", blank=True, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    checkpoint = models.ForeignKey("oversight.Checkpoint", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="The signed checkpoint the report was built from.")
    html_file = models.FileField(upload_to=report_file_path, blank=True, max_length=200)
    pdf_file = models.FileField(upload_to=report_file_path, blank=True, max_length=200)
    proofs_file = models.FileField(upload_to=report_file_path, blank=True, max_length=200,
                                   help_text="The inclusion proofs the report cites, as JSON for the offline verifier.")
    pages = models.PositiveIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    site_url = models.CharField(max_length=200, blank=True, help_text="Where links in the PDF point.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.period_start} to {self.period_end})"

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)


class AuditStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class ForceAudit(models.Model):
    """An audit of one force by the oversight body (Surveillance Camera Code principle 10)."""

    force = models.ForeignKey("oversight.Force", on_delete=models.PROTECT, related_name="+")
    scope = models.TextField(max_length=bounds.TEXT)
    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    status = models.CharField(max_length=8, choices=AuditStatus.choices, default=AuditStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # The sample: seed, the populations it was drawn from (ids in order) and what was drawn. Anyone can redraw it.
    sample_seed = models.BigIntegerField(null=True, blank=True)
    sample = models.JSONField(null=True, blank=True)
    sampled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    sampled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"Audit of {self.force} ({self.period_start:%d %b %Y} to {self.period_end:%d %b %Y})"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class LinkedKind(models.TextChoices):
    """What a finding may point at; each resolves to a page or an API record."""

    NONE = "", "Nothing in particular"
    DEPLOYMENT = "deployment", "Deployment"
    ALERT = "alert", "Alert"
    WATCHLIST_ENTRY = "watchlist_entry", "Watchlist entry"
    AUTHORISATION = "authorisation", "Authorisation"
    POLICY_DOCUMENT = "policy_document", "Policy document"
    AUDIT_EVENT = "audit_event", "Audit-log event"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class AuditFinding(models.Model):
    audit = models.ForeignKey(ForceAudit, on_delete=models.PROTECT, related_name="findings")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    text = models.TextField(max_length=bounds.TEXT)
    linked_kind = models.CharField(max_length=20, choices=LinkedKind.choices, blank=True)
    linked_id = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["audit", "id"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} finding {self.pk}"

    @property
    def force(self):
        return self.audit.force


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class AuditRecommendation(models.Model):
    audit = models.ForeignKey(ForceAudit, on_delete=models.PROTECT, related_name="recommendations")
    finding = models.ForeignKey(AuditFinding, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="recommendations")
    text = models.TextField(max_length=bounds.TEXT)
    deadline = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["audit", "deadline", "id"]

    def __str__(self) -> str:
        return f"Recommendation {self.pk}"

    @property
    def force(self):
        return self.audit.force


class ResponseDecision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    PARTLY = "partly_accepted", "Partly accepted"
    NOT_ACCEPTED = "not_accepted", "Not accepted"
    DONE = "implemented", "Implemented"


@pghistory.track(pghistory.InsertEvent())
class RecommendationResponse(models.Model):
    """A force's response to a recommendation; later responses add to earlier ones, never replace them."""

    recommendation = models.ForeignKey(AuditRecommendation, on_delete=models.PROTECT, related_name="responses")
    decision = models.CharField(max_length=20, choices=ResponseDecision.choices)
    text = models.TextField(max_length=bounds.TEXT)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField()

    class Meta:
        ordering = ["recommendation", "responded_at", "id"]

    @property
    def force(self):
        return self.recommendation.audit.force


class SampleKind(models.TextChoices):
    """The kinds of record an audit samples, in the order its page lists them."""

    DEPLOYMENT = "deployments", "Deployments"
    ALERT = "alerts", "Alerts"
    WATCHLIST_ENTRY = "watchlist_entries", "Watchlist entries"
    RFR_SEARCH = "rfr_searches", "RFR searches"
    OIFR_CHECK = "oifr_checks", "OIFR checks"


class Answer(models.TextChoices):
    UNCHECKED = "", "Not checked yet"
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "n/a", "Does not apply"


# The questions an auditor answers of every sampled record: (field, question).
CHECKLIST = (
    ("lawful_basis", "Lawful basis recorded and valid"),
    ("justification_adequate", "Justification adequate"),
    ("image_provenance", "Image provenance recorded"),
    ("deleted_on_time", "Deleted on time"),
    ("decision_recorded", "Decision recorded"),
)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class AuditSampleCheck(models.Model):
    """The auditor's checklist and findings for one sampled record; each save is a new audit event."""

    audit = models.ForeignKey(ForceAudit, on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(max_length=20, choices=SampleKind.choices)
    object_id = models.PositiveBigIntegerField()
    lawful_basis = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    justification_adequate = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    image_provenance = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    deleted_on_time = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    decision_recorded = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    findings = models.TextField(max_length=bounds.NOTE, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["audit", "kind", "object_id"]
        constraints = [models.UniqueConstraint(fields=["audit", "kind", "object_id"], name="audit_sample_check_unique")]

    def __str__(self) -> str:
        return f"Checklist for {self.get_kind_display().lower()} {self.object_id}"

    @property
    def force(self):
        return self.audit.force
