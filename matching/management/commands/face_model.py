"""`manage.py face_model register|show`: the model register entry for the face model this installation runs.

Registering is deliberate and audited: the live matcher, searches and enrolment refuse to run a model file
that is not in the register (set-up and deployment run `register` after `migrate`)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from matching.services import engine


class Command(BaseCommand):
    help = "Register (audited) the built-in face models, or show the default one this installation runs."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["register", "show"])

    def handle(self, *args, action: str, **options):
        if action == "register":
            for model, created in engine.face_models_register():
                self.stdout.write(f"{'registered' if created else 'already registered'}: {model.name} "
                                  f"({model.version}), file {model.onnx_sha256[:16]}…, algorithm "
                                  f"{model.algorithm.code}")
            return
        try:
            model = engine.face_model_current()
        except engine.FaceModelNotRegistered as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{model.name} ({model.version}), file {model.onnx_sha256}, algorithm "
                          f"{model.algorithm.code}, licence {model.licence}")
