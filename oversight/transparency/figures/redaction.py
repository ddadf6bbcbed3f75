"""Removing personal data from everything the public site shows: free text and positions.

Free text that forces write for publication (area, purpose, category descriptions, document titles) passes
through `Redactor`, which removes anything that looks like personal data even if an officer typed it there;
positions are rounded to a grid of about 1 km or more.
"""
from __future__ import annotations

import re

from deployments.models import Deployment, WatchlistEntry
from matching.models import CustodyImage, RfrSearch
from oversight.models import User

REDACTED = "[redacted]"

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


def public_area(deployment: Deployment, redact: Redactor) -> dict:
    latitude, longitude = rounded_position(*_centre(deployment))
    return {"area": redact(deployment.location_name), "approx_latitude": latitude, "approx_longitude": longitude}
