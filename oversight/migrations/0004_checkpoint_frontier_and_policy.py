"""Checkpoints keep their tree's frontier; two policy settings say how fresh checkpoints must be."""
import datetime as dt

from django.db import migrations, models

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
SETTINGS = [("audit.checkpoint_max_events", 500), ("audit.checkpoint_max_minutes", 5)]


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
    dependencies = [("oversight", "0003_seed_register_and_policy")]
    operations = [
        migrations.AddField(
            model_name="checkpoint", name="frontier",
            field=models.BinaryField(blank=True, default=b"", help_text="The tree's subtree hashes at this size, so "
                                     "the next checkpoint hashes only newer events."),
        ),
        migrations.AlterField(
            model_name="checkpoint", name="public_key",
            field=models.CharField(help_text="Ed25519 public key, hex (for reference only: verification uses the "
                                             "keys pinned in configuration).", max_length=64),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
