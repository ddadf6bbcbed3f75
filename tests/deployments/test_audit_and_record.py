"""Every change leaves an audit event and row history; an authorisation keeps what it was checked against."""
from __future__ import annotations

import pghistory.models

from deployments import services
from deployments.models import Deployment
from oversight.models import AuditEvent, PolicySetting
from oversight.policy import policy_in_force
from tests.deployments.helpers import REASONS


def test_building_and_authorising_a_deployment_leaves_a_typed_audit_trail(personas, submitted):
    services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    actions = set(AuditEvent.objects.filter(force=personas.force_a).values_list("action", flat=True))
    assert {"policy_document.add", "deployment.create", "assessment.save", "watchlist.create",
            "watchlist_entry.add", "watchlist.review", "deployment.transition", "authorisation.decide"} <= actions
    decision = AuditEvent.objects.get(action="authorisation.decide")
    assert decision.actor == personas.approver_a and decision.reason == REASONS
    assert decision.new["rules_broken"] == [] and decision.new["approver_rank"] == personas.approver_a.rank


def test_the_authorisation_keeps_the_policy_versions_it_was_checked_against(personas, submitted):
    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    keys = {s.key for s in auth.policy_settings.all()}
    assert {"lfr.authorising_rank_floor", "lfr.max_window_hours", "matching.threshold_floor",
            "watchlist.max_build_age_hours", "watchlist.expected_false_alert_tolerance"} <= keys
    floor = auth.policy_settings.get(key="matching.threshold_floor")
    assert floor == policy_in_force("matching.threshold_floor", at=auth.decided_at)
    assert auth.approver == personas.approver_a and auth.reasons == REASONS and not auth.urgent
    assert {r["rule"] for r in auth.rule_results} >= {"R01-written-authorisation", "R25-document-review-overdue"}


def test_a_later_policy_change_does_not_rewrite_what_an_authorisation_was_checked_against(personas, submitted):
    from oversight import services as ground

    auth = services.deployment_authorise(actor=personas.approver_a, deployment=submitted, reasons=REASONS)
    ground.policy_setting_version_add(actor=personas.oversight_admin, key="lfr.authorising_rank_floor",
                                      value="chief_superintendent", reason="tightened")
    assert auth.policy_settings.get(key="lfr.authorising_rank_floor").value == "superintendent"
    assert PolicySetting.objects.filter(key="lfr.authorising_rank_floor").count() == 2


def test_governance_rows_keep_their_history(personas, submitted):
    events = pghistory.models.Events.objects.tracks(Deployment.objects.get(pk=submitted.pk))
    labels = [e.pgh_label for e in events]
    assert labels[0] == "insert" and "update" in labels
