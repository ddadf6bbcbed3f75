"""A reference client for an external (vendor) face-matching system: what such a system does with the platform.

1. It downloads the signed watchlist package of its deployment with its device token
   (`GET /api/live/<deployment>/vendor/package/`), and verifies it before using a byte of it: the SHA-256 of
   the body is the digest; the signature (header `X-Package-Signature`) is Ed25519 over
   `b"frgov watchlist package v1\\n" + digest` (the hex text), checked with the platform's package public key
   that the vendor pinned when the force gave it (never the key a response carries); every image's SHA-256
   must match the manifest's.
2. While the deployment runs, it posts the faces it processed each minute (`…/vendor/faces/`) and each alert
   (`…/vendor/alerts/`: the entry's reference, the score, the camera's crop, the time, the camera's position
   and the digest of the package it matched against), each with its own key, so that a retry is not counted
   twice. A refused alert comes back as 409 naming the rule it breaks.
3. After the deployment it deletes its copy and confirms it (`…/vendor/package-deleted/`).

It needs only the standard library and `cryptography`, so a vendor can copy it as it is. It talks to the
platform through a transport: `HttpTransport` over HTTP(S), or any object with Django test-client style
`get(path, **headers)` and `post(path, data, content_type=…, **headers)` (the tests and the demo use that).

    python tools/vendor_client.py https://frgov.example DEPLOYMENT TOKEN PUBLIC_KEY_HEX download
    python tools/vendor_client.py https://frgov.example DEPLOYMENT TOKEN PUBLIC_KEY_HEX faces 2026-12-07T10:31Z 140
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

SIGNATURE_CONTEXT = b"frgov watchlist package v1\n"


class PackageRejected(Exception):
    """The package failed verification: it must not be used."""


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Package:
    digest: str
    manifest: dict
    images: dict[str, bytes] = field(repr=False)

    @property
    def references(self) -> list[str]:
        return [e["reference"] for e in self.manifest["entries"]]

    def image_of(self, reference: str) -> bytes:
        entry = next(e for e in self.manifest["entries"] if e["reference"] == reference)
        return self.images[entry["image"]]


def package_verify(data: bytes, *, signature_hex: str, pinned_key_hex: str) -> Package:
    """The package's contents if its signature is the platform's and every image is the one listed; else
    PackageRejected."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    digest = hashlib.sha256(data).hexdigest()
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(pinned_key_hex)).verify(
            bytes.fromhex(signature_hex), SIGNATURE_CONTEXT + digest.encode())
    except (InvalidSignature, ValueError):
        raise PackageRejected("the signature does not verify with the pinned key: the package was altered or "
                              "not signed by the platform") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            images = {e["image"]: archive.read(e["image"]) for e in manifest["entries"]}
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PackageRejected(f"the package cannot be read: {exc}") from None
    for entry in manifest["entries"]:
        if hashlib.sha256(images[entry["image"]]).hexdigest() != entry["image_sha256"]:
            raise PackageRejected(f"the image of {entry['reference']} is not the one the manifest lists")
    return Package(digest, manifest, images)


class HttpTransport:
    def __init__(self, base_url: str, timeout: float = 30):
        self.base_url, self.timeout = base_url.rstrip("/"), timeout

    def request(self, method: str, path: str, body: dict | None, headers: dict) -> Answer:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers={
            **headers, **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())


class DjangoClientTransport:
    """Over a Django test client (`django.test.Client` or DRF's `APIClient`): the platform in the same process."""

    def __init__(self, client):
        self.client = client

    def request(self, method: str, path: str, body: dict | None, headers: dict) -> Answer:
        extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
        if method == "GET":
            response = self.client.get(path, **extra)
        else:
            response = self.client.post(path, json.dumps(body), content_type="application/json", **extra)
        return Answer(response.status_code, dict(response.headers), response.content)


class VendorSystem:
    """One vendor system's camera for one deployment, holding the platform's pinned package key."""

    def __init__(self, transport, *, deployment: int, token: str, pinned_key: str, algorithm: str,
                 latitude: float, longitude: float):
        self.transport, self.deployment, self.token = transport, deployment, token
        self.pinned_key, self.algorithm = pinned_key, algorithm
        self.latitude, self.longitude = latitude, longitude
        self.package: Package | None = None

    def _call(self, method: str, what: str, body: dict | None = None) -> Answer:
        return self.transport.request(method, f"/api/live/{self.deployment}/vendor/{what}/", body,
                                      {"Authorization": f"Device {self.token}"})

    def package_download(self) -> Package:
        answer = self._call("GET", "package")
        if answer.status != 200:
            raise PackageRejected(f"the platform answered {answer.status}: {answer.body[:300]!r}")
        headers = {k.lower(): v for k, v in answer.headers.items()}
        self.package = package_verify(answer.body, signature_hex=headers.get("x-package-signature", ""),
                                      pinned_key_hex=self.pinned_key)
        return self.package

    def faces_post(self, *, minute: datetime, faces: int, key: str | None = None) -> Answer:
        return self._call("POST", "faces", {"key": key or f"faces-{uuid.uuid4().hex}", "minute": minute.isoformat(),
                                            "faces": faces, "algorithm": self.algorithm})

    def alert_post(self, *, reference: str, score: float, captured_at: datetime, crop: bytes | None = None,
                   key: str | None = None, digest: str | None = None, latitude: float | None = None,
                   longitude: float | None = None, algorithm: str | None = None) -> Answer:
        body = {"key": key or f"alert-{uuid.uuid4().hex}", "entry_reference": reference, "score": score,
                "captured_at": captured_at.isoformat(), "algorithm": algorithm or self.algorithm,
                "package_digest": digest or (self.package.digest if self.package else ""),
                "latitude": self.latitude if latitude is None else latitude,
                "longitude": self.longitude if longitude is None else longitude,
                "crop": base64.b64encode(crop).decode() if crop else ""}
        return self._call("POST", "alerts", body)

    def deletion_confirm(self, *, deleted_at: datetime, statement: str) -> Answer:
        digest = self.package.digest if self.package else ""
        self.package = None  # the copy is gone: images, manifest and any template made from them
        return self._call("POST", "package-deleted", {"package_digest": digest, "deleted_at": deleted_at.isoformat(),
                                                      "statement": statement})


def main(argv: list[str]) -> int:
    if len(argv) < 5:
        print(__doc__.strip().splitlines()[-2:][0].strip(), file=sys.stderr)
        return 2
    base, deployment, token, key, command, *rest = argv
    system = VendorSystem(HttpTransport(base), deployment=int(deployment), token=token, pinned_key=key,
                          algorithm="nec-neoface-v4", latitude=0.0, longitude=0.0)
    try:
        package = system.package_download()
    except PackageRejected as refusal:
        print(f"package rejected: {refusal}", file=sys.stderr)
        return 1
    print(f"package {package.digest} verified: {len(package.references)} entries")
    if command == "faces" and len(rest) == 2:
        answer = system.faces_post(minute=datetime.fromisoformat(rest[0].replace("Z", "+00:00")), faces=int(rest[1]))
        print(answer.status, answer.body.decode())
        return 0 if answer.status < 300 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
