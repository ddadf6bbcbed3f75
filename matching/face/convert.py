"""Convert dlib's face ResNet to ONNX, deterministically.

The graph takes input "chip": float32 N x 150 x 150 x 3, RGB values 0-255 (an aligned chip as
cv2/numpy hold it) and does dlib's normalisation, (x - mean) / 256, and the NHWC -> NCHW
transpose itself, so callers cannot get it wrong. Output "embedding": float32 N x 128, L2-normalised.

Usage: python -m matching.face.convert [--out PATH]   (prints the path and its SHA-256)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import os
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from matching.face import dlib_model
from matching.face.paths import MODELS_DIR

MODEL_FILE = "dlib_face_recognition_resnet_v1.onnx"
# Bump when the graph changes: it is part of the file, hence of its hash.
CONVERTER_VERSION = "1"
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; fixed so a newer onnx gives the same bytes


def default_model_path() -> Path:
    return MODELS_DIR / MODEL_FILE


class _Graph:
    """Collects nodes and initialisers with predictable names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x: str, layer: dlib_model.Conv, name: str) -> str:
        w = self.const(f"{name}.weight", layer.weight)
        b = self.const(f"{name}.bias", layer.bias)
        k, s, p = layer.weight.shape[-1], layer.stride, layer.padding
        return self.node("Conv", [x, w, b], name, kernel_shape=[k, k], strides=[s, s], pads=[p] * 4)

    def pad_to(self, x: str, shape: tuple[int, int, int], target: tuple[int, int, int], name: str) -> str:
        """Zero-pad (C, H, W) at the end of each axis, as dlib's add_prev does."""
        if shape == target:
            return x
        ends = [0] + [t - s for s, t in zip(shape, target)]
        pads = self.const(f"{name}.pads", np.array([0, 0, 0, 0] + ends, dtype=np.int64))
        return self.node("Pad", [x, pads], name, mode="constant")


def _conv_out(size: int, layer: dlib_model.Conv) -> int:
    return 1 + (size + 2 * layer.padding - layer.weight.shape[-1]) // layer.stride


def build(net: dlib_model.DlibResNet) -> onnx.ModelProto:
    g = _Graph()
    x = g.node("Transpose", ["chip"], "to_nchw", perm=[0, 3, 1, 2])
    mean = np.array(dlib_model.RGB_MEAN, np.float32).reshape(1, 3, 1, 1)
    x = g.node("Sub", [x, g.const("rgb_mean", mean)], "centre")
    x = g.node("Mul", [x, g.const("rgb_scale", np.array(dlib_model.RGB_SCALE, np.float32))], "scale")

    stem = dlib_model.fold(net.stem, net.stem_affine)
    x = g.node("Relu", [g.conv(x, stem, "stem")], "stem.relu")
    x = g.node("MaxPool", [x], "stem.pool", kernel_shape=[3, 3], strides=[2, 2])
    size = 1 + (_conv_out(dlib_model.CHIP_SIZE, stem) - 3) // 2
    shape = (stem.weight.shape[0], size, size)

    for i, block in enumerate(net.blocks):
        c1 = dlib_model.fold(block.conv1, block.affine1)
        c2 = dlib_model.fold(block.conv2, block.affine2)
        y = g.node("Relu", [g.conv(x, c1, f"b{i}.conv1")], f"b{i}.relu1")
        y = g.conv(y, c2, f"b{i}.conv2")
        y_size = _conv_out(_conv_out(shape[1], c1), c2)
        y_shape = (c2.weight.shape[0], y_size, y_size)
        if block.down:
            shortcut = g.node("AveragePool", [x], f"b{i}.pool", kernel_shape=[2, 2], strides=[2, 2])
            s_size = 1 + (shape[1] - 2) // 2
            s_shape = (shape[0], s_size, s_size)
            target = tuple(max(a, b) for a, b in zip(y_shape, s_shape))
            y = g.pad_to(y, y_shape, target, f"b{i}.pad_residual")
            shortcut = g.pad_to(shortcut, s_shape, target, f"b{i}.pad_shortcut")
            y_shape = target
        else:
            shortcut = x
        x = g.node("Relu", [g.node("Add", [y, shortcut], f"b{i}.add")], f"b{i}.relu")
        shape = y_shape

    x = g.node("Flatten", [g.node("GlobalAveragePool", [x], "pool")], "flatten", axis=1)
    x = g.node("MatMul", [x, g.const("fc.weight", net.fc)], "fc")
    g.node("LpNormalization", [x], "embedding", axis=1, p=2)

    graph = helper.make_graph(
        g.nodes,
        "dlib_face_recognition_resnet_v1",
        [helper.make_tensor_value_info("chip", TensorProto.FLOAT, ["batch", 150, 150, 3])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 128])],
        g.inits,
    )
    # No timestamps or environment details anywhere: converting twice must give the same bytes.
    model = helper.make_model(
        graph,
        producer_name="fr-governance matching.face.convert",
        producer_version=CONVERTER_VERSION,
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        doc_string="dlib face recognition ResNet v1 (CC0-1.0). Input: RGB 0-255 NHWC chips aligned "
        "to dlib's 150x150 template. Output: L2-normalised 128-d embedding.",
    )
    helper.set_model_props(
        model,
        {
            "source": f"face-recognition-models {importlib.metadata.version('face-recognition-models')}"
            f" {dlib_model.DAT_NAME}",
            "source_sha256": net.source_sha256,
            "licence": "CC0-1.0",
        },
    )
    onnx.checker.check_model(model)
    return model


def convert(out: Path, dat: Path | None = None) -> Path:
    """Write the ONNX file atomically (other processes may be reading the cache)."""
    data = build(dlib_model.load(dat)).SerializeToString(deterministic=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=out.name, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; workers may run as another user
    os.replace(tmp, out)
    return out


def ensure_model(path: Path | None = None) -> Path:
    """Return the ONNX file, converting it first if it is not cached yet.

    Only the file's presence is checked (reading 22 MB to verify it would slow every start-up);
    after changing the converter, delete the cached file. model_info() reports its SHA-256.
    """
    path = Path(path) if path else default_model_path()
    if not path.exists():
        convert(path)
    return path


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description="Convert dlib's face ResNet v1 to ONNX.")
    parser.add_argument("--out", type=Path, default=default_model_path(), help="where to write it")
    args = parser.parse_args()
    path = convert(args.out)
    print(path)
    print(sha256_file(path))


if __name__ == "__main__":
    main()
