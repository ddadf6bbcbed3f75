"""Named personas shared by every test (after healthchecks.io's BaseTestCase and ZulipTestCase).

Force A ("South Mercia") has an admin, an approver (Superintendent) and an operator; force B
("North Wessex") has an approver and an operator; the oversight body has an admin and an auditor;
the public is an anonymous client.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from oversight import services
from oversight.models import Force, Rank, Role, User

PASSWORD = "correct horse battery staple"


@dataclass
class Personas:
    force_a: Force
    force_b: Force
    oversight_admin: User
    auditor: User
    admin_a: User
    approver_a: User
    operator_a: User
    approver_b: User
    operator_b: User

    def api(self, user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client


def make_personas() -> Personas:
    oversight_admin = services.user_create(actor=None, username="olivia.admin", password=PASSWORD,
                                           role=Role.OVERSIGHT_ADMIN, first_name="Olivia", last_name="Admin")
    force_a = services.force_create(actor=oversight_admin, code="south-mercia", name="South Mercia Police",
                                    contact_email="fr@southmercia.police.example")
    force_b = services.force_create(actor=oversight_admin, code="north-wessex", name="North Wessex Police")

    def person(username, role, force=None, rank=None):
        return services.user_create(actor=oversight_admin, username=username, password=PASSWORD, role=role,
                                    force=force, rank=rank, first_name=username.split(".")[0].title(),
                                    last_name=username.split(".")[1].title())

    return Personas(
        force_a=force_a,
        force_b=force_b,
        oversight_admin=oversight_admin,
        auditor=person("amir.auditor", Role.OVERSIGHT_AUDITOR),
        admin_a=person("fran.admin", Role.FORCE_ADMIN, force_a, Rank.CHIEF_INSPECTOR),
        approver_a=person("sam.super", Role.FORCE_APPROVER, force_a, Rank.SUPERINTENDENT),
        operator_a=person("olu.operator", Role.FORCE_OPERATOR, force_a, Rank.CONSTABLE),
        approver_b=person("bea.super", Role.FORCE_APPROVER, force_b, Rank.SUPERINTENDENT),
        operator_b=person("ben.operator", Role.FORCE_OPERATOR, force_b, Rank.SERGEANT),
    )


@pytest.fixture
def personas(db) -> Personas:
    return make_personas()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_keepdb):
    """The test database, made and migrated as pytest-django does; then a dump of it as the migrations left it,
    which the tests that start database servers of their own restore (seconds) instead of migrating again (about
    half a minute each). A kept database (--reuse-db) may hold what earlier runs left, so none is dumped then."""
    import shutil

    from django.db import connection

    from tests.serving import stack

    folder = None
    if not django_db_keepdb:
        folder = stack.scratch_folder("migrated")
        with django_db_blocker.unblock():
            stack.keep_migrated_dump(connection.get_connection_params(), folder)
    yield
    from matching.search import close_search_connections

    close_search_connections()  # the national search's own connections, before the test database is dropped
    stack.MIGRATED_DUMP = None
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def face_model_registered(django_db_setup, django_db_blocker):
    """The face model is registered deliberately, as set-up does (`manage.py face_model register`): once, in the
    test database's starting state, like the migrations' seeded rows."""
    from matching.services.engine import face_model_register

    with django_db_blocker.unblock():
        face_model_register()


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    """The sample face photos by file name; a test that needs them fails, naming how to fetch them, if absent."""
    from matching.face.samples import FILES
    from tests import needs

    folder = needs.sample_photos()
    return {name: (folder / name).read_bytes() for name in FILES}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded images, crops and rendered reports go to the test's own folder, never the project's."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Hashing eight passwords with PBKDF2 per test costs seconds; the hasher is not what is under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_api_throttles():
    """The API throttles count requests in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """In a folder whose world is built once (tests/worlds.py), the tests that do not use the world run first,
    on an empty database as ever; the world is built for the first test that uses it and stays until the
    folder's last. Folders, and modules within each group, keep their order. This runs before pytest-django's
    own (stable) ordering, which then still puts the transactional tests (real workers) after all others."""
    def folder(item) -> str:
        return item.nodeid.split("::")[0].rpartition("/")[0]

    first_of_folder: dict[str, int] = {}
    for index, item in enumerate(items):
        first_of_folder.setdefault(folder(item), index)
    order = {id(item): index for index, item in enumerate(items)}
    items.sort(key=lambda item: (first_of_folder[folder(item)],
                                 "built_world" in getattr(item, "fixturenames", ()), order[id(item)]))


pytest_plugins = ["tests.workers", "tests.parallel"]
