"""The proof a report ends with: the signed checkpoint it was built from, the whole log verified against it,
and inclusion proofs of the events it cites, each checked by the offline verifier an auditor would use.

Proof documents have exactly the shape of `oversight.audit.proofs.inclusion_document`. They are built here
from one read of the leaf hashes (a tree of subtree hashes computed once) rather than one read per proof:
a report cites hundreds of events. `verify_inclusion_document` then checks each one from scratch.
"""
from __future__ import annotations

from dataclasses import dataclass

from oversight.audit.checkpoints import checkpoint_document, stored_leaf_hashes
from oversight.audit.keys import key_for
from oversight.audit.log import event_document
from oversight.audit.merkle import EMPTY_ROOT, hex_proof, node_hash
from oversight.audit.offline import verify_checkpoint, verify_inclusion_document
from oversight.audit.verify import verify_log
from oversight.models import AuditEvent, Checkpoint


def _split(size: int) -> int:
    """The largest power of two strictly smaller than `size` (RFC 9162 section 2.1.1)."""
    return 1 << ((size - 1).bit_length() - 1)


class MerkleTree:
    """Subtree hashes of a fixed list of leaf hashes: each perfect subtree is hashed once, on construction."""

    def __init__(self, leaves: list[bytes]):
        self.size = len(leaves)
        self.levels = [leaves]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
        self._memo: dict[tuple[int, int], bytes] = {}

    def root(self, lo: int = 0, hi: int | None = None) -> bytes:
        hi = self.size if hi is None else hi
        size = hi - lo
        if size == 0:
            return EMPTY_ROOT
        if size & (size - 1) == 0 and lo % size == 0:
            level = size.bit_length() - 1
            return self.levels[level][lo >> level]
        if (lo, hi) not in self._memo:
            k = _split(size)
            self._memo[(lo, hi)] = node_hash(self.root(lo, lo + k), self.root(lo + k, hi))
        return self._memo[(lo, hi)]

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]), leaf side first, as RFC 9162 section 2.1.3.1 orders it."""
        if not 0 <= index < size <= self.size:
            raise ValueError(f"no leaf {index} in a tree of {size}")
        lo, hi, path = 0, size, []
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self.root(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.root(lo, lo + k))
                lo += k
        return path[::-1]


@dataclass
class CitedProof:
    seq: int
    action: str
    object_type: str
    object_id: str
    leaf_hash: str
    path_length: int
    ok: bool
    message: str
    document: dict


def audit_log_proof(*, checkpoint: Checkpoint, cited_seqs, progress=None) -> dict:
    """Verify the log against every checkpoint, then prove and check each cited event against `checkpoint`."""
    doc = checkpoint_document(checkpoint)
    key, checkpoint_why = key_for(checkpoint.key_id, checkpoint.signed_at)
    public_key = key.public_key if key else ""
    checkpoint_ok, checkpoint_why = verify_checkpoint(doc, public_key) if key else (False, checkpoint_why)
    report = verify_log(progress=progress)
    leaves = stored_leaf_hashes(limit=checkpoint.tree_size)
    tree = MerkleTree(leaves)
    root_matches = tree.root() == bytes(checkpoint.root_hash) and len(leaves) == checkpoint.tree_size
    seqs = sorted({s for s in cited_seqs if s < checkpoint.tree_size})
    proofs = []
    log_name = checkpoint.note.split("\n", 1)[0]
    for event in AuditEvent.objects.filter(seq__in=seqs).order_by("seq"):
        document = {
            "log": log_name,
            "leaf_index": event.seq,
            "tree_size": checkpoint.tree_size,
            "leaf_hash": bytes(event.leaf_hash).hex(),
            "event": event_document(event),
            "proof": hex_proof(tree.inclusion_path(event.seq, checkpoint.tree_size)),
            "checkpoint": doc,
        }
        ok, message = verify_inclusion_document(document, public_key)
        proofs.append(CitedProof(seq=event.seq, action=event.action, object_type=event.object_type,
                                 object_id=event.object_id, leaf_hash=document["leaf_hash"],
                                 path_length=len(document["proof"]), ok=ok, message=message, document=document))
    return {
        "log": log_name,
        "checkpoint": doc,
        "checkpoint_ok": checkpoint_ok,
        "checkpoint_message": checkpoint_why,
        "root_matches": root_matches,
        "verify": {
            "ok": report.ok,
            "entries": report.entries,
            "checkpoints_checked": report.checkpoints_checked,
            "uncovered_entries": report.uncovered_entries,
            "failures": [f.describe() for f in report.failures[:20]],
            "failure_count": len(report.failures),
        },
        "proofs": proofs,
        "uncited_newer": sorted({s for s in cited_seqs if s >= checkpoint.tree_size}),
        "all_ok": checkpoint_ok and root_matches and report.ok and all(p.ok for p in proofs),
    }


def proof_bundle(proof: dict, *, title: str, period) -> dict:
    """One document an outsider checks as it stands: the checkpoint, the key, and every cited event's proof.

    `python -m oversight.audit.offline BUNDLE --key KEY` accepts it, or names the first event that fails.
    """
    from collections import Counter

    from oversight.audit.keys import pinned_keys_document

    kinds = Counter(p.object_type.split(".")[-1] for p in proof["proofs"])
    return {
        "kind": "audit-proof-bundle",
        "version": 1,
        "log": proof["log"],
        "report": {"title": title, "period_start": period[0], "period_end": period[1]},
        "checkpoint": proof["checkpoint"],
        "keys": pinned_keys_document()["keys"],
        "cites": dict(sorted(kinds.items())),
        "proofs": [{k: p.document[k] for k in ("leaf_index", "leaf_hash", "event", "proof")}
                   for p in proof["proofs"]],
    }
