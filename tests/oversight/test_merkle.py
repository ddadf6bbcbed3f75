"""Tests for oversight.audit.merkle (RFC 9162 section 2.1 Merkle tree).

Plain pytest, no database, no Django:

    python -m pytest -p no:django -p no:cacheprovider tests/oversight/test_merkle.py

The module under test is checked against an independent, deliberately naive
recursive transcription of the RFC definitions (MTH, PATH, PROOF/SUBPROOF),
and against the published RFC 6962 test vectors from transparency-dev/merkle
(testonly/constants.go and proof/verify_test.go), which are the same vectors
certificate-transparency-go uses.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:  # allow running without `python -m` from the repo root
    sys.path.insert(0, _REPO_ROOT)

from oversight.audit.merkle import (  # noqa: E402
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_proof,
    hex_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    proof_from_hex,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 40


# ---------------------------------------------------------------------------
# Independent brute-force reference (straight from the RFC text, recursive)
# ---------------------------------------------------------------------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_leaf(data: bytes) -> bytes:
    return _sha(b"\x00" + data)


def ref_node(left: bytes, right: bytes) -> bytes:
    return _sha(b"\x01" + left + right)


def ref_k(n: int) -> int:
    """Largest power of two smaller than n (n > 1), by counting."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(hs: list[bytes]) -> bytes:
    n = len(hs)
    if n == 0:
        return _sha(b"")
    if n == 1:
        return hs[0]
    k = ref_k(n)
    return ref_node(ref_mth(hs[:k]), ref_mth(hs[k:]))


def ref_path(m: int, hs: list[bytes]) -> list[bytes]:
    n = len(hs)
    if n == 1:
        return []
    k = ref_k(n)
    if m < k:
        return ref_path(m, hs[:k]) + [ref_mth(hs[k:])]
    return ref_path(m - k, hs[k:]) + [ref_mth(hs[:k])]


def ref_subproof(m: int, hs: list[bytes], b: bool) -> list[bytes]:
    n = len(hs)
    if m == n:
        return [] if b else [ref_mth(hs)]
    k = ref_k(n)
    if m <= k:
        return ref_subproof(m, hs[:k], b) + [ref_mth(hs[k:])]
    return ref_subproof(m - k, hs[k:], False) + [ref_mth(hs[:k])]


def ref_proof(m: int, hs: list[bytes]) -> list[bytes]:
    return ref_subproof(m, hs, True)


def inclusion_shape(m: int, n: int) -> tuple[str, ...]:
    """Side of each audit-path element (leaf first): 'R' = sibling on the right."""
    if n == 1:
        return ()
    k = ref_k(n)
    if m < k:
        return inclusion_shape(m, k) + ("R",)
    return inclusion_shape(m - k, n - k) + ("L",)


def consistency_shape(m: int, n: int, b: bool = True) -> tuple[str, ...]:
    """How a verifier combines each proof element, innermost first."""
    if m == n:
        return ("seed=old_root",) if b else ("seed=proof[0]",)
    k = ref_k(n)
    if m <= k:
        return consistency_shape(m, k, b) + ("R",)
    return consistency_shape(m - k, n - k, False) + ("L",)


# Distinct leaves for the exhaustive tests.
LEAF_HASHES = [ref_leaf(b"leaf %d" % i) for i in range(MAX_SIZE + 8)]
ROOTS = [ref_mth(LEAF_HASHES[:n]) for n in range(MAX_SIZE + 8)]


def _flip(b: bytes, pos: int) -> bytes:
    return b[:pos] + bytes([b[pos] ^ 0x01]) + b[pos + 1 :]


# ---------------------------------------------------------------------------
# RFC 6962 / Certificate Transparency reference vectors
# (transparency-dev/merkle testonly/constants.go and proof/verify_test.go)
# ---------------------------------------------------------------------------

CT_LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# Root for each tree size 0..8.
CT_ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]

