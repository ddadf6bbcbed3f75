"""Fixtures of the hardening tests: the real photos, hand-made bad images, and the live deployment of the
matcher tests. The images are built once per session; nothing here stands in for the database or the matcher."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from matching.face.samples import OTHER_PERSON, SAME_PERSON
from tests.matching.conftest import _png_with_declared_size, bad_images, live, make_live  # noqa: F401

BROWSER_LEAKS = ("<_io.", "object at 0x", "Traceback", "BytesIO")


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def grey16(photo: bytes) -> bytes:
    """The photo as a 16-bit greyscale PNG (values 0-65535), as a scanner or a medical camera writes it."""
    grey = np.asarray(Image.open(io.BytesIO(photo)).convert("L"), dtype=np.uint16) * 257
    return png(Image.fromarray(grey))


def crowd_of(photo: bytes, faces: int) -> bytes:
    """One image showing `faces` copies of the face in `photo`, in a grid: an enrolment photo of a crowd."""
    picture = Image.open(io.BytesIO(photo)).convert("RGB")
    picture.thumbnail((220, 220))
    columns = int(np.ceil(np.sqrt(faces)))
    rows = int(np.ceil(faces / columns))
    sheet = Image.new("RGB", (columns * picture.width, rows * picture.height), (255, 255, 255))
    for n in range(faces):
        sheet.paste(picture, ((n % columns) * picture.width, (n // columns) * picture.height))
    return jpeg(sheet)


@pytest.fixture(scope="session")
def nasty(photos) -> dict[str, bytes]:  # noqa: F811
    """Images that must be refused, each with what a person should read about it (see EXPECTED)."""
    good_jpeg, good_png = photos[SAME_PERSON[1]], photos["32bit.png"]
    png_header_only = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 640, 480, 8, 2, 0, 0, 0))
    broken_crc = bytearray(png(Image.new("RGB", (64, 64), (90, 120, 200))))
    broken_crc[40] ^= 0xFF  # a byte inside the IDAT data: its checksum no longer matches
    return {
        "empty": b"",
        "text": b"This is not an image, it is a note about a suspect.\n",
        "gif": b"GIF89a" + b"\x00" * 64,
        "bmp": b"BM" + b"\x00" * 64,
        "pdf": b"%PDF-1.4\n1 0 obj <<>> endobj\n",
        "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32,
        "jpeg_header_only": good_jpeg[:600],
        "jpeg_truncated": good_jpeg[: len(good_jpeg) // 2],
        "jpeg_signature_then_garbage": b"\xff\xd8\xff" + b"\x00garbage" * 50,
        "png_header_only": png_header_only,
        "png_truncated": good_png[: len(good_png) * 3 // 4],
        "png_broken_checksum": bytes(broken_crc),
        "strip_20000x2": png(Image.new("L", (20000, 2), 128)),
        "strip_2x20000": png(Image.new("L", (2, 20000), 128)),
        "strip_5000x100": png(Image.new("RGB", (5000, 100), (128, 128, 128))),
        "one_pixel": png(Image.new("RGB", (1, 1), (0, 0, 0))),
        "bomb_20000x20000": _png_with_declared_size(20000, 20000),
        "bomb_8000x6000": _png_with_declared_size(8000, 6000),
    }


# What the answer must say, in words (not codes) a person reads: a part of the message.
EXPECTED = {
    "empty": "empty",
    "text": "Only JPEG and PNG",
    "gif": "GIF",
    "bmp": "BMP",
    "pdf": "PDF",
    "webp": "WebP",
    "jpeg_header_only": "incomplete",
    "jpeg_truncated": "incomplete",
    "jpeg_signature_then_garbage": "JPEG file",
    "png_header_only": "incomplete",
    "png_truncated": "incomplete",
    "png_broken_checksum": "damaged",
    "strip_20000x2": "20000x2",
    "strip_2x20000": "2x20000",
    "strip_5000x100": "5000x100",
    "one_pixel": "1x1",
    "bomb_20000x20000": "megapixels",
    "bomb_8000x6000": "8000x6000",
}


@pytest.fixture(scope="session")
def faceless(photos) -> dict[str, bytes]:  # noqa: F811
    """Images that decode but cannot be enrolled: what a watchlist must refuse at upload."""
    return {
        "no face": jpeg(Image.new("RGB", (400, 300), (120, 130, 140))),
        "31 faces": crowd_of(photos[SAME_PERSON[1]], 31),
        "two faces": crowd_of(photos[OTHER_PERSON], 2),
    }


def media_files(root) -> set[str]:
    root = Path(root)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def readable(message: str) -> bool:
    return bool(message) and not any(leak in message for leak in BROWSER_LEAKS)
