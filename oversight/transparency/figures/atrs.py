"""An Algorithmic Transparency Recording Standard (ATRS) record for each capability of a force: tier 1 summary,
tier 2 detail. Usage figures come only from the force's latest published report, never unpublished data."""
from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from deployments.models import AlgorithmVersion, Deployment, DocumentKind, Kind
from matching.models import OifrCheck, RfrSearch
from oversight.models import Force
from oversight.transparency.figures.public import force_profile
from oversight.transparency.figures.redaction import Redactor
from oversight.transparency.figures.wording import COMPLAINTS, RISKS, USES, local, rank_label, register, setting

ATRS_KINDS = (Kind.LFR, Kind.RFR, Kind.OIFR)


def _use_volume(kind: str, published: dict | None) -> dict | None:
    """Scale of use, taken only from the latest published (frozen) report: never from unpublished data."""
    if not published:
        return None
    period = published["period"]
    if kind == Kind.LFR:
        totals = published["totals"]
        figures = {"deployments": totals["deployments"], "faces_processed": totals["faces_processed"],
                   "alerts": totals["alerts"], "confirmed_matches": totals["confirmed_matches"],
                   "false_alerts": totals["false_alerts"], "arrests": totals["arrests"]}
    elif kind == Kind.RFR:
        figures = {"searches": published["rfr"]["searches"],
                   "identifications_corroborated": published["rfr"]["identifications_corroborated"]}
    else:
        figures = {"checks": published["oifr"]["checks"], "possible_matches": published["oifr"]["possible_matches"]}
    return {"period_start": period["start"], "period_end": period["end"], "figures": figures}


