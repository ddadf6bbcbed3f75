"""A plain numpy forward pass of dlib's ResNet, used only to prove the ONNX conversion.

It works in float64, applies each affine separately (so it also checks the folding done by the
converter) and follows dlib's own size rules: no padding on strided layers, and an `add_prev` that
zero-pads the smaller operand at the end of each dimension. Slow (a quarter of a second a chip,
40 times the ONNX session); never use it in production.
"""

from __future__ import annotations

import numpy as np

from matching.face.dlib_model import RGB_MEAN, RGB_SCALE, Affine, Conv, DlibResNet


def _windows(x: np.ndarray, k: int, stride: int) -> np.ndarray:
    """(C, H, W) -> (C, k, k, H_out, W_out) view of every k x k window."""
    c, h, w = x.shape
    h_out, w_out = 1 + (h - k) // stride, 1 + (w - k) // stride
    s0, s1, s2 = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (c, k, k, h_out, w_out), (s0, s1, s2, s1 * stride, s2 * stride), writeable=False
    )


def conv(x: np.ndarray, layer: Conv) -> np.ndarray:
    p = layer.padding
    x = np.pad(x, ((0, 0), (p, p), (p, p)))
    cols = _windows(x, layer.weight.shape[-1], layer.stride)  # im2col without copying
    out = np.einsum("oikl,iklhw->ohw", layer.weight.astype(np.float64), cols, optimize=True)
    return out + layer.bias[:, None, None]


def affine(x: np.ndarray, layer: Affine) -> np.ndarray:
    return x * layer.gamma[:, None, None] + layer.beta[:, None, None]


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def add_prev(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dlib's add with mismatched shapes: missing elements count as zero (top-left aligned)."""
    shape = tuple(max(i, j) for i, j in zip(a.shape, b.shape))
    out = np.zeros(shape)
    out[: a.shape[0], : a.shape[1], : a.shape[2]] += a
    out[: b.shape[0], : b.shape[1], : b.shape[2]] += b
    return out


def forward(net: DlibResNet, chip: np.ndarray) -> np.ndarray:
    """One 150x150x3 RGB chip (0-255) -> L2-normalised 128-d embedding (float64)."""
    x = (np.asarray(chip, np.float64) - np.array(RGB_MEAN)) * RGB_SCALE
    x = np.ascontiguousarray(x.transpose(2, 0, 1))
    x = relu(affine(conv(x, net.stem), net.stem_affine))
    x = _windows(x, 3, 2).max(axis=(1, 2))  # 3x3 stride-2 max pool, no padding
    for block in net.blocks:
        y = relu(affine(conv(x, block.conv1), block.affine1))
        y = affine(conv(y, block.conv2), block.affine2)
        shortcut = _windows(x, 2, 2).mean(axis=(1, 2)) if block.down else x
        x = relu(add_prev(y, shortcut))
    embedding = x.mean(axis=(1, 2)) @ net.fc.astype(np.float64)
    return embedding / np.linalg.norm(embedding)
