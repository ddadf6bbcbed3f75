"""Uploaded files are judged by their content, never by the name or content type the browser claims."""
from __future__ import annotations

import hashlib
import io
import re
import zlib
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse

MAX_IMAGE_BYTES = 5 * 1024 * 1024  # a custody photo is well under 1 MB; 5 MB leaves room for good scans
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"


def _read(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


# Checks of a face image's content beyond its format: the matcher registers its own at start-up (the photo
# decodes in full and shows exactly one usable face), since this layer may not import the matcher.
IMAGE_CHECKS: list[Callable[..., None]] = []


def image_check_register(check: Callable[..., None]) -> Callable[..., None]:
    """`check(upload, field=..., limit=...)` raises a ValidationError naming `field` when the image is unusable."""
    if check not in IMAGE_CHECKS:
        IMAGE_CHECKS.append(check)
    return check


def image_kind(upload, *, field: str = "image") -> tuple[str, str]:
    """('jpeg'|'png', sha256 hex) of a face image that every registered check accepts, or a ValidationError
    naming `field`."""
    if upload is None:
        raise ValidationError({field: "attach the face image (JPEG or PNG)"})
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError({field: f"the image is {upload.size:,} bytes; the limit is {MAX_IMAGE_BYTES:,}"})
    data = _read(upload)
    if data.startswith(JPEG):
        kind = "jpeg"
    elif data.startswith(PNG):
        kind = "png"
    else:
        raise ValidationError({field: "the file is not a JPEG or PNG image"})
    for check in IMAGE_CHECKS:
        check(upload, field=field, limit=MAX_IMAGE_BYTES)
    return kind, hashlib.sha256(data).hexdigest()


NO_STORE = "private, no-store"  # a face image is never kept by a shared cache or the browser's disk cache


def face_image_response(field_file, *, name: str) -> FileResponse:
    """A stored face image to someone a selector already allowed to see it; never cached outside their session.
    A deleted (retention) or missing file is a 404, so nothing about it is told that the record does not."""
    if not field_file:
        raise Http404("No such image")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("No such image") from None
    head = handle.read(len(PNG))
    handle.seek(0)
    if head.startswith(PNG):
        kind = "image/png"
    elif head.startswith(JPEG):
        kind = "image/jpeg"
    else:  # stored before the gate judged content, or not an image: never let a browser guess
        handle.close()
        raise Http404("No such image")
    response = FileResponse(handle, content_type=kind, filename=f"{name}.{'png' if kind == 'image/png' else 'jpg'}")
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


THUMBNAIL_SIDE = 240  # pixels: twice the 120 px the approver's page shows, for sharp high-density screens


def face_thumbnail_response(field_file, *, name: str, side: int = THUMBNAIL_SIDE) -> HttpResponse:
    """A small JPEG of a stored face image, made in memory (a watchlist of thousands shows thousands of them;
    the full photos are megabytes each). The photo passed the image gate when it was uploaded."""
    from PIL import Image, UnidentifiedImageError

    if not field_file:
        raise Http404("No such image")
    try:
        with field_file.open("rb") as handle, Image.open(handle) as picture:
            picture.draft("RGB", (side * 2, side * 2))  # a JPEG decodes at a fraction of its size: much faster
            picture = picture.convert("RGB")
            picture.thumbnail((side, side))
            buffer = io.BytesIO()
            picture.save(buffer, format="JPEG", quality=85)
    except (FileNotFoundError, UnidentifiedImageError, OSError):
        raise Http404("No such image") from None
    response = HttpResponse(buffer.getvalue(), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="{name}-small.jpg"'
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Dictionary keys through which a PDF runs something when opened or read: scripts, actions on events
# (/AA, which includes page open and close), launching programs. An /OpenAction that runs a script names /JS.
_PDF_ACTIVE = {b"JS": "JavaScript", b"JavaScript": "JavaScript", b"AA": "automatic actions", b"Launch":
               "an action that launches a program"}
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_MAX_INFLATED = 64 * 1024 * 1024


def _pdf_names(data: bytes):
    for match in _PDF_NAME.finditer(data):
        # Names may hide letters as #xx escapes (/J#61vaScript is /JavaScript).
        yield re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def pdf_active_content(data: bytes) -> str | None:
    """What in this PDF could run on opening, or None. Compressed streams (object streams included) are
    inflated and read too, up to a bound, so that a script cannot hide inside one."""
    parts = [data]
    budget = _MAX_INFLATED
    for match in _PDF_STREAM.finditer(data):
        if budget <= 0:
            break
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        parts.append(inflated)
    for part in parts:
        for name in _pdf_names(part):
            if name in _PDF_ACTIVE:
                return _PDF_ACTIVE[name]
    return None


def document_content_type(upload, *, field: str = "file") -> str:
    """'application/pdf' or 'text/plain', or a ValidationError naming `field`."""
    if upload is None:
        raise ValidationError({field: "attach the document (PDF or plain text)"})
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: f"the file is {upload.size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}"})
    data = _read(upload)
    if data.startswith(b"%PDF-"):
        active = pdf_active_content(data)
        if active:
            raise ValidationError({field: f"the PDF contains {active}, which could run when it is opened; "
                                          "save it again without scripts or actions (print to PDF) and upload that"})
        return "application/pdf"
    if data and b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    raise ValidationError({field: "the file is neither a PDF nor plain UTF-8 text"})
