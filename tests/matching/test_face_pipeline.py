"""FacePipeline: what it accepts, what it refuses and why, and that it tells people apart."""

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFile

from matching.face.errors import ImageRejected, QualityRejected
from matching.face.pipeline import FacePipeline
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from tests import needs


@pytest.fixture(scope="module")
def pipeline() -> FacePipeline:
    return FacePipeline()


@pytest.fixture(scope="module")
def samples() -> Path:
    return needs.sample_photos()


def photo(samples: Path, pipeline: FacePipeline, name: str) -> np.ndarray:
    return pipeline.decode((samples / name).read_bytes())


def png_bytes(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR says width x height, with a valid CRC: a decompression bomb header."""
    data = bytearray(png_bytes(1, 1))
    # Signature (8) + length (4) + b"IHDR" (4), then width, height and the rest of IHDR (13 bytes).
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def rejection(pipeline: FacePipeline, data: bytes) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        pipeline.decode(data)
    assert str(caught.value)  # always a message a person can read
    return caught.value


# What it accepts


def test_it_decodes_jpeg_and_rgba_png_to_rgb(pipeline, samples):
    assert photo(samples, pipeline, "obama.jpg").shape == (1137, 910, 3)
    png = photo(samples, pipeline, "32bit.png")
    assert png.shape == (1200, 626, 3) and png.dtype == np.uint8


def test_it_finds_exactly_one_face_in_a_single_face_photo(pipeline, samples):
    faces = pipeline.detect(photo(samples, pipeline, "obama.jpg"))

    assert len(faces) == 1
    face = faces[0]
    assert face.score > 0.9
    assert face.landmarks.shape == (5, 2)
    x1, y1, x2, y2 = face.box
    assert (x1 <= face.landmarks[:, 0]).all() and (face.landmarks[:, 0] <= x2).all()
    assert face.landmarks[0, 0] < face.landmarks[1, 0]  # image-left eye first, as the template
    assert 150 < face.size_px < 400


def test_the_same_man_scores_above_the_other_man(pipeline, samples):
    same = [pipeline.faces(photo(samples, pipeline, name))[0][2] for name in SAME_PERSON]
    (_, _, other), = pipeline.faces(photo(samples, pipeline, OTHER_PERSON))

    genuine = [float(same[i] @ same[j]) for i in range(3) for j in range(i + 1, 3)]
    impostor = [float(e @ other) for e in same]
    assert min(genuine) > max(impostor)
    # Thresholds are model specific: with this model, strangers still score 0.8 or so.
    assert min(genuine) > 0.93 and max(impostor) < 0.9


def test_embeddings_are_batched_and_normalised(pipeline, samples):
    chips = [chip for name in SAME_PERSON for _, chip, _ in pipeline.faces(photo(samples, pipeline, name))]
    batched = FacePipeline(batch_size=2).embed_chips(chips)
    one_by_one = np.concatenate([pipeline.embed_chips([chip]) for chip in chips])

    assert batched.shape == (3, 128) and batched.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    assert pipeline.embed_chips([]).shape == (0, 128)


def test_enrol_returns_the_embedding_and_its_quality_measures(pipeline, samples):
    enrolment = pipeline.enrol(photo(samples, pipeline, "obama.jpg"))

    assert enrolment.embedding.shape == (128,)
    assert enrolment.chip.shape == (150, 150, 3)
    assert enrolment.quality["detector_score"] > 0.9
    assert enrolment.quality["face_px"] == enrolment.face.size_px > 150
    assert 80 < enrolment.quality["eye_distance_px"] < 150


def test_model_info_names_the_models_and_their_licences(pipeline):
    info = pipeline.model_info()

    assert info["embedding_size"] == 128
    assert info["licence"] == "CC0-1.0"
    assert info["detector"]["licence"] == "MIT"
    assert len(info["sha256"]) == 64 and len(info["detector"]["sha256"]) == 64
    assert "face-recognition-models 0.3.0" in info["version"]


# What it refuses when decoding


@pytest.mark.parametrize("tolerant_pillow", [False, True], ids=["pillow-strict", "after-weasyprint-import"])
def test_it_refuses_a_truncated_jpeg_or_png_as_corrupt(pipeline, samples, tolerant_pillow, monkeypatch):
    # Importing WeasyPrint (reports) switches Pillow to filling truncated images with grey, process-wide.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", tolerant_pillow)
    jpeg = (samples / "obama.jpg").read_bytes()
    refused = rejection(pipeline, jpeg[: len(jpeg) // 2])
    assert refused.code == "corrupt" and "JPEG" in str(refused)
    png = (samples / "32bit.png").read_bytes()
    assert rejection(pipeline, png[: len(png) * 3 // 4]).code == "corrupt"
    assert pipeline.decode(jpeg).shape[2] == 3 and pipeline.decode(png).shape[2] == 3  # whole files still decode


def test_it_refuses_garbage_behind_a_jpeg_signature_as_corrupt(pipeline):
    assert rejection(pipeline, b"\xff\xd8\xff" + b"\x00garbage" * 50).code == "corrupt"


def test_it_refuses_empty_data_as_corrupt(pipeline):
    assert rejection(pipeline, b"").code == "corrupt"


def test_it_refuses_a_gif(pipeline):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    error = rejection(pipeline, buffer.getvalue())
    assert error.code == "unsupported_format"
    assert "GIF" in str(error) and "JPEG and PNG" in str(error)


def test_it_refuses_text(pipeline):
    assert rejection(pipeline, b"this is not a photo\n").code == "unsupported_format"


def test_it_refuses_a_png_claiming_20000_by_20000_pixels_without_decoding_it(pipeline):
    assert rejection(pipeline, png_claiming_size(20000, 20000)).code == "too_large"


def test_it_refuses_an_image_over_its_pixel_limit_and_says_how_big_it_is(pipeline):
    error = rejection(pipeline, png_claiming_size(8000, 6000))  # 48 MP, default limit 40 MP
    assert error.code == "too_large"
    assert "8000x6000" in str(error) and "40 megapixels" in str(error)


def test_the_pixel_limit_is_configurable():
    strict = FacePipeline(max_pixels=10_000)
    assert strict.decode(png_bytes(100, 100)).shape == (100, 100, 3)
    with pytest.raises(ImageRejected) as caught:
        strict.decode(png_bytes(101, 100))
    assert caught.value.code == "too_large"


# What it refuses when enrolling


def test_enrol_refuses_a_blank_image_with_no_face(pipeline):
    with pytest.raises(QualityRejected) as caught:
        pipeline.enrol(np.full((480, 640, 3), 128, np.uint8))
    assert caught.value.code == "no_face"
    assert "No face" in str(caught.value)


def test_enrol_refuses_a_photo_with_two_people(pipeline, samples):
    left = photo(samples, pipeline, "obama.jpg")
    right = photo(samples, pipeline, "biden.jpg")
    right = cv2.resize(right, (right.shape[1] * left.shape[0] // right.shape[0], left.shape[0]))
    with pytest.raises(QualityRejected) as caught:
        pipeline.enrol(np.hstack([left, right]))
    assert caught.value.code == "several_faces"
    assert "2 faces" in str(caught.value)


def test_enrol_refuses_a_face_below_the_minimum_size(pipeline, samples):
    with pytest.raises(QualityRejected) as caught:
        pipeline.enrol(photo(samples, pipeline, "obama.jpg"), min_face_px=1000)
    assert caught.value.code == "face_too_small"
    assert "1000" in str(caught.value)


def test_enrol_refuses_a_face_cut_off_through_one_eye(pipeline, samples):
    image = photo(samples, pipeline, "obama.jpg")[:, :520]  # the image-right eye is at x = 552
    with pytest.raises(QualityRejected) as caught:
        pipeline.enrol(np.ascontiguousarray(image))
    assert caught.value.code == "no_landmarks"
