"""Bounds on what people write and the dates they enter, checked in one place for every record.

Text: every text field a person writes has a maximum length on its model (`max_length`, from the sizes below),
and dates of things that already happened carry a `PastDate` validator. `check_record`, connected to every save
of the product's own models (`pre_save`, see oversight.apps), refuses a record that breaks either with a
ValidationError naming the field and the limit, so a service's transaction writes nothing and the API and the
pages answer 400. Services that collect their errors before writing, or that act before they save (deleting a
file, say), ask `problems` the same question first.

Saves that bypass `save()` (`bulk_create`, `update`) are the services' own writes of values already checked.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# How much a person may write in one field. Generous for what each field is for, far below what would hurt a
# page, a report or the audit log that copies it.
NOTE = 2_000  # a reason, a note, a short answer: a paragraph or two
TEXT = 10_000  # a section of an assessment, a review or an audit: a few pages
COMPLAINT = 5_000  # a member of the public's account, or the force's answer to it

# Nothing the product records happened before police facial recognition began in England and Wales: facial
# search of the national custody images came in 2014, the first live deployments in 2015 and later.
RECORDS_BEGIN = date(2014, 1, 1)
# No photograph a force holds of a person is older than this: an earlier date is a slip of the keyboard.
PHOTOS_BEGIN = date(1950, 1, 1)

# A consultation about a deployment is held in the run-up to it: one more than three years old is about
# something else.
CONSULTATION_YEARS = 3

APPS = frozenset({"oversight", "deployments", "complaints", "matching", "reports", "transparency", "demo"})


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


@deconstructible
class PastDate:
    """The date of something that has already happened: not after today, not before `earliest`, and, with
    `within_years`, not more than that many years before today."""

    def __init__(self, *, earliest: date = RECORDS_BEGIN, within_years: int | None = None):
        self.earliest = earliest
        self.within_years = within_years

    def floor(self, today: date) -> date:
        if self.within_years is None:
            return self.earliest
        return max(self.earliest, today - timedelta(days=round(365.25 * self.within_years)))

    def problem(self, value: date, label: str, today: date | None = None, *, entered: bool = True) -> str | None:
        """`entered` False: a record saved again later, judged by the bounds that do not move with the calendar
        (its date stays in the past and after `earliest`; it was judged against the window when entered)."""
        today = today or timezone.localdate()
        if value > today:
            return f"{label} cannot be in the future: {_day(value)} has not happened yet"
        floor = self.floor(today) if entered else self.earliest
        if value < floor:
            why = (f"more than {self.within_years} years ago" if self.within_years is not None
                   and floor > self.earliest else "earlier than anything the service records")
            return f"{label} cannot be before {_day(floor)}: {_day(value)} is {why}"
        return None

    def __call__(self, value) -> None:
        message = self.problem(value, "the date") if value else None
        if message:
            raise ValidationError(message, code="date_out_of_bounds")

    def __eq__(self, other) -> bool:
        return (isinstance(other, PastDate) and self.earliest == other.earliest
                and self.within_years == other.within_years)


def too_long(label: str, length: int, limit: int) -> str:
    return f"{label} is too long: {length:,} characters; the limit is {limit:,}"


def text_problem(value, *, limit: int, label: str) -> str | None:
    """The message for text longer than `limit`, or None; for a service argument no model field holds."""
    if isinstance(value, str) and len(value) > limit:
        return too_long(label, len(value), limit)
    return None


def require_text(value, *, field: str, limit: int, label: str | None = None) -> None:
    message = text_problem(value, limit=limit, label=label or field.replace("_", " "))
    if message:
        raise ValidationError({field: message})


def _label(field: models.Field) -> str:
    return str(field.verbose_name)


@lru_cache(maxsize=None)
def _bounded_fields(model: type[models.Model]) -> tuple:
    """(name, attname, label, limit, date validators) of each bounded field of `model`, read once."""
    found = []
    for field in model._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and field.max_length:
            found.append((field.name, field.attname, _label(field), field.max_length, ()))
        elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            dates = tuple(v for v in field.validators if isinstance(v, PastDate))
            if dates:
                found.append((field.name, field.attname, _label(field), None, dates))
    return tuple(found)


def _problem(value, label: str, limit: int | None, dates: tuple, today: date, entered: bool = True) -> str | None:
    if value is None or value == "":
        return None
    if limit is not None:
        return text_problem(value, limit=limit, label=label)
    if isinstance(value, date):
        for bound in dates:
            message = bound.problem(value, label, today, entered=entered)
            if message:
                return message
    return None


def problems(model: type[models.Model], **values) -> dict[str, str]:
    """{field: message} for the values that break the bounds of `model`'s fields of those names: for a service
    that collects its errors before it writes."""
    today = timezone.localdate()
    found = {}
    for name, _, label, limit, dates in _bounded_fields(model):
        if name in values:
            message = _problem(values[name], label, limit, dates, today)
            if message:
                found[name] = message
    return found


def record_problems(instance: models.Model, update_fields=None) -> dict[str, str]:
    today = None
    found = {}
    for name, attname, label, limit, dates in _bounded_fields(type(instance)):
        if update_fields is not None and name not in update_fields:
            continue
        value = getattr(instance, attname)
        if dates and today is None:
            today = timezone.localdate()
        message = _problem(value, label, limit, dates, today, entered=instance._state.adding)
        if message:
            found[name] = message
    return found


def check_record(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save: refuse a record of the product's own models whose text or dates are out of bounds."""
    if raw or sender._meta.app_label not in APPS:
        return
    found = record_problems(instance, update_fields)
    if found:
        raise ValidationError(found)
