"""Retention with the clock moved forward: templates gone on time, holds respected, deletions audited."""
from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from deployments import services as governance
from matching.services import adjudication
from matching.face.samples import SAME_PERSON
from matching.models import Alert, Deletion, WatchlistTemplate
from matching.services.retention import retention_run
from matching.selectors import deletions_report
from oversight.models import AuditEvent


def test_watchlist_templates_and_images_go_when_the_deployment_ends(live, personas):
    entry = live.entry
    image_path = entry.image.path
    assert WatchlistTemplate.objects.filter(entry=entry).exists()

    before_end = retention_run(now=timezone.now())
    assert before_end.watchlist_entries == 0 and WatchlistTemplate.objects.filter(entry=entry).exists()

    governance.deployment_end(actor=personas.operator_a, deployment=live.deployment)
    report = retention_run(now=timezone.now() + timedelta(hours=1))
    assert report.watchlist_entries == 1
    assert not WatchlistTemplate.objects.filter(deployment=live.deployment).exists()
    entry.refresh_from_db()
    assert not entry.image
    import os

    assert not os.path.exists(image_path)
    deletion = Deletion.objects.get(kind="watchlist_template", object_id=str(entry.pk))
    assert deletion.on_time and deletion.policy_setting.key == "retention.watchlist_template_hours"
    event = AuditEvent.objects.filter(action="retention.delete").last()
    assert event.new["entries"] == [entry.pk] and event.force == personas.force_a


def test_alert_images_go_after_the_policy_period_unless_held(live, photos, personas):
    response = live.send_frames([photos[SAME_PERSON[1]], photos[SAME_PERSON[2]]])
    held_id, free_id = [r["alerts"][0] for r in response.json()["results"]]
    adjudication.legal_hold_place(actor=personas.operator_a, alert=Alert.objects.get(pk=held_id),
                                  reason="complaint received about this stop", reference="COMP/2026/77")
    thirty_days = retention_run(now=timezone.now() + timedelta(days=30))
    assert thirty_days.alerts == 0

    later = timezone.now() + timedelta(days=32)
    report = retention_run(now=later)
    assert report.alerts == 1
    free, held = Alert.objects.get(pk=free_id), Alert.objects.get(pk=held_id)
    assert free.embedding is None and not free.crop and free.media_deleted_at == later
    assert held.embedding is not None and held.crop and held.media_deleted_at is None
    # An alert's deletion event names the alert (the deployment's watchlist deletion names the deployment).
    deleted = AuditEvent.objects.filter(action="retention.delete", object_type="matching.alert")
    assert deleted.filter(object_id=str(free_id)).exists()
    assert not deleted.filter(object_id=str(held_id)).exists()


def test_the_report_shows_deletions_due_and_done(live, personas):
    governance.deployment_end(actor=personas.operator_a, deployment=live.deployment)
    due = deletions_report(user=personas.auditor, now=timezone.now() + timedelta(hours=30))
    assert [o["kind"] for o in due["outstanding"]] == ["watchlist_template"]
    assert due["outstanding"][0]["overdue"] is True

    out = StringIO()
    call_command("retention", "run", stdout=out)
    assert "1 watchlist entries' templates and images" in out.getvalue()
    done = deletions_report(user=personas.auditor)
    assert done["outstanding"] == [] and done["done"]["watchlist_template"] == {"done": 1, "late": 0}
    assert deletions_report(user=personas.operator_b)["done"]["watchlist_template"]["done"] == 0
