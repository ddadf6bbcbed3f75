"""Seed the governance layer: two algorithm versions with calibration, the national pool of ten LFR vans,
and the closed list of watchlist categories for every force that already exists (new forces get theirs
when they are created). Each seeded row is recorded as a system event in the append-only audit log.
"""

from django.db import migrations

# (threshold, false-match rate per comparison). Fitted to the NPL 2023 figures for NEC NeoFace V4 in live
# use: at 0.6 about 1 false alert in 6,000 passers-by with 10,000 images and 1 in 60,000 with 1,000, so
# 1 / 6,000 / 10,000 ≈ 1.7e-8 per comparison; more false alerts at 0.58 and 0.56, fewer above 0.6.
# Illustrative between the published points: replace with the vendor's or NPL's table when filed.
NEC_CALIBRATION = [[0.55, 3.0e-7], [0.56, 1.6e-7], [0.58, 5.0e-8], [0.60, 1.7e-8], [0.62, 6.0e-9],
                   [0.64, 2.0e-9], [0.66, 7.0e-10], [0.70, 1.0e-10]]
# Cosine similarity of dlib's ResNet model v1, measured on shared/faces (321 photos, 121 people): 1% of
# impostor pairs at 0.918, 0.1% at 0.936. Per-pair rates from a small set: the matcher should recalibrate.
DLIB_CALIBRATION = [[0.918, 1.0e-2], [0.936, 1.0e-3]]

ALGORITHMS = [
    dict(code="nec-neoface-v4", vendor="NEC", name="NeoFace", version="V4", embedding_size=None,
         calibration=NEC_CALIBRATION,
         calibration_source="NPL 2023 equitability study of NEC NeoFace V4 (live use), interpolated"),
    dict(code="dlib-resnet-v1", vendor="dlib (open source)", name="dlib ResNet face recognition model",
         version="v1", embedding_size=128, calibration=DLIB_CALIBRATION,
         calibration_source="Measured on the platform's test faces (shared/faces), cosine similarity"),
]

CATEGORIES = [
    ("wanted-by-court", "Wanted by a court", "People wanted on a warrant issued by a court."),
    ("suspected-offence", "Suspected of an offence",
     "People suspected on reasonable grounds of having committed an offence."),
    ("conditions-breach", "Subject to conditions that presence would breach",
     "People subject to bail, court-order or licence conditions that their presence at the place would breach."),
    ("missing-at-risk", "Missing and at increased risk", "Missing people at increased risk of harm."),
    ("risk-of-harm", "A risk of harm to self or others", "People who present a risk of harm to themselves or others."),
]


def _append(AuditEvent, now, *, force=None, **fields):
    from oversight.audit.log import audit_record_in_migration

    audit_record_in_migration(AuditEvent, occurred_at=now, force_id=force.pk if force else None,
                              reason="seeded from domain.md", **fields)


def seed(apps, schema_editor):
    from django.utils import timezone

    AlgorithmVersion = apps.get_model("deployments", "AlgorithmVersion")
    Asset = apps.get_model("deployments", "Asset")
    WatchlistCategory = apps.get_model("deployments", "WatchlistCategory")
    Force = apps.get_model("oversight", "Force")
    AuditEvent = apps.get_model("oversight", "AuditEvent")
    now = timezone.now()
    for values in ALGORITHMS:
        algorithm = AlgorithmVersion.objects.create(**values)
        _append(AuditEvent, now, action="algorithm_version.create", object_type="deployments.algorithmversion",
                object_id=algorithm.pk, object_repr=algorithm.code, new=values)
    for number in range(1, 11):
        van = Asset.objects.create(code=f"lfr-van-{number:02d}", kind="van",
                                   description=f"National LFR pool van {number}")
        _append(AuditEvent, now, action="asset.create", object_type="deployments.asset", object_id=van.pk,
                object_repr=van.code, new={"code": van.code, "kind": "van", "pool": "national"})
    for force in Force.objects.all():
        if WatchlistCategory.objects.filter(force=force).exists():
            continue
        for position, (code, name, text) in enumerate(CATEGORIES, start=1):
            WatchlistCategory.objects.create(force=force, code=code, name=name, public_description=text,
                                             position=position)
        _append(AuditEvent, now, action="watchlist_category.seed", object_type="deployments.watchlistcategory",
                object_id="", object_repr=force.name, new={"codes": [c for c, _, _ in CATEGORIES]}, force=force)


class Migration(migrations.Migration):
    dependencies = [("deployments", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
