"""Checking audit-log proofs without the server.

Everything here is plain Python (hashlib and, for signatures, the `cryptography` package): an auditor can
copy this file and `merkle.py` and check a proof document that the API or `manage.py audit prove` printed:

    python -m oversight.audit.offline proof.json

`canonical_event_bytes` is also what the server hashes, so a leaf can be recomputed from an event's content.
"""
from __future__ import annotations

import base64
import json
import sys
from typing import Any

from oversight.audit.merkle import leaf_hash, proof_from_hex, verify_consistency, verify_inclusion

CANONICAL_VERSION = 1


def canonical_event_bytes(event: dict[str, Any]) -> bytes:
    """The bytes of one audit event that become a Merkle leaf: sorted-key, compact, UTF-8 JSON."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def checkpoint_note(log_name: str, tree_size: int, root_hash: bytes, signed_at: str) -> str:
    """The text a checkpoint signs (after the C2SP signed-note checkpoint body)."""
    return f"{log_name}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n{signed_at}\n"


def verify_checkpoint(checkpoint: dict[str, Any], public_key_hex: str | None = None) -> tuple[bool, str]:
    """Check a checkpoint's Ed25519 signature and that its note states its size and root."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key_hex = public_key_hex or checkpoint["public_key"]
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
        note = checkpoint["note"]
        lines = note.split("\n")
        if int(lines[1]) != int(checkpoint["tree_size"]):
            return False, "checkpoint note states another tree size"
        if base64.b64decode(lines[2]) != bytes.fromhex(checkpoint["root_hash"]):
            return False, "checkpoint note states another root hash"
        key.verify(bytes.fromhex(checkpoint["signature"]), note.encode())
    except InvalidSignature:
        return False, "checkpoint signature is not valid for this public key"
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        return False, f"checkpoint is malformed: {exc}"
    return True, "checkpoint signature valid"


def verify_inclusion_document(doc: dict[str, Any], public_key_hex: str | None = None) -> tuple[bool, str]:
    """Accept a document from `audit prove --event N` only if every link holds."""
    try:
        computed_leaf = leaf_hash(canonical_event_bytes(doc["event"]))
        if computed_leaf.hex() != doc["leaf_hash"]:
            return False, "the event's content does not hash to the stated leaf hash"
        if doc["event"].get("seq") != doc["leaf_index"]:
            return False, "the event's sequence number is not the proven leaf index"
        checkpoint = doc["checkpoint"]
        if int(checkpoint["tree_size"]) != int(doc["tree_size"]):
            return False, "the proof is for another tree size than the checkpoint"
        ok, why = verify_checkpoint(checkpoint, public_key_hex)
        if not ok:
            return False, why
        if not verify_inclusion(computed_leaf, doc["leaf_index"], doc["tree_size"], proof_from_hex(doc["proof"]),
                                bytes.fromhex(checkpoint["root_hash"])):
            return False, "the inclusion proof does not lead to the checkpoint's root hash"
    except (KeyError, ValueError, TypeError) as exc:
        return False, f"proof document is malformed: {exc}"
    return True, f"event {doc['leaf_index']} is in the log of size {doc['tree_size']} signed at {checkpoint['signed_at']}"


def verify_consistency_document(doc: dict[str, Any]) -> tuple[bool, str]:
    """Accept a document from `audit prove --from A --to B` only if the larger tree extends the smaller."""
    try:
        ok = verify_consistency(int(doc["old_size"]), int(doc["new_size"]), bytes.fromhex(doc["old_root"]),
                                bytes.fromhex(doc["new_root"]), proof_from_hex(doc["proof"]))
    except (KeyError, ValueError, TypeError) as exc:
        return False, f"proof document is malformed: {exc}"
    if not ok:
        return False, "the consistency proof does not join the two roots"
    return True, f"the log of size {doc['new_size']} extends the log of size {doc['old_size']} unchanged"


def verify_document(doc: dict[str, Any], public_key_hex: str | None = None) -> tuple[bool, str]:
    if "leaf_index" in doc:
        return verify_inclusion_document(doc, public_key_hex)
    return verify_consistency_document(doc)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m oversight.audit.offline PROOF.json [PUBLIC_KEY_HEX]", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as fh:
        doc = json.load(fh)
    ok, why = verify_document(doc, argv[2] if len(argv) > 2 else None)
    print(("VALID: " if ok else "INVALID: ") + why)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
