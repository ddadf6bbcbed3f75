"""Seed the legal-basis register (domain.md section 2) and version 1 of every policy setting.

The seed is itself audited: each row is recorded as a system event in the append-only log.
Historical models are used throughout, so this migration keeps working as the models change.
"""
import datetime as dt
from django.db import migrations

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)

REGISTER = [
    ("CL-PREVENT-DETECT", "power", "Common-law power to prevent and detect crime",
     "The police's common-law duty and power to prevent and detect crime, which supports overt use of cameras in public.",
     "R (Bridges) v South Wales Police [2020] EWCA Civ 1058"),
    ("DPA18-S31-LE", "power", "Law-enforcement purpose",
     "Processing for the prevention, investigation, detection or prosecution of criminal offences or execution of penalties.",
     "Data Protection Act 2018 s31"),
    ("DPA18-S35-5-STRICT", "condition", "Strictly necessary sensitive processing",
     "Biometric processing is lawful only when strictly necessary for a law-enforcement purpose, with a Schedule 8 condition and an appropriate policy document.",
     "Data Protection Act 2018 s35(5)"),
    ("DPA18-SCH8-P1", "condition", "Statutory purpose and substantial public interest",
     "Necessary for a statutory function and for reasons of substantial public interest.",
     "Data Protection Act 2018 Schedule 8 para 1"),
    ("DPA18-SCH8-P2", "condition", "Administration of justice",
     "Necessary for the administration of justice, such as finding people wanted on court warrants.",
     "Data Protection Act 2018 Schedule 8 para 2"),
    ("DPA18-SCH8-P3", "condition", "Vital interests",
     "Necessary to protect someone's vital interests, such as a high-risk missing person.",
     "Data Protection Act 2018 Schedule 8 para 3"),
    ("DPA18-SCH8-P4", "condition", "Safeguarding children and adults at risk",
     "Necessary to protect children or adults at risk from harm.",
     "Data Protection Act 2018 Schedule 8 para 4"),
    ("DPA18-S42-APD", "prerequisite", "Appropriate policy document in force",
     "The force has an appropriate policy document for sensitive processing in force.",
     "Data Protection Act 2018 s42"),
    ("DPA18-S64-DPIA", "prerequisite", "Data protection impact assessment in force",
     "A current data protection impact assessment covers the risk to everyone scanned, not only to watchlisted people.",
     "Data Protection Act 2018 s64"),
    ("HRA-A8-2-CRIME", "aim", "Article 8(2) aim: prevention of disorder or crime",
     "Interference with private life pursues the prevention of disorder or crime.", "Human Rights Act 1998 Sch 1 Art 8(2)"),
    ("HRA-A8-2-SAFETY", "aim", "Article 8(2) aim: public safety",
     "Interference with private life pursues public safety.", "Human Rights Act 1998 Sch 1 Art 8(2)"),
    ("HRA-A8-2-RIGHTS", "aim", "Article 8(2) aim: protection of the rights of others",
     "Interference with private life protects the rights and freedoms of others.", "Human Rights Act 1998 Sch 1 Art 8(2)"),
    ("EQA10-S149-PSED", "prerequisite", "Public sector equality duty record",
     "The force has assessed, and keeps assessing, whether the algorithm is biased by race, sex or age.",
     "Equality Act 2010 s149"),
    ("POFA12-S33-SCCODE", "prerequisite", "Regard to the Surveillance Camera Code",
     "The use has regard to the twelve principles of the Surveillance Camera Code of Practice.",
     "Protection of Freedoms Act 2012 s33"),
    ("PACE-S64A-CUSTODY", "image_source", "Lawfully taken custody image",
     "The image was taken lawfully in custody.", "Police and Criminal Evidence Act 1984 s64A"),
    ("MOPI-RRD", "image_source", "Image retained under the police information review regime",
     "The image is kept under the Management of Police Information review, retention and disposal rules.",
     "APP Information management (MOPI)"),
    ("COURT-WARRANT", "warrant", "Wanted on a court warrant",
     "The person is wanted on a warrant issued by a court.", "Magistrates' Courts Act 1980; Senior Courts Act 1981"),
    ("COURT-ORDER-COND", "warrant", "Bail, court-order or licence conditions",
     "The person is subject to bail, a court order or licence conditions that their presence would breach.",
     "Bail Act 1976; Criminal Justice Act 2003"),
    ("RIPA-COVERT", "refused", "Covert use: outside scope",
     "Covert surveillance is outside the scope of this platform and is always refused.",
     "Regulation of Investigatory Powers Act 2000"),
]

POLICY_DEFAULTS = [
    ("lfr.authorising_rank_floor", "superintendent"),
    ("lfr.urgent_rank_floor", "inspector"),
    ("lfr.urgent_review_hours", 24),
    ("lfr.max_window_hours", 24),
    ("matching.threshold_floor", {"nec-neoface-v4": 0.64}),
    ("watchlist.max_build_age_hours", 24),
    ("watchlist.image_age_warn_years", 10),
    ("watchlist.expected_false_alert_tolerance", 1.0),
    ("watchlist.extra_justification_categories", ["victim", "witness", "associate"]),
    ("retention.watchlist_template_hours", 24),
    ("retention.alert_image_days", 31),
    ("retention.rfr_probe_days", 31),
    ("review.post_deployment_days", 14),
    ("publication.force_admin_may_publish", False),
]


def _append(AuditEvent, now, **fields):
    from oversight.audit.log import audit_record_in_migration

    audit_record_in_migration(AuditEvent, occurred_at=now, reason="seeded from domain.md", **fields)


def seed(apps, schema_editor):
    from django.utils import timezone

    LegalBasis = apps.get_model("oversight", "LegalBasis")
    LegalBasisVersion = apps.get_model("oversight", "LegalBasisVersion")
    PolicySetting = apps.get_model("oversight", "PolicySetting")
    AuditEvent = apps.get_model("oversight", "AuditEvent")
    now = timezone.now()
    for code, kind, title, meaning, source in REGISTER:
        basis = LegalBasis.objects.create(code=code)
        version = LegalBasisVersion.objects.create(
            legal_basis=basis, version=1, title=title, meaning=meaning, kind=kind, source=source,
            effective_from=EPOCH, reason="seeded from domain.md",
        )
        _append(AuditEvent, now, action="legal_basis.version_add", object_type="oversight.legalbasisversion",
                object_id=version.pk, object_repr=f"{code} v1",
                new={"code": code, "version": 1, "title": title, "meaning": meaning, "kind": kind, "source": source,
                     "effective_from": EPOCH})
    for key, value in POLICY_DEFAULTS:
        setting = PolicySetting.objects.create(key=key, version=1, value=value, effective_from=EPOCH,
                                               reason="default from domain.md")
        _append(AuditEvent, now, action="policy_setting.version_add", object_type="oversight.policysetting",
                object_id=setting.pk, object_repr=f"{key} v1",
                new={"key": key, "version": 1, "value": value, "effective_from": EPOCH})


class Migration(migrations.Migration):
    dependencies = [("oversight", "0002_vector_extension")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
