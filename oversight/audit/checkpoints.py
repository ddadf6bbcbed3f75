"""Signed checkpoints of the audit log (tree size, root hash, time, Ed25519 signature).

A checkpoint keeps the tree's frontier (one subtree hash per set bit of its size), so the next checkpoint hashes
only the events added since: signing stays well under a second at a million events. The frontier is used only
when it reproduces the root of a checkpoint signed by a trusted key; otherwise every leaf is read again.

Checkpoints are made often enough that little of the log is ever uncovered: whenever a report is built or
published, and as soon as the uncovered tail passes the policy's number of events or minutes. That last test runs
after every commit that appends to the log (`checkpoint_after_append`), in the process that wrote, so a busy worker
cannot starve it (a check that found the tail inside the limits answers for the process's next second, as long as
its own appends cannot reach the event limit); a periodic task on the maintenance queue (`checkpoint_if_overdue`)
covers a log that has gone quiet.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from oversight.audit.keys import key_for, key_id_of, trusted_keys
from oversight.audit.log import AUDIT_APPEND_LOCK, _timestamp
from oversight.audit.merkle import RootAccumulator
from oversight.audit.offline import checkpoint_note, verify_checkpoint

log = logging.getLogger(__name__)
TILE_HEIGHT = 8  # tiles of 256 events and up


@lru_cache(maxsize=4)
def _private_key(hex_seed: str):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(hex_seed))
    except ValueError:
        raise ValueError("APP_AUDIT_SIGNING_KEY must be 64 hex characters (an Ed25519 private key)") from None


def signing_key(hex_seed: str | None = None):
    return _private_key(hex_seed or settings.AUDIT_SIGNING_KEY)


def public_key_of(private_key) -> str:
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_hex() -> str:
    return public_key_of(signing_key())


def key_id() -> str:
    return key_id_of(public_key_hex())


def stored_leaf_hashes(limit: int | None = None) -> list[bytes]:
    from oversight.models import AuditEvent

    qs = AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)
    if limit is not None:
        qs = qs[:limit]
    return [bytes(h) for h in qs.iterator(chunk_size=10_000)]


def _trusted_frontier():
    """A running root that starts from the newest checkpoint whose frontier reproduces its signed root."""
    from oversight.models import Checkpoint

    keys = trusted_keys()
    for cp in Checkpoint.objects.exclude(frontier=b"").order_by("-tree_size", "-id")[:5]:
        key, _ = key_for(cp.key_id, cp.signed_at, keys)
        if key is None or not verify_checkpoint(checkpoint_document(cp), key.public_key)[0]:
            continue
        try:
            acc = RootAccumulator.from_frontier(cp.tree_size, bytes(cp.frontier))
        except ValueError:
            continue
        if acc.root() == bytes(cp.root_hash):
            return acc
    return RootAccumulator()


def _current_tree() -> RootAccumulator:
    """The log's tree as it stands (call under the append lock)."""
    from oversight.models import AuditEvent

    acc = _trusted_frontier()
    acc.keep_from_height = TILE_HEIGHT
    rows = (AuditEvent.objects.filter(seq__gte=acc.size).order_by("seq").values_list("seq", "leaf_hash")
            .iterator(chunk_size=10_000))
    for seq, leaf in rows:
        if seq != acc.size:  # a gap: sign nothing partial, rebuild from the first leaf
            acc = RootAccumulator(keep_from_height=TILE_HEIGHT)
            for leaf_hash in stored_leaf_hashes():
                acc.append(leaf_hash)
            break
        acc.append(bytes(leaf))
    return acc


def _keep_tiles(tree: RootAccumulator) -> None:
    from oversight.models import AuditTile

    AuditTile.objects.bulk_create([AuditTile(height=h, index=i, hash=node) for h, i, node in tree.completed],
                                  ignore_conflicts=True, batch_size=5_000)
    tree.completed.clear()


def _lock() -> None:
    with connection.cursor() as cursor:
        # Same lock as appends: the size and root we sign describe one consistent moment.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_APPEND_LOCK])


def _sign(tree: RootAccumulator, private_key, signed_at: dt.datetime):
    from oversight.models import Checkpoint

    _keep_tiles(tree)
    root = tree.root()
    note = checkpoint_note(settings.AUDIT_LOG_NAME, tree.size, root, _timestamp(signed_at))
    public = public_key_of(private_key)
    return Checkpoint.objects.create(
        tree_size=tree.size, root_hash=root, signed_at=signed_at, note=note,
        signature=private_key.sign(note.encode()), key_id=key_id_of(public), public_key=public,
        frontier=tree.frontier(),
    )


