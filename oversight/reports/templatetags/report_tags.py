"""Number and time formats of the regulator report (the project does not install django.contrib.humanize)."""
from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def n(value) -> str:
    """12,345; a dash for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


@register.filter
def sig(value, digits: int = 3) -> str:
    """Three significant figures (0.000167, 1.23, 4,560); a dash for nothing."""
    if value is None:
        return "–"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{int(digits)}g}"


@register.filter
def one_in(value) -> str:
    """A rate as '1 in 6,000'; 'none' for zero; a dash when it cannot be computed."""
    if value is None:
        return "–"
    if value == 0:
        return "none"
    return f"1 in {round(1 / value):,}"


@register.filter
def pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


@register.filter
def when(value) -> str:
    if not value:
        return "–"
    return timezone.localtime(value).strftime("%d %b %Y %H:%M")


@register.filter
def day(value) -> str:
    return value.strftime("%d %b %Y") if value else "–"


@register.filter
def short(value, length: int = 16) -> str:
    return (value or "")[: int(length)]


@register.filter
def answer(check, field: str) -> str:
    """A checklist answer in words ('Yes', 'No', 'Does not apply', 'Not checked yet')."""
    return getattr(check, f"get_{field}_display")()
