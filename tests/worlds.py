"""Expensive worlds (two forces and real frames through the ONNX face matcher) built once per folder of tests.

`world_once` builds a world inside a transaction that stays open while the folder's tests that use it run
(tests/conftest.py runs them after the others, so those see an empty database and may use real workers);
each test then runs in its own savepoint (pytest-django's `db`), rolled back when it ends, so every test sees
the world as built and nothing a test writes reaches the next one. The whole world is rolled back at the end.
Uploaded images and crops go to one folder, which each test using the world points to.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from django.db import transaction
from django.test import override_settings

T = TypeVar("T")
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def world_once(build: Callable[[], T], *, django_db_blocker, media: Path) -> Iterator[T]:
    with override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=FAST_HASHER):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                world = build()
            except BaseException as exc:
                outer.__exit__(type(exc), exc, exc.__traceback__)
                raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
