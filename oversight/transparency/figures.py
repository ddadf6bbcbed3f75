"""Every public figure and public text, built in one place from aggregates and published fields only.

This module is the only part of the transparency layer that reads the governance and matcher layers. It
returns plain, JSON-safe dicts whose every key is chosen here: no model instance, subject reference, image
or file name, name of a member of the public or of an officer (roles only), or precise coordinate ever
leaves it. Counts come from aggregate queries; the free text that forces write for publication (area,
purpose, category descriptions, document titles) passes through `Redactor`, which removes anything that
looks like personal data even if an officer typed it there; coordinates are rounded to a grid of about
1 km or more.

    report_figures(*, force, period_start, period_end, now=None) -> dict    the frozen snapshot of a report
    advance_notices(*, now=None, force=None) -> list[dict]                  coming LFR deployments (live)
    withheld_notices(*, now=None, force=None, since=None) -> list[dict]     exempt deployments, once over
    force_profile(*, force, now=None) -> dict                               contact, categories, criteria, documents
    atrs_record(*, force, kind, now=None, published=None) -> dict           ATRS tier 1 and tier 2 record
    published_document(*, force, pk) -> (file, content_type, download name) or None
"""
from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.text import slugify

from deployments import selectors as governance
from deployments.models import (
    AlgorithmVersion, Deployment, DocumentKind, Kind, PolicyDocument, Status, WatchlistCategory, WatchlistEntry,
)
from matching import selectors as matcher
from matching.models import (
    Alert, CandidateStatus, CustodyImage, Deletion, DeletionKind, FacesProcessed, LegalHold, OifrCheck, OifrReason,
    OifrSubjectCategory, PRIVATE_PLACES, ProbeSource, RfrCandidate, RfrSearch, WatchlistTemplate,
)
from matching.retention import ENDED, alert_due_at, probe_due_at, watchlist_due_at
from oversight.models import AuditEvent, Force, LegalBasis, Rank, User
from oversight.policy import UnknownPolicySetting, policy_in_force
from oversight.transparency import deployment_log

SCHEMA_VERSION = 1
REDACTED = "[redacted]"

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
    "how_to_complain": ("Write to the force's published contact below. Say when and where you think facial "
                        "recognition was used, and what happened. The force must answer your complaint; if you "
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


# --- Redaction of free text written for publication -------------------------------------------------------
_FILE_NAME = re.compile(r"\b[\w.-]+\.(?:jpe?g|png|gif|bmp|tiff?|webp|heic|avif|img|mp4|mov|avi|mkv|pdf|txt|docx?)\b",
                        re.IGNORECASE)
_PRECISE_NUMBER = re.compile(r"[-+]?\d{1,3}\.\d{3,}")  # a coordinate finer than ~100 m, or any long decimal
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?\d[A-Z]{2}\b")  # keep only the outward code (district)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_-]{2,63}")
_TITLED_NAME = re.compile(
    r"\b(?:PC|DC|PS|DS|Sgt|Sergeant|Insp|Inspector|DI|DCI|Ch\.? ?Insp|Chief Inspector|Supt|Superintendent|"
    r"Ch\.? ?Supt|Chief Superintendent|ACC|DCC|Officer|Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+"
    r"[A-Z][A-Za-z'’-]+(?:\s+[A-Z][A-Za-z'’-]+)?")


