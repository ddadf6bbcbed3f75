"""Policy settings are versioned records: code asks which version was in force at a time."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from oversight import policy, services
from oversight.models import AuditEvent


def test_every_setting_has_a_seeded_default_from_the_domain_brief(db):
    assert policy.policy_value("lfr.authorising_rank_floor") == "superintendent"
    assert policy.policy_value("lfr.urgent_review_hours") == 24
    # NEC's floor from the Home Office SOP, and the platform's own matcher's floor (its 0.1% false-match point).
    assert policy.policy_value("matching.threshold_floor") == {"nec-neoface-v4": 0.64, "dlib-resnet-v1": 0.934}
    assert policy.policy_value("review.post_deployment_days") == 14
    assert policy.policy_value("retention.watchlist_template_hours") == 24
    for key in policy.DEFINITIONS:
        assert policy.policy_in_force(key).version == (2 if key == "matching.threshold_floor" else 1)


def test_it_answers_which_version_was_in_force_at_a_time(personas):
    now = timezone.now()
    later = now + dt.timedelta(days=30)
    v2 = services.policy_setting_version_add(actor=personas.oversight_admin, key="retention.alert_image_days",
                                             value=1, effective_from=later, reason="align with South Wales")
    assert policy.policy_in_force("retention.alert_image_days", at=now).version == 1
    assert policy.policy_in_force("retention.alert_image_days", at=later) == v2
    assert policy.policy_value("retention.alert_image_days", at=later + dt.timedelta(hours=1)) == 1
    event = AuditEvent.objects.get(action="policy_setting.version_add", object_id=str(v2.pk))
    assert event.old == {"version": 1, "value": 31} and event.new["value"] == 1


@pytest.mark.parametrize("key,value,field", [
    ("lfr.authorising_rank_floor", "archbishop", "value"),
    ("matching.threshold_floor", {"dlib-resnet-v1": 1.7}, "value"),
    ("lfr.urgent_review_hours", -3, "value"),
    ("no.such.setting", 1, "key"),
])
def test_it_refuses_a_bad_value_naming_the_field(personas, key, value, field):
    with pytest.raises(ValidationError) as info:
        services.policy_setting_version_add(actor=personas.oversight_admin, key=key, value=value, reason="test")
    assert field in info.value.message_dict


def test_the_api_refuses_a_bad_value_with_400_naming_the_field(personas):
    api = personas.api(personas.oversight_admin)
    response = api.post("/api/policy-settings/", {"key": "lfr.authorising_rank_floor", "value": "archbishop",
                                                   "reason": "x"}, format="json")
    assert response.status_code == 400
    assert "archbishop" in response.json()["value"][0]
    ok = api.post("/api/policy-settings/", {"key": "lfr.authorising_rank_floor", "value": "chief_superintendent",
                                             "reason": "force policy tightened"}, format="json")
    assert ok.status_code == 201 and ok.json()["version"] == 2


def test_only_the_oversight_admin_changes_policy(personas):
    from django.core.exceptions import PermissionDenied

    for actor in (personas.auditor, personas.approver_a, personas.admin_a):
        with pytest.raises(PermissionDenied):
            services.policy_setting_version_add(actor=actor, key="lfr.max_window_hours", value=8, reason="x")
