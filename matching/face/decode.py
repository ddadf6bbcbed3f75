"""Turn uploaded bytes into an RGB array, refusing anything that is not a sane JPEG or PNG."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

from matching.face.errors import CorruptImage, ImageTooLarge, UnsupportedFormat

DEFAULT_MAX_PIXELS = 40_000_000

_ACCEPTED = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
# Only to name the problem in the message; none of these is accepted.
_KNOWN = {
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"%PDF": "PDF",
}


def _sniff(data: bytes) -> str | None:
    for magic, name in _ACCEPTED.items():
        if data.startswith(magic):
            return name
    return None


def _describe(data: bytes) -> str:
    for magic, name in _KNOWN.items():
        if data.startswith(magic):
            return f"a {name} file"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP file"
    if data[4:8] == b"ftyp":
        return "a HEIC/AVIF or video file"
    return "not an image this service recognises"


def _incomplete(kind: str, data: bytes) -> bool:
    """True when the file stops before its end marker: an upload cut short.

    Pillow's own check can be switched off process-wide (WeasyPrint sets `LOAD_TRUNCATED_IMAGES` when it
    is imported, and then fills the missing part with grey), so the structure is checked here. In a JPEG the
    end-of-image marker follows the last start-of-scan (entropy-coded data byte-stuffs 0xFF, so the marker
    cannot occur by chance); a PNG ends with its IEND chunk.
    """
    if kind == "JPEG":
        last_scan = data.rfind(b"\xff\xda")
        return last_scan < 0 or data.find(b"\xff\xd9", last_scan) < 0
    return b"IEND" not in data[-64:]


def decode(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode JPEG or PNG bytes to an RGB uint8 array (H, W, 3), upright per its EXIF orientation."""
    if not data:
        raise CorruptImage("The file is empty.")
    kind = _sniff(data)
    if kind is None:
        raise UnsupportedFormat(f"Only JPEG and PNG photos are accepted; this file is {_describe(data)}.")
    try:
        # Pillow's own bomb guard warns (and errors at twice its limit) while opening; our own
        # limit below is stricter, so silence the warning and translate the error.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        raise ImageTooLarge(_too_large_message(None, max_pixels)) from None
    except Exception as exc:  # Pillow raises several types for broken headers
        raise CorruptImage(f"The {kind} file is damaged and cannot be read ({exc}).") from None

    # Image.open has read only the header: check the size before decoding any pixels, so a small
    # file that claims to be enormous cannot exhaust memory.
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(_too_large_message((width, height), max_pixels))
    if width == 0 or height == 0:
        raise CorruptImage(f"The {kind} file declares an empty image ({width}x{height}).")
    if _incomplete(kind, data):
        raise CorruptImage(f"The {kind} file is incomplete: it stops before the end of the image "
                           "(was the upload cut short?).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image)
            rgb = image.convert("RGB")
    except Exception as exc:  # truncated data, bad compressed stream, bad checksums
        raise CorruptImage(f"The {kind} file is damaged or incomplete and cannot be decoded ({exc}).") from None
    return np.asarray(rgb, dtype=np.uint8)


def _too_large_message(size: tuple[int, int] | None, max_pixels: int) -> str:
    limit = f"{max_pixels / 1e6:g} megapixels"
    if size is None:
        return f"The image is far too large to process (the limit is {limit})."
    width, height = size
    return (
        f"The image is {width}x{height} pixels ({width * height / 1e6:.1f} megapixels); "
        f"the limit is {limit}. Please send a smaller copy."
    )
