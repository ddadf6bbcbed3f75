"""Seed a scratch database for the process-set tests; prints one line of JSON (run with DATABASE_URL set)."""
from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from rest_framework.authtoken.models import Token  # noqa: E402

from tests.conftest import make_personas  # noqa: E402
from tests.matching.conftest import make_live  # noqa: E402
from matching.face.samples import FILES, sample_photos_dir  # noqa: E402


def main() -> None:
    folder = sample_photos_dir()
    photos = {name: (folder / name).read_bytes() for name in FILES}
    from matching.services.engine import face_model_register

    face_model_register()  # as set-up does
    personas = make_personas()
    live = make_live(personas, photos)
    token, _ = Token.objects.get_or_create(user=personas.auditor)
    print(json.dumps({"deployment": live.deployment.pk, "device_token": live.token, "auditor_token": token.key,
                      "force": personas.force_a.code}))


if __name__ == "__main__":
    main()
