"""Verifying the whole audit log against signed checkpoints and, above all, against witnesses.

Nothing stored is trusted: each leaf is recomputed from the event's content, the tree roots are rebuilt from those
leaves, and every checkpoint is checked with a key pinned in configuration (`keys.py`), never with a key the row
carries. Checkpoints in the database can still be deleted or replaced by someone who controls the database, so
the strongest check is against a witness: a file of published checkpoints (and their leaf hashes) that an outside
party saved earlier with `manage.py audit witness`. Any entry at or below a witnessed size that was altered,
deleted, moved or dropped then fails, and is named.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field

from oversight.audit.checkpoints import checkpoint_document
from oversight.audit.keys import TrustedKey, key_for, trusted_keys
from oversight.audit.log import event_document, event_leaf_hash, event_rows
from oversight.audit.merkle import RootAccumulator, consistency_proof, leaf_hash, verify_consistency
from oversight.audit.offline import canonical_event_bytes, parse_time, verify_checkpoint

MAX_FAILURES = 50
NEARBY = 8  # how far a moved entry is looked for among the witnessed leaves


@dataclass
class Failure:
    seq: int | None
    problem: str

    def describe(self) -> str:
        return f"entry {self.seq}: {self.problem}" if self.seq is not None else self.problem


@dataclass
class Witness:
    """One witness file: who saved it (its name), the checkpoints it holds, the leaf hashes it holds."""

    name: str
    checkpoints: list[dict]
    leaves: bytes = b""

    @classmethod
    def from_document(cls, name: str, doc) -> "Witness":
        if not isinstance(doc, dict) or not isinstance(doc.get("checkpoints"), list):
            raise ValueError(f"{name} is not a witness file (no list of checkpoints)")
        leaves = b""
        if isinstance(doc.get("leaf_hashes"), dict):
            leaves = base64.b64decode(doc["leaf_hashes"].get("base64") or "")
            if len(leaves) % 32:
                raise ValueError(f"{name}: its leaf hashes are not whole 32-byte hashes")
        return cls(name, doc["checkpoints"], leaves)

    def leaf(self, seq: int) -> bytes | None:
        return self.leaves[seq * 32:(seq + 1) * 32] if (seq + 1) * 32 <= len(self.leaves) else None


@dataclass
class VerificationReport:
    entries: int = 0
    checkpoints_checked: int = 0
    latest_checkpoint: object | None = None
    latest_key: TrustedKey | None = None
    failures: list[Failure] = field(default_factory=list)
    uncovered_entries: int = 0
    witnesses: int = 0
    witnessed_size: int = 0
    oldest_uncovered_at: object | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def first_failure(self) -> Failure | None:
        return self.failures[0] if self.failures else None

    @property
    def unwitnessed_entries(self) -> int:
        return max(0, self.entries - self.witnessed_size)


def _describe(event) -> str:
    what = f"{event.action} of {event.object_type} {event.object_id}".strip()
    return f"{what}, recorded {event.occurred_at:%Y-%m-%d %H:%M:%S}"


def _moved_from(event, seq: int, witness: Witness) -> int | None:
    """The witnessed position whose leaf this event's content reproduces, when given that position's number."""
    document = event_document(event)
    for other in range(max(0, seq - NEARBY), seq + NEARBY + 1):
        expected = witness.leaf(other)
        if other == seq or expected is None:
            continue
        if leaf_hash(canonical_event_bytes(dict(document, seq=other))) == expected:
            return other
    return None


def verify_log(*, witnesses: list[Witness] = (), progress=None) -> VerificationReport:
    from oversight.models import AuditEvent, Checkpoint

    report = VerificationReport(witnesses=len(witnesses))
    failures = report.failures
    keys = trusted_keys()

    def fail(seq, problem):
        if len(failures) < MAX_FAILURES:
            failures.append(Failure(seq, problem))

    # Checkpoints in the database: only those signed by a pinned key, in its period, count.
    expected_roots: dict[int, list[tuple[str, bytes]]] = {}
    frontiers: dict[int, bytes] = {}  # a signed checkpoint's subtree hashes narrow down where a change lies
    good_sizes = [0]
    for cp in Checkpoint.objects.order_by("tree_size", "id"):
        label = f"the checkpoint of size {cp.tree_size} signed at {cp.signed_at:%Y-%m-%d %H:%M:%S}"
        key, why = key_for(cp.key_id, cp.signed_at, keys)
        if key is not None:
            ok, why = verify_checkpoint(checkpoint_document(cp), key.public_key)
            key = key if ok else None
        if key is None:
            fail(None, f"{label}: {why}")
            continue
        report.checkpoints_checked += 1
        report.latest_checkpoint, report.latest_key = cp, key
        expected_roots.setdefault(cp.tree_size, []).append((label, bytes(cp.root_hash)))
        good_sizes.append(cp.tree_size)
        try:
            if RootAccumulator.from_frontier(cp.tree_size, bytes(cp.frontier)).root() == bytes(cp.root_hash):
                frontiers[cp.tree_size] = bytes(cp.frontier)
        except ValueError:
            pass

    # Witnessed checkpoints: each must be one of ours, and still be in the database.
    stored = {(c.tree_size, bytes(c.root_hash), bytes(c.signature)) for c in Checkpoint.objects.all()}
    for witness in witnesses:
        for doc in witness.checkpoints:
            try:
                size, root = int(doc["tree_size"]), bytes.fromhex(doc["root_hash"])
                signed_at = doc["signed_at"]
                label = f"the checkpoint of size {size} signed at {signed_at} that {witness.name} holds"
                key, why = key_for(doc.get("key_id") or "", parse_time(signed_at), keys)
                ok, why = verify_checkpoint(doc, key.public_key) if key else (False, why)
                signature = bytes.fromhex(doc["signature"])
            except (KeyError, ValueError, TypeError) as exc:
                fail(None, f"{witness.name} holds a malformed checkpoint: {exc}")
                continue
            if not ok:
                fail(None, f"{label}: {why}")
                continue
            report.witnessed_size = max(report.witnessed_size, size)
            expected_roots.setdefault(size, []).append((label, root))
            if (size, root, signature) not in stored:
                fail(None, f"{label} is missing from the database (a signed checkpoint was removed or replaced)")

    leaves_witness = max(witnesses, key=lambda w: len(w.leaves), default=None)
    last_named = -1  # the entry a witness mismatch was last named at, so one change is named once
    differing = 0  # entries that differ from the witness; the first few are named, the rest counted
    accumulator = RootAccumulator()
    previous_time = None
    covered_ok = 0  # the largest size whose expected roots all matched

    def _narrow(lo: int, size: int) -> tuple[int, int]:
        """The smallest run of entries whose hashes differ from the signed checkpoint's own subtree hashes."""
        if size not in frontiers:
            return lo, size - 1
        signed = RootAccumulator.from_frontier(size, frontiers[size])
        start = 0
        for (height, ours), (_, theirs) in zip(accumulator._subtrees, signed._subtrees):
            end = start + (1 << height)
            if ours != theirs:
                return max(lo, start), end - 1
            start = end
        return lo, size - 1

    def check_roots_at(size: int) -> None:
        nonlocal covered_ok, last_named
        if size not in expected_roots:
            return  # the root is only compared where a checkpoint or a witness states one
        root, fine = accumulator.root(), True
        for label, expected in expected_roots.get(size, []):
            if expected != root:
                fine = False
                if last_named < covered_ok:  # nothing within this interval was named yet
                    lo, hi = _narrow(covered_ok, size)
                    where = f"entry {lo} was" if hi == lo else f"an entry from {lo} to {hi} was"
                    fail(lo, f"the log no longer matches {label}: {where} altered, moved or removed")
                    last_named = size - 1
        if fine and size in expected_roots:
            covered_ok = size

    check_roots_at(0)
    total = AuditEvent.objects.count()
    keep_leaves = bool(witnesses)  # for the consistency proof below, without reading the log a second time
    leaves: list[bytes] = []
    stopped = False
    for event in event_rows(AuditEvent.objects.all()):
        seq = accumulator.size
        if event.seq != seq:
            fail(seq, f"missing: the log jumps from entry {seq - 1} to entry {event.seq}")
            stopped = True
            break
        recomputed = event_leaf_hash(event)
        if recomputed != bytes(event.leaf_hash):
            fail(seq, f"its content ({_describe(event)}) does not match its recorded hash: altered or moved")
            last_named = seq
        witnessed = leaves_witness.leaf(seq) if leaves_witness else None
        if witnessed is not None and recomputed != witnessed:
            differing += 1
        if witnessed is not None and recomputed != witnessed and last_named != seq and differing <= 5:
            origin = _moved_from(event, seq, leaves_witness)
            if origin is not None and origin > seq:
                fail(seq, f"missing: the entry now numbered {seq} ({_describe(event)}) is the witnessed entry "
                          f"{origin}; entries were deleted and the rest renumbered")
            elif origin is not None:
                fail(seq, f"moved: the entry now numbered {seq} ({_describe(event)}) is the witnessed entry {origin}")
            else:
                fail(seq, f"altered after {leaves_witness.name} saw it: it now reads {_describe(event)} "
                          f"(hash {recomputed.hex()[:16]}…, witnessed {witnessed.hex()[:16]}…)")
            last_named = seq
        if previous_time is not None and event.occurred_at < previous_time:
            fail(seq, "recorded earlier than the entry before it (reordered)")
            last_named = seq
        if seq == max(good_sizes):
            report.oldest_uncovered_at = event.occurred_at
        previous_time = event.occurred_at
        accumulator.append(recomputed)
        if keep_leaves:
            leaves.append(recomputed)
        check_roots_at(accumulator.size)
        if progress:
            progress(accumulator.size, total)
        if len(failures) >= MAX_FAILURES:
            stopped = True
            break
    report.entries = accumulator.size if not stopped else total
    if differing > 5:
        fail(None, f"{differing} entries in all differ from what {leaves_witness.name} saw")

    largest = max(expected_roots, default=0)
    if not stopped and accumulator.size < largest:
        label = max((lbl for lbl, _ in expected_roots[largest]), key=lambda lbl: "holds" in lbl)
        fail(accumulator.size, f"missing: {label} covers entries up to {largest - 1}, "
                               f"the log ends at {accumulator.size - 1}")

    # The witnesses' newest view must be a prefix of the log's newest signed view (RFC 9162 consistency).
    if not stopped and not failures and report.witnessed_size and report.latest_checkpoint is not None:
        old, new = report.witnessed_size, report.latest_checkpoint.tree_size
        if 0 < old < new:
            hashes = leaves[:new]
            old_root = next(r for _, r in expected_roots[old])
            if not verify_consistency(old, new, old_root, bytes(report.latest_checkpoint.root_hash),
                                      consistency_proof(old, new, hashes)):
                fail(None, f"the newest checkpoint (size {new}) is not consistent with the witnessed one (size {old})")

    report.uncovered_entries = max(0, report.entries - max(good_sizes))
    failures.sort(key=lambda f: (f.seq is None, f.seq if f.seq is not None else 0))
    return report
