"""Read dlib's face recognition ResNet (v1) straight from its `.dat` file.

The weights ship, CC0-licensed, in the `face-recognition-models` package. dlib itself is not
needed: the file is dlib's own serialisation, in which each layer's details follow a type string,
from the input layer up to the output layer. We pick out the `con_`, `affine_` and `fc_` layers
and check them against the architecture we know (see `BLOCKS`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DAT_NAME = "dlib_face_recognition_resnet_model_v1.dat"

# Input normalisation done by dlib's input_rgb_image_sized<150>: (RGB - mean) / 256.
CHIP_SIZE = 150
RGB_MEAN = (122.782, 117.001, 104.298)
RGB_SCALE = 1 / 256

# Residual blocks from input to output: (filters, down). A "down" block starts with a stride-2
# conv and its shortcut is a 2x2 average pool zero-padded in channels (and space) to match.
BLOCKS: list[tuple[int, bool]] = (
    [(32, False)] * 3
    + [(64, True)] + [(64, False)] * 3
    + [(128, True)] + [(128, False)] * 2
    + [(256, True)] + [(256, False)] * 2
    + [(256, True)]
)


@dataclass(frozen=True)
class Conv:
    weight: np.ndarray  # (out, in, k, k) float32, cross-correlation like ONNX Conv
    bias: np.ndarray  # (out,)
    stride: int
    padding: int


@dataclass(frozen=True)
class Affine:
    """dlib's frozen batch-norm: y = gamma * x + beta per channel."""

    gamma: np.ndarray
    beta: np.ndarray


@dataclass(frozen=True)
class Block:
    conv1: Conv
    affine1: Affine
    conv2: Conv
    affine2: Affine
    down: bool


@dataclass(frozen=True)
class DlibResNet:
    stem: Conv  # 7x7 stride 2, followed by affine, ReLU and a 3x3 stride-2 max pool
    stem_affine: Affine
    blocks: list[Block]
    fc: np.ndarray  # (256, 128): embedding = pooled_features @ fc (no bias)
    source_sha256: str


def default_dat_path() -> Path:
    # find_spec, not import: the package's __init__ needs pkg_resources, gone from new setuptools.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package face-recognition-models is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "models" / DAT_NAME


class _Reader:
    """Cursor over dlib serialisation primitives."""

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def int(self) -> int:
        # One header byte: byte count in the low nibble, sign in the high bit; then little endian.
        header = self.data[self.pos]
        size = header & 0x0F
        value = int.from_bytes(self.data[self.pos + 1 : self.pos + 1 + size], "little")
        self.pos += 1 + size
        return -value if header & 0x80 else value

    def tensor(self) -> np.ndarray:
        version = self.int()
        if version != 2:
            raise ValueError(f"unexpected dlib tensor version {version} at byte {self.pos}")
        shape = tuple(self.int() for _ in range(4))
        count = int(np.prod(shape))
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos += 4 * count
        return values.astype(np.float32).reshape(shape)


# A dlib string is its length (as a dlib int: header byte 0x01, one length byte) then its bytes.
_LAYER = re.compile(rb"\x01\x05con_4|\x01\x07affine_|\x01\x04fc_2")


def _parse_layers(data: bytes) -> list[tuple[str, object]]:
    layers: list[tuple[str, object]] = []
    for match in _LAYER.finditer(data):
        kind = match.group()[2:]
        reader = _Reader(data, match.end())
        if kind == b"con_4":
            params = reader.tensor().ravel()
            # After the params: num_filters, nr, nc, stride_y, stride_x, padding_y, padding_x.
            out, nr, nc, stride_y, stride_x, pad_y, pad_x = (reader.int() for _ in range(7))
            if nr != nc or stride_y != stride_x or pad_y != pad_x:
                raise ValueError("only square kernels, strides and paddings are expected")
            n_in = (params.size - out) // (out * nr * nc)
            if out * n_in * nr * nc + out != params.size:
                raise ValueError("conv parameters are not filters followed by one bias per filter")
            weight = params[: out * n_in * nr * nc].reshape(out, n_in, nr, nc)
            layers.append(("con", Conv(weight, params[out * n_in * nr * nc :], stride_y, pad_y)))
        elif kind == b"affine_":
            params = reader.tensor().ravel()
            half = params.size // 2
            layers.append(("affine", Affine(params[:half], params[half:])))
        else:
            n_out, n_in = reader.int(), reader.int()
            matrix = reader.tensor().reshape(-1, n_out)
            if matrix.shape[0] != n_in:
                raise ValueError("the fc layer is expected to have no bias row")
            layers.append(("fc", matrix))
    return layers


def load(path: Path | None = None) -> DlibResNet:
    """Parse the `.dat` file and check it is the network described by `BLOCKS`."""
    path = Path(path) if path else default_dat_path()
    data = path.read_bytes()
    layers = _parse_layers(data)
    kinds = [kind for kind, _ in layers]
    n_conv = 1 + 2 * len(BLOCKS)
    if kinds != ["con", "affine"] * n_conv + ["fc"]:
        raise ValueError(f"{path.name}: unexpected layer sequence ({len(kinds)} layers)")
    params = [p for _, p in layers]
    convs, affines = params[0:-1:2], params[1:-1:2]

    blocks = []
    channels = convs[0].weight.shape[0]
    for i, (filters, down) in enumerate(BLOCKS):
        c1, c2 = convs[1 + 2 * i], convs[2 + 2 * i]
        if c1.weight.shape[:2] != (filters, channels) or c1.stride != (2 if down else 1):
            raise ValueError(f"block {i}: conv shape {c1.weight.shape} does not fit the architecture")
        blocks.append(Block(c1, affines[1 + 2 * i], c2, affines[2 + 2 * i], down))
        channels = filters
    return DlibResNet(
        stem=convs[0],
        stem_affine=affines[0],
        blocks=blocks,
        fc=params[-1],
        source_sha256=hashlib.sha256(data).hexdigest(),
    )


def fold(conv: Conv, affine: Affine) -> Conv:
    """Fold the affine (frozen batch-norm) that follows a conv into its weights and bias."""
    weight = conv.weight * affine.gamma[:, None, None, None]
    bias = conv.bias * affine.gamma + affine.beta
    return Conv(weight.astype(np.float32), bias.astype(np.float32), conv.stride, conv.padding)
