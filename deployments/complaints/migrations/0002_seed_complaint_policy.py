"""The deadlines and limits of complaints become policy settings, seeded at the oversight body's defaults."""
import datetime as dt

from django.db import migrations

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
SETTINGS = [
    ("complaints.triage_days", 5),
    ("complaints.response_days", 20),
    ("complaints.personal_data_days", 365),
    ("complaints.filings_per_address_hour", 5),
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
    dependencies = [("complaints", "0001_complaint"), ("oversight", "0006_matcher_rule_settings")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
