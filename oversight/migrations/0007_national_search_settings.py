"""The numbers the national retrospective search rule and the custody gallery's retention read become policy settings, seeded at their defaults:
the lowest rank that may authorise a search of every force's custody images, and the length of its purpose;
and how long a custody image of a person never convicted is kept."""
import datetime as dt

from django.db import migrations

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
SETTINGS = [
    ("rfr.national_authorising_rank_floor", "inspector"),
    ("rfr.national_purpose_min_chars", 40),
    ("retention.unconvicted_custody_image_days", 2190),
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
    dependencies = [("oversight", "0006_matcher_rule_settings")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
