"""Formatting for the public pages: numbers with thousands separators, ISO dates and times in words."""
from __future__ import annotations

from datetime import date, datetime

from django import template

from oversight.charts import format_number

register = template.Library()


@register.filter
def number(value) -> str:
    if value is None or value == "":
        return "–"
    return format_number(value)


@register.filter
def isodate(value: str | None) -> str:
    """'2026-11-14' (or an ISO date-time) as '14 Nov 2026'."""
    if not value:
        return "–"
    parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return f"{parsed.day} {parsed:%b %Y}"


@register.filter
def weekday_date(value: str | None) -> str:
    """'2026-11-14' as 'Sat 14 Nov 2026': the day of the week is how people remember a deployment."""
    if not value:
        return "–"
    parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return f"{parsed:%a} {parsed.day} {parsed:%b %Y}"


@register.filter
def hours(value) -> str:
    """5.8 as '5.8 hours', 1.0 as '1 hour'."""
    if value is None or value == "":
        return "–"
    value = float(value)
    return f"{value:g} hour{'' if value == 1 else 's'}"


@register.filter
def isotime(value: str | None) -> str:
    """An ISO date-time as '14:05'."""
    if not value:
        return "–"
    return f"{datetime.fromisoformat(value):%H:%M}"


@register.simple_tag
def window(start: str | None, end: str | None) -> str:
    """'10:00–18:00', or '22:00 – 14 Nov 06:00' when the window crosses midnight."""
    if not start or not end:
        return "–"
    a, b = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if a.date() == b.date():
        return f"{a:%H:%M}–{b:%H:%M}"
    return f"{a:%H:%M} – {b.day} {b:%b} {b:%H:%M}"


@register.filter
def yesno_unknown(value) -> str:
    return {True: "Yes", False: "No"}.get(value, "Not known")


@register.filter
def position(row: dict) -> str:
    """The rounded centre of an area, or a dash."""
    lat, lon = row.get("approx_latitude"), row.get("approx_longitude")
    if lat is None or lon is None:
        return "–"
    return f"{lat:.2f}, {lon:.2f}"
