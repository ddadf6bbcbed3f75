"""evaluate_folder measures true-match rates correctly, on synthetic scores and on real photos."""

import csv
import os
from collections import Counter
from math import comb
from pathlib import Path

import numpy as np
import pytest

from matching.face.evaluate import equal_error, evaluate_folder, read_labels, threshold_at_fmr
from matching.face.paths import PROJECT_ROOT
from matching.face.pipeline import FacePipeline
from tests import needs

# The labelled set lives beside the project (CI: ../shared/faces) and is never copied into it.
FACES_DIR = Path(os.environ.get("FACES_DIR", PROJECT_ROOT.parent / "shared" / "faces"))


def test_the_fmr_threshold_lets_through_exactly_the_allowed_impostors():
    impostor = np.arange(1000) / 1000  # 0.000 ... 0.999

    threshold = threshold_at_fmr(impostor, 1e-2)

    assert np.sum(impostor >= threshold) == 10
    assert 0.989 < threshold <= 0.990


def test_the_equal_error_rate_is_where_both_error_rates_cross():
    genuine = np.array([0.5, 0.8, 0.9, 0.95])
    impostor = np.array([0.1, 0.2, 0.3, 0.85])

    eer, threshold = equal_error(genuine, impostor)

    assert eer == pytest.approx(0.25)  # at 0.8: one genuine of four rejected, one impostor accepted
    assert 0.5 < threshold <= 0.85


@pytest.fixture
def subset(tmp_path) -> Path:
    """labels.csv for the first six identities, pointing at the photos where they are."""
    needs.labelled_face_set(FACES_DIR)
    rows = read_labels(FACES_DIR)
    chosen = list(dict.fromkeys(identity for _, identity in rows))[:6]
    with open(tmp_path / "labels.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "identity"])
        writer.writerows((FACES_DIR / name, identity) for name, identity in rows if identity in chosen)
    return tmp_path


def test_evaluate_folder_on_real_photos_returns_real_rates(subset):
    pipeline = FacePipeline()
    counts = Counter(identity for _, identity in read_labels(subset))
    photos = sum(counts.values())
    calls = []

    result = evaluate_folder(subset, pipeline, progress=lambda done, total: calls.append((done, total)))

    assert result["failures_to_enrol"] == 0
    assert result["genuine_pairs"] == sum(comb(n, 2) for n in counts.values())
    assert result["impostor_pairs"] == comb(photos, 2) - result["genuine_pairs"]
    assert 0.9 <= result["tmr_at_fmr_1e-3"] <= result["tmr_at_fmr_1e-2"] <= 1
    assert 0 <= result["eer"] < 0.05
    assert 0.5 < result["threshold_at_fmr_1e-2"] <= result["threshold_at_fmr_1e-3"] < 1
    assert result["model_sha256"] == pipeline.model_info()["sha256"]
    assert calls[-1] == (photos, photos) and len(calls) == photos


def test_the_evaluate_matcher_command_prints_one_json_object_with_the_agreed_keys(subset):
    import json
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "manage.py", "evaluate_matcher", str(subset), "--json"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("tmr_at_fmr_1e-2", "tmr_at_fmr_1e-3", "eer", "threshold_at_fmr_1e-3", "genuine_pairs",
                "impostor_pairs", "model_sha256"):
        assert key in report
    assert report["genuine_pairs"] == evaluate_folder(subset, FacePipeline())["genuine_pairs"]


def test_the_evaluate_matcher_command_refuses_a_folder_without_labels(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "manage.py", "evaluate_matcher", str(tmp_path)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "has no labels.csv" in result.stderr