# Hashes of all complete subtrees of the 8-leaf tree, by level.
CT_NODE_HASHES = [
    [
        bytes.fromhex(h)
        for h in (
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        )
    ],
    [
        bytes.fromhex(h)
        for h in (
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        )
    ],
    [
        bytes.fromhex(h)
        for h in (
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        )
    ],
    [bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]

# (0-based leaf index, tree size, audit path).  verify_test.go numbers leaves
# from 1; these are its vectors {1,8}, {6,8}, {3,3}, {2,5}.
CT_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

# (old size, new size, consistency proof).
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

CT_LEAF_HASHES = [leaf_hash(d) for d in CT_LEAF_INPUTS]


def test_ct_empty_root():
    assert EMPTY_ROOT == CT_ROOTS[0] == hashlib.sha256(b"").digest()
    assert root_from_leaf_hashes([]) == CT_ROOTS[0]


def test_ct_leaf_and_node_hashes():
    assert CT_LEAF_HASHES == CT_NODE_HASHES[0]
    for level in range(1, len(CT_NODE_HASHES)):
        below = CT_NODE_HASHES[level - 1]
        for i, expected in enumerate(CT_NODE_HASHES[level]):
            assert node_hash(below[2 * i], below[2 * i + 1]) == expected


def test_ct_roots_for_every_size():
    for n in range(len(CT_ROOTS)):
        assert root_from_leaf_hashes(CT_LEAF_HASHES[:n]) == CT_ROOTS[n], n


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_ct_inclusion_vectors(index, size, path):
    expected = [bytes.fromhex(h) for h in path]
    assert inclusion_proof(index, CT_LEAF_HASHES[:size]) == expected
    assert inclusion_proof(index, CT_LEAF_HASHES, tree_size=size) == expected
    assert verify_inclusion(CT_LEAF_HASHES[index], index, size, expected, CT_ROOTS[size])


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_ct_consistency_vectors(old, new, path):
    expected = [bytes.fromhex(h) for h in path]
    assert consistency_proof(old, new, CT_LEAF_HASHES) == expected
    assert verify_consistency(old, new, CT_ROOTS[old], CT_ROOTS[new], expected)


# ---------------------------------------------------------------------------
# Hash primitives
# ---------------------------------------------------------------------------


def test_leaf_and_node_hash_prefixes():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert leaf_hash(bytearray(b"abc")) == leaf_hash(memoryview(b"abc")) == leaf_hash(b"abc")
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert node_hash(a, b) != node_hash(b, a)
    # Domain separation: a leaf whose data looks like two children does not
    # collide with the interior node.
    assert leaf_hash(a + b) != node_hash(a, b)


def test_hash_primitive_argument_errors():
    with pytest.raises(TypeError):
        leaf_hash("text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="32 bytes"):
        node_hash(b"short", leaf_hash(b""))
    with pytest.raises(TypeError):
        node_hash(None, leaf_hash(b""))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Exhaustive checks against the brute-force reference
# ---------------------------------------------------------------------------


def test_root_matches_brute_force_for_sizes_0_to_40():
    for n in range(MAX_SIZE + 1):
        assert root_from_leaf_hashes(LEAF_HASHES[:n]) == ROOTS[n], n
        assert root_from_leaf_hashes(tuple(LEAF_HASHES[:n])) == ROOTS[n], n


@pytest.mark.parametrize("n", range(1, MAX_SIZE + 1))
def test_inclusion_proofs_exhaustive(n):
    hs = LEAF_HASHES[:n]
    root = ROOTS[n]
    for i in range(n):
        proof = inclusion_proof(i, hs)
        assert proof == ref_path(i, hs), (i, n)
        assert inclusion_proof(i, LEAF_HASHES, tree_size=n) == proof
        assert verify_inclusion(hs[i], i, n, proof, root), (i, n)

        # Flipping any single byte of any proof element fails.
        for j, element in enumerate(proof):
            for pos in range(HASH_SIZE):
                bad = proof[:j] + [_flip(element, pos)] + proof[j + 1 :]
                assert not verify_inclusion(hs[i], i, n, bad, root), (i, n, j, pos)
        # Flipping any single byte of the root or of the leaf fails.
        for pos in range(HASH_SIZE):
            assert not verify_inclusion(hs[i], i, n, proof, _flip(root, pos))
            assert not verify_inclusion(_flip(hs[i], pos), i, n, proof, root)

        # Any other index fails (including out-of-range ones).
        for other in range(-1, n + 3):
            if other != i:
                assert not verify_inclusion(hs[i], other, n, proof, root), (i, other, n)
        # Another leaf's hash at this index fails.
        for other in range(n):
            if other != i:
                assert not verify_inclusion(hs[other], i, n, proof, root)

        # Wrong tree size.  A root hash does not commit to the tree size, so a
        # proof also verifies under another size exactly when that size yields
        # the same sequence of left/right combinations (e.g. leaf 0 of 3 and
        # of 4); every size with a different shape must fail.
        for other_size in range(0, 2 * n + 3):
            if other_size == n:
                continue
            same_shape = i < other_size and inclusion_shape(i, other_size) == inclusion_shape(i, n)
            assert verify_inclusion(hs[i], i, other_size, proof, root) == same_shape, (
                i,
                n,
                other_size,
            )
        assert not verify_inclusion(hs[i], i, 2 * n, proof, root)
        if n // 2 > i:
            assert not verify_inclusion(hs[i], i, n // 2, proof, root)

        # Structural tampering.
        assert not verify_inclusion(hs[i], i, n, proof + [root], root)
        assert not verify_inclusion(hs[i], i, n, [root] + proof, root)
        assert not verify_inclusion(hs[i], i, n, proof + [EMPTY_ROOT], root)
        if proof:
            assert not verify_inclusion(hs[i], i, n, proof[:-1], root)
            assert not verify_inclusion(hs[i], i, n, proof[1:], root)
        if len(proof) > 1 and proof[0] != proof[1]:
            swapped = [proof[1], proof[0]] + proof[2:]
            assert not verify_inclusion(hs[i], i, n, swapped, root)


def test_wrong_size_with_same_shape_is_indistinguishable():
    # Documents why tree sizes must come from a signed tree head: leaf 0's
    # audit path in a 3-leaf tree has the same shape as in a 4-leaf tree.
    proof = inclusion_proof(0, LEAF_HASHES[:3])
    assert inclusion_shape(0, 3) == inclusion_shape(0, 4)
    assert verify_inclusion(LEAF_HASHES[0], 0, 4, proof, ROOTS[3])
    assert not verify_inclusion(LEAF_HASHES[0], 0, 4, proof, ROOTS[4])


@pytest.mark.parametrize("n", range(1, MAX_SIZE + 1))
def test_consistency_proofs_exhaustive(n):
    hs = LEAF_HASHES[:n]
    new_root = ROOTS[n]
    for m in range(1, n + 1):
        old_root = ROOTS[m]
        proof = consistency_proof(m, n, hs)
        assert proof == ref_proof(m, hs), (m, n)
        assert consistency_proof(m, n, LEAF_HASHES) == proof
        assert verify_consistency(m, n, old_root, new_root, proof), (m, n)

        if m == n:
            assert proof == []
            for pos in range(HASH_SIZE):
                assert not verify_consistency(m, n, _flip(old_root, pos), new_root, proof)
                assert not verify_consistency(m, n, old_root, _flip(new_root, pos), proof)
            assert not verify_consistency(m, n, old_root, new_root, [old_root])
            continue

        assert proof, (m, n)
        # Flipping any single byte of any proof element fails.
        for j, element in enumerate(proof):
            for pos in range(HASH_SIZE):
                bad = proof[:j] + [_flip(element, pos)] + proof[j + 1 :]
                assert not verify_consistency(m, n, old_root, new_root, bad), (m, n, j, pos)
        # Flipping any single byte of either root fails.
        for pos in range(HASH_SIZE):
            assert not verify_consistency(m, n, _flip(old_root, pos), new_root, proof)
            assert not verify_consistency(m, n, old_root, _flip(new_root, pos), proof)

        # Roots of other sizes, swapped roots.
        for other in range(0, MAX_SIZE + 1):
            if other != m:
                assert not verify_consistency(m, n, ROOTS[other], new_root, proof)
            if other != n:
                assert not verify_consistency(m, n, old_root, ROOTS[other], proof)
        assert not verify_consistency(m, n, new_root, old_root, proof)

        # Wrong sizes: as with inclusion, verification passes under another
        # (old, new) pair exactly when the verifier would perform the same
        # combinations; every pair with a different shape must fail.
        alternatives = {
            (m - 1, n),
            (m + 1, n),
            (m ^ 2, n),
            (m * 2, n),
            (m, n - 1),
            (m, n + 1),
            (m, n * 2),
            (m, n // 2),
            (0, n),
            (n, n),
            (m, m),
            (n, m),
        }
        for m2, n2 in sorted(alternatives):
            if (m2, n2) == (m, n):
                continue
            same_shape = 0 < m2 < n2 and consistency_shape(m2, n2) == consistency_shape(m, n)
            got = verify_consistency(m2, n2, old_root, new_root, proof)
            assert got == same_shape, (m, n, m2, n2)
        assert not verify_consistency(m, 2 * n, old_root, new_root, proof)
        assert not verify_consistency(m, n, old_root, new_root, [])

        # Structural tampering.
        for extra in (old_root, new_root, EMPTY_ROOT, proof[0]):
            assert not verify_consistency(m, n, old_root, new_root, proof + [extra])
            assert not verify_consistency(m, n, old_root, new_root, [extra] + proof)
        assert not verify_consistency(m, n, old_root, new_root, proof[:-1])
        assert not verify_consistency(m, n, old_root, new_root, proof[1:])


def test_consistency_with_empty_old_tree():
    assert consistency_proof(0, 0, []) == []
    assert consistency_proof(0, 5, LEAF_HASHES) == []
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [])
    assert not verify_consistency(0, 5, ROOTS[1], ROOTS[5], [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [EMPTY_ROOT])
    assert not verify_consistency(0, 0, EMPTY_ROOT, ROOTS[1], [])


def test_single_leaf_tree():
    h = leaf_hash(b"data")
    assert root_from_leaf_hashes([h]) == h
    assert inclusion_proof(0, [h]) == []
    assert verify_inclusion(h, 0, 1, [], h)
    assert not verify_inclusion(h, 0, 1, [], EMPTY_ROOT)
    assert not verify_inclusion(EMPTY_ROOT, 0, 1, [], h)
    assert not verify_inclusion(h, 0, 1, [h], h)
    assert not verify_inclusion(h, 1, 1, [], h)
    assert not verify_inclusion(h, 0, 0, [], h)


# ---------------------------------------------------------------------------
# Larger trees (iterative code, no recursion limits)
# ---------------------------------------------------------------------------


def _root_level_by_level(hs: list[bytes]) -> bytes:
    """Second independent MTH: pair up each level, carry an odd last node up."""
    level = list(hs)
    while len(level) > 1:
        nxt = [ref_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def test_large_tree():
    n = (1 << 16) + 3
    hs = [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(n)]
    root = root_from_leaf_hashes(hs)
    assert root == _root_level_by_level(hs)
    for i in (0, 1, 12345, (1 << 16) - 1, 1 << 16, n - 1):
        proof = inclusion_proof(i, hs)
        assert len(proof) == len(inclusion_shape(i, n))
        assert verify_inclusion(hs[i], i, n, proof, root)
        for other_size in (n - 1, n + 1, 2 * n, n // 2):
            same_shape = i < other_size and inclusion_shape(i, other_size) == inclusion_shape(i, n)
            assert verify_inclusion(hs[i], i, other_size, proof, root) == same_shape
        assert not verify_inclusion(hs[i], i + 1, n, proof, root)
    m = 40_000
    old_root = root_from_leaf_hashes(hs[:m])
    proof = consistency_proof(m, n, hs)
    assert verify_consistency(m, n, old_root, root, proof)
    shape = consistency_shape(m, n)
    assert len(proof) == len(shape) - (shape[0] == "seed=old_root")
    for m2, n2 in ((m - 1, n), (m + 1, n), (m, n - 1), (m, n + 1), (m, 2 * n)):
        same_shape = consistency_shape(m2, n2) == consistency_shape(m, n)
        assert verify_consistency(m2, n2, old_root, root, proof) == same_shape


# ---------------------------------------------------------------------------
# Errors from the computing functions
# ---------------------------------------------------------------------------


def test_inclusion_proof_errors():
    hs = LEAF_HASHES[:5]
    for bad_index in (-1, 5, 100):
        with pytest.raises(ValueError, match="out of range"):
            inclusion_proof(bad_index, hs)
    with pytest.raises(ValueError, match="out of range"):
        inclusion_proof(0, [])
    with pytest.raises(ValueError, match="out of range"):
        inclusion_proof(3, hs, tree_size=3)
    with pytest.raises(ValueError, match="tree_size"):
        inclusion_proof(0, hs, tree_size=6)
    with pytest.raises(ValueError, match="tree_size"):
        inclusion_proof(0, hs, tree_size=-1)
    with pytest.raises(TypeError):
        inclusion_proof("0", hs)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        inclusion_proof(True, hs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="32 bytes"):
        inclusion_proof(0, hs[:3] + [b"short"])
    with pytest.raises(TypeError):
        inclusion_proof(0, hs[:3] + [None])  # type: ignore[list-item]


def test_consistency_proof_errors():
    hs = LEAF_HASHES[:5]
    with pytest.raises(ValueError, match="negative"):
        consistency_proof(-1, 3, hs)
    with pytest.raises(ValueError, match="larger than"):
        consistency_proof(4, 3, hs)
    with pytest.raises(ValueError, match="out of range"):
        consistency_proof(3, 6, hs)
    with pytest.raises(TypeError):
        consistency_proof(1.0, 3, hs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="32 bytes"):
        consistency_proof(1, 4, hs[:3] + [b"x" * 31])


def test_root_errors():
    with pytest.raises(ValueError, match="32 bytes"):
        root_from_leaf_hashes([LEAF_HASHES[0], b""])
    with pytest.raises(TypeError):
        root_from_leaf_hashes([LEAF_HASHES[0], "00" * 32])  # type: ignore[list-item]


# ---------------------------------------------------------------------------
# Verifiers never raise on malformed input
# ---------------------------------------------------------------------------

_GOOD_LEAF = LEAF_HASHES[2]
_GOOD_PROOF = inclusion_proof(2, LEAF_HASHES[:7])
_GOOD_ROOT = ROOTS[7]
_BAD_VALUES = [
    None,
    "",
    "00" * 32,
    b"",
    b"\x00" * 31,
    b"\x00" * 33,
    1.5,
    -1,
    2**200,
    True,
    object(),
    [],
    [b"\x00" * 32],
    {"a": 1},
]


def test_verify_inclusion_malformed_inputs_return_false():
    assert verify_inclusion(_GOOD_LEAF, 2, 7, _GOOD_PROOF, _GOOD_ROOT)
    # Bytes-like inputs are accepted, as are tuples for the proof.
    assert verify_inclusion(
        bytearray(_GOOD_LEAF), 2, 7, tuple(memoryview(p) for p in _GOOD_PROOF), _GOOD_ROOT
    )
    for bad in _BAD_VALUES:
        assert verify_inclusion(bad, 2, 7, _GOOD_PROOF, _GOOD_ROOT) is False
        assert verify_inclusion(_GOOD_LEAF, bad, 7, _GOOD_PROOF, _GOOD_ROOT) is False
        assert verify_inclusion(_GOOD_LEAF, 2, bad, _GOOD_PROOF, _GOOD_ROOT) is False
        assert verify_inclusion(_GOOD_LEAF, 2, 7, bad, _GOOD_ROOT) is False
        assert verify_inclusion(_GOOD_LEAF, 2, 7, _GOOD_PROOF, bad) is False
        assert verify_inclusion(_GOOD_LEAF, 2, 7, _GOOD_PROOF[:1] + [bad], _GOOD_ROOT) is False
    assert verify_inclusion(_GOOD_LEAF, 2, 7, b"".join(_GOOD_PROOF), _GOOD_ROOT) is False
    assert verify_inclusion(_GOOD_LEAF, 2, 7, iter(_GOOD_PROOF), _GOOD_ROOT) is False
    assert verify_inclusion(_GOOD_LEAF, 2, 2**200, _GOOD_PROOF, _GOOD_ROOT) is False
    assert verify_inclusion(_GOOD_LEAF, 2, 7, _GOOD_PROOF * 1000, _GOOD_ROOT) is False


def test_verify_consistency_malformed_inputs_return_false():
    old_root, new_root = ROOTS[3], ROOTS[7]
    proof = consistency_proof(3, 7, LEAF_HASHES)
    assert verify_consistency(3, 7, old_root, new_root, proof)
    assert verify_consistency(3, 7, bytearray(old_root), memoryview(new_root), tuple(proof))
    for bad in _BAD_VALUES:
        assert verify_consistency(bad, 7, old_root, new_root, proof) is False
        assert verify_consistency(3, bad, old_root, new_root, proof) is False
        assert verify_consistency(3, 7, bad, new_root, proof) is False
        assert verify_consistency(3, 7, old_root, bad, proof) is False
        assert verify_consistency(3, 7, old_root, new_root, bad) is False
        assert verify_consistency(3, 7, old_root, new_root, proof[:1] + [bad]) is False
    assert verify_consistency(3, 7, old_root, new_root, b"".join(proof)) is False
    assert verify_consistency(7, 3, new_root, old_root, proof) is False
    assert verify_consistency(-3, 7, old_root, new_root, proof) is False
    assert verify_consistency(3, 2**200, old_root, new_root, proof) is False
    assert verify_consistency(3, 7, old_root, new_root, proof * 1000) is False


# ---------------------------------------------------------------------------
# JSON transport helpers
# ---------------------------------------------------------------------------


def test_hex_round_trip():
    proof = consistency_proof(3, 7, LEAF_HASHES)
    encoded = hex_proof(proof)
    assert all(isinstance(s, str) and len(s) == 64 and s == s.lower() for s in encoded)
    assert proof_from_hex(encoded) == proof
    assert proof_from_hex([s.upper() for s in encoded]) == proof
    assert proof_from_hex([]) == []
    assert hex_proof([]) == []


@pytest.mark.parametrize(
    "bad",
    [
        "00" * 32,
        None,
        ["00" * 31],
        ["00" * 33],
        ["zz" * 32],
        [" " + "00" * 31 + "0"],
        ["00 " * 21 + "0"],
        [b"\x00" * 32],
        [None],
    ],
)
def test_proof_from_hex_rejects_malformed(bad):
    with pytest.raises(ValueError):
        proof_from_hex(bad)


def test_hex_proof_rejects_malformed():
    with pytest.raises(TypeError):
        hex_proof(b"\x00" * 32)
    with pytest.raises(ValueError):
        hex_proof([b"\x00" * 31])
