"""The rulebook's retention and report stages (rules 17, 20-22 and 24) on the matcher's real records."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from deployments import services as governance
from deployments.rules import RuleError
from matching import rules
from matching.services import adjudication
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, Deletion, DeletionKind
from matching.services.retention import retention_run
from oversight.policy import policy_in_force


def _status(result, rule_id: str) -> str:
    return next(o.status for o in result.outcomes if o.rule.id == rule_id)


def test_after_a_deployment_and_its_retention_run_the_report_stage_finds_every_rule_met(live, photos, personas):
    assert live.send_frames([photos[SAME_PERSON[1]], photos[OTHER_PERSON]]).status_code == 200
    governance.deployment_end(actor=personas.operator_a, deployment=live.deployment)
    later = timezone.now() + timedelta(days=40)
    report = retention_run(now=later)
    assert report.watchlist_entries == 1 and report.alerts == 1 and report.breaches == []

    result = rules.check_report(force=personas.force_a, at=later)
    for rule_id in ("R17-no-template-kept", "R20-watchlist-deletion", "R21-alert-media-deletion",
                    "R22-deletion-audited", "R24-audit-log-intact"):
        assert _status(result, rule_id) == "met", result.as_json()
    assert result.facts["audit_verification"].ok


def test_data_held_after_it_was_due_is_a_breach_of_the_retention_rules(live, photos, personas):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    governance.deployment_end(actor=personas.operator_a, deployment=live.deployment)
    later = timezone.now() + timedelta(days=40)  # no retention run has deleted anything yet

    result = rules.check_retention(force=personas.force_a, at=later)
    assert result.rule_ids() == ["R20-watchlist-deletion", "R21-alert-media-deletion"]
    messages = " ".join(v.message for v in result.violations)
    assert "is still held; it was due for deletion by" in messages
    assert "1 alert image(s) and template(s) are still held, without a legal hold" in messages
    assert not any(v.message.startswith("R2") for v in result.violations)
    # The other force holds nothing of this deployment's.
    assert rules.check_retention(force=personas.force_b, at=later).violations == []

    # A legal hold with its reason and reference keeps the alert's data lawfully.
    alert = Alert.objects.get(deployment=live.deployment)
    adjudication.legal_hold_place(actor=personas.operator_a, alert=alert, reason="complaint received about the stop",
                                  reference="COMP/2026/88")
    held = rules.check_retention(force=personas.force_a, at=later)
    assert held.rule_ids() == ["R20-watchlist-deletion"]


def test_a_deletion_with_no_audit_event_is_reported(live, personas):
    setting = policy_in_force("retention.alert_image_days")
    now = timezone.now()
    Deletion.objects.create(kind=DeletionKind.ALERT_MEDIA, force=personas.force_a, deployment=live.deployment,
                            object_type="matching.alert", object_id="999999", due_at=now, done_at=now,
                            policy_setting=setting)
    result = rules.check_report(force=personas.force_a)
    [violation] = [v for v in result.violations if v.rule == "R22-deletion-audited"]
    assert violation.message == "1 deletion(s) of alert image and template have no event in the audit log"
    assert "R22-deletion-audited" not in rules.check_report(force=personas.force_b).rule_ids()


def test_a_legal_hold_needs_a_reason_of_the_set_length_and_a_reference(live, photos, personas):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    alert = Alert.objects.get(deployment=live.deployment)
    with pytest.raises(RuleError) as info:
        adjudication.legal_hold_place(actor=personas.operator_a, alert=alert, reason="keep", reference=" ")
    assert info.value.rule_ids == ["R21-alert-media-deletion"]
    assert info.value.message_dict == {"reason": ["say why the data must be kept (at least 10 characters)"],
                                       "reference": ["give the case, complaint or disclosure reference"]}
    assert not alert.holds.exists()
