"""Turn uploaded bytes into an RGB array, refusing anything that is not a sane JPEG or PNG."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

from matching.face.errors import CorruptImage, ImageTooLarge, UnsupportedFormat, UnusableShape

DEFAULT_MAX_PIXELS = 40_000_000
# What one request may decode in all: 40 megapixels bound one image, not a batch of 32 of them. With frames
# decoded one at a time this bounds the work of a request; memory is bounded by the largest single image.
DEFAULT_MAX_REQUEST_PIXELS = 200_000_000
# A face needs a few pixels each way, and the detector shrinks the long side to 640 pixels: an image much
# longer than it is wide (a 20000x2 strip) would shrink to nothing.
MIN_SIDE = 16
MAX_ASPECT = 8

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


class PixelBudget:
    """The pixels one request may still decode; every image of the request takes its share from it."""

    def __init__(self, total: int = DEFAULT_MAX_REQUEST_PIXELS) -> None:
        self.total = total
        self.left = total

    def take(self, width: int, height: int) -> None:
        if width * height > self.left:
            raise ImageTooLarge(
                f"The images of this request together exceed {self.total / 1e6:g} megapixels; this one "
                f"({width}x{height} pixels) was not processed. Send fewer or smaller images per request.")
        self.left -= width * height


def decode(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, *, budget: PixelBudget | None = None) -> np.ndarray:
    """Decode JPEG or PNG bytes to an RGB uint8 array (H, W, 3), upright per its EXIF orientation.

    Everything that can be judged from the header (format, size, shape, the request's pixel budget) is
    judged before a single pixel is decoded."""
    if not data:
        raise CorruptImage("The file is empty.")
    kind = _sniff(data)
    if kind is None:
        raise UnsupportedFormat(f"Only JPEG and PNG photos are accepted; this file is {_describe(data)}.")
    if _incomplete(kind, data):
        raise CorruptImage(f"The {kind} file is incomplete: it stops before the end of the image "
                           "(was the upload cut short?).")
    try:
        # Pillow's own bomb guard warns (and errors at twice its limit) while opening; our own
        # limit below is stricter, so silence the warning and translate the error.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        raise ImageTooLarge(_too_large_message(None, max_pixels)) from None
    except Exception:  # Pillow raises several types for broken headers; its text names Python objects
        raise CorruptImage(f"The {kind} file is damaged: its header cannot be read.") from None

    # Image.open has read only the header: check the size before decoding any pixels, so a small
    # file that claims to be enormous cannot exhaust memory.
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(_too_large_message((width, height), max_pixels))
    if width == 0 or height == 0:
        raise CorruptImage(f"The {kind} file declares an empty image ({width}x{height}).")
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_ASPECT * min(width, height):
        raise UnusableShape(
            f"The image is {width}x{height} pixels: too small or too narrow to show a face (each side needs at "
            f"least {MIN_SIDE} pixels, and the long side may be at most {MAX_ASPECT} times the short one).")
    if budget is not None:
        budget.take(width, height)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image)
            return _rgb(image)
    except Exception:  # truncated data, bad compressed stream, bad checksums
        raise CorruptImage(f"The {kind} file is damaged or incomplete: its pixels cannot be decoded.") from None
    finally:
        image.close()


def _rgb(image: Image.Image) -> np.ndarray:
    """RGB uint8, keeping the tones of 16-bit greyscale (Pillow's own conversion clips them to white)."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        grey = np.asarray(image)
        if image.mode != "I" or grey.max(initial=0) > 255:
            grey = (grey.astype(np.uint32) + 128) // 257  # 0-65535 onto 0-255
        grey = np.clip(grey, 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _too_large_message(size: tuple[int, int] | None, max_pixels: int) -> str:
    limit = f"{max_pixels / 1e6:g} megapixels"
    if size is None:
        return f"The image is far too large to process (the limit is {limit})."
    width, height = size
    return (
        f"The image is {width}x{height} pixels ({width * height / 1e6:.1f} megapixels); "
        f"the limit is {limit}. Please send a smaller copy."
    )
