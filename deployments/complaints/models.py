"""A complaint from a member of the public, and where it stands.

The complainant's contact details and their own words are personal data: kept only until the retention
period after the complaint is closed, then blanked by the retention run (`personal_data_deleted_at`). What
was complained of, by whom it was answered, when and with what outcome is kept, so the counts in the reports
never change.
"""
from __future__ import annotations

from django.db import models

from oversight import bounds


class ComplaintSubject(models.TextChoices):
    DEPLOYMENT = "deployment", "A live facial recognition deployment"
    FORCE = "force", "A force's use of facial recognition in general"
    RFR = "rfr", "A retrospective search (a photo or video searched after the event)"
    OIFR = "oifr", "An officer's check with a phone or body camera"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "Received, waiting for the oversight body"
    ASSIGNED = "assigned", "Passed to the force to answer"
    ANSWERED = "answered", "Answered by the force"
    CLOSED = "closed", "Closed by the oversight body"


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    NOT_FOR_A_FORCE = "not_for_a_force", "Closed without passing to a force"


OPEN_STATUSES = (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED)


class Complaint(models.Model):
    # The reference is the complainant's key to its status: random, long enough not to be guessed (80 bits).
    reference = models.CharField(max_length=32, unique=True)
    force = models.ForeignKey("oversight.Force", on_delete=models.PROTECT, related_name="complaints")
    subject = models.CharField(max_length=16, choices=ComplaintSubject.choices)
    deployment = models.ForeignKey("deployments.Deployment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="complaints")
    happened_on = models.DateField("the date it happened", null=True, blank=True, validators=[bounds.PastDate()])
    place = models.CharField(max_length=200, blank=True)
    # Personal data: blanked by the retention run.
    description = models.TextField(max_length=bounds.COMPLAINT, blank=True)
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    # A keyed hash of the filing address, only to limit how many complaints one address files in an hour.
    sender_key = models.CharField(max_length=64, blank=True, db_index=True)
    personal_data_deleted_at = models.DateTimeField(null=True, blank=True)

    received_at = models.DateTimeField()
    triage_due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED)
    triage_note = models.TextField(max_length=bounds.NOTE, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey("oversight.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    response_due_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(max_length=bounds.COMPLAINT, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey("oversight.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    outcome = models.CharField(max_length=16, choices=ComplaintOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["force", "received_at"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        # Never the reference: it is the complainant's key, and this text goes into the audit log.
        return f"Complaint {self.pk} about {self.force}"

    @property
    def due_at(self):
        """The deadline of the step it waits for, or None once closed."""
        if self.status == ComplaintStatus.RECEIVED:
            return self.triage_due_at
        if self.status == ComplaintStatus.ASSIGNED:
            return self.response_due_at
        return None