def checkpoint_make(*, only_if_grown: bool = False):
    """Sign the log as it stands. With only_if_grown, do nothing when no event arrived since the last one."""
    from oversight.models import Checkpoint

    with transaction.atomic():
        _lock()
        tree = _current_tree()
        latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
        if only_if_grown and latest is not None and latest.tree_size == tree.size:
            return latest
        return _sign(tree, signing_key(), timezone.now())


def checkpoint_handover(*, new_private_hex: str) -> tuple:
    """Sign one checkpoint of the log as it stands with the current key and the same with the new key.

    Both signatures cover the same size and root at the same moment: whoever holds checkpoints of the old key
    can see the new key take over from exactly there.
    """
    with transaction.atomic():
        _lock()
        tree = _current_tree()
        now = timezone.now()
        old = _sign(tree, signing_key(), now)
        new = _sign(tree, signing_key(new_private_hex), now)
    return old, new


TAIL_LIMITS = ("audit.checkpoint_max_events", "audit.checkpoint_max_minutes")


def _tail_and_limits() -> tuple[int, dt.datetime | None, list]:
    """The uncovered tail (how many events no checkpoint covers, when the oldest was recorded) and the policy's
    limits on it in force now, in one statement: it runs after every commit that grows the log (a camera frame's
    alerts among them)."""
    from oversight.models import AuditEvent, Checkpoint
    from oversight.policy import value_from_db, value_in_force_sql

    sql = f"""
        SELECT c.covered, (SELECT e.occurred_at FROM {AuditEvent._meta.db_table} e WHERE e.seq = c.covered),
               (SELECT max(e.seq) FROM {AuditEvent._meta.db_table} e), {value_in_force_sql()}, {value_in_force_sql()}
        FROM (SELECT coalesce(max(tree_size), 0) AS covered FROM {Checkpoint._meta.db_table}) c
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, list(TAIL_LIMITS))
        covered, oldest, last, *limits = cursor.fetchone()
    limits = [value_from_db(key, raw) for key, raw in zip(TAIL_LIMITS, limits)]
    if oldest is None:
        return 0, None, limits
    return last + 1 - covered, oldest, limits


def uncovered_tail() -> tuple[int, dt.datetime | None]:
    """How many events no checkpoint covers, and when the oldest of them was recorded."""
    count, oldest, _ = _tail_and_limits()
    return count, oldest


def _overdue(count: int, oldest: dt.datetime | None, limits: list, now: dt.datetime) -> bool:
    max_events, max_minutes = limits
    return bool(count) and (count >= max_events or now - oldest >= dt.timedelta(minutes=max_minutes))


def _sign_if_overdue(now: dt.datetime):
    """Read the tail and the limits; sign a checkpoint if the tail passed them. Returns the checkpoint signed (or
    None) and the tail (count, oldest) and limits it leaves. Never raises: the write that triggered this has
    committed, and a failure here must not undo it."""
    try:
        count, oldest, limits = _tail_and_limits()
        if _overdue(count, oldest, limits, now):
            return checkpoint_make(only_if_grown=True), 0, None, limits
        return None, count, oldest, limits
    except Exception:
        log.exception("could not sign an overdue audit-log checkpoint")
    return None, None, None, None


def checkpoint_if_overdue():
    """Sign a checkpoint when the uncovered tail has passed the policy's limits; never raises."""
    return _sign_if_overdue(timezone.now())[0]


# How long a check that found the tail inside the limits answers for this process's next commits.
TAIL_CHECK_HOLDS = dt.timedelta(seconds=1)


