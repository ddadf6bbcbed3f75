"""How a record is named to a person: one function, used by the audit log, the record pages and the audits.

"OIFR check 12, North Wessex Police, 3 Dec 2026", never "OifrCheck object (1)" or "matching.oifrcheck:12".

Each kind of record has a plain noun and, where it has one, the page that shows it. The ground layer names its own
kinds here; the layers above register theirs (`register`) when they start, so this module imports none of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.urls import NoReverseMatch, reverse
from django.utils import timezone


@dataclass(frozen=True)
class RecordKind:
    object_type: str  # Django's model label, lower case, as audit events store it: "matching.oifrcheck"
    noun: str  # "OIFR check"
    page: str = ""  # URL name of the record's page, taking its id; "" when it has none
    by: str = "pk"  # what the page's id is: the record's "pk", or an audit event's "seq"


KINDS: dict[str, RecordKind] = {}


def register(object_type: str, noun: str, page: str = "", by: str = "pk") -> RecordKind:
    kind = RecordKind(object_type, noun, page, by)
    KINDS[object_type] = kind
    return kind


def kind_of(object_type: str) -> RecordKind:
    """The registered kind, or a noun made from the model's own name for a kind nobody registered."""
    if object_type in KINDS:
        return KINDS[object_type]
    from django.apps import apps

    try:
        noun = str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        noun = object_type.rpartition(".")[2].replace("_", " ")
    return RecordKind(object_type, noun[:1].upper() + noun[1:])


def plain_words(text: str) -> str:
    """Stored text as a person reads it: the seed data's references to the developers' brief ('domain.md rule 2')
    become what they are, the platform's rules."""
    text = re.sub(r"domain\.md rule (\d+)", r"platform rule \1", text or "")
    return text.replace("domain.md", "the platform's rules")


def _day(when: date | datetime | None) -> str:
    if when is None:
        return ""
    if isinstance(when, datetime):
        when = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    return f"{when.day} {when:%b %Y}"


def _force_name(force) -> str:
    return getattr(force, "name", "") or (force if isinstance(force, str) else "")


def object_label(object_type: str, object_id, *, force=None, when: date | datetime | None = None) -> str:
    """'OIFR check 12, North Wessex Police, 3 Dec 2026': the noun, the number, whose and when (each if known)."""
    noun = kind_of(object_type).noun
    parts = [f"{noun} {object_id}".strip() if object_id not in (None, "") else noun]
    parts += [part for part in (_force_name(force), _day(when)) if part]
    return ", ".join(parts)


def object_url(object_type: str, object_id) -> str:
    """The page of a record, or "" when its kind has none."""
    kind = kind_of(object_type)
    if not kind.page or object_id in (None, ""):
        return ""
    try:
        return reverse(kind.page, args=[object_id])
    except NoReverseMatch:
        return ""


def _when_of(obj) -> date | datetime | None:
    for name in ("captured_at", "occurred_at", "decided_at", "created_at", "starts_at", "opened_at"):
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def label_of(obj) -> str:
    """The label of a model instance, with its force and the day it happened when it has them."""
    if obj._meta.label_lower == "oversight.force":
        return object_label("oversight.force", "", force=obj)
    force = getattr(obj, "force", None)
    if force is None and getattr(obj, "deployment_id", None):  # records of a deployment belong to its force
        force = obj.deployment.force
    return object_label(obj._meta.label_lower, obj.pk, force=force, when=_when_of(obj))


def url_of(obj) -> str:
    return object_url(obj._meta.label_lower, obj.pk)


def event_object_label(event) -> str:
    """What an audit event is about, as a person reads it (its force and its day come from the event)."""
    if not event.object_type:
        return ""
    if event.object_type == "oversight.force" and event.force is not None:  # a force is named by its name
        return ", ".join(part for part in (event.force.name, _day(event.occurred_at)) if part)
    return object_label(event.object_type, event.object_id, force=event.force, when=event.occurred_at)


def event_object_url(event) -> str:
    return object_url(event.object_type, event.object_id)


# The ground layer's own kinds.
register("oversight.force", "Force")
register("oversight.user", "Account", "person-detail")
register("oversight.legalbasis", "Legal basis")
register("oversight.legalbasisversion", "Legal basis wording")
register("oversight.policysetting", "Policy setting")
register("oversight.checkpoint", "Audit-log checkpoint")
register("oversight.auditevent", "Audit-log entry", "audit-event", by="seq")
