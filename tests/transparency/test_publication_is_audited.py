"""Every step of publication leaves an audit event; a published version records the signed audit-log checkpoint."""
from __future__ import annotations

from django.utils import timezone

from oversight.audit.checkpoints import stored_leaf_hashes
from oversight.audit.merkle import root_from_leaf_hashes
from oversight.models import AuditEvent
from oversight.transparency import services
from oversight.transparency.models import ReportStatus


def _events(report, action):
    return AuditEvent.objects.filter(action=action, object_type="transparency.transparencyreport",
                                     object_id=str(report.pk))


def test_each_step_is_audited_with_who_did_it(personas):
    today = timezone.localdate()
    period = {"period_start": today.replace(day=1), "period_end": today}
    first = services.transparency_report_prepare(actor=personas.admin_a, force=personas.force_a, **period)
    services.transparency_report_refresh(actor=personas.approver_a, report=first)
    first = services.transparency_report_publish(actor=personas.oversight_admin, report=first)
    second = services.transparency_report_prepare(actor=personas.approver_a, force=personas.force_a, **period)
    second = services.transparency_report_publish(actor=personas.oversight_admin, report=second)
    services.transparency_report_withdraw(actor=personas.oversight_admin, report=second,
                                          reason="Withdrawn to correct a deployment's area name.")

    prepare = _events(first, "transparency_report.prepare").get()
    assert prepare.actor == personas.admin_a and prepare.force == personas.force_a
    assert _events(first, "transparency_report.refresh").get().actor == personas.approver_a
    publish = _events(first, "transparency_report.publish").get()
    assert publish.actor == personas.oversight_admin and publish.force == personas.force_a
    assert publish.new["files"] == {f.format: f.sha256 for f in first.files.all()}
    assert publish.new["snapshot_sha256"] == first.snapshot_sha256
    supersede = _events(first, "transparency_report.supersede").get()
    assert supersede.new["superseded_by"] == second.pk
    withdraw = _events(second, "transparency_report.withdraw").get()
    assert withdraw.reason == "Withdrawn to correct a deployment's area name."
    first.refresh_from_db()
    assert first.status == ReportStatus.SUPERSEDED


def test_a_published_version_records_the_signed_checkpoint_of_the_log(personas):
    today = timezone.localdate()
    draft = services.transparency_report_prepare(actor=personas.admin_a, force=personas.force_a,
                                                 period_start=today.replace(day=1), period_end=today)
    report = services.transparency_report_publish(actor=personas.oversight_admin, report=draft)
    checkpoint = report.checkpoint
    assert report.audit_tree_size == checkpoint.tree_size
    assert checkpoint.tree_size >= report.snapshot["audit_log_size_at_computation"] >= 1
    # The checkpoint describes the log as it was: its root is recomputed from the stored events.
    assert root_from_leaf_hashes(stored_leaf_hashes(limit=checkpoint.tree_size)) == bytes(checkpoint.root_hash)
    publish = _events(report, "transparency_report.publish").get()
    assert publish.seq >= checkpoint.tree_size  # the publication itself comes after the log it was built from
    assert publish.new["audit_tree_size"] == checkpoint.tree_size
    html = bytes(report.files.get(format="html").content).decode()
    assert bytes(checkpoint.root_hash).hex() in html
