"""The public wording: what each use is and why, how to complain, the risks and their mitigations, the
deployment criteria (each with the versioned policy setting it comes from), and the register's titles."""
from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from django.utils import timezone

from deployments.models import Kind
from matching.models import DeletionKind
from oversight.models import LegalBasis, Rank
from oversight.policy import UnknownPolicySetting, policy_in_force

# --- What each use is, in plain language, and the register codes it relies on ------------------------
USES: dict[str, dict[str, Any]] = {
    Kind.LFR: {
        "name": "Live facial recognition (LFR)",
        "summary": ("Cameras, fixed or in a marked van, compare the faces of people passing a clearly signed area "
                    "with a watchlist built for one operation. When a face is similar enough to someone on the "
                    "watchlist, the system alerts an officer, who decides whether it is the same person before "
                    "anything else happens. The faces of everyone else are compared and deleted at once: they "
                    "are never stored."),
        "why": ("To find people wanted by the courts, suspected of serious offences, breaching conditions set by "
                "a court, or missing and at risk, in a place where intelligence says they are expected."),
        "human_oversight": ("No action is automatic. An officer reviews every alert and records a decision (true "
                            "match, false alert or inconclusive) before any engagement; the outcome of each "
                            "engagement is recorded."),
        "legal_bases": ["CL-PREVENT-DETECT", "DPA18-S31-LE", "DPA18-S35-5-STRICT", "DPA18-SCH8-P1", "DPA18-S42-APD",
                        "DPA18-S64-DPIA", "HRA-A8-2-CRIME", "EQA10-S149-PSED", "POFA12-S33-SCCODE"],
    },
    Kind.RFR: {
        "name": "Retrospective facial recognition (RFR)",
        "summary": ("After a crime, an investigator searches an image (from CCTV, a doorbell or phone camera, or "
                    "social media) against the force's custody images. The system returns a short ranked list of "
                    "possible candidates. A candidate is only a lead: it becomes an identification only when an "
                    "investigator corroborates it with other evidence."),
        "why": "To identify suspects, and sometimes victims or witnesses, of crimes under investigation.",
        "human_oversight": ("An investigator reviews every candidate list; no candidate is treated as an "
                            "identification until it is corroborated and the corroboration is recorded."),
        "legal_bases": ["CL-PREVENT-DETECT", "DPA18-S31-LE", "DPA18-S35-5-STRICT", "DPA18-SCH8-P1",
                        "PACE-S64A-CUSTODY", "MOPI-RRD", "DPA18-S42-APD", "DPA18-S64-DPIA", "EQA10-S149-PSED"],
    },
    Kind.OIFR: {
        "name": "Operator-initiated facial recognition (OIFR)",
        "summary": ("An officer uses a phone app to photograph a person who cannot or will not say who they are "
                    "(for example someone unconscious, or suspected of giving false details) and checks the photo "
                    "against custody and missing-person images. The photo is never kept."),
        "why": ("To establish the identity of a person on the spot when they are unable or unwilling to give it, "
                "including to protect people who are missing or at risk."),
        "human_oversight": ("The officer decides what to do with any possible match. In a home, school, medical "
                            "facility or place of worship a check needs a recorded declaration of a risk of "
                            "significant harm."),
        "legal_bases": ["CL-PREVENT-DETECT", "DPA18-S31-LE", "DPA18-S35-5-STRICT", "DPA18-SCH8-P1", "DPA18-SCH8-P3",
                        "DPA18-SCH8-P4", "PACE-S64A-CUSTODY", "DPA18-S42-APD", "DPA18-S64-DPIA"],
    },
}

COMPLAINTS = {
    "how_to_complain": ("Make a complaint on this site (no account needed; you get a reference to check where "
                        "it stands), or write to the force's published contact below. Say when and where you "
                        "think facial recognition was used, and what happened. The oversight body reads every "
                        "complaint made here and passes it to the force, which must answer it; if you "
                        "are not satisfied you can ask the Independent Office for Police Conduct (IOPC) to review "
                        "how it was handled, and complain to the Information Commissioner's Office (ICO) about "
                        "how your data was used."),
    "how_to_request_data": ("You have the right to ask a force whether it holds data about you, including images, "
                            "and to ask for it to be corrected or deleted (Data Protection Act 2018, sections 45 to "
                            "47). Write to the force's published contact and say it is a subject access request. "
                            "People whose custody images are held although they were never convicted may apply to "
                            "have them deleted."),
    "regulators": [
        {"name": "Information Commissioner's Office", "url": "https://ico.org.uk/make-a-complaint/"},
        {"name": "Independent Office for Police Conduct", "url": "https://www.policeconduct.gov.uk/complaints-reviews-and-appeals"},
    ],
}

DELETION_LABELS = {
    DeletionKind.WATCHLIST_TEMPLATE: "Watchlist images and face templates",
    DeletionKind.ALERT_MEDIA: "Alert images and face templates",
    DeletionKind.RFR_PROBE: "RFR search images",
    DeletionKind.VENDOR_PACKAGE: "Watchlist copies held by a supplier's system",
    DeletionKind.CUSTODY_IMAGE: "Custody images and face templates",
    DeletionKind.COMPLAINT_PERSONAL_DATA: "Complainants' contact details and words",
}

