"""A test that needs the face models, the sample photos or pdftotext fails, naming what is missing and how to
install it, instead of skipping: a suite that skips its face matcher could pass with the matcher untested."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from matching.face.samples import SamplesUnavailable
from tests import needs

ROOT = Path(__file__).resolve().parents[1]


def test_a_missing_pdftotext_fails_naming_the_package(monkeypatch):
    monkeypatch.setattr(needs.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match=r"pdftotext is missing: .*apt-get install poppler-utils"):
        needs.pdftotext()


def test_a_missing_face_embedder_fails_naming_the_command(monkeypatch, tmp_path):
    monkeypatch.setattr(needs, "default_model_path", lambda: tmp_path / "absent.onnx")
    with pytest.raises(pytest.fail.Exception, match=r"face embedder is missing .*make models"):
        needs.face_models()


def test_missing_sample_photos_fail_naming_where_they_come_from(monkeypatch):
    def unavailable():
        raise SamplesUnavailable("no network")

    monkeypatch.setattr(needs, "sample_photos_dir", unavailable)
    with pytest.raises(pytest.fail.Exception, match=r"sample face photos are missing .*no network.*make models"):
        needs.sample_photos()


def test_the_parts_are_here_on_this_machine():
    assert needs.face_models().is_file()
    assert (needs.sample_photos() / "obama.jpg").is_file()
    assert Path(needs.pdftotext()).name == "pdftotext"


def test_no_test_skips_for_want_of_a_face_model_photo_or_pdf_tool():
    """Skips remain only where a test needs a server the suite does not start (Redis)."""
    hiding = []
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("skip", "skipif", "importorskip"):
                text = ast.get_source_segment(path.read_text(), node) or ""
                line = path.read_text().splitlines()[node.lineno - 1]
                if "_redis_answers" not in line and text:
                    hiding.append(f"{path.relative_to(ROOT)}:{node.lineno}: {line.strip()}")
    assert hiding == []
