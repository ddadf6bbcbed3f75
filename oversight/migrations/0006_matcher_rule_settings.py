"""The numbers the matcher's rules read become policy settings (rules 6, 18, 19, 21), seeded at their defaults.

Retrospective searches and operator-initiated checks get their own per-model thresholds, at the floor of the
platform's matcher (0.934); the lengths of written reasons that were numbers in code become settings too.
"""
import datetime as dt

from django.db import migrations

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
SETTINGS = [
    ("rfr.threshold", {"dlib-resnet-v1": 0.934}),
    ("oifr.threshold", {"dlib-resnet-v1": 0.934}),
    ("rfr.max_candidate_list_length", 50),
    ("rfr.corroboration_note_min_chars", 10),
    ("oifr.harm_declaration_min_chars", 20),
    ("retention.legal_hold_reason_min_chars", 10),
    ("rules.written_min_chars", 40),
]


def seed(apps, schema_editor):
    from django.utils import timezone

    from oversight.audit.log import audit_record_in_migration

    PolicySetting = apps.get_model("oversight", "PolicySetting")
    AuditEvent = apps.get_model("oversight", "AuditEvent")
    now = timezone.now()
    for key, value in SETTINGS:
        if PolicySetting.objects.filter(key=key).exists():
            continue
        setting = PolicySetting.objects.create(key=key, version=1, value=value, effective_from=EPOCH,
                                               reason="default of the oversight body")
        audit_record_in_migration(AuditEvent, occurred_at=now, action="policy_setting.version_add",
                                  object_type="oversight.policysetting", object_id=setting.pk,
                                  object_repr=f"{key} v1",
                                  new={"key": key, "version": 1, "value": value, "effective_from": EPOCH})


class Migration(migrations.Migration):
    dependencies = [("oversight", "0005_audit_tiles")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
