"""OpenCV Zoo's SFace (2021dec) as the platform's second built-in algorithm, beside dlib.

The calibration is what `manage.py evaluate_matcher` measured on the labelled evaluation set (321 photos, 121 people,
50,842 impostor pairs), cosine similarity of the converted float model: 0.2861 lets 1.0% of impostor pairs match,
0.2956 is the equal-error threshold (0.77%), 0.3719 lets 0.098% match and 0.4531 0.0098% (5 pairs). Rates below
1/50,842 cannot be measured on that set and no point claims one. No threshold floor is set here: the oversight
body sets one before any deployment may use the algorithm. Its face model is registered at set-up
(`manage.py face_model register`), as dlib's is.
"""
from django.db import migrations

CODE = "sface-2021dec"
VALUES = dict(code=CODE, vendor="OpenCV Model Zoo (open source, Apache-2.0)", name="SFace face recognition model",
              version="2021dec", embedding_size=128,
              calibration=[[0.2861, 9.99e-3], [0.2956, 7.7e-3], [0.3719, 9.83e-4], [0.4531, 9.83e-5]],
              calibration_source="Measured on the platform's test faces (shared/faces: 321 photos, 121 people), "
                                 "cosine similarity",
              calibration_pairs=50_842)


def seed(apps, schema_editor):
    from django.utils import timezone

    from oversight.audit.log import audit_record_in_migration

    AlgorithmVersion = apps.get_model("deployments", "AlgorithmVersion")
    AuditEvent = apps.get_model("oversight", "AuditEvent")
    if AlgorithmVersion.objects.filter(code=CODE).exists():
        return
    algorithm = AlgorithmVersion.objects.create(**VALUES)
    audit_record_in_migration(AuditEvent, occurred_at=timezone.now(), action="algorithm_version.create",
                              object_type="deployments.algorithmversion", object_id=str(algorithm.pk),
                              object_repr=algorithm.code, new=VALUES, reason="the platform's second built-in matcher")


class Migration(migrations.Migration):
    dependencies = [("matching", "0013_face_model_template_and_path"),
                    ("deployments", "0007_algorithm_external_vendor_figures")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
