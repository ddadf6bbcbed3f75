"""The one gate every image passes before the matcher uses it: live frames, crops, RFR probes, OIFR photos,
gallery images and watchlist photos (at upload, through the hook the governance layer offers).

It judges size in bytes, pixels per image and per request, shape, structure and bit depth
(`matching.face.decode`), and for a photo that will be enrolled, that it shows exactly one usable face.
A refusal is a ValidationError naming the field, in words the person who sent the image understands.
"""
from __future__ import annotations

import base64
import io

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import MemoryFileUploadHandler

from matching.services import engine
from matching.face.decode import DEFAULT_MAX_REQUEST_PIXELS, PixelBudget
from matching.face.errors import ImageRejected, QualityRejected

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

__all__ = ["MAX_UPLOAD_BYTES", "PixelBudget", "DEFAULT_MAX_REQUEST_PIXELS", "PhotoInMemory", "image_bytes",
           "image_decode", "image_enrolment", "image_face_check", "image_preview_data_uri"]


def refusal(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError naming `field` whose error keeps its `code` (a dict passed to ValidationError drops it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def image_bytes(upload, *, field: str, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of an uploaded file (or bytes as they are), refused over `limit` before they are read."""
    if isinstance(upload, (bytes, bytearray, memoryview)):
        data = bytes(upload)
        size = len(data)
    else:
        size = getattr(upload, "size", None)
        data = None
    if upload is None:
        raise refusal(field, "attach the image (JPEG or PNG)", "missing")
    if size is not None and size > limit:
        raise refusal(field, f"the file is {size / 2**20:.1f} MB; at most {limit // 2**20} MB", "too_large")
    if data is None:
        upload.seek(0)
        data = upload.read(limit + 1)
        upload.seek(0)
        if len(data) > limit:
            raise refusal(field, f"the file is over {limit // 2**20} MB", "too_large")
    return data


def image_decode(data: bytes, *, field: str, budget: PixelBudget | None = None) -> np.ndarray:
    """An RGB array of a JPEG or PNG, or a ValidationError naming `field` and what is wrong with the image."""
    try:
        return engine.pipeline().decode(data, budget=budget)
    except ImageRejected as exc:
        raise refusal(field, str(exc), exc.code) from None


def image_enrolment(data: bytes, *, field: str = "image", face_model=None):
    """The enrolment (template, face, chip) of a photo that shows exactly one usable face, or a refusal; made by
    `face_model` (default: the platform's own)."""
    image = image_decode(data, field=field)
    try:
        return engine.pipeline(face_model).enrol(image)
    except QualityRejected as exc:
        raise refusal(field, str(exc), exc.code) from None


def image_face_check(upload, *, field: str = "image", limit: int = MAX_UPLOAD_BYTES) -> None:
    """A watchlist photo is checked in full when it is uploaded, so that it cannot fail only at enrolment,
    perhaps after the deployment was authorised: it decodes and shows exactly one usable face."""
    image_enrolment(image_bytes(upload, field=field, limit=limit), field=field)


def image_preview_data_uri(data: bytes, *, field: str, side: int = 320) -> str:
    """A small JPEG of an image as a data: URI, made in memory from the gate's own decoding: for a photo that
    may be shown back in one response but never stored (the OIFR photo), so it never has a URL or a file."""
    from PIL import Image

    picture = Image.fromarray(image_decode(data, field=field))
    picture.thumbnail((side, side))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class PhotoInMemory(MemoryFileUploadHandler):
    """An OIFR photo is never kept (rule 18): hold the upload in memory only, never in a temporary file.

    Django's default handlers write any upload over 2.5 MB to a temporary file; this one takes the whole
    upload in memory, and an upload over the limit is dropped unread rather than spilled to disk.
    """

    limit = MAX_UPLOAD_BYTES + 64 * 1024  # the photo plus the other fields of the form

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = content_length <= self.limit

    @classmethod
    def too_large(cls, request) -> bool:
        """True when the body was over the limit, so the photo was dropped unread."""
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0) > cls.limit
        except ValueError:
            return False