def atrs_record(*, force: Force, kind: str, now: datetime | None = None, published: dict | None = None,
                report_url: str | None = None) -> dict:
    """An ATRS-style record (tier 1 summary, tier 2 detail) for one capability of one force.

    `published` is the snapshot of the force's latest published report, the only source of usage figures.
    """
    if kind not in ATRS_KINDS:
        raise ValueError(f"unknown capability {kind!r}")
    now = now or timezone.now()
    redact = Redactor()
    use = USES[kind]
    profile = force_profile(force=force, now=now, redact=redact)
    documents = profile["documents"]
    assessments = [d for d in documents if d["kind"] in (DocumentKind.DPIA, DocumentKind.EQIA, DocumentKind.APD)]
    if kind == Kind.LFR:
        algorithms = AlgorithmVersion.objects.filter(
            Exists(Deployment.objects.filter(force=force, kind=Kind.LFR, activated_at__isnull=False,
                                             algorithm_version=OuterRef("pk"))))
        thresholds = sorted(set(Deployment.objects.filter(force=force, kind=Kind.LFR, activated_at__isnull=False)
                                .values_list("threshold", flat=True)))
    else:
        model = RfrSearch if kind == Kind.RFR else OifrCheck
        algorithms = AlgorithmVersion.objects.filter(
            Exists(model.objects.filter(force=force, face_model__algorithm=OuterRef("pk"))))
        thresholds = sorted(set(model.objects.filter(force=force).values_list("threshold", flat=True)))
    floors = (setting("matching.threshold_floor", now) or {"value": {}})["value"]
    algorithm_rows = [{"code": a.code, "vendor": a.vendor, "name": a.name, "version": a.version,
                       "policy_floor": floors.get(a.code), "calibration_source": a.calibration_source}
                      for a in algorithms.order_by("code")]
    tests = [d for d in documents if d["kind"] == DocumentKind.BIAS_TEST
             and any(d.get("algorithm") == a["code"] for a in algorithm_rows)]
    in_use = bool(algorithm_rows)
    retention = {
        Kind.LFR: ["retention.watchlist_template_hours", "retention.alert_image_days"],
        Kind.RFR: ["retention.rfr_probe_days"],
        Kind.OIFR: [],
    }[kind]
    retention_rows = [s for s in (setting(key, now) for key in retention) if s]
    data_sources = {
        Kind.LFR: ["Watchlist images from the force's custody records and the Police National Database, each held "
                   "under a recorded legal basis, for people in the published categories only.",
                   "Live video of the signed area, processed in memory; faces that match nothing are discarded."],
        Kind.RFR: ["Search images from CCTV, doorbell or phone cameras, or social media, linked to a crime reference.",
                   "The force's custody images (taken under PACE s64A and retained under the police information "
                   "review regime)."],
        Kind.OIFR: ["A photo taken by the officer at the scene, never kept.",
                    "The force's custody and missing-person images."],
    }[kind]
    return {
        "standard": "UK Algorithmic Transparency Recording Standard (ATRS), as adapted for police facial recognition",
        "record_version": 1,
        "generated_at": local(now).replace(microsecond=0).isoformat(),
        "capability": kind,
        "tier_1": {
            "name": f"{use['name']} — {force.name}",
            "description": use["summary"],
            "purpose": use["why"],
            "how_it_works": ("A face detector finds faces in an image; a face-recognition model turns each face "
                             "into a numeric template; templates are compared, and a similarity at or above the "
                             "threshold is shown to an officer as a possible match."),
            "decision_making": use["human_oversight"],
            "organisation": force.name,
            "function": "Policing: prevention and detection of crime, and protection of people at risk",
            "phase": "In use" if in_use else "Not used",
            "contact_email": force.contact_email or None,
            "more_information": report_url,
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation": force.name,
                "senior_responsible_owner": "Chief Constable (accountable for the force's use)",
                "authorising_role": (f"An officer of at least the rank of "
                                     f"{rank_label((setting('lfr.authorising_rank_floor', now) or {'value': 'superintendent'})['value'])} "
                                     "authorises each deployment in writing" if kind == Kind.LFR else
                                     "Force policy sets who may run searches; each is recorded with its reason"),
                "publication_role": "Force administrator prepares this record and the transparency reports; the "
                                    "oversight body publishes them and audits the force",
                "external_suppliers": sorted({a["vendor"] for a in algorithm_rows}),
            },
            "description_and_rationale": {
                "detailed_description": use["summary"],
                "scope": ("Overt use only; covert use is refused." if kind == Kind.LFR else
                          "Searches only against the force's own gallery."),
                "benefits": use["why"],
                "alternatives_considered": ("Each deployment's proportionality assessment records the less "
                                            "intrusive means considered and why they were rejected."
                                            if kind == Kind.LFR else
                                            "Manual comparison by trained staff; slower and less consistent."),
            },
            "decision_making_process": {
                "process_integration": use["human_oversight"],
                "human_review": ("Every alert is adjudicated by an officer before any engagement."
                                 if kind == Kind.LFR else
                                 "Every candidate is reviewed by a person; corroboration is recorded."
                                 if kind == Kind.RFR else
                                 "The officer decides on any possible match and records the reason for the check."),
                "scale_of_use": _use_volume(kind, published),
                "appeals_and_review": COMPLAINTS["how_to_complain"],
            },
            "technical_specification": {
                "algorithms": algorithm_rows,
                "thresholds_in_use": thresholds,
                "deployment_criteria": [c["text"] for c in profile["deployment_criteria"]] if kind == Kind.LFR else [],
                "independent_tests": [{k: t[k] for k in ("title", "version", "approved_on", "threshold_min",
                                                         "threshold_max", "no_difference_from")} for t in tests],
            },
            "data": {
                "sources": data_sources,
                "watchlist_categories": ([{"name": c["name"], "description": c["description"]}
                                          for c in profile["watchlist_categories"]] if kind == Kind.LFR else []),
                "retention": [{"key": s["key"], "version": s["version"], "value": s["value"]} for s in retention_rows],
                "data_never_kept": ("Templates of faces that match nothing." if kind == Kind.LFR else
                                    "The photo and its template." if kind == Kind.OIFR else
                                    "Search images beyond the retention period."),
                "legal_bases": register(use["legal_bases"], now),
            },
            "risks_and_mitigations": [{"risk": risk, "mitigation": mitigation} for risk, mitigation in RISKS[kind]],
            "impact_assessments": [{k: d[k] for k in ("kind_label", "title", "version", "approved_on",
                                                     "next_review_on", "review_overdue")} for d in assessments],
        },
    }
