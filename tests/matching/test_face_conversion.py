"""The ONNX embedder is a faithful, reproducible conversion of dlib's ResNet."""

import hashlib

import numpy as np
import onnxruntime as ort
import pytest

from matching.face import align, convert, dlib_model, reference
from matching.face.pipeline import FacePipeline
from tests import needs


@pytest.fixture(scope="module")
def net() -> dlib_model.DlibResNet:
    return dlib_model.load()


@pytest.fixture(scope="module")
def face_chip() -> np.ndarray:
    photo = needs.sample_photos() / "obama.jpg"
    pipeline = FacePipeline()
    image = pipeline.decode(photo.read_bytes())
    (face,) = pipeline.detect(image)
    return align.align(image, face.landmarks)


def test_the_parser_finds_every_layer_of_the_network(net):
    assert net.stem.weight.shape == (32, 3, 7, 7)
    assert (net.stem.stride, net.stem.padding) == (2, 0)
    assert len(net.blocks) == 14  # 28 convs + the stem = 29
    assert [b.conv1.weight.shape[0] for b in net.blocks if b.down] == [64, 128, 256, 256]
    assert all(b.conv1.stride == 2 and b.conv1.padding == 0 for b in net.blocks if b.down)
    assert net.fc.shape == (256, 128)


def test_onnx_output_equals_the_numpy_reference_on_a_real_face_chip(net, face_chip):
    session = ort.InferenceSession(str(convert.ensure_model()), providers=["CPUExecutionProvider"])
    onnx_embedding = session.run(None, {"chip": face_chip[None].astype(np.float32)})[0][0]
    numpy_embedding = reference.forward(net, face_chip)

    assert onnx_embedding.shape == (128,)
    assert np.linalg.norm(onnx_embedding) == pytest.approx(1.0, abs=1e-5)
    assert float(onnx_embedding @ numpy_embedding) > 0.99999
    assert np.abs(onnx_embedding - numpy_embedding).max() < 1e-4


def test_converting_twice_gives_identical_files(tmp_path):
    first = convert.convert(tmp_path / "a.onnx")
    second = convert.convert(tmp_path / "b.onnx")

    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(second.read_bytes()).hexdigest()
    assert convert.sha256_file(first) == digest


def test_ensure_model_converts_only_when_the_file_is_missing(tmp_path):
    path = tmp_path / "cache" / "model.onnx"
    assert convert.ensure_model(path) == path
    mtime = path.stat().st_mtime_ns
    assert convert.ensure_model(path) == path
    assert path.stat().st_mtime_ns == mtime