RISKS = {
    Kind.LFR: [
        ("Wrong person stopped after a false alert",
         "An officer decides on every alert before acting; false alerts are counted and published with the "
         "watchlist size and threshold; the threshold is never below the policy floor."),
        ("Different accuracy for different groups (sex, age, ethnicity)",
         "An independent bias test must cover the exact algorithm version and threshold before any deployment; "
         "the threshold is never below the level where the test found no demographic difference."),
        ("Intrusion into the privacy of everyone who passes the cameras",
         "Written authorisation by a senior officer; a proportionality assessment for each deployment; faces "
         "that match nothing are deleted at once and never stored; advance public notice and signs."),
        ("Too much discretion over who is watchlisted and where cameras go (R (Bridges) v South Wales Police)",
         "A closed, published list of watchlist categories with no 'of interest' category; a written reason for "
         "each person and for the place; both checked by the authorising officer."),
        ("Data kept longer than necessary",
         "Watchlist and alert data are deleted on a published timetable; every deletion is recorded and counted "
         "in this report."),
    ],
    Kind.RFR: [
        ("A candidate treated as an identification",
         "A candidate becomes an identification only when an investigator records what corroborates it."),
        ("Searching images of people never convicted",
         "Unconvicted people may apply for deletion; a granted application removes the image from searches."),
        ("Search images kept too long", "Search images are deleted on a published timetable, with evidence."),
    ],
    Kind.OIFR: [
        ("Checks used where they are not needed",
         "Each check records the reason (unable, refuses, suspected false details, deceased, unconscious) and "
         "the category of person sought; checks in private places need a declaration of significant harm."),
        ("Photos kept", "The photo and its template are discarded as soon as the check returns."),
    ],
}


def local(when: datetime) -> datetime:
    return timezone.localtime(when)


def iso_minute(when: datetime | None) -> str | None:
    return local(when).replace(second=0, microsecond=0).isoformat() if when else None


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{calendar.month_abbr[int(month)]} {year}"


def setting(key: str, at: datetime) -> dict | None:
    """The version of a policy setting in force at `at`, as published data (None if it never had one)."""
    try:
        version = policy_in_force(key, at=at)
    except UnknownPolicySetting:
        return None
    return {"key": key, "version": version.version, "value": version.value}


def rank_label(name: str) -> str:
    try:
        return Rank.from_name(name).label
    except ValueError:
        return name


def register(codes: list[str], at: datetime) -> list[dict]:
    """Title and plain-language meaning of register codes, as worded at `at` (the register is public)."""
    bases = {b.code: b for b in LegalBasis.objects.filter(code__in=codes).prefetch_related("versions")}
    out = []
    for code in codes:
        basis = bases.get(code)
        version = None
        if basis is not None:
            version = max((v for v in basis.versions.all() if v.effective_from <= at),
                          key=lambda v: (v.effective_from, v.version), default=None)
        out.append({"code": code, "title": version.title if version else code,
                    "meaning": version.meaning if version else "", "version": version.version if version else None})
    return out


def deployment_criteria(*, at: datetime) -> list[dict]:
    """The rules every LFR deployment must meet, in plain words, with the policy setting each comes from."""
    rank = setting("lfr.authorising_rank_floor", at)
    urgent = setting("lfr.urgent_rank_floor", at)
    urgent_hours = setting("lfr.urgent_review_hours", at)
    window = setting("lfr.max_window_hours", at)
    floors = setting("matching.threshold_floor", at)
    build = setting("watchlist.max_build_age_hours", at)
    review = setting("review.post_deployment_days", at)
    criteria = [
        {"text": "A written authorisation must exist before any matching: the policing objective, the intelligence "
                 "case, who may be watchlisted, the place and why watchlisted people are expected there, a fixed "
                 "start and end, the match threshold and the public-notice plan.", "setting": None},
    ]
    if rank:
        criteria.append({"text": f"It is authorised by an officer of at least the rank of "
                                 f"{rank_label(rank['value'])}.", "setting": rank})
    if urgent and urgent_hours:
        criteria.append({"text": f"In an emergency an {rank_label(urgent['value'])} may authorise it, but it stops "
                                 f"unless reviewed by a senior officer within {urgent_hours['value']} hours.",
                         "setting": urgent_hours})
    if window:
        criteria.append({"text": f"Matching runs only inside the authorised place and time, at most "
                                 f"{window['value']} hours; an extension needs a new authorisation.",
                         "setting": window})
    criteria.append({"text": "The time and place are published in advance, unless the authorising officer records "
                             "a critical-threat exemption; such deployments are listed here once they are over.",
                     "setting": None})
    criteria.append({"text": "It is refused without a current data protection impact assessment, appropriate policy "
                             "document and equality impact assessment, and an independent bias test of the exact "
                             "algorithm version and threshold.", "setting": None})
    if floors:
        listed = ", ".join(f"{value} for {code}" for code, value in sorted(floors["value"].items()))
        criteria.append({"text": f"The match threshold is never below the policy floor ({listed}), nor below the "
                                 "level at which the independent test found no demographic difference.",
                         "setting": floors})
    criteria.append({"text": "Everyone on a watchlist belongs to exactly one category of the force's published "
                             "closed list, with a written reason; there is no 'of interest' category. Under-18s "
                             "need a second approval.", "setting": None})
    if build:
        criteria.append({"text": f"The watchlist is built no earlier than {build['value']} hours before the start and "
                                 "reviewed after its last change.", "setting": build})
    criteria.append({"text": "Covert use is always refused.", "setting": None})
    if review:
        criteria.append({"text": f"A review of outcomes, false alerts, complaints and deletions follows within "
                                 f"{review['value']} days of the end.", "setting": review})
    return criteria


def uses_explained(at: datetime) -> list[dict]:
    return [{"kind": kind, "name": use["name"], "summary": use["summary"], "why": use["why"],
             "human_oversight": use["human_oversight"], "legal_bases": register(use["legal_bases"], at)}
            for kind, use in USES.items()]
