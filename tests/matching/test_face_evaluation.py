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
    dlib = evaluate_folder(subset, FacePipeline())
    assert report["genuine_pairs"] == dlib["genuine_pairs"] and report["model_sha256"] == dlib["model_sha256"]
    # Both built-in algorithms, side by side, each with its false alerts to expect by watchlist size.
    algorithms = {row["template"]: row for row in report["algorithms"]}
    assert set(algorithms) == {"dlib150", "arcface112"}
    assert algorithms["dlib150"]["tmr_at_fmr_1e-3"] == report["tmr_at_fmr_1e-3"]
    assert algorithms["arcface112"]["licence"] == "Apache-2.0" and algorithms["dlib150"]["licence"] == "CC0-1.0"
    assert algorithms["arcface112"]["model_sha256"] != algorithms["dlib150"]["model_sha256"]
    assert algorithms["dlib150"]["code"] == "dlib-resnet-v1" and algorithms["arcface112"]["code"] == "sface-2021dec"
    for row in algorithms.values():
        assert row["name"] == row["algorithm"] and row["version"]
        # The FPIR table: three thresholds by three watchlist sizes, each with its interval and extrapolation flag.
        assert [(r["target_fmr"], r["watchlist_size"]) for r in row["fpir"]] == [
            (t, n) for t in ("1e-2", "1e-3", "1e-4") for n in (100, 1000, 10000)]
        for r in row["fpir"]:
            assert r["fpir"] == pytest.approx(1 - (1 - r["fmr"]) ** r["watchlist_size"])
            assert r["fmr_low_95"] <= r["fmr"] <= r["fmr_high_95"] and isinstance(r["extrapolated"], bool)
        assert 0.8 <= row["tmr_at_fmr_1e-4"] <= row["tmr_at_fmr_1e-3"] <= row["tmr_at_fmr_1e-2"] <= 1
        assert row["lowest_measurable_fmr"] == 1 / report["impostor_pairs"]
        for point in row["operating_points"]:
            sizes = [r["watchlist_size"] for r in point["fpir_by_watchlist_size"]]
            assert sizes == [100, 1000, 10000]
            rates = [r["fpir"] for r in point["fpir_by_watchlist_size"]]
            assert rates == sorted(rates)  # more entries, more chances of a false alert
            assert all(r["fpir_low_95"] <= r["fpir"] <= r["fpir_high_95"] for r in point["fpir_by_watchlist_size"])
            # A subset of a few hundred pairs cannot measure a rate of 1 in 10,000.
            assert point["fpir_by_watchlist_size"][0]["extrapolated"] == (point["target_fmr"] == "1e-4"
                                                                          or point["false_matches"] == 0)


def test_the_evaluate_matcher_command_refuses_a_folder_without_labels(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "manage.py", "evaluate_matcher", str(tmp_path)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "has no labels.csv" in result.stderr


def test_the_interval_of_a_rate_is_honest_at_zero_and_the_identification_rate_grows_with_the_watchlist():
    from matching.face.evaluate import expectations, fpir
    from oversight.statistics import wilson_interval

    low, high = wilson_interval(0, 50_000)
    assert low == 0 and 3 / 50_000 < high < 4 / 50_000  # "nothing seen" still allows about 4 in 50,000
    low, high = wilson_interval(50, 50_000)
    assert low < 1e-3 < high and high - low < 1e-3
    assert fpir(1e-4, 10_000) == pytest.approx(1 - (1 - 1e-4) ** 10_000)  # about 63%
    assert fpir(1e-6, 100) == pytest.approx(1e-4, rel=1e-3)

    impostor = np.linspace(0, 0.5, 20_000)  # 20,000 pairs: 1e-4 allows two false matches
    genuine = np.linspace(0.4, 1.0, 100)
    result = expectations(genuine, impostor)
    assert result["lowest_measurable_fmr"] == 1 / 20_000
    strict = result["operating_points"][2]
    assert strict["target_fmr"] == "1e-4" and strict["false_matches"] == 2 and strict["measured"]
    assert not strict["fpir_by_watchlist_size"][0]["extrapolated"]


def test_sface_is_converted_once_deterministically_and_matches_the_shipped_model(tmp_path):
    import hashlib

    import onnxruntime as ort

    from matching.face import sface

    first, second = sface.convert(tmp_path / "a.onnx"), sface.convert(tmp_path / "b.onnx")
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    chips = np.random.default_rng(7).uniform(0, 255, (3, 3, 112, 112)).astype(np.float32)
    converted = ort.InferenceSession(str(first), providers=["CPUExecutionProvider"])
    batch = converted.run(None, {"data": chips})[0]  # the converted model takes a batch
    shipped = ort.InferenceSession(str(sface.source_path()), providers=["CPUExecutionProvider"])
    unused = {i.name: np.zeros([d if isinstance(d, int) else 1 for d in i.shape], np.float32)
              for i in shipped.get_inputs() if i.name != "data"}
    for i in range(3):
        one = shipped.run(None, {"data": chips[i:i + 1], **unused})[0][0]
        cosine = float(one @ batch[i] / np.linalg.norm(one) / np.linalg.norm(batch[i]))
        assert cosine > 0.99999


def test_an_sface_pipeline_tells_the_same_person_from_another():
    from matching.face.samples import OTHER_PERSON, SAME_PERSON, sample_photos_dir

    folder = sample_photos_dir()
    pipeline = FacePipeline(embedder="arcface112")
    embed = [pipeline.enrol(pipeline.decode((folder / name).read_bytes())).embedding
             for name in (SAME_PERSON[0], SAME_PERSON[1], OTHER_PERSON)]
    assert pipeline.model_info()["template"] == "arcface112" and embed[0].shape == (128,)
    assert abs(float(np.linalg.norm(embed[0])) - 1) < 1e-5
    same, other = float(embed[0] @ embed[1]), float(embed[0] @ embed[2])
    assert same > 0.5 > other  # SFace's 1e-3 threshold on the labelled set is about 0.37


def test_the_evaluation_reads_the_labelled_folder_in_place_for_the_first_people_only():
    """`--people N` evaluates both algorithms on the first N people of the labelled set, where it lies."""
    import json
    import subprocess
    import sys

    needs.labelled_face_set(FACES_DIR)
    rows = read_labels(FACES_DIR, 5)
    assert len({identity for _, identity in rows}) == 5
    result = subprocess.run([sys.executable, "manage.py", "evaluate_matcher", str(FACES_DIR), "--json", "--people", "5"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["photos"] == len(rows)
    assert [a["code"] for a in report["algorithms"]] == ["dlib-resnet-v1", "sface-2021dec"]
    for row in report["algorithms"]:
        for key in ("name", "version", "tmr_at_fmr_1e-2", "tmr_at_fmr_1e-3", "tmr_at_fmr_1e-4", "eer", "fpir",
                    "lowest_measurable_fmr"):
            assert key in row
        assert row["lowest_measurable_fmr"] == 1 / report["impostor_pairs"]
        # A few hundred impostor pairs cannot measure 1 in 10,000: every FPIR at that threshold is extrapolated.
        assert all(r["extrapolated"] for r in row["fpir"] if r["target_fmr"] == "1e-4")
