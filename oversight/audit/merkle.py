"""Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1.

Pure Python, standard library only.  The hashing is the RFC 6962 / RFC 9162
scheme with SHA-256, so roots and proofs produced here agree with every other
CT-compatible implementation (certificate-transparency-go, transparency-dev,
Trillian, Sigstore Rekor, ...)::

    leaf hash  = SHA-256(0x00 || leaf data)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256("")                    (the empty tree)

The split for a tree of ``n > 1`` leaves is at ``k``, the largest power of two
strictly smaller than ``n`` (not at the midpoint).

The module has two halves:

* **Computing** (server side): :func:`leaf_hash`, :func:`node_hash`,
  :func:`root_from_leaf_hashes`, :func:`inclusion_proof`,
  :func:`consistency_proof`, plus :func:`hex_proof` / :func:`proof_from_hex`
  for JSON transport.  These work on a sequence of *leaf hashes* (32-byte
  values already passed through :func:`leaf_hash`), are iterative (no
  recursion, so a million leaves is fine) and run in O(n) time and
  O(log n) extra memory.  They raise ``ValueError`` for out-of-range
  indices/sizes or hashes of the wrong length, and ``TypeError`` for
  arguments of the wrong type.

* **Verification** (anyone, e.g. an external auditor): :func:`verify_inclusion`
  and :func:`verify_consistency`, at the bottom of the file.  That section is
  self-contained (it only needs ``hashlib``, ``hmac`` and ``operator``) so it
  can be copied verbatim into an auditor's own script.  The verifiers never
  raise: any malformed input simply yields ``False``.

Note that a Merkle root does not commit to the tree size: the size must come
from the same signed statement as the root (a signed tree head), never from
the party that supplies the proof.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

__all__ = [
    "HASH_SIZE",
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "inclusion_proof",
    "consistency_proof",
    "hex_proof",
    "proof_from_hex",
    "verify_inclusion",
    "verify_consistency",
]

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32

#: MTH of the empty tree: SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_BYTES_TYPES = (bytes, bytearray, memoryview)
_HEX_HASH_RE = re.compile(r"[0-9a-fA-F]{%d}" % (2 * HASH_SIZE))


# ---------------------------------------------------------------------------
# Computing (server side)
# ---------------------------------------------------------------------------


def _as_hash(value: object, what: str) -> bytes:
    """Return ``value`` as ``bytes`` if it is a 32-byte value, else raise."""
    if type(value) is bytes:
        if len(value) == HASH_SIZE:
            return value
    elif isinstance(value, _BYTES_TYPES):
        value = bytes(value)
        if len(value) == HASH_SIZE:
            return value
    else:
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    raise ValueError(f"{what} must be {HASH_SIZE} bytes long, got {len(value)}")


def _as_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return value


def _split_point(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (requires n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree_root(leaf_hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) computed iteratively in O(hi - lo) time, O(log n) memory.

    Leaves are pushed on a stack of perfect subtrees; after pushing the c-th
    leaf, the number of merges is the number of trailing zero bits of c.  The
    remaining stack (perfect subtrees of strictly decreasing size) is folded
    right to left, which is exactly the RFC's "largest power of two" split.
    """
    if hi <= lo:
        return EMPTY_ROOT
    sha256 = hashlib.sha256
    stack: list[bytes] = []
    count = 0
    for i in range(lo, hi):
        stack.append(_as_hash(leaf_hashes[i], f"leaf_hashes[{i}]"))
        count += 1
        c = count
        while not c & 1:
            right = stack.pop()
            stack[-1] = sha256(_NODE_PREFIX + stack[-1] + right).digest()
            c >>= 1
    root = stack.pop()
    while stack:
        root = sha256(_NODE_PREFIX + stack.pop() + root).digest()
    return root


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 leaf hash ``SHA-256(0x00 || data)``."""
    if not isinstance(data, _BYTES_TYPES):
        raise TypeError(f"leaf data must be bytes, not {type(data).__name__}")
    h = hashlib.sha256(_LEAF_PREFIX)
    h.update(data)
    return h.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash ``SHA-256(0x01 || left || right)``.

    Both children must be 32-byte hashes.
    """
    left = _as_hash(left, "left")
    right = _as_hash(right, "right")
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]), the Merkle Tree Hash of a list of leaf hashes.

    ``hashes`` are leaf hashes (outputs of :func:`leaf_hash`), in log order.
    The empty tree hashes to :data:`EMPTY_ROOT` (SHA-256 of the empty string).
    Iterative, O(n) time and O(log n) extra memory.
    """
    return _subtree_root(hashes, 0, len(hashes))


def inclusion_proof(
    index: int, leaf_hashes: Sequence[bytes], *, tree_size: int | None = None
) -> list[bytes]:
    """Return the audit path PATH(m, D[n]) of RFC 9162 section 2.1.3.1.

    ``index`` is the 0-based leaf index ``m``; the tree is the first
    ``tree_size`` entries of ``leaf_hashes`` (default: all of them), so a proof
    can be produced against an earlier signed tree head without slicing.  The
    path is ordered from the leaf's sibling up to the child of the root, as
    the RFC specifies; a tree of one leaf has an empty path.

    Raises ``ValueError`` if ``tree_size`` exceeds ``len(leaf_hashes)`` or if
    ``index`` is not in ``[0, tree_size)``.
    """
    index = _as_int(index, "index")
    n = len(leaf_hashes)
    if tree_size is not None:
        tree_size = _as_int(tree_size, "tree_size")
        if not 0 <= tree_size <= n:
            raise ValueError(
                f"tree_size {tree_size} out of range: only {n} leaf hashes available"
            )
        n = tree_size
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} out of range for a tree of size {n}")
    _as_hash(leaf_hashes[index], f"leaf_hashes[{index}]")

    path: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        mid = lo + _split_point(hi - lo)
        if index < mid:
            # PATH(m, D[lo:mid]) : MTH(D[mid:hi])
            path.append(_subtree_root(leaf_hashes, mid, hi))
            hi = mid
        else:
            # PATH(m - k, D[mid:hi]) : MTH(D[lo:mid])
            path.append(_subtree_root(leaf_hashes, lo, mid))
            lo = mid
    path.reverse()  # collected root-side first; the RFC lists leaf-side first
    return path


def consistency_proof(
    old_size: int, new_size: int, leaf_hashes: Sequence[bytes]
) -> list[bytes]:
    """Return the consistency proof PROOF(m, D[n]) of RFC 9162 section 2.1.4.1.

    Proves that the tree of the first ``old_size`` leaves is a prefix of the
    tree of the first ``new_size`` leaves of ``leaf_hashes``.  The proof is
    empty when ``old_size == new_size`` or ``old_size == 0`` (nothing to
    prove).

    Raises ``ValueError`` unless ``0 <= old_size <= new_size <= len(leaf_hashes)``.
    """
    old_size = _as_int(old_size, "old_size")
    new_size = _as_int(new_size, "new_size")
    available = len(leaf_hashes)
    if old_size < 0:
        raise ValueError(f"old_size must not be negative, got {old_size}")
    if new_size < old_size:
        raise ValueError(
            f"old_size {old_size} is larger than new_size {new_size}"
        )
    if new_size > available:
        raise ValueError(
            f"new_size {new_size} out of range: only {available} leaf hashes available"
        )
    if old_size == 0 or old_size == new_size:
        return []

    # Iterative SUBPROOF(m, D[lo:hi], b), with m kept as an absolute boundary.
    proof: list[bytes] = []
    lo, hi, complete = 0, new_size, True
    while True:
        size = hi - lo
        if old_size - lo == size:
            if not complete:
                proof.append(_subtree_root(leaf_hashes, lo, hi))
            break
        mid = lo + _split_point(size)
        if old_size <= mid:
            # SUBPROOF(m, D[lo:mid], b) : MTH(D[mid:hi])
            proof.append(_subtree_root(leaf_hashes, mid, hi))
            hi = mid
        else:
            # SUBPROOF(m - k, D[mid:hi], false) : MTH(D[lo:mid])
            proof.append(_subtree_root(leaf_hashes, lo, mid))
            lo = mid
            complete = False
    proof.reverse()  # collected outermost first; the RFC lists innermost first
    return proof


def hex_proof(proof: Iterable[bytes]) -> list[str]:
    """Encode a proof (list of 32-byte hashes) as lowercase hex strings for JSON."""
    if isinstance(proof, (str, *_BYTES_TYPES)):
        raise TypeError("proof must be a list of hashes, not a single value")
    return [_as_hash(h, f"proof[{i}]").hex() for i, h in enumerate(proof)]


def proof_from_hex(items: Iterable[str]) -> list[bytes]:
    """Decode a JSON list of hex strings into a proof (list of 32-byte hashes).

    Meant for untrusted input: raises ``ValueError`` (only) if ``items`` is not
    a list/tuple of 64-character hex strings.
    """
    if not isinstance(items, (list, tuple)):
        raise ValueError(
            f"proof must be a list of hex strings, not {type(items).__name__}"
        )
    out: list[bytes] = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not _HEX_HASH_RE.fullmatch(item):
            raise ValueError(
                f"proof[{i}] must be a {2 * HASH_SIZE}-character hex string"
            )
        out.append(bytes.fromhex(item))
    return out


# ===========================================================================
# Verification (self-contained: auditor-facing)
#
# Everything below this line depends only on the standard library modules
# imported here, and on nothing defined above, so it can be copied verbatim
# into an independent auditor's script.  It implements the verification
# algorithms of RFC 9162 sections 2.1.3.2 (inclusion) and 2.1.4.2
# (consistency) with SHA-256, and never raises: malformed input of any kind
# (wrong lengths, sizes out of range, non-bytes, non-lists) returns False.
#
# The tree size is not committed to by the root hash: take tree sizes and
# roots from a signed tree head you trust, not from whoever sent the proof.
# ===========================================================================

import hashlib as _v_hashlib  # noqa: E402  (kept here so the section stands alone)
import hmac as _v_hmac  # noqa: E402
import operator as _v_operator  # noqa: E402

_V_HASH_SIZE = 32
_V_EMPTY_ROOT = _v_hashlib.sha256(b"").digest()


def _v_node(left: bytes, right: bytes) -> bytes:
    return _v_hashlib.sha256(b"\x01" + left + right).digest()


def _v_hash(value: object) -> bytes | None:
    """32-byte bytes-like value as bytes, or None."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        return None
    value = bytes(value)
    return value if len(value) == _V_HASH_SIZE else None


