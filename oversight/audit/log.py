"""Writing the audit log: every state-changing service calls `audit_record` inside its transaction."""
from __future__ import annotations

import datetime as dt
import json
from collections import namedtuple
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from oversight.audit import actions
from oversight.audit.merkle import leaf_hash
from oversight.audit.offline import CANONICAL_VERSION, canonical_event_bytes
from oversight.inserts import insert_rows

# One advisory lock orders all appends, so leaf indexes have no gaps and follow commit order.
AUDIT_APPEND_LOCK = 0x4155_4449_54  # "AUDIT"


def json_safe(value: Any) -> Any:
    """Values as they will read back from a JSONB column (dates as ISO text, decimals as text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of `obj`, JSON-safe, with foreign keys as their ids."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = getattr(obj, field.attname) if isinstance(field, models.ForeignKey) else getattr(obj, name)
    return json_safe(values)


def _timestamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The columns an event's leaf hash commits to, with its stored hash: verification reads exactly these as plain
# tuples (a million model instances cost more than the hashing).
EVENT_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_label", "force_id", "action", "object_type", "object_id",
                 "object_repr", "old", "new", "reason", "leaf_hash")
EventRow = namedtuple("EventRow", EVENT_COLUMNS)


def event_rows(queryset):
    """The events of `queryset` as EventRow tuples, in seq order, streamed from the server."""
    for values in queryset.order_by("seq").values_list(*EVENT_COLUMNS).iterator(chunk_size=10_000):
        yield EventRow(*values)


def event_document(event) -> dict[str, Any]:
    """The content of an event that its leaf hash commits to."""
    return {
        "v": CANONICAL_VERSION,
        "seq": event.seq,
        "time": _timestamp(event.occurred_at),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "force": event.force_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "old": event.old,
        "new": event.new,
        "reason": event.reason,
    }


def event_leaf_hash(event) -> bytes:
    return leaf_hash(canonical_event_bytes(event_document(event)))


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    if actor.is_superuser:  # the back office's administrator acts for no force and not for the oversight body
        return f"{actor.username} (system administrator, superuser)"
    role = actor.get_role_display() or "no role"
    return f"{actor.username} ({role}, {actor.organisation})"


def _force_of(obj) -> Any:
    from oversight.models import Force

    if isinstance(obj, Force):
        return obj
    return getattr(obj, "force", None)


def _event(AuditEvent, *, actor, action: str, obj: models.Model | None = None, object_type: str | None = None,
           object_id: str | int | None = None, force=None, old: dict | None = None, new: dict | None = None,
           reason: str = ""):
    """An unsaved event with everything but its place in the log (seq) and its leaf hash."""
    actions.get(action)  # refuse unregistered actions
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
        force = force if force is not None else _force_of(obj)
    if not object_type:
        raise ValueError("an audit event names the kind of object it concerns")
    return AuditEvent(
        actor=actor,
        actor_label=_actor_label(actor),
        force=force,
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        object_repr=str(obj)[:300] if obj is not None else "",
        old=json_safe(old),
        new=json_safe(new),
        reason=reason or "",
    )


def _append(events: list, *, savepoint: bool = True) -> None:
    """Give the events the next places in the log, in order, hash them and insert them: one lock, one read of
    the last place and one insert for all of them, inside the caller's transaction (in a savepoint of it unless
    `savepoint` is False: then a failure here fails the caller's whole transaction)."""
    from oversight.models import AuditEvent

    with transaction.atomic(savepoint=savepoint):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_APPEND_LOCK])
            cursor.execute(f"SELECT seq FROM {AuditEvent._meta.db_table} ORDER BY seq DESC LIMIT 1")
            last = cursor.fetchone()
        now = timezone.now()  # under the lock, so times follow the log's order
        for k, event in enumerate(events):
            event.seq = (0 if last is None else last[0] + 1) + k
            event.occurred_at = now
            event.leaf_hash = event_leaf_hash(event)
        insert_rows(events)
    # Counted per connection until its commit (a rolled-back append is counted too: that only checks sooner).
    connection.audit_appended = getattr(connection, "audit_appended", 0) + len(events)
    if not any(entry[1] is _checkpoint_when_overdue for entry in connection.run_on_commit):
        transaction.on_commit(_checkpoint_when_overdue)


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    force=None,
    old: dict | None = None,
    new: dict | None = None,
    reason: str = "",
):
    """Append one event. Call it inside the service's transaction so the change and its record commit together."""
    from oversight.models import AuditEvent

    event = _event(AuditEvent, actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id,
                   force=force, old=old, new=new, reason=reason)
    _append([event])
    return event


def audit_records(records: list[dict]) -> list:
    """Append several events at once, in the order given (each a dict of `audit_record`'s arguments): the same
    events, places and hashes as that many `audit_record` calls, for one lock and one insert. For a service that
    records many things in one transaction, such as the alerts of one camera frame. No savepoint: a failure
    fails the caller's whole transaction, so nothing it recorded stands without its events."""
    from oversight.models import AuditEvent

    events = [_event(AuditEvent, **record) for record in records]
    if events:
        _append(events, savepoint=False)
    return events


def _checkpoint_when_overdue() -> None:
    """After a commit that grew the log: sign a checkpoint if the uncovered tail passed the policy's limits."""
    from oversight.audit.checkpoints import checkpoint_after_append

    appended, connection.audit_appended = getattr(connection, "audit_appended", 0), 0
    checkpoint_after_append(appended)


def audit_record_in_migration(AuditEvent, *, occurred_at, action: str, object_type: str, object_id, object_repr: str,
                              new: dict | None, old: dict | None = None, force_id: int | None = None,
                              reason: str = "") -> None:
    """Append a system event from a data migration, where only historical models exist.

    Migrations run alone, so no lock is taken; the event is hashed exactly as `audit_record` hashes.
    """
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    event = AuditEvent(
        seq=0 if last is None else last + 1, occurred_at=occurred_at, actor_id=None, actor_label="system",
        force_id=force_id, action=action, object_type=object_type, object_id=str(object_id),
        object_repr=object_repr, old=json_safe(old), new=json_safe(new), reason=reason,
    )
    event.leaf_hash = event_leaf_hash(event)
    event.save(force_insert=True)
