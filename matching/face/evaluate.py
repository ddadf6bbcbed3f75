"""Measure the matcher on a labelled folder of photos: true-match rates at fixed false-match rates.

The folder holds labels.csv (file,identity[,source]) with paths relative to the folder. Each photo
is embedded from its largest face; photos with no face are failures to enrol and take no part in
the pairs. Every same-identity pair is a genuine pair, every other pair an impostor pair. A pair
"matches" when its cosine similarity is >= the threshold.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from matching.face.errors import ImageRejected
from matching.face.pipeline import FacePipeline
from oversight.statistics import wilson_interval

Progress = Callable[[int, int], None]


def read_labels(folder: Path, people: int | None = None) -> list[tuple[str, str]]:
    """(file, identity) rows; with `people`, only those of the first that many identities in the file."""
    with open(Path(folder) / "labels.csv", newline="", encoding="utf-8") as f:
        rows = [(row["file"], row["identity"]) for row in csv.DictReader(f)]
    if people is not None:
        chosen = set(list(dict.fromkeys(identity for _, identity in rows))[:people])
        rows = [row for row in rows if row[1] in chosen]
    return rows


def embed_folder(
    folder: Path, pipeline: FacePipeline, progress: Progress | None = None, *, people: int | None = None
) -> tuple[np.ndarray, list[str], list[str]]:
    """Embeddings and identities of the photos that enrolled, and the files that did not."""
    labels = read_labels(folder, people)
    embeddings, identities, failures = [], [], []
    for done, (name, identity) in enumerate(labels, start=1):
        try:
            found = pipeline.faces(pipeline.decode((Path(folder) / name).read_bytes()))
        except ImageRejected:
            found = []
        if found:
            _, _, embedding = max(found, key=lambda item: item[0].area)
            embeddings.append(embedding)
            identities.append(identity)
        else:
            failures.append(name)
        if progress:
            progress(done, len(labels))
    return np.array(embeddings, np.float32).reshape(-1, 128), identities, failures


FMR_TARGETS = (("1e-2", 1e-2), ("1e-3", 1e-3), ("1e-4", 1e-4))
WATCHLIST_SIZES = (100, 1_000, 10_000)
def fpir(fmr: float, watchlist_size: int) -> float:
    """Chance that one face of someone not on the watchlist matches at least one of its entries."""
    return float(-math.expm1(watchlist_size * math.log1p(-min(fmr, 1 - 1e-16))))


def false_match_rate_at(impostor: np.ndarray, threshold: float) -> dict:
    """The measured false-match rate at `threshold`, its 95% interval, and whether the set can measure it."""
    pairs = int(len(impostor))
    matches = int(np.sum(impostor >= threshold))
    low, high = wilson_interval(matches, pairs)
    return {"threshold": float(threshold), "false_matches": matches, "impostor_pairs": pairs,
            "fmr": matches / pairs, "fmr_low_95": low, "fmr_high_95": high,
            # No impostor pair reached the threshold: the set says only that the rate is below about 4 / pairs.
            "measured": matches > 0}


def expectations(genuine: np.ndarray, impostor: np.ndarray) -> dict:
    """For each target false-match rate: its threshold, the true-match rate, the measured false-match rate with
    its interval, and the false-positive identification rate expected at watchlist sizes 100 to 10,000."""
    pairs = len(impostor)
    points = []
    for name, target in FMR_TARGETS:
        threshold = threshold_at_fmr(impostor, target)
        measured = false_match_rate_at(impostor, threshold)
        table = []
        for size in WATCHLIST_SIZES:
            table.append({"watchlist_size": size, "fpir": fpir(measured["fmr"], size),
                          "fpir_low_95": fpir(measured["fmr_low_95"], size),
                          "fpir_high_95": fpir(measured["fmr_high_95"], size),
                          # Below one false match in the whole set, the rate is extrapolated, not measured.
                          "extrapolated": (not measured["measured"]) or target < 1 / pairs})
        points.append({"target_fmr": name, "tmr": float(np.mean(genuine >= threshold)), **measured,
                       "fpir_by_watchlist_size": table})
    return {"lowest_measurable_fmr": 1 / pairs, "operating_points": points}


def pair_scores(embeddings: np.ndarray, identities: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarities of all genuine and all impostor pairs (each unordered pair once)."""
    similarity = embeddings.astype(np.float64) @ embeddings.T.astype(np.float64)
    labels = np.array(identities)
    upper = np.triu_indices(len(labels), k=1)
    same = labels[upper[0]] == labels[upper[1]]
    scores = similarity[upper]
    return scores[same], scores[~same]


def threshold_at_fmr(impostor: np.ndarray, fmr: float) -> float:
    """Lowest threshold at which at most `fmr` of impostor pairs match (score >= threshold)."""
    ranked = np.sort(impostor)[::-1]
    allowed = int(np.floor(fmr * len(ranked)))
    if allowed >= len(ranked):
        return float(ranked[-1])
    # Just above the first impostor score we may not accept.
    return float(np.nextafter(ranked[allowed], np.inf))


def equal_error(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(EER, threshold): where false non-match and false match rates cross."""
    candidates = np.unique(np.concatenate([genuine, impostor]))
    fnmr = np.searchsorted(np.sort(genuine), candidates, side="left") / len(genuine)
    fmr = 1 - np.searchsorted(np.sort(impostor), candidates, side="left") / len(impostor)
    best = int(np.argmin(np.abs(fnmr - fmr)))
    return float((fnmr[best] + fmr[best]) / 2), float(candidates[best])


def evaluate_folder(folder: Path, pipeline: FacePipeline, progress: Progress | None = None, *,
                    people: int | None = None) -> dict:
    """Every measure of one pipeline on a labelled folder (with `people`, on its first that many identities)."""
    started = time.perf_counter()
    embeddings, identities, failures = embed_folder(Path(folder), pipeline, progress, people=people)
    genuine, impostor = pair_scores(embeddings, identities)
    if not len(genuine) or not len(impostor):
        raise ValueError("the folder needs at least two photos of one person and two people")
    result: dict = {}
    for name, fmr in FMR_TARGETS:
        threshold = threshold_at_fmr(impostor, fmr)
        result[f"tmr_at_fmr_{name}"] = float(np.mean(genuine >= threshold))
        result[f"threshold_at_fmr_{name}"] = threshold
    eer, eer_threshold = equal_error(genuine, impostor)
    info = pipeline.model_info()
    result.update(
        algorithm=info["name"],
        version=info["version"],
        template=info["template"],
        licence=info["licence"],
        **expectations(genuine, impostor),
        eer=eer,
        threshold_at_eer=eer_threshold,
        eer_point=false_match_rate_at(impostor, eer_threshold),
        genuine_pairs=int(len(genuine)),
        impostor_pairs=int(len(impostor)),
        photos=len(identities) + len(failures),
        failures_to_enrol=len(failures),
        failed_files=failures,
        model_sha256=info["sha256"],
        seconds=round(time.perf_counter() - started, 2),
    )
    return result


def main() -> None:
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description="Evaluate the face matcher on a labelled folder.")
    parser.add_argument("folder", type=Path, help="folder holding labels.csv and the photos")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    result = evaluate_folder(args.folder, FacePipeline(threads=args.threads), progress)
    print(file=sys.stderr)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
