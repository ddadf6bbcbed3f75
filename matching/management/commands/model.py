"""`manage.py model install PATH --template {dlib150|arcface112} --name NAME --version VERSION --labelled FOLDER`

Installs an ONNX face embedder a force holds a licence for: checks that it loads and gives 128 numbers per face,
records its SHA-256, calibrates its thresholds on a labelled folder of photos (labels.csv: file,identity), and
offers it to authorisations as a new algorithm version, with its face model, both in the audit log. A file that
fails a check writes nothing. `manage.py model list` shows the algorithms and their face models."""
from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching.face.pipeline import EMBEDDERS


class Command(BaseCommand):
    help = "Install (audited) a licensed ONNX face model, calibrated on a labelled folder; or list the models."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        install = sub.add_parser("install", help="check, calibrate and register a licensed ONNX face model")
        install.add_argument("path", type=Path, help="the ONNX file")
        install.add_argument("--template", required=True, choices=sorted(EMBEDDERS),
                             help="how faces are aligned for it: dlib150 (150 px, NHWC) or arcface112 (112 px, NCHW)")
        install.add_argument("--name", required=True)
        install.add_argument("--version", dest="model_version", required=True)
        install.add_argument("--labelled", type=Path, required=True,
                             help="folder with labels.csv (file,identity) and the photos, read in place")
        install.add_argument("--people", type=int, default=None,
                             help="calibrate on the first N people of labels.csv only (quicker, coarser)")
        install.add_argument("--vendor", default="")
        install.add_argument("--licence", default="", help="the licence the force holds, e.g. its reference")
        install.add_argument("--as", dest="username", default=None,
                             help="the administrator installing it (the audit log records them)")
        sub.add_parser("list", help="the algorithms authorisations may choose, with their face models")

    def handle(self, *args, action: str, **options):
        if action == "list":
            return self._list()
        from matching.services.install import ModelRejected, model_install

        actor = None
        if options["username"]:
            actor = get_user_model().objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {options['username']!r}")
        if options["people"] is not None and options["people"] < 2:
            raise CommandError("--people needs at least 2 people to compare")
        bar = tqdm(total=0, unit="photo", desc="calibrating", disable=None, file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            algorithm, model, result = model_install(
                actor=actor, path=options["path"], template=options["template"], name=options["name"],
                version=options["model_version"], labelled=options["labelled"], vendor=options["vendor"],
                licence=options["licence"], people=options["people"], progress=progress)
        except ModelRejected as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(
            f"installed: algorithm {algorithm.code} ({algorithm.name} {algorithm.version}), file "
            f"{model.onnx_sha256}, template {model.template}\n"
            f"  calibrated on {result['photos']} photos ({result['impostor_pairs']:,} impostor pairs): true-match "
            f"rate {result['tmr_at_fmr_1e-2']:.3f} at a 1% false-match rate, {result['tmr_at_fmr_1e-3']:.3f} at "
            f"0.1%; equal error rate {result['eer']:.4f}\n"
            f"  offered to authorisations; the oversight body sets its threshold floor before it is used")

    def _list(self):
        from deployments.models import AlgorithmVersion

        for algorithm in AlgorithmVersion.objects.prefetch_related("face_models"):
            models = ", ".join(f"{m.name} ({m.template}, file {m.onnx_sha256[:12]})" for m in algorithm.face_models.all())
            self.stdout.write(f"{algorithm.code}: {algorithm.name} {algorithm.version} ({algorithm.vendor}); "
                              f"face models: {models or 'none on this installation'}")