class _TailWatch:
    """What this process's last check of the tail left: room before the event limit, and until when it holds
    (a second, or the oldest uncovered event's age limit if that comes first). A commit of fewer new events than
    the room, inside that time, cannot have passed a limit by this process's own appends, so it is not checked
    again: a camera raising alerts every few frames pays for one check a second, not one a frame. Other
    processes' appends are not counted here; they are checked by those processes, and the second bounds what
    this one can miss. Over-counting (a rolled-back append, a checkpoint signed elsewhere) only checks sooner."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.room, self.until = 0, None

    def skip(self, appended: int, now: dt.datetime) -> bool:
        with self.lock:
            if self.until is not None and now < self.until and appended < self.room:
                self.room -= appended
                return True
            return False

    def forget(self) -> None:
        with self.lock:
            self.room, self.until = 0, None

    def checked(self, count: int, oldest: dt.datetime | None, limits: list, now: dt.datetime) -> None:
        max_events, max_minutes = limits
        with self.lock:
            self.room = max_events - count
            self.until = now + TAIL_CHECK_HOLDS
            if oldest is not None:
                self.until = min(self.until, oldest + dt.timedelta(minutes=max_minutes))


_tail_watch = _TailWatch()


def tail_limits_changed() -> None:
    """A new version of a limit was committed: this process's next append is checked against it at once."""
    _tail_watch.forget()


def checkpoint_after_append(appended: int):
    """After a commit that appended `appended` events: sign a checkpoint if the tail passed the policy's limits,
    unless this process checked it within the last second and its own appends since cannot have passed them
    (`_TailWatch`). Never raises."""
    now = timezone.now()
    if _tail_watch.skip(appended, now):
        return None
    signed, count, oldest, limits = _sign_if_overdue(now)
    if limits is not None:  # a failed check leaves nothing to go by: the next commit checks again
        _tail_watch.checked(count, oldest, limits, now)
    return signed


def checkpoint_document(checkpoint) -> dict:
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": bytes(checkpoint.root_hash).hex(),
        "signed_at": _timestamp(checkpoint.signed_at),
        "note": checkpoint.note,
        "signature": bytes(checkpoint.signature).hex(),
        "key_id": checkpoint.key_id,
        "public_key": checkpoint.public_key,
    }


def published_checkpoints() -> list[dict]:
    """Every checkpoint, oldest first, as the public site and a witness file carry them."""
    from oversight.models import Checkpoint

    return [checkpoint_document(cp) for cp in Checkpoint.objects.order_by("tree_size", "id")]


def witness_document() -> dict:
    """What an outside party keeps: every signed checkpoint, the keys, and the leaf hashes the newest covers.

    The leaf hashes let `audit verify --witness` name the exact entry that changed, not only the checkpoint
    interval it lies in; they are hashes of the events, not the events.
    """
    import base64

    from oversight.audit.keys import pinned_keys_document

    checkpoints = published_checkpoints()
    newest = max((c["tree_size"] for c in checkpoints), default=0)
    leaves = b"".join(stored_leaf_hashes(limit=newest))
    return {
        "kind": "audit-log-witness",
        "log": settings.AUDIT_LOG_NAME,
        "witnessed_at": _timestamp(timezone.now()),
        "keys": pinned_keys_document()["keys"],
        "checkpoints": checkpoints,
        "leaf_hashes": {"tree_size": newest, "base64": base64.b64encode(leaves).decode()},
    }


def audit_key_rotate(*, actor, new_private_hex: str) -> dict:
    """Hand the log over to a new signing key: an audited event, then one checkpoint signed by both keys.

    Returns the old and new checkpoints and the trusted-keys list to configure from now on: the old key for the
    period up to the hand-over, the new key from it. The caller stores the new key where the log's signer reads it.
    """
    from oversight.audit import actions
    from oversight.audit.keys import TrustedKey
    from oversight.audit.log import audit_record

    new_key = signing_key(new_private_hex)  # refuses a malformed key before anything is written
    old_public, new_public = public_key_hex(), public_key_of(new_key)
    if old_public == new_public:
        raise ValueError("the new signing key is the key already in use")
    with transaction.atomic():
        audit_record(actor=actor, action=actions.AUDIT_KEY_ROTATE, object_type="oversight.checkpoint",
                     old={"public_key": old_public, "key_id": key_id_of(old_public)},
                     new={"public_key": new_public, "key_id": key_id_of(new_public)},
                     reason="signing key rotated")
        old_cp, new_cp = checkpoint_handover(new_private_hex=new_private_hex)
    current = trusted_keys()
    retired = [k for k in current if not k.current]
    old_entry = TrustedKey(old_public, current[0].valid_from, old_cp.signed_at)
    new_entry = TrustedKey(new_public, new_cp.signed_at, None)
    return {"old_checkpoint": old_cp, "new_checkpoint": new_cp,
            "trusted_keys": ",".join(k.entry() for k in retired + [old_entry, new_entry])}
