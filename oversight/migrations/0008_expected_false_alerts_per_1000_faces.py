"""A cap on expected false alerts per 1,000 faces (rule 11), seeded at the oversight body's default.

The tolerance per deployment grows with the crowd; this one does not: above one expected false alert per 1,000
passers-by (for the watchlist's size and the threshold) the approver is warned, whatever the size of the event.
"""
import datetime as dt

from django.db import migrations

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
KEY, VALUE = "watchlist.expected_false_alerts_per_1000_faces", 1.0


def seed(apps, schema_editor):
    from django.utils import timezone

    from oversight.audit.log import audit_record_in_migration

    PolicySetting = apps.get_model("oversight", "PolicySetting")
    AuditEvent = apps.get_model("oversight", "AuditEvent")
    if PolicySetting.objects.filter(key=KEY).exists():
        return
    setting = PolicySetting.objects.create(key=KEY, version=1, value=VALUE, effective_from=EPOCH,
                                           reason="default of the oversight body")
    audit_record_in_migration(AuditEvent, occurred_at=timezone.now(), action="policy_setting.version_add",
                              object_type="oversight.policysetting", object_id=setting.pk, object_repr=f"{KEY} v1",
                              new={"key": KEY, "version": 1, "value": VALUE, "effective_from": EPOCH})


class Migration(migrations.Migration):
    dependencies = [("oversight", "0007_national_search_settings")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
