"""Why an image or a face was refused, with a stable `code` for APIs and a message for people."""

from __future__ import annotations


class ImageRejected(ValueError):
    code = "rejected"


class UnsupportedFormat(ImageRejected):
    code = "unsupported_format"


class ImageTooLarge(ImageRejected):
    code = "too_large"


class CorruptImage(ImageRejected):
    code = "corrupt"


class UnusableShape(ImageRejected):
    """Too small, or so long and thin that no face fits (a 20000x2 strip)."""

    code = "unusable_shape"


class QualityRejected(ValueError):
    """The photo decoded but is not good enough to enrol. `code` is one of CODES."""

    CODES = ("no_face", "several_faces", "face_too_small", "no_landmarks")

    def __init__(self, code: str, message: str) -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown quality code {code!r}")
        super().__init__(message)
        self.code = code