def _v_int(value: object) -> int | None:
    """Integer (including numpy-style integers, excluding bool), or None."""
    if isinstance(value, bool):
        return None
    try:
        return _v_operator.index(value)
    except TypeError:
        return None


def _v_path(proof: object) -> list[bytes] | None:
    """List/tuple of 32-byte hashes as a list of bytes, or None."""
    if not isinstance(proof, (list, tuple)):
        return None
    out = []
    for item in proof:
        h = _v_hash(item)
        if h is None:
            return None
        out.append(h)
    return out


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: list[bytes], root: bytes
) -> bool:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree ``(tree_size, root)``.

    RFC 9162 section 2.1.3.2.  ``leaf_hash`` is SHA-256(0x00 || entry), i.e.
    the leaf hash, not the raw entry; ``proof`` is the audit path (list of
    32-byte hashes, leaf side first).  Returns True only if the proof is
    valid; returns False for any invalid or malformed input and never raises.

    Self-contained: needs only the helpers in this section (stdlib only), so
    an auditor can copy this section into their own script.
    """
    try:
        leaf = _v_hash(leaf_hash)
        expected = _v_hash(root)
        fn = _v_int(index)
        size = _v_int(tree_size)
        path = _v_path(proof)
        if leaf is None or expected is None or fn is None or size is None or path is None:
            return False
        # 1. leaf_index must be < tree_size.
        if fn < 0 or size <= 0 or fn >= size:
            return False
        # 2./3.
        sn = size - 1
        r = leaf
        # 4.
        for p in path:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                r = _v_node(p, r)
                if not fn & 1:
                    while not fn & 1 and fn != 0:
                        fn >>= 1
                        sn >>= 1
            else:
                r = _v_node(r, p)
            fn >>= 1
            sn >>= 1
        # 5.
        return sn == 0 and _v_hmac.compare_digest(r, expected)
    except Exception:  # pragma: no cover - defensive: verifiers never raise
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> bool:
    """Check that tree ``(old_size, old_root)`` is a prefix of ``(new_size, new_root)``.

    RFC 9162 section 2.1.4.2.  ``proof`` is the consistency proof (list of
    32-byte hashes).  Edge cases: equal sizes require an empty proof and equal
    roots; ``old_size == 0`` requires an empty proof and ``old_root`` equal to
    SHA-256("") (the empty tree is a prefix of every tree).  Returns True only
    if the proof is valid; returns False for any invalid or malformed input
    and never raises.

    Self-contained: needs only the helpers in this section (stdlib only), so
    an auditor can copy this section into their own script.
    """
    try:
        first = _v_int(old_size)
        second = _v_int(new_size)
        first_hash = _v_hash(old_root)
        second_hash = _v_hash(new_root)
        path = _v_path(proof)
        if (
            first is None
            or second is None
            or first_hash is None
            or second_hash is None
            or path is None
        ):
            return False
        if first < 0 or second < first:
            return False
        if first == 0:
            return (
                not path
                and _v_hmac.compare_digest(first_hash, _V_EMPTY_ROOT)
                and (second > 0 or _v_hmac.compare_digest(second_hash, _V_EMPTY_ROOT))
            )
        if first == second:
            return not path and _v_hmac.compare_digest(first_hash, second_hash)
        # Now 0 < first < second.
        # 1. An empty proof cannot prove anything.
        if not path:
            return False
        # 2. If first is an exact power of 2, prepend first_hash.
        if first & (first - 1) == 0:
            path = [first_hash] + path
        # 3.
        fn = first - 1
        sn = second - 1
        # 4.
        while fn & 1:
            fn >>= 1
            sn >>= 1
        # 5.
        fr = sr = path[0]
        # 6.
        for c in path[1:]:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                fr = _v_node(c, fr)
                sr = _v_node(c, sr)
                if not fn & 1:
                    while not fn & 1 and fn != 0:
                        fn >>= 1
                        sn >>= 1
            else:
                sr = _v_node(sr, c)
            fn >>= 1
            sn >>= 1
        # 7.
        return (
            sn == 0
            and _v_hmac.compare_digest(fr, first_hash)
            and _v_hmac.compare_digest(sr, second_hash)
        )
    except Exception:  # pragma: no cover - defensive: verifiers never raise
        return False


class RootAccumulator:
    """Running RFC 9162 root: one perfect-subtree hash per set bit of the size, largest first (O(log n) memory).

    Its state (the "frontier") is what a checkpoint keeps so the next one only hashes the events added since.
    """

    def __init__(self, *, keep_from_height: int | None = None) -> None:
        self.size = 0
        self._subtrees: list[tuple[int, bytes]] = []  # (height, hash), largest first
        # Completed perfect subtrees of at least this height, as (height, index, hash): stored, they let an
        # inclusion proof read a few hashes instead of the whole log.
        self.keep_from_height = keep_from_height
        self.completed: list[tuple[int, int, bytes]] = []

    @classmethod
    def from_frontier(cls, size: int, frontier: bytes) -> "RootAccumulator":
        heights = [h for h in range(size.bit_length() - 1, -1, -1) if size >> h & 1]
        if len(frontier) != HASH_SIZE * len(heights):
            raise ValueError(f"a frontier of a tree of {size} holds {len(heights)} hashes")
        acc = cls()
        acc.size = size
        acc._subtrees = [(h, frontier[i * HASH_SIZE:(i + 1) * HASH_SIZE]) for i, h in enumerate(heights)]
        return acc

    def frontier(self) -> bytes:
        return b"".join(node for _, node in self._subtrees)

    def append(self, leaf: bytes) -> None:
        height, node = 0, leaf
        while self._subtrees and self._subtrees[-1][0] == height:
            _, left = self._subtrees.pop()
            node = node_hash(left, node)
            height += 1
            if self.keep_from_height is not None and height >= self.keep_from_height:
                self.completed.append((height, ((self.size + 1) >> height) - 1, node))
        self._subtrees.append((height, node))
        self.size += 1

    def root(self) -> bytes:
        if not self._subtrees:
            return EMPTY_ROOT
        node = self._subtrees[-1][1]
        for _, left in reversed(self._subtrees[:-1]):
            node = node_hash(left, node)
        return node
