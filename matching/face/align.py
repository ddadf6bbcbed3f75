"""Align a face onto an embedder's chip template from its 5 landmarks (dlib's 150x150 by default)."""

from __future__ import annotations

import cv2
import numpy as np

CHIP_SIZE = 150
# dlib's chip template for the 5-point model in a 150x150 chip, image-left first: eyes, nose tip,
# mouth corners. The embedder was trained on chips laid out like this.
TEMPLATE = np.array(
    [[47.55, 46.60], [100.48, 46.60], [74.01, 76.56], [50.41, 103.02], [97.61, 103.02]],
    dtype=np.float32,
)
# Bilinear warping aliases when it shrinks by more than 2x (faces in large photos); shrink the
# face's neighbourhood with area averaging first.
MAX_WARP_SHRINK = 0.5


def similarity(landmarks: np.ndarray, template: np.ndarray = TEMPLATE) -> np.ndarray:
    """2x3 similarity transform (rotation, uniform scale, shift) from landmarks to the template."""
    # A huge RANSAC threshold keeps all five points as inliers, so the result is the least-squares
    # fit refined by OpenCV: with five points there is none to spare as an outlier.
    matrix, _ = cv2.estimateAffinePartial2D(
        np.asarray(landmarks, np.float32), template, method=cv2.RANSAC, ransacReprojThreshold=1e4
    )
    if matrix is None:
        raise ValueError("the landmarks do not define a similarity transform")
    return matrix


def align(image: np.ndarray, landmarks: np.ndarray, *, template: np.ndarray = TEMPLATE,
          size: int = CHIP_SIZE) -> np.ndarray:
    """Return the size x size x 3 uint8 chip of the face whose 5 landmarks are given (image pixels)."""
    matrix = similarity(landmarks, template)
    scale = float(np.hypot(matrix[0, 0], matrix[0, 1]))
    if scale < MAX_WARP_SHRINK:
        image, matrix = _shrink_around_chip(image, matrix, scale, size)
    # Outside the photo stays black, as in dlib's extract_image_chip.
    return cv2.warpAffine(
        image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )


def _shrink_around_chip(image: np.ndarray, matrix: np.ndarray, scale: float,
                        size: int = CHIP_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Crop the chip's footprint, shrink it with INTER_AREA, and adjust the transform to match."""
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], np.float64)
    footprint = corners @ inverse.T
    h, w = image.shape[:2]
    x0, y0 = np.clip(np.floor(footprint.min(axis=0)) - 2, 0, [w, h]).astype(int)
    x1, y1 = np.clip(np.ceil(footprint.max(axis=0)) + 2, 0, [w, h]).astype(int)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return image, matrix
    shrink = scale / MAX_WARP_SHRINK  # after shrinking, the warp itself shrinks by MAX_WARP_SHRINK
    crop = cv2.resize(image[y0:y1, x0:x1], None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    # A pixel q of the crop sits at (q + 0.5) / shrink - 0.5 + origin in the photo (pixel centres).
    offset = 0.5 / shrink - 0.5
    shift = np.array([[1 / shrink, 0, x0 + offset], [0, 1 / shrink, y0 + offset], [0, 0, 1]])
    return crop, (matrix @ shift).astype(np.float64)