class Redactor:
    """Removes personal data from free text meant for publication, whatever an officer typed into it.

    It knows every platform user's full name, user name, e-mail and staff number; it removes a title or rank
    followed by a name ("PC Smith", "Mrs Jones"); and it checks any reference-like word against the subject
    references, custody-image references and crime references the platform holds. Single words are not
    treated as names on their own: a surname such as "Street" must not blank out "New Street station".
    """

    def __init__(self) -> None:
        phrases: set[str] = set()
        for first, last, username, staff, email in User.objects.values_list(
                "first_name", "last_name", "username", "staff_number", "email"):
            for phrase in (f"{first} {last}" if first and last else "", username, email):
                if phrase and len(phrase) >= 3:
                    phrases.add(phrase)
            if staff and len(staff) >= 4:
                phrases.add(staff)
        self._names = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")(?!\w)",
            re.IGNORECASE) if phrases else None

    def _references(self, tokens: set[str]) -> set[str]:
        if not tokens:
            return set()
        found = set(WatchlistEntry.objects.filter(subject_reference__in=tokens)
                    .values_list("subject_reference", flat=True))
        found |= set(CustodyImage.objects.filter(subject_reference__in=tokens)
                     .values_list("subject_reference", flat=True))
        found |= set(RfrSearch.objects.filter(crime_reference__in=tokens).values_list("crime_reference", flat=True))
        return found

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        text = _EMAIL.sub(REDACTED, text)
        text = _FILE_NAME.sub(REDACTED, text)
        text = _PRECISE_NUMBER.sub(REDACTED, text)
        text = _POSTCODE.sub(lambda m: m.group(1), text)
        if self._names is not None:
            text = self._names.sub(REDACTED, text)
        text = _TITLED_NAME.sub(REDACTED, text)
        tokens = {t for t in _TOKEN.findall(text) if any(ch.isdigit() for ch in t)}
        for reference in sorted(self._references(tokens), key=len, reverse=True):
            text = re.sub(rf"(?<![\w/-]){re.escape(reference)}(?![\w/-])", REDACTED, text)
        return text


# --- Small helpers ------------------------------------------------------------------------------------------
def _local(when: datetime) -> datetime:
    return timezone.localtime(when)


def _iso_minute(when: datetime | None) -> str | None:
    return _local(when).replace(second=0, microsecond=0).isoformat() if when else None


def _bounds(period_start: date, period_end: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(period_start, time.min))
    end = timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time.min))
    return start, end


