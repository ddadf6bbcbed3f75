"""Inclusion and consistency proofs of the audit log, as documents that `offline.py` can check."""
from __future__ import annotations

from oversight.audit.checkpoints import TILE_HEIGHT, checkpoint_document, stored_leaf_hashes
from oversight.audit.log import event_document
from oversight.audit.merkle import consistency_proof, hex_proof, node_hash, root_from_leaf_hashes


class ProofUnavailable(ValueError):
    pass


BLOCK = 1 << TILE_HEIGHT


class TiledTree:
    """Subtree hashes of the stored log, read from the tiles kept at each checkpoint and, below a tile's size,
    from the leaf hashes of one block: a proof at a million events reads a few dozen rows, not a million.

    A range without its tile (a log signed before tiles were kept) is computed from its halves, so the answer
    is always the RFC 9162 hash; tiles only make it cheaper.
    """

    def __init__(self) -> None:
        self._blocks: dict[int, list[bytes]] = {}
        self._tiles: dict[tuple[int, int], bytes | None] = {}

    def _leaf(self, i: int) -> bytes:
        from oversight.models import AuditEvent

        block = i // BLOCK
        if block not in self._blocks:
            self._blocks[block] = [bytes(h) for h in AuditEvent.objects.filter(
                seq__gte=block * BLOCK, seq__lt=(block + 1) * BLOCK).order_by("seq").values_list("leaf_hash", flat=True)]
        return self._blocks[block][i - block * BLOCK]

    def _tile(self, height: int, index: int) -> bytes | None:
        from oversight.models import AuditTile

        if (height, index) not in self._tiles:
            found = AuditTile.objects.filter(height=height, index=index).values_list("hash", flat=True).first()
            self._tiles[(height, index)] = bytes(found) if found is not None else None
        return self._tiles[(height, index)]

    def root(self, lo: int, hi: int) -> bytes:
        size = hi - lo
        if size == 1:
            return self._leaf(lo)
        if size >= BLOCK and size & (size - 1) == 0 and lo % size == 0:
            tile = self._tile(size.bit_length() - 1, lo // size)
            if tile is not None:
                return tile
        k = 1 << ((size - 1).bit_length() - 1)
        return node_hash(self.root(lo, lo + k), self.root(lo + k, hi))

    def _plan(self, lo: int, hi: int, tiles: set, blocks: set) -> None:
        """The tiles and leaf blocks `root(lo, hi)` will read, so they are fetched in two queries, not dozens."""
        size = hi - lo
        if size >= BLOCK and size & (size - 1) == 0 and lo % size == 0:
            tiles.add((size.bit_length() - 1, lo // size))
            return
        if size <= BLOCK:
            blocks.update(range(lo // BLOCK, (hi - 1) // BLOCK + 1))
            return
        k = 1 << ((size - 1).bit_length() - 1)
        self._plan(lo, lo + k, tiles, blocks)
        self._plan(lo + k, hi, tiles, blocks)

    def prefetch(self, ranges) -> None:
        """Read every tile and leaf block the ranges need: two plain statements (a path is on every request of a
        proof, and building dozens of ORM filters costs more than the database's work)."""
        from django.db import connection

        from oversight.models import AuditEvent, AuditTile

        tiles, blocks = set(), set()
        for lo, hi in ranges:
            self._plan(lo, hi, tiles, blocks)
        blocks -= set(self._blocks)
        with connection.cursor() as cursor:
            if tiles:
                heights, indexes = zip(*sorted(tiles))
                cursor.execute(f"SELECT t.height, t.index, t.hash FROM {AuditTile._meta.db_table} t "
                               "JOIN unnest(%s::smallint[], %s::bigint[]) AS want(height, index) "
                               "ON t.height = want.height AND t.index = want.index", [list(heights), list(indexes)])
                self._tiles.update(dict.fromkeys(tiles))
                self._tiles.update({(h, i): bytes(x) for h, i, x in cursor.fetchall()})
            if blocks:
                found: dict[int, list[bytes]] = {block: [] for block in blocks}
                cursor.execute(f"SELECT e.seq, e.leaf_hash FROM unnest(%s::bigint[]) AS block(start) "
                               f"JOIN {AuditEvent._meta.db_table} e ON e.seq >= block.start AND e.seq < block.start + %s "
                               "ORDER BY e.seq", [[b * BLOCK for b in sorted(blocks)], BLOCK])
                for seq, leaf in cursor.fetchall():
                    found[seq // BLOCK].append(bytes(leaf))
                self._blocks.update(found)

    def _path_ranges(self, index: int, size: int) -> list[tuple[int, int]]:
        lo, hi, ranges = 0, size, []
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if index < lo + k:
                ranges.append((lo + k, hi))
                hi = lo + k
            else:
                ranges.append((lo, lo + k))
                lo += k
        return ranges

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, leaf side first."""
        ranges = self._path_ranges(index, size)
        self.prefetch(ranges)
        return [self.root(lo, hi) for lo, hi in ranges][::-1]


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
    return {
        "log": checkpoint.note.split("\n", 1)[0],
        "leaf_index": seq,
        "tree_size": checkpoint.tree_size,
        "leaf_hash": bytes(event.leaf_hash).hex(),
        "event": event_document(event),
        "proof": hex_proof(TiledTree().inclusion_path(seq, checkpoint.tree_size)),
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
