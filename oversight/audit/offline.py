"""Checking audit-log proofs without the server.

Everything here is plain Python (hashlib and, for signatures, the `cryptography` package): an auditor can
copy this file and `merkle.py` and check a proof document that the API or `manage.py audit prove` printed:

    python -m oversight.audit.offline proof.json --key PUBLIC_KEY_HEX
    python -m oversight.audit.offline report-proofs.json --keys pinned-keys.json

The key is the one the oversight body publishes and an auditor keeps (pins); the verifier never trusts a key
that arrives inside the document it checks.

`canonical_event_bytes` is also what the server hashes, so a leaf can be recomputed from an event's content.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from datetime import datetime, timezone
from typing import Any

from oversight.audit.merkle import leaf_hash, proof_from_hex, verify_consistency, verify_inclusion

CANONICAL_VERSION = 1


def canonical_event_bytes(event: dict[str, Any]) -> bytes:
    """The bytes of one audit event that become a Merkle leaf: sorted-key, compact, UTF-8 JSON."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def checkpoint_note(log_name: str, tree_size: int, root_hash: bytes, signed_at: str) -> str:
    """The text a checkpoint signs (after the C2SP signed-note checkpoint body)."""
    return f"{log_name}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n{signed_at}\n"


def verify_checkpoint(checkpoint: dict[str, Any], public_key_hex: str) -> tuple[bool, str]:
    """Check a checkpoint's Ed25519 signature with a key the verifier trusts, and that its note states its size
    and root. The key is always the caller's: a key carried by the checkpoint itself proves nothing."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not public_key_hex:
        return False, "no trusted public key was given to check the checkpoint's signature with"
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        note = checkpoint["note"]
        lines = note.split("\n")
        if int(lines[1]) != int(checkpoint["tree_size"]):
            return False, "checkpoint note states another tree size"
        if base64.b64decode(lines[2]) != bytes.fromhex(checkpoint["root_hash"]):
            return False, "checkpoint note states another root hash"
        key.verify(bytes.fromhex(checkpoint["signature"]), note.encode())
    except InvalidSignature:
        return False, f"checkpoint signature is not valid for the trusted key {key_id_of(public_key_hex)}"
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        return False, f"checkpoint is malformed: {exc}"
    return True, f"checkpoint signature valid (key {key_id_of(public_key_hex)})"


def key_id_of(public_key_hex: str) -> str:
    try:
        return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]
    except ValueError:
        return "(not a key)"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def select_key(keys: list[dict[str, Any]], checkpoint: dict[str, Any]) -> tuple[str | None, str]:
    """From a pinned-keys document's keys, the one that signed `checkpoint` and was in force when it did."""
    try:
        signed_at = parse_time(checkpoint["signed_at"])
        wanted = checkpoint.get("key_id") or ""
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        return None, f"checkpoint is malformed: {exc}"
    named = [k for k in keys if key_id_of(k.get("public_key", "")) == wanted]
    if not named:
        return None, f"the checkpoint is signed by key {wanted or '(none)'}, which is not one of the pinned keys"
    for key in named:
        start, end = parse_time(key.get("valid_from")), parse_time(key.get("valid_until"))
        if (start is None or signed_at >= start) and (end is None or signed_at <= end):
            return key["public_key"], ""
    return None, f"the checkpoint was signed by key {wanted} at {checkpoint['signed_at']}, outside its pinned period"


def verify_inclusion_document(doc: dict[str, Any], public_key_hex: str) -> tuple[bool, str]:
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


def verify_bundle(doc: dict[str, Any], public_key_hex: str) -> tuple[bool, str]:
    """Accept a report's proof bundle only if its checkpoint is signed by the trusted key and every event it
    cites is in the log that checkpoint signs. The first event that fails is named."""
    try:
        checkpoint = doc["checkpoint"]
        ok, why = verify_checkpoint(checkpoint, public_key_hex)
        if not ok:
            return False, why
        root = bytes.fromhex(checkpoint["root_hash"])
        size = int(checkpoint["tree_size"])
        proofs = doc["proofs"]
        if not isinstance(proofs, list):
            return False, "proof bundle is malformed: 'proofs' is not a list"
        for item in proofs:
            leaf = leaf_hash(canonical_event_bytes(item["event"]))
            index = int(item["leaf_index"])
            if leaf.hex() != item["leaf_hash"]:
                return False, f"event {index}: its content does not hash to the stated leaf hash"
            if item["event"].get("seq") != index:
                return False, f"event {index}: its sequence number is not the proven leaf index"
            if not verify_inclusion(leaf, index, size, proof_from_hex(item["proof"]), root):
                return False, f"event {index}: the inclusion proof does not lead to the checkpoint's root hash"
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        return False, f"proof bundle is malformed: {exc}"
    cited = doc.get("cites") or {}
    what = f" ({', '.join(f'{n} {k}' for k, n in cited.items())})" if cited else ""
    return True, (f"all {len(proofs)} cited events{what} are in the log of size {size} "
                  f"signed at {checkpoint['signed_at']}")


def verify_document(doc: Any, public_key_hex: str) -> tuple[bool, str]:
    if not isinstance(doc, dict):
        return False, "proof document is malformed: expected one JSON object"
    if "proofs" in doc:
        return verify_bundle(doc, public_key_hex)
    if "leaf_index" in doc:
        return verify_inclusion_document(doc, public_key_hex)
    ok, why = verify_consistency_document(doc)
    for label, root in (("old_checkpoint", "old_root"), ("new_checkpoint", "new_root")):
        if ok and doc.get(label):
            signed, reason = verify_checkpoint(doc[label], public_key_hex)
            if not signed:
                return False, f"{label.replace('_', ' ')}: {reason}"
            if doc[label].get("root_hash") != doc.get(root):
                return False, f"the {label.replace('_', ' ')} signs another root than the proof's {root.replace('_', ' ')}"
    return ok, why


def _checkpoint_of(doc: Any) -> dict | None:
    if isinstance(doc, dict):
        return doc.get("checkpoint") or doc.get("new_checkpoint")
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m oversight.audit.offline",
        description="Check an audit-log proof, or a report's proof bundle, with a public key you trust.")
    parser.add_argument("document", help="the proof or proof bundle (JSON)")
    parser.add_argument("public_key", nargs="?", help="the log's Ed25519 public key in hex (or use --key/--keys)")
    parser.add_argument("--key", help="the log's Ed25519 public key in hex, as published by the oversight body")
    parser.add_argument("--keys", help="a pinned-keys file (`manage.py audit keys --output FILE`) you keep")
    args = parser.parse_args(argv[1:])
    try:
        with open(args.document, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"INVALID: cannot read {args.document}: {exc}")
        return 1
    key = args.key or args.public_key
    if args.keys:
        try:
            with open(args.keys, encoding="utf-8") as fh:
                pinned = json.load(fh)["keys"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"INVALID: cannot read the pinned keys in {args.keys}: {exc}")
            return 1
        checkpoint = _checkpoint_of(doc)
        if checkpoint is not None:
            key, why = select_key(pinned, checkpoint)
            if key is None:
                print(f"INVALID: {why}")
                return 1
    if not key and _checkpoint_of(doc) is not None:
        print("INVALID: give the log's public key (--key HEX) or your pinned keys file (--keys FILE); "
              "a key carried by the document itself proves nothing")
        return 1
    ok, why = verify_document(doc, key)
    print(("VALID: " if ok else "INVALID: ") + why)
    if key:
        print(f"checked with trusted key {key_id_of(key)} ({key})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
