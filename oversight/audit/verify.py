"""Verifying the whole audit log against its signed checkpoints.

Nothing stored is trusted: each leaf is recomputed from the event's content, the tree roots are rebuilt
from those leaves, and every checkpoint's signature and root are checked against them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from oversight.audit.checkpoints import checkpoint_document
from oversight.audit.log import event_leaf_hash
from oversight.audit.merkle import node_hash, root_from_leaf_hashes
from oversight.audit.offline import verify_checkpoint


class RootAccumulator:
    """Running RFC 9162 root: keeps one perfect-subtree hash per set bit of the size (O(log n) memory)."""

    def __init__(self) -> None:
        self.size = 0
        self._subtrees: list[tuple[int, bytes]] = []  # (height, hash), largest first

    def append(self, leaf: bytes) -> None:
        height, node = 0, leaf
        while self._subtrees and self._subtrees[-1][0] == height:
            _, left = self._subtrees.pop()
            node = node_hash(left, node)
            height += 1
        self._subtrees.append((height, node))
        self.size += 1

    def root(self) -> bytes:
        if not self._subtrees:
            return root_from_leaf_hashes([])
        node = self._subtrees[-1][1]
        for _, left in reversed(self._subtrees[:-1]):
            node = node_hash(left, node)
        return node


@dataclass
class Failure:
    seq: int | None
    problem: str

    def describe(self) -> str:
        return f"entry {self.seq}: {self.problem}" if self.seq is not None else self.problem


@dataclass
class VerificationReport:
    entries: int = 0
    checkpoints_checked: int = 0
    latest_checkpoint: object | None = None
    failures: list[Failure] = field(default_factory=list)
    uncovered_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def first_failure(self) -> Failure | None:
        return self.failures[0] if self.failures else None


def verify_log(*, progress=None) -> VerificationReport:
    from oversight.models import AuditEvent, Checkpoint

    report = VerificationReport()
    checkpoints = list(Checkpoint.objects.order_by("tree_size", "id"))
    by_size: dict[int, list] = {}
    for cp in checkpoints:
        by_size.setdefault(cp.tree_size, []).append(cp)
    report.latest_checkpoint = checkpoints[-1] if checkpoints else None

    accumulator = RootAccumulator()
    previous_time = None
    last_good_size = 0

    def check_checkpoints_at(size: int) -> None:
        nonlocal last_good_size
        root = accumulator.root()
        for cp in by_size.get(size, []):
            report.checkpoints_checked += 1
            ok, why = verify_checkpoint(checkpoint_document(cp))
            if not ok:
                report.failures.append(Failure(None, f"checkpoint of size {cp.tree_size}: {why}"))
            elif bytes(cp.root_hash) != root:
                report.failures.append(Failure(
                    last_good_size if last_good_size < size else size - 1,
                    f"the log no longer matches the checkpoint of size {size} signed at {cp.signed_at:%Y-%m-%d %H:%M:%S}: "
                    f"an entry from {last_good_size} to {size - 1} was altered",
                ))
            else:
                last_good_size = size

    check_checkpoints_at(0)
    total = AuditEvent.objects.count()
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=5_000):
        expected = accumulator.size
        if event.seq != expected:
            report.failures.append(Failure(expected, f"missing: the log jumps from entry {expected - 1} to {event.seq}"))
            break
        recomputed = event_leaf_hash(event)
        if recomputed != bytes(event.leaf_hash):
            report.failures.append(Failure(event.seq, f"content does not match its recorded hash "
                                                      f"(altered or moved; action now reads {event.action!r})"))
        if previous_time is not None and event.occurred_at < previous_time:
            report.failures.append(Failure(event.seq, "recorded earlier than the entry before it (reordered)"))
        previous_time = event.occurred_at
        accumulator.append(recomputed)
        check_checkpoints_at(accumulator.size)
        if progress:
            progress(accumulator.size, total)
    report.entries = accumulator.size

    largest = max(by_size) if by_size else 0
    if accumulator.size < largest and not report.failures:
        report.failures.append(Failure(
            accumulator.size, f"missing: the checkpoint of size {largest} covers entries up to {largest - 1}, "
                              f"the log ends at {accumulator.size - 1}"))
    report.uncovered_entries = max(0, accumulator.size - largest)
    report.failures.sort(key=lambda f: (f.seq is None, f.seq if f.seq is not None else 0))
    return report
