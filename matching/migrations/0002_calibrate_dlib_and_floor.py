"""Calibrate the platform's own matcher and give it a threshold floor.

The calibration is what `manage.py evaluate_matcher` measured on the labelled evaluation set (321 photos,
121 people, 50,842 impostor pairs): per-comparison false-match rates at each cosine threshold. Rates below
1/50,842 cannot be measured on that set; the last two points extrapolate the measured decade-per-0.01 slope.
The floor (0.934, a 0.1% false-match rate) is a new version of `matching.threshold_floor`: earlier
versions, and the NEC floor, stay as they were. Both changes are recorded in the audit log.
"""
import datetime as dt

from django.db import migrations

CALIBRATION = [[0.85, 0.376], [0.88, 0.126], [0.90, 0.040], [0.917, 0.0103], [0.934, 0.00106], [0.94, 3.9e-4],
               [0.95, 3.9e-5], [0.96, 3.9e-6], [0.97, 3.9e-7]]
SOURCE = ("evaluate_matcher on the labelled evaluation set (321 photos, 121 people); 0.96 and 0.97 extrapolated "
          "(below the set's resolution)")
DLIB_FLOOR = 0.934


def _append(AuditEvent, now, **fields):
    from oversight.audit.log import audit_record_in_migration

    audit_record_in_migration(AuditEvent, occurred_at=now, **fields)


def calibrate(apps, schema_editor):
    from django.utils import timezone

    AlgorithmVersion = apps.get_model("deployments", "AlgorithmVersion")
    PolicySetting = apps.get_model("oversight", "PolicySetting")
    AuditEvent = apps.get_model("oversight", "AuditEvent")
    now = timezone.now()
    dlib = AlgorithmVersion.objects.get(code="dlib-resnet-v1")
    old = dlib.calibration
    dlib.calibration, dlib.calibration_source = CALIBRATION, SOURCE
    dlib.save(update_fields=["calibration", "calibration_source"])
    _append(AuditEvent, now, action="algorithm_version.recalibrate", object_type="deployments.algorithmversion",
            object_id=str(dlib.pk), object_repr=dlib.code, old={"calibration": old},
            new={"calibration": CALIBRATION, "calibration_source": SOURCE}, reason="matcher calibration measured")
    current = PolicySetting.objects.filter(key="matching.threshold_floor").order_by("-version").first()
    value = dict(current.value, **{"dlib-resnet-v1": DLIB_FLOOR})
    setting = PolicySetting.objects.create(
        key="matching.threshold_floor", version=current.version + 1, value=value,
        effective_from=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), reason="floor for the platform's own matcher")
    _append(AuditEvent, now, action="policy_setting.version_add", object_type="oversight.policysetting",
            object_id=str(setting.pk), object_repr=f"matching.threshold_floor v{setting.version}",
            old={"version": current.version, "value": current.value},
            new={"key": setting.key, "version": setting.version, "value": value}, reason=setting.reason)


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial"), ("deployments", "0002_seed_algorithms_vans_categories")]
    operations = [migrations.RunPython(calibrate, migrations.RunPython.noop)]
