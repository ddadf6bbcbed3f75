"""`manage.py evaluate_matcher FOLDER [--json]`: true-match rates at fixed false-match rates."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching.face.evaluate import evaluate_folder
from matching.face.pipeline import FacePipeline

JSON_KEYS = ["tmr_at_fmr_1e-2", "tmr_at_fmr_1e-3", "eer", "threshold_at_fmr_1e-2", "threshold_at_fmr_1e-3",
             "threshold_at_eer", "genuine_pairs", "impostor_pairs", "photos", "failures_to_enrol", "model_sha256",
             "seconds"]


class Command(BaseCommand):
    help = "Evaluate the face matcher on a folder with labels.csv (file,identity)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--json", action="store_true", help="Print one JSON object for machines")
        parser.add_argument("--threads", type=int, default=1)

    def handle(self, *args, folder: Path, threads: int, **options):
        as_json = options["json"]
        if not (folder / "labels.csv").is_file():
            raise CommandError(f"{folder} has no labels.csv (columns file,identity)")
        bar = tqdm(total=0, unit="photo", desc="embedding", disable=None, file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = evaluate_folder(folder, FacePipeline(threads=threads), progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        if as_json:
            self.stdout.write(_json({key: result[key] for key in JSON_KEYS}))
            return
        self.stdout.write(f"{result['photos']} photos, {result['failures_to_enrol']} failed to enrol; "
                          f"{result['genuine_pairs']} genuine and {result['impostor_pairs']} impostor pairs")
        self.stdout.write(f"true-match rate at 1% false matches:   {result['tmr_at_fmr_1e-2']:.3f} "
                          f"(threshold {result['threshold_at_fmr_1e-2']:.4f})")
        self.stdout.write(f"true-match rate at 0.1% false matches: {result['tmr_at_fmr_1e-3']:.3f} "
                          f"(threshold {result['threshold_at_fmr_1e-3']:.4f})")
        self.stdout.write(f"equal error rate: {result['eer']:.4f} (threshold {result['threshold_at_eer']:.4f})")
        self.stdout.write(f"model sha256 {result['model_sha256']}; {result['seconds']} s")


def _json(value) -> str:
    return json.dumps(value)
