"""`manage.py demo` run once for the folder, with what it printed (tests/worlds.py): each test reads the story
as the command left it, rolled back to it when the test ends."""
from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.worlds import world_once


@dataclass
class Demo:
    printed: str
    media: Path | None = None


def build_world() -> Demo:
    out = StringIO()
    call_command("demo", stdout=out)
    return Demo(printed=out.getvalue())


@pytest.fixture(scope="package")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-world-media")
    with world_once(build_world, django_db_blocker=django_db_blocker, media=media) as world:
        world.media = media
        yield world


@pytest.fixture
def demo(built_world, db, settings) -> Demo:
    settings.MEDIA_ROOT = built_world.media
    return built_world