def _months(period_start: date, period_end: date) -> list[str]:
    months, year, month = [], period_start.year, period_start.month
    while (year, month) <= (period_end.year, period_end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _quarter(month_key: str) -> str:
    year, month = month_key.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{calendar.month_abbr[int(month)]} {year}"


def rounded_position(latitude: float | None, longitude: float | None) -> tuple[float | None, float | None]:
    """Round a point to a grid of 0.01° latitude × 0.02° longitude: about 1.1 km × 1.2-1.4 km in England
    and Wales, so no published position is finer than about a kilometre."""
    if latitude is None or longitude is None:
        return None, None
    return round(round(latitude / 0.01) * 0.01, 2), round(round(longitude / 0.02) * 0.02, 2)


def _centre(deployment: Deployment) -> tuple[float | None, float | None]:
    if deployment.latitude is not None and deployment.longitude is not None:
        return deployment.latitude, deployment.longitude
    if deployment.polygon:
        lons = [float(p[0]) for p in deployment.polygon]
        lats = [float(p[1]) for p in deployment.polygon]
        return sum(lats) / len(lats), sum(lons) / len(lons)
    return None, None


def _setting(key: str, at: datetime) -> dict | None:
    try:
        setting = policy_in_force(key, at=at)
    except UnknownPolicySetting:
        return None
    return {"key": key, "version": setting.version, "value": setting.value}


def _rank_label(name: str) -> str:
    try:
        return Rank.from_name(name).label
    except ValueError:
        return name


def _register(codes: list[str], at: datetime) -> list[dict]:
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


def _notice(deployment: Deployment) -> str:
    return "withheld_critical_threat" if deployment.critical_threat_exemption else "published_in_advance"


def _is_over(deployment: Deployment, now: datetime) -> bool:
    return deployment.status in ENDED or deployment.ends_at <= now


def _area(deployment: Deployment, redact: Redactor) -> dict:
    latitude, longitude = rounded_position(*_centre(deployment))
    return {"area": redact(deployment.location_name), "approx_latitude": latitude, "approx_longitude": longitude}


# --- Live public reads ------------------------------------------------------------------------------------
def _notice_row(deployment: Deployment, redact: Redactor, now: datetime) -> dict:
    return {
        "force_code": deployment.force.code,
        "force": deployment.force.name,
        "date": _local(deployment.starts_at).date().isoformat(),
        "window_start": _iso_minute(deployment.starts_at),
        "window_end": _iso_minute(deployment.ends_at),
        **_area(deployment, redact),
        "purpose": redact(deployment.policing_objective),
        "state": "in_progress" if deployment.status == Status.ACTIVE and deployment.starts_at <= now else "coming",
    }


def advance_notices(*, now: datetime | None = None, force: Force | None = None,
                    redact: Redactor | None = None) -> list[dict]:
    """Authorised or active LFR deployments that have not ended and whose notice is public (rule 4)."""
    now = now or timezone.now()
    redact = redact or Redactor()
    deployments = (Deployment.objects.filter(
        kind=Kind.LFR, status__in=[Status.AUTHORISED, Status.URGENT_AUTHORISED, Status.ACTIVE],
        critical_threat_exemption=False, covert=False, ends_at__gt=now)
        .select_related("force").order_by("starts_at", "id"))
    if force is not None:
        deployments = deployments.filter(force=force)
    return [_notice_row(d, redact, now) for d in deployments]


def withheld_notices(*, now: datetime | None = None, force: Force | None = None, since: datetime | None = None,
                     redact: Redactor | None = None) -> list[dict]:
    """LFR deployments that ran under a critical-threat exemption, shown only once they are over."""
    now = now or timezone.now()
    redact = redact or Redactor()
    deployments = (Deployment.objects.filter(kind=Kind.LFR, critical_threat_exemption=True, covert=False,
                                             activated_at__isnull=False)
                   .select_related("force").order_by("-starts_at", "-id"))
    if force is not None:
        deployments = deployments.filter(force=force)
    if since is not None:
        deployments = deployments.filter(ends_at__gte=since)
    rows = []
    for deployment in deployments:
        if _is_over(deployment, now):
            row = _notice_row(deployment, redact, now)
            row["state"] = "over"
            row["notice"] = "Notice withheld under a recorded critical-threat exemption"
            rows.append(row)
    return rows


def _published_categories(force: Force, redact: Redactor) -> list[dict]:
    return [{"code": c.code, "name": redact(c.name), "description": redact(c.public_description)}
            for c in governance.watchlist_category_list_published(force=force)]


def _published_documents(force: Force, redact: Redactor, at: datetime) -> list[dict]:
    today = _local(at).date()
    rows = []
    for doc in PolicyDocument.objects.filter(force=force, published=True).select_related("algorithm_version") \
            .order_by("kind", "-approved_on", "-id"):
        row = {
            "id": doc.pk, "kind": doc.kind, "kind_label": DocumentKind(doc.kind).label, "title": redact(doc.title),
            "version": redact(doc.version), "approved_on": doc.approved_on.isoformat(),
            "next_review_on": doc.next_review_on.isoformat(), "review_overdue": doc.next_review_on < today,
        }
        if doc.kind == DocumentKind.BIAS_TEST:
            row |= {"algorithm": doc.algorithm_version.code, "threshold_min": doc.threshold_min,
                    "threshold_max": doc.threshold_max, "no_difference_from": doc.no_difference_from}
        rows.append(row)
    return rows


def deployment_criteria(*, at: datetime) -> list[dict]:
    """The rules every LFR deployment must meet, in plain words, with the policy setting each comes from."""
    rank = _setting("lfr.authorising_rank_floor", at)
    urgent = _setting("lfr.urgent_rank_floor", at)
    urgent_hours = _setting("lfr.urgent_review_hours", at)
    window = _setting("lfr.max_window_hours", at)
    floors = _setting("matching.threshold_floor", at)
    build = _setting("watchlist.max_build_age_hours", at)
    review = _setting("review.post_deployment_days", at)
    criteria = [
        {"text": "A written authorisation must exist before any matching: the policing objective, the intelligence "
                 "case, who may be watchlisted, the place and why watchlisted people are expected there, a fixed "
                 "start and end, the match threshold and the public-notice plan.", "setting": None},
    ]
    if rank:
        criteria.append({"text": f"It is authorised by an officer of at least the rank of "
                                 f"{_rank_label(rank['value'])}.", "setting": rank})
    if urgent and urgent_hours:
        criteria.append({"text": f"In an emergency an {_rank_label(urgent['value'])} may authorise it, but it stops "
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


def force_profile(*, force: Force, now: datetime | None = None, redact: Redactor | None = None) -> dict:
    """What the public may know about a force at any time: contact, categories, criteria, documents."""
    now = now or timezone.now()
    redact = redact or Redactor()
    return {
        "code": force.code,
        "name": force.name,
        "contact_email": force.contact_email or None,
        "watchlist_categories": _published_categories(force, redact),
        "deployment_criteria": deployment_criteria(at=now),
        "documents": _published_documents(force, redact, now),
    }


def published_document(*, force: Force, pk: int):
    """A published policy document's file, content type and a download name made from its title (not its file)."""
    doc = PolicyDocument.objects.filter(force=force, published=True, pk=pk).first()
    if doc is None or not doc.file:
        return None
    suffix = ".pdf" if doc.content_type == "application/pdf" else ".txt"
    name = slugify(f"{force.code} {Redactor()(doc.title)} {doc.version}") + suffix
    return doc.file, doc.content_type or "application/octet-stream", name


# --- The report snapshot -------------------------------------------------------------------------------------
TOTAL_KEYS = ["deployments", "faces_processed", "alerts", "confirmed_matches", "false_alerts", "inconclusive",
              "undecided", "engagements", "arrests"]


def _log_row(deployment: Deployment, redact: Redactor, now: datetime) -> dict:
    counts = matcher.alert_counts(deployment=deployment)
    faces = matcher.faces_processed(deployment=deployment)
    size = WatchlistEntry.objects.filter(watchlist__deployment=deployment).count()
    run = deployment_log.run_record(deployment, now=now, redact=redact, local=_local, over=_is_over(deployment, now))
    return {
        "reference": f"LFR-{deployment.pk}",
        "force_code": deployment.force.code,
        "date": _local(deployment.starts_at).date().isoformat(),
        "window_start": _iso_minute(deployment.starts_at),
        "window_end": _iso_minute(deployment.ends_at),
        **_area(deployment, redact),
        "purpose": redact(deployment.policing_objective),
        "notice": _notice(deployment),
        **run,
        "algorithm": deployment.algorithm_version.code,
        "threshold": deployment.threshold,
        "watchlist_size": size,
        "faces_processed": faces["faces"],
        "alerts": counts["alerts"],
        "confirmed_matches": counts["true_matches"],
        "false_alerts": counts["false_alerts"],
        "inconclusive": counts["inconclusive"],
        "undecided": counts["undecided"],
        "engagements": counts["engagements"],
        "arrests": counts["arrests"],
        **deployment_log.outcomes(deployment),
    }


def _period_deployments(force: Force, start: datetime, end: datetime, now: datetime) -> list[Deployment]:
    """LFR deployments of the period that ran; an exempt one only once it is over (its notice was withheld)."""
    deployments = (Deployment.objects.filter(force=force, kind=Kind.LFR, covert=False, activated_at__isnull=False,
                                             starts_at__gte=start, starts_at__lt=end)
                   .select_related("force", "algorithm_version").order_by("starts_at", "id"))
    return [d for d in deployments if not d.critical_threat_exemption or _is_over(d, now)]


def _totals(rows: list[dict]) -> dict:
    totals = {key: 0 for key in TOTAL_KEYS}
    totals["deployments"] = len(rows)
    for row in rows:
        for key in TOTAL_KEYS[1:]:
            totals[key] += row[key]
    return totals


def _by_period(rows: list[dict], months: list[str]) -> tuple[list[dict], list[dict]]:
    by_month = {m: {"period": m, "label": month_label(m), **{k: 0 for k in TOTAL_KEYS}} for m in months}
    for row in rows:
        bucket = by_month.get(row["date"][:7])
        if bucket is None:  # unreachable: rows are selected by the same bounds
            continue
        bucket["deployments"] += 1
        for key in TOTAL_KEYS[1:]:
            bucket[key] += row[key]
    by_quarter: dict[str, dict] = {}
    for month in months:
        quarter = _quarter(month)
        bucket = by_quarter.setdefault(quarter, {"period": quarter, "label": quarter.replace("-", " "),
                                                 **{k: 0 for k in TOTAL_KEYS}})
        for key in TOTAL_KEYS:
            bucket[key] += by_month[month][key]
    return list(by_month.values()), list(by_quarter.values())


def _watchlist_by_category(deployments: list[Deployment]) -> list[dict]:
    published = {c.pk for c in WatchlistCategory.objects.filter(published=True)}
    counts = (WatchlistEntry.objects.filter(watchlist__deployment__in=deployments)
              .values("category_id", "category__code", "category__name", "category__position")
              .annotate(n=Count("id")).order_by("category__position", "category__code"))
    rows: list[dict] = []
    unpublished = 0
    for row in counts:
        if row["category_id"] in published:
            rows.append({"code": row["category__code"], "name": row["category__name"], "entries": row["n"]})
        else:
            unpublished += row["n"]
    if unpublished:
        rows.append({"code": None, "name": "Category not published", "entries": unpublished})
    return rows


def _algorithms(force: Force, deployments: list[Deployment], start: datetime, end: datetime, at: datetime,
                redact: Redactor) -> list[dict]:
    used: dict[int, dict] = {}

    def entry(algorithm: AlgorithmVersion) -> dict:
        return used.setdefault(algorithm.pk, {"algorithm": algorithm, "uses": set(), "thresholds": set()})

    for deployment in deployments:
        item = entry(deployment.algorithm_version)
        item["uses"].add(Kind.LFR)
        item["thresholds"].add(deployment.threshold)
    for kind, model in ((Kind.RFR, RfrSearch), (Kind.OIFR, OifrCheck)):
        rows = (model.objects.filter(force=force, created_at__gte=start, created_at__lt=end)
                .values("face_model__algorithm_id", "threshold").distinct())
        for row in rows:
            item = entry(AlgorithmVersion.objects.get(pk=row["face_model__algorithm_id"]))
            item["uses"].add(kind)
            item["thresholds"].add(row["threshold"])
    floors = (_setting("matching.threshold_floor", at) or {"value": {}})["value"]
    tests = PolicyDocument.objects.filter(force=force, kind=DocumentKind.BIAS_TEST, published=True,
                                          approved_on__lte=_local(at).date())
    out = []
    for item in sorted(used.values(), key=lambda i: i["algorithm"].code):
        algorithm = item["algorithm"]
        published_tests = [
            {"title": redact(t.title), "version": redact(t.version), "approved_on": t.approved_on.isoformat(),
             "threshold_min": t.threshold_min, "threshold_max": t.threshold_max,
             "no_difference_from": t.no_difference_from}
            for t in tests.filter(algorithm_version=algorithm).order_by("-approved_on", "-id")]
        thresholds = sorted(item["thresholds"])
        lfr_thresholds = sorted({d.threshold for d in deployments if d.algorithm_version_id == algorithm.pk})
        at_or_above = None
        if published_tests and lfr_thresholds:
            latest = published_tests[0]
            at_or_above = all(latest["no_difference_from"] <= t for t in lfr_thresholds)
        out.append({
            "code": algorithm.code, "vendor": algorithm.vendor, "name": algorithm.name, "version": algorithm.version,
            "uses": sorted(item["uses"]), "thresholds_used": thresholds, "policy_floor": floors.get(algorithm.code),
            "calibration_source": algorithm.calibration_source, "independent_tests": published_tests,
            "lfr_thresholds_at_or_above_tested_level": at_or_above,
        })
    return out


def _outstanding_deletions(force: Force, cutoff: datetime) -> dict[str, int]:
    """Items whose deletion deadline passed before `cutoff` and that are still held (legal holds apart)."""
    outstanding = {kind: 0 for kind in DeletionKind.values}
    has_template = Exists(WatchlistTemplate.objects.filter(deployment=OuterRef("pk")))
    has_image = Exists(WatchlistEntry.objects.filter(watchlist__deployment=OuterRef("pk")).exclude(image=""))
    for deployment in Deployment.objects.filter(force=force).filter(has_template | has_image):
        if not _is_over(deployment, cutoff):
            continue
        due_at, _ = watchlist_due_at(deployment)
        if due_at < cutoff:
            images = WatchlistEntry.objects.filter(watchlist__deployment=deployment).exclude(image="").count()
            outstanding[DeletionKind.WATCHLIST_TEMPLATE] += images or \
                WatchlistTemplate.objects.filter(deployment=deployment).count()
    held = Exists(LegalHold.objects.filter(alert=OuterRef("pk"), released_at__isnull=True))
    alerts = (Alert.objects.filter(deployment__force=force, media_deleted_at__isnull=True).exclude(held)
              .filter(Q(embedding__isnull=False) | ~Q(crop="")))
    for alert in alerts.only("id", "created_at"):
        if alert_due_at(alert)[0] < cutoff:
            outstanding[DeletionKind.ALERT_MEDIA] += 1
    for search in RfrSearch.objects.filter(force=force, probe_deleted_at__isnull=True).exclude(probe="") \
            .only("id", "created_at"):
        if probe_due_at(search)[0] < cutoff:
            outstanding[DeletionKind.RFR_PROBE] += 1
    return outstanding


def _retention(force: Force, deployments: list[Deployment], start: datetime, end: datetime,
               now: datetime) -> dict:
    at = min(end, now)
    watchlist_hours = _setting("retention.watchlist_template_hours", at)
    alert_days = _setting("retention.alert_image_days", at)
    probe_days = _setting("retention.rfr_probe_days", at)
    discarded = (FacesProcessed.objects.filter(deployment__in=deployments)
                 .aggregate(n=Sum("discarded"))["n"] or 0)
    promises = [
        {"data": "Faces that match nothing", "promise": "Never stored: each face is compared and its template "
                                                        "discarded at once.", "setting": None},
        {"data": DELETION_LABELS[DeletionKind.WATCHLIST_TEMPLATE],
         "promise": f"Deleted within {watchlist_hours['value']} hours of the deployment's end."
         if watchlist_hours else "Deleted after the deployment's end.", "setting": watchlist_hours},
        {"data": DELETION_LABELS[DeletionKind.ALERT_MEDIA],
         "promise": f"Deleted within {alert_days['value']} days, unless a legal hold with a reason and reference "
                    "is recorded." if alert_days else "Deleted on the retention timetable.", "setting": alert_days},
        {"data": DELETION_LABELS[DeletionKind.RFR_PROBE],
         "promise": f"Deleted within {probe_days['value']} days." if probe_days else "Deleted on the timetable.",
         "setting": probe_days},
        {"data": "OIFR photos", "promise": "Never kept: the photo and its template are discarded when the check "
                                           "returns.", "setting": None},
    ]
    done = Deletion.objects.filter(force=force, done_at__gte=start, done_at__lt=end)
    outstanding = _outstanding_deletions(force, min(end, now))
    deletions = []
    for kind in DeletionKind.values:
        of_kind = done.filter(kind=kind)
        total = of_kind.count()
        late = sum(1 for d in of_kind.only("due_at", "done_at") if d.done_at > d.due_at)
        deletions.append({"kind": kind, "label": DELETION_LABELS[kind], "done": total, "done_on_time": total - late,
                          "done_late": late, "overdue_not_done": outstanding[kind]})
    holds = LegalHold.objects.filter(alert__deployment__force=force, placed_at__lt=end).filter(
        Q(released_at__isnull=True) | Q(released_at__gte=start)).count()
    return {"promises": promises, "faces_discarded": discarded, "deletions": deletions, "legal_holds": holds}


def _choice_counts(qs, field: str, choices) -> list[dict]:
    counts = dict(qs.values_list(field).annotate(n=Count("id")).order_by())
    return [{"code": value, "label": label, "count": counts.get(value, 0)} for value, label in choices]


def _rfr(force: Force, start: datetime, end: datetime, months: list[str]) -> dict:
    searches = RfrSearch.objects.filter(force=force, created_at__gte=start, created_at__lt=end)
    candidates = RfrCandidate.objects.filter(search__in=searches)
    by_month = Counter(_local(c).strftime("%Y-%m") for c in searches.values_list("created_at", flat=True))
    return {
        "searches": searches.count(),
        "by_probe_source": _choice_counts(searches, "probe_source", ProbeSource.choices),
        "candidates_returned": candidates.count(),
        "identifications_corroborated": candidates.filter(status=CandidateStatus.CORROBORATED).count(),
        "searches_by_month": [{"period": m, "label": month_label(m), "count": by_month.get(m, 0)} for m in months],
    }


def _oifr(force: Force, start: datetime, end: datetime, months: list[str]) -> dict:
    checks = OifrCheck.objects.filter(force=force, created_at__gte=start, created_at__lt=end)
    by_month = Counter(_local(c).strftime("%Y-%m") for c in checks.values_list("created_at", flat=True))
    return {
        "checks": checks.count(),
        "possible_matches": checks.filter(matched__isnull=False).count(),
        "in_private_places": checks.filter(place_type__in=PRIVATE_PLACES).count(),
        "by_reason": _choice_counts(checks, "reason", OifrReason.choices),
        "by_subject_category": _choice_counts(checks, "subject_category", OifrSubjectCategory.choices),
        "checks_by_month": [{"period": m, "label": month_label(m), "count": by_month.get(m, 0)} for m in months],
    }


def _legal_bases_cited(deployments: list[Deployment]) -> list[dict]:
    counts: dict[str, int] = defaultdict(int)
    for deployment in deployments:
        for code in deployment.legal_bases.values_list("code", flat=True):
            counts[code] += 1
    return [{"code": code, "deployments": counts[code]} for code in sorted(counts)]


def uses_explained(at: datetime) -> list[dict]:
    return [{"kind": kind, "name": use["name"], "summary": use["summary"], "why": use["why"],
             "human_oversight": use["human_oversight"], "legal_bases": _register(use["legal_bases"], at)}
            for kind, use in USES.items()]


def report_figures(*, force: Force, period_start: date, period_end: date, now: datetime | None = None) -> dict:
    """The whole public content of a force's report for a period, from aggregates and published fields only."""
    now = now or timezone.now()
    redact = Redactor()
    start, end = _bounds(period_start, period_end)
    months = _months(period_start, period_end)
    deployments = _period_deployments(force, start, end, now)
    rows = [_log_row(d, redact, now) for d in deployments]
    # Deployments authorised but cancelled before they ran are listed with the reason; they add to no total.
    cancelled = deployment_log.cancelled_deployments(force=force, start=start, end=end, now=now)
    log = sorted(rows + [_log_row(d, redact, now) for d in cancelled], key=lambda row: row["window_start"])
    by_month, by_quarter = _by_period(rows, months)
    audit_size = (AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or -1) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "force": force_profile(force=force, now=now, redact=redact),
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "computed_at": _local(now).replace(microsecond=0).isoformat(),
        "audit_log_size_at_computation": audit_size,
        "uses": uses_explained(now),
        "complaints": COMPLAINTS,
        "advance_notices": advance_notices(now=now, force=force, redact=redact),
        "deployment_log": log,
        "totals": _totals(rows),
        "outcomes": deployment_log.outcome_totals(rows),
        "totals_by_month": by_month,
        "totals_by_quarter": by_quarter,
        "watchlist_by_category": _watchlist_by_category(deployments),
        "legal_bases_cited": _legal_bases_cited(deployments),
        "algorithms": _algorithms(force, deployments, start, end, now, redact),
        "retention": _retention(force, deployments, start, end, now),
        "rfr": _rfr(force, start, end, months),
        "oifr": _oifr(force, start, end, months),
    }


# --- Algorithmic Transparency Recording Standard (ATRS) record ---------------------------------------------
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
    floors = (_setting("matching.threshold_floor", now) or {"value": {}})["value"]
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
    retention_rows = [s for s in (_setting(key, now) for key in retention) if s]
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
        "generated_at": _local(now).replace(microsecond=0).isoformat(),
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
                                     f"{_rank_label((_setting('lfr.authorising_rank_floor', now) or {'value': 'superintendent'})['value'])} "
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
                "legal_bases": _register(use["legal_bases"], now),
            },
            "risks_and_mitigations": [{"risk": risk, "mitigation": mitigation} for risk, mitigation in RISKS[kind]],
            "impact_assessments": [{k: d[k] for k in ("kind_label", "title", "version", "approved_on",
                                                     "next_review_on", "review_overdue")} for d in assessments],
        },
    }
