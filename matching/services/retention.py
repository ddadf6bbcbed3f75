"""Deleting biometric data when the retention policy says (rules 20-22), with evidence of each deletion.

Periods come from the rulebook (`matching/rules.py`), which reads the versioned policy in force when the
clock started (the deployment's end, the alert's creation, the search's creation); every deletion leaves a
Deletion row and an audit event. After a run, the retention stage of the rulebook says what is still held
after it was due, and whether every deletion is in the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from deployments.complaints.models import Complaint
from deployments.complaints.services import complaint_personal_data_erase, personal_data_due_at
from deployments.lifecycle import deployment_over_q
from deployments.models import WatchlistEntry
from matching import rules
from matching.audit_actions import DELETION
from matching.models import Alert, CustodyImage, Deletion, DeletionKind, LegalHold, RfrSearch, WatchlistTemplate
from matching.rules import (
    _deployments_holding_watchlist_data, alert_due_at, custody_image_held_from, probe_due_at, watchlist_due_at,
)
from oversight import bounds
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require
from oversight.policy import policy_in_force


@dataclass
class RetentionReport:
    watchlist_entries: int = 0
    alerts: int = 0
    rfr_probes: int = 0
    custody_images: int = 0
    complaints: int = 0
    details: list[str] = field(default_factory=list)
    breaches: list = field(default_factory=list)  # the rulebook's violations still open after the run


def watchlists_purge(now: datetime, report: RetentionReport) -> None:
    for deployment in _deployments_holding_watchlist_data().filter(deployment_over_q(now)):
        due_at, setting = watchlist_due_at(deployment)
        # Deleted as soon as the deployment is over: the period is the latest allowed, not a waiting time.
        entries = list(WatchlistEntry.objects.filter(watchlist__deployment=deployment).exclude(image=""))
        with transaction.atomic():
            templates, _ = WatchlistTemplate.objects.filter(deployment=deployment).delete()
            for entry in entries:
                entry.image.delete(save=False)
            WatchlistEntry.objects.filter(pk__in=[e.pk for e in entries]).update(image="")
            ids = sorted({e.pk for e in entries})
            Deletion.objects.bulk_create([
                Deletion(kind=DeletionKind.WATCHLIST_TEMPLATE, force=deployment.force, deployment=deployment,
                         object_type="deployments.watchlistentry", object_id=str(pk), due_at=due_at, done_at=now,
                         policy_setting=setting) for pk in ids
            ])
            audit_record(actor=None, action=DELETION, obj=deployment, force=deployment.force,
                         new={"kind": DeletionKind.WATCHLIST_TEMPLATE, "templates": templates, "images": len(entries),
                              "entries": ids, "due_at": due_at, "policy_version": setting.version})
        report.watchlist_entries += len(ids) or templates
        report.details.append(f"deployment {deployment.pk}: {templates} templates and {len(entries)} images deleted")


def alerts_purge(now: datetime, report: RetentionReport) -> None:
    held = Exists(LegalHold.objects.filter(alert=OuterRef("pk"), released_at__isnull=True))
    candidates = (Alert.objects.filter(media_deleted_at__isnull=True).exclude(held)
                  .filter(Q(embedding__isnull=False) | ~Q(crop="")).select_related("deployment__force"))
    for alert in candidates.iterator():
        due_at, setting = alert_due_at(alert)
        if due_at > now:
            continue
        with transaction.atomic():
            if alert.crop:
                alert.crop.delete(save=False)
            Alert.objects.filter(pk=alert.pk).update(crop="", embedding=None, media_deleted_at=now)
            Deletion.objects.create(kind=DeletionKind.ALERT_MEDIA, force=alert.deployment.force,
                                    deployment=alert.deployment, object_type="matching.alert", object_id=str(alert.pk),
                                    due_at=due_at, done_at=now, policy_setting=setting)
            audit_record(actor=None, action=DELETION, obj=alert, force=alert.deployment.force,
                         new={"kind": DeletionKind.ALERT_MEDIA, "due_at": due_at, "policy_version": setting.version})
        report.alerts += 1


def probes_purge(now: datetime, report: RetentionReport) -> None:
    for search in RfrSearch.objects.filter(probe_deleted_at__isnull=True).exclude(probe="").select_related("force"):
        due_at, setting = probe_due_at(search)
        if due_at > now:
            continue
        with transaction.atomic():
            search.probe.delete(save=False)
            RfrSearch.objects.filter(pk=search.pk).update(probe="", probe_deleted_at=now)
            Deletion.objects.create(kind=DeletionKind.RFR_PROBE, force=search.force, deployment=search.deployment,
                                    object_type="matching.rfrsearch", object_id=str(search.pk), due_at=due_at,
                                    done_at=now, policy_setting=setting)
            audit_record(actor=None, action=DELETION, obj=search, force=search.force,
                         new={"kind": DeletionKind.RFR_PROBE, "due_at": due_at, "policy_version": setting.version})
        report.rfr_probes += 1


def custody_image_due_at(image: CustodyImage) -> tuple[datetime, object]:
    """When the policy says a custody image of a person never convicted goes (from the day it was taken, else
    from the day it entered the gallery)."""
    start = custody_image_held_from(taken_on=image.taken_on, created_at=image.created_at)
    # The period in force when the image entered the gallery, counted from the day it was taken (images taken
    # before the policy had a version were still added under one).
    setting = policy_in_force("retention.unconvicted_custody_image_days", at=image.created_at)
    return start + timedelta(days=setting.value), setting


def _custody_image_erase(*, actor, image: CustodyImage, now: datetime, due_at: datetime, setting, reason: str) -> None:
    """Empty one gallery row (template, photo, searchable flag) and leave the evidence; inside a transaction.

    The row stays, emptied, because searches and checks that returned it still name it; the template goes,
    and `deletion_granted` takes it out of every search in the same commit, local and national alike."""
    if image.image:
        image.image.delete(save=False)
    CustodyImage.objects.filter(pk=image.pk, force_id=image.force_id).update(
        embedding=None, image="", deletion_granted=True, deleted_at=now)
    Deletion.objects.create(kind=DeletionKind.CUSTODY_IMAGE, force_id=image.force_id, object_type="matching.custodyimage",
                            object_id=str(image.pk), due_at=due_at, done_at=now, policy_setting=setting)
    audit_record(actor=actor, action=DELETION, obj=image,
                 force=image.force, reason=reason,
                 new={"kind": DeletionKind.CUSTODY_IMAGE, "unconvicted": image.unconvicted, "due_at": due_at,
                      "policy_version": setting.version})


def custody_image_delete(*, actor, image: CustodyImage, reason: str) -> CustodyImage:
    """The owning force deletes one of its custody images, e.g. a person never convicted who asked. From the
    commit on, no search of any force returns it. Only the owning force may; the reason is recorded."""
    require(actor, CHANGE, image.force, "delete this custody image")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "say why the image is deleted, e.g. the person's application was granted"})
    # Before the photo's file goes: a reason too long for the record refuses the deletion, never half of it.
    bounds.require_text(reason, field="reason", limit=bounds.NOTE, label="the reason")
    now = timezone.now()
    with transaction.atomic():
        image = CustodyImage.objects.select_for_update().select_related("force").get(pk=image.pk)
        if image.deleted_at is not None:
            raise ValidationError({"image": "this custody image was already deleted"})
        setting = policy_in_force("retention.unconvicted_custody_image_days", at=now)
        _custody_image_erase(actor=actor, image=image, now=now, due_at=now, setting=setting, reason=reason)
    image.refresh_from_db()
    return image


def unconvicted_images_purge(now: datetime, report: RetentionReport) -> None:
    """Custody images of people never convicted whose retention period has ended (each force's own images)."""
    held = CustodyImage.objects.filter(unconvicted=True, deleted_at__isnull=True).select_related("force")
    for image in held.iterator():
        due_at, setting = custody_image_due_at(image)
        if due_at > now:
            continue
        with transaction.atomic():
            _custody_image_erase(actor=None, image=image, now=now, due_at=due_at, setting=setting,
                                 reason="retention period for a person never convicted ended")
        report.custody_images += 1


def complaints_purge(now: datetime, report: RetentionReport) -> None:
    """A complainant's contact details and words, the policy period after the complaint was closed. What was
    complained of and its outcome stay, so the reports' counts never change."""
    closed = (Complaint.objects.filter(closed_at__isnull=False, personal_data_deleted_at__isnull=True)
              .select_related("force"))
    for complaint in closed.iterator():
        due_at = personal_data_due_at(complaint)
        if due_at > now:
            continue
        setting = policy_in_force("complaints.personal_data_days", at=complaint.closed_at)
        with transaction.atomic():
            complaint_personal_data_erase(complaint, now=now)
            Deletion.objects.create(kind=DeletionKind.COMPLAINT_PERSONAL_DATA, force=complaint.force,
                                    deployment_id=complaint.deployment_id, object_type="complaints.complaint",
                                    object_id=str(complaint.pk), due_at=due_at, done_at=now, policy_setting=setting)
            audit_record(actor=None, action=DELETION, obj=complaint, force=complaint.force,
                         new={"kind": DeletionKind.COMPLAINT_PERSONAL_DATA, "due_at": due_at,
                              "policy_version": setting.version})
        report.complaints += 1


def retention_run(*, now: datetime | None = None) -> RetentionReport:
    """Delete everything whose time has come. Safe to run at any frequency; it only deletes what is due."""
    now = now or timezone.now()
    report = RetentionReport()
    watchlists_purge(now, report)
    alerts_purge(now, report)
    probes_purge(now, report)
    unconvicted_images_purge(now, report)
    complaints_purge(now, report)
    report.breaches = rules.check_retention(at=now).violations
    return report
