"""Signed checkpoints of the audit log (tree size, root hash, time, Ed25519 signature)."""
from __future__ import annotations

import hashlib
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from oversight.audit.log import AUDIT_APPEND_LOCK, _timestamp
from oversight.audit.merkle import root_from_leaf_hashes
from oversight.audit.offline import checkpoint_note


@lru_cache(maxsize=4)
def _private_key(hex_seed: str):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(hex_seed))
    except ValueError:
        raise ValueError("APP_AUDIT_SIGNING_KEY must be 64 hex characters (an Ed25519 private key)") from None


def signing_key():
    return _private_key(settings.AUDIT_SIGNING_KEY)


def public_key_hex() -> str:
    from cryptography.hazmat.primitives import serialization

    raw = signing_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def key_id() -> str:
    return hashlib.sha256(bytes.fromhex(public_key_hex())).hexdigest()[:16]


def stored_leaf_hashes(limit: int | None = None) -> list[bytes]:
    from oversight.models import AuditEvent

    qs = AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)
    if limit is not None:
        qs = qs[:limit]
    return [bytes(h) for h in qs.iterator(chunk_size=10_000)]


def checkpoint_make(*, only_if_grown: bool = False):
    """Sign the log as it stands. With only_if_grown, do nothing when no event arrived since the last one."""
    from oversight.models import Checkpoint

    with transaction.atomic():
        with connection.cursor() as cursor:
            # Same lock as appends: the size and root we sign describe one consistent moment.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_APPEND_LOCK])
        hashes = stored_leaf_hashes()
        latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
        if only_if_grown and latest is not None and latest.tree_size == len(hashes):
            return latest
        root = root_from_leaf_hashes(hashes)
        signed_at = timezone.now()
        note = checkpoint_note(settings.AUDIT_LOG_NAME, len(hashes), root, _timestamp(signed_at))
        return Checkpoint.objects.create(
            tree_size=len(hashes),
            root_hash=root,
            signed_at=signed_at,
            note=note,
            signature=signing_key().sign(note.encode()),
            key_id=key_id(),
            public_key=public_key_hex(),
        )


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
