"""Inclusion and consistency proofs of the audit log, as documents that `offline.py` can check."""
from __future__ import annotations

from oversight.audit.checkpoints import checkpoint_document, stored_leaf_hashes
from oversight.audit.log import event_document
from oversight.audit.merkle import consistency_proof, hex_proof, inclusion_proof, root_from_leaf_hashes


class ProofUnavailable(ValueError):
    pass


def _checkpoint_for(size: int | None):
    from oversight.models import Checkpoint

    qs = Checkpoint.objects.order_by("-tree_size", "-id")
    checkpoint = qs.filter(tree_size=size).first() if size is not None else qs.first()
    if checkpoint is None:
        raise ProofUnavailable(
            f"no signed checkpoint of size {size}" if size is not None else "no signed checkpoint exists yet"
        )
    return checkpoint


def inclusion_document(seq: int, *, tree_size: int | None = None) -> dict:
    """Proof that event `seq` is in the log signed by the checkpoint of `tree_size` (latest by default)."""
    from oversight.models import AuditEvent

    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise ProofUnavailable(f"there is no audit event {seq}")
    checkpoint = _checkpoint_for(tree_size)
    if seq >= checkpoint.tree_size:
        raise ProofUnavailable(
            f"event {seq} is newer than the checkpoint of size {checkpoint.tree_size}; make a new checkpoint first"
        )
    hashes = stored_leaf_hashes(limit=checkpoint.tree_size)
    return {
        "log": checkpoint.note.split("\n", 1)[0],
        "leaf_index": seq,
        "tree_size": checkpoint.tree_size,
        "leaf_hash": bytes(event.leaf_hash).hex(),
        "event": event_document(event),
        "proof": hex_proof(inclusion_proof(seq, hashes)),
        "checkpoint": checkpoint_document(checkpoint),
    }


def consistency_document(old_size: int, new_size: int) -> dict:
    """Proof that the log of `new_size` entries begins with the log of `old_size` entries, unchanged."""
    hashes = stored_leaf_hashes()
    if not 0 < old_size <= new_size <= len(hashes):
        raise ProofUnavailable(f"sizes must satisfy 0 < from ≤ to ≤ {len(hashes)} (the log's size)")
    from oversight.models import Checkpoint

    doc = {
        "old_size": old_size,
        "new_size": new_size,
        "old_root": root_from_leaf_hashes(hashes[:old_size]).hex(),
        "new_root": root_from_leaf_hashes(hashes[:new_size]).hex(),
        "proof": hex_proof(consistency_proof(old_size, new_size, hashes[:new_size])),
    }
    # When checkpoints exist at these sizes, include them so a verifier can tie the roots to signatures.
    for label, size in (("old_checkpoint", old_size), ("new_checkpoint", new_size)):
        cp = Checkpoint.objects.filter(tree_size=size).order_by("-id").first()
        if cp is not None:
            doc[label] = checkpoint_document(cp)
    return doc
