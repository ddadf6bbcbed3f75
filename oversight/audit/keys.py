"""The keys the audit log's checkpoints are verified against: pinned in configuration, never read from a row.

An insider who can write to the database can also write a checkpoint row signed by a key of their own; what
they cannot do is make that key one of ours. So the verifier trusts only:
- the public key of the signing key configured for this log (`APP_AUDIT_SIGNING_KEY`), and
- retired keys listed in `APP_AUDIT_TRUSTED_KEYS`, each with the period in which it signed.

A list entry reads `PUBLIC_KEY_HEX@FROM/UNTIL`, FROM and UNTIL as ISO 8601 times in UTC (either may be empty
for "open"); entries are separated by commas or new lines. The current key may appear in the list too, to
state from when it signs (a rotation writes that); otherwise it is trusted for any time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")


def key_id_of(public_key_hex: str) -> str:
    """First 8 bytes of SHA-256 of the raw public key, in hex: how a checkpoint names its key."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def _when(text: str, entry: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ImproperlyConfigured(
            f"APP_AUDIT_TRUSTED_KEYS: {text!r} in {entry!r} is not a time such as 2026-01-31T12:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class TrustedKey:
    public_key: str
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    current: bool = False

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def covers(self, when: dt.datetime) -> bool:
        return ((self.valid_from is None or when >= self.valid_from)
                and (self.valid_until is None or when <= self.valid_until))

    def period(self) -> str:
        start = f"{self.valid_from:%Y-%m-%d %H:%M:%S} UTC" if self.valid_from else "the beginning"
        end = f"{self.valid_until:%Y-%m-%d %H:%M:%S} UTC" if self.valid_until else "now"
        return f"from {start} to {end}"

    def entry(self) -> str:
        def iso(when):
            return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if when else ""
        return f"{self.public_key}@{iso(self.valid_from)}/{iso(self.valid_until)}"

    def as_document(self) -> dict:
        return {"public_key": self.public_key, "key_id": self.key_id, "algorithm": "Ed25519",
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "current": self.current}


def parse_trusted_keys(text: str) -> list[TrustedKey]:
    keys = []
    for entry in re.split(r"[,\s]+", text or ""):
        if not entry:
            continue
        public, _, period = entry.partition("@")
        public = public.lower()
        if not _HEX_KEY.match(public):
            raise ImproperlyConfigured(
                f"APP_AUDIT_TRUSTED_KEYS: {entry!r} does not start with an Ed25519 public key (64 hex characters)")
        start, _, end = period.partition("/")
        keys.append(TrustedKey(public, _when(start, entry), _when(end, entry)))
    return keys


def trusted_keys() -> list[TrustedKey]:
    """Every key this log trusts, the current signing key first."""
    from oversight.audit.checkpoints import public_key_hex

    current = public_key_hex()
    listed = parse_trusted_keys(settings.AUDIT_TRUSTED_KEYS)
    own = [k for k in listed if k.public_key == current]
    first = (TrustedKey(current, own[0].valid_from, own[0].valid_until, current=True) if own
             else TrustedKey(current, current=True))
    return [first] + [k for k in listed if k.public_key != current]


def key_for(key_id: str, signed_at: dt.datetime, keys: list[TrustedKey] | None = None) -> tuple[TrustedKey | None, str]:
    """The trusted key a checkpoint names, if it was in force when the checkpoint was signed; else why not."""
    keys = trusted_keys() if keys is None else keys
    matching = [k for k in keys if k.key_id == key_id]
    if not matching:
        return None, f"signed by key {key_id}, which is not a trusted key of this log"
    for key in matching:
        if key.covers(signed_at):
            return key, ""
    return None, f"signed by key {key_id} at {signed_at:%Y-%m-%d %H:%M:%S}, outside the period that key was in force " \
                 f"({matching[0].period()})"


def pinned_keys_document() -> dict:
    """What an auditor keeps to verify offline: the trusted public keys and their periods."""
    return {"log": settings.AUDIT_LOG_NAME, "keys": [k.as_document() for k in trusted_keys()]}
