"""`manage.py evaluate_matcher FOLDER [--json]`: every built-in algorithm's true-match rates at fixed false-match
rates, side by side, with what the set can and cannot measure and the false alerts to expect by watchlist size."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching.face.evaluate import evaluate_folder
from matching.face.pipeline import EMBEDDERS, FacePipeline
from matching.face.sface import SFaceUnavailable

# The keys of the default algorithm (dlib) at the top level, as before; every algorithm under "algorithms".
JSON_KEYS = ["tmr_at_fmr_1e-2", "tmr_at_fmr_1e-3", "tmr_at_fmr_1e-4", "eer", "threshold_at_fmr_1e-2",
             "threshold_at_fmr_1e-3", "threshold_at_fmr_1e-4", "threshold_at_eer", "genuine_pairs", "impostor_pairs",
             "photos", "failures_to_enrol", "model_sha256", "seconds", "lowest_measurable_fmr"]
ALGORITHM_KEYS = ["name", "code", "algorithm", "version", "template", "licence", "model_sha256", "tmr_at_fmr_1e-2", "tmr_at_fmr_1e-3",
                  "tmr_at_fmr_1e-4", "eer", "threshold_at_eer", "failures_to_enrol", "lowest_measurable_fmr",
                  "operating_points", "fpir", "seconds"]
DEFAULT = "dlib150"


class Command(BaseCommand):
    help = "Evaluate the built-in face matchers on a folder with labels.csv (file,identity)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--json", action="store_true", help="Print one JSON object for machines")
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--only", choices=sorted(EMBEDDERS), action="append",
                            help="evaluate only this algorithm (repeat for several); default: all built-in")
        parser.add_argument("--people", type=int, default=None,
                            help="only the first N people of labels.csv (quicker; fewer pairs, coarser rates)")

    def handle(self, *args, folder: Path, threads: int, only: list[str] | None, people: int | None = None,
               **options):
        as_json = options["json"]
        if not (folder / "labels.csv").is_file():
            raise CommandError(f"{folder} has no labels.csv (columns file,identity)")
        if people is not None and people < 2:
            raise CommandError("--people needs at least 2 people to compare")
        chosen = only or list(EMBEDDERS)
        results = {}
        for code in chosen:
            bar = tqdm(total=0, unit="photo", desc=f"embedding ({code})", disable=None, file=self.stderr._out)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                result = evaluate_folder(folder, FacePipeline(threads=threads, embedder=code), progress,
                                         people=people)
                results[code] = _named(result, code)
            except SFaceUnavailable as exc:
                raise CommandError(str(exc)) from None
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            finally:
                bar.close()
        if as_json:
            main = results.get(DEFAULT) or results[chosen[0]]
            document = {key: main[key] for key in JSON_KEYS}
            document["algorithms"] = [{key: results[code][key] for key in ALGORITHM_KEYS} for code in chosen]
            self.stdout.write(json.dumps(document))
            return
        for code in chosen:
            self._describe(results[code])

    def _describe(self, result: dict) -> None:
        write = self.stdout.write
        write(f"\n{result['algorithm']} ({result['version']}; licence {result['licence']})")
        write(f"  {result['photos']} photos, {result['failures_to_enrol']} failed to enrol; "
              f"{result['genuine_pairs']:,} genuine and {result['impostor_pairs']:,} impostor pairs. The set cannot "
              f"measure a false-match rate below {result['lowest_measurable_fmr']:.1e}.")
        for point in result["operating_points"]:
            write(f"  at threshold {point['threshold']:.4f}: true-match rate {point['tmr']:.3f}; false matches "
                  f"{point['false_matches']} of {point['impostor_pairs']:,} ({point['fmr']:.1e}, 95% interval "
                  f"{point['fmr_low_95']:.1e} to {point['fmr_high_95']:.1e})")
            sizes = "; ".join(
                f"{row['watchlist_size']:,} entries {_percent(row['fpir'])} "
                f"({_percent(row['fpir_low_95'])} to {_percent(row['fpir_high_95'])})"
                f"{' extrapolated' if row['extrapolated'] else ''}" for row in point["fpir_by_watchlist_size"])
            write(f"    chance that a passer-by not on the watchlist alerts: {sizes}")
        write(f"  equal error rate {result['eer']:.4f} (threshold {result['threshold_at_eer']:.4f}); "
              f"model sha256 {result['model_sha256'][:16]}…; {result['seconds']} s")


def _named(result: dict, template: str) -> dict:
    """The algorithm's name and its code in the register beside the measures, and the expected false-positive
    identification rates of every operating point as one table (FPIR(N) = 1 - (1 - FMR)^N)."""
    from matching.services.engine import BUILT_IN

    code = next((c for c, t in BUILT_IN.items() if t == template), template)
    table = [{"target_fmr": point["target_fmr"], "threshold": point["threshold"], "fmr": point["fmr"],
              "fmr_low_95": point["fmr_low_95"], "fmr_high_95": point["fmr_high_95"], **row}
             for point in result["operating_points"] for row in point["fpir_by_watchlist_size"]]
    return dict(result, name=result["algorithm"], code=code, fpir=table)


def _percent(rate: float) -> str:
    """A chance as a person reads it: 0.42%, 9.4%, 63%, and ">99.9%" rather than "100%" for a near-certainty."""
    if rate >= 0.9995:
        return ">99.9%"
    value = 100 * rate
    return f"{value:.2g}%" if value < 10 else f"{value:.0f}%"
