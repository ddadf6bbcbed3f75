"""A real Celery worker for tests where tasks matter.

The worker is a separate process on the test database; the broker is Redis when it answers on
127.0.0.1:6379 and the SQL transport on the same PostgreSQL otherwise. Tests using it need committed
data (`committed_db`), since the worker cannot see the test's open transaction. Under pytest-xdist each
test process has a Redis database of its own (tests/parallel.py), so a task is never taken by the worker
of another process, which works on another test database.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
REDIS_TEST_URL = "redis://127.0.0.1:6379/11"
# Redis databases for the test processes of pytest-xdist: gw0 takes 10, gw1 9, and so on down to 4. Taken
# elsewhere: 11 (a run in one process), 12 (bench/load.py), 13-15 (tests/hardening/test_faults.py and
# tests/serving); 0 is the usual production one. Further processes use the SQL transport on their own database.
XDIST_REDIS_DATABASES = range(10, 3, -1)


def redis_test_url() -> str | None:
    """This test process's Redis database for the worker, or None when it has none (SQL transport)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not name:
        return REDIS_TEST_URL
    index = int(name.removeprefix("gw"))
    if index >= len(XDIST_REDIS_DATABASES):
        return None
    return f"redis://127.0.0.1:6379/{XDIST_REDIS_DATABASES[index]}"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _database_url(db: dict) -> str:
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else f"{db['HOST']}:{db.get('PORT') or 5432}"
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{host}/{db['NAME']}"


SEED_MIGRATIONS = (
    "oversight.migrations.0003_seed_register_and_policy",
    "oversight.migrations.0004_checkpoint_frontier_and_policy",
    "deployments.migrations.0002_seed_algorithms_vans_categories",
    "matching.migrations.0002_calibrate_dlib_and_floor",
    "oversight.migrations.0006_matcher_rule_settings",
    "deployments.migrations.0006_algorithm_calibration_pairs",
    "deployments.migrations.0007_algorithm_external_vendor_figures",
    "oversight.migrations.0007_national_search_settings",
    "matching.migrations.0014_sface_builtin_algorithm",
    "oversight.migrations.0008_expected_false_alerts_per_1000_faces",
    "deployments.complaints.migrations.0002_seed_complaint_policy",
)


def _seed_again() -> None:
    """Run the data migrations' seed functions again on a flushed database (legal bases, policy, algorithms).

    A transactional test ends with a flush that empties every table, the migrations' seeded rows and their
    audit events included. The seeds are re-run rather than restored from a serialized copy, which would
    cut the audit events' timestamps to milliseconds and so break their hashes.
    """
    from django.apps import apps
    from django.db import migrations

    from oversight.models import LegalBasis

    if LegalBasis.objects.exists():
        return
    with connection.schema_editor() as editor:
        for name in SEED_MIGRATIONS:
            for operation in import_module(name).Migration.operations:
                if isinstance(operation, migrations.RunPython):
                    operation.code(apps, editor)


@pytest.fixture
def committed_db(transactional_db):
    """Data committed for other processes to see, on a database holding the migrations' seeded rows.

    The flush that ends such a test truncates the append-only audit log, which its triggers refuse; as the
    database superuser, teardown switches them off for that alone (Django closes the connection after the
    flush). During the test the triggers are on.
    """
    _seed_again()
    from matching.services.engine import face_model_register

    face_model_register()  # flushed with the rest: registered again, as set-up does
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")


@pytest.fixture
def celery_worker(committed_db):
    """Start a worker on the test database; yield a Celery app that sends tasks to it."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "CELERY_"))}
    env["DATABASE_URL"] = _database_url(db)
    redis_url = redis_test_url()
    if os.environ.get("APP_TEST_BROKER", "redis") == "redis" and redis_url and _redis_answers():
        broker = backend = redis_url
        env["APP_CELERY_BROKER"] = redis_url
        transport = "redis"
    else:
        env["APP_CELERY_BROKER"] = "embedded"
        sqla = _database_url(db).replace("postgresql://", "postgresql+psycopg://", 1)
        if db["HOST"].startswith("/"):
            sqla = f"postgresql+psycopg://{quote(db['USER'])}@/{db['NAME']}?host={db['HOST']}"
        broker, backend = "sqla+" + sqla, "db+" + sqla
        transport = "sql"
    from django.conf import settings

    env["APP_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)  # the worker reads and writes the test's files
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    app = Celery("test-sender", broker=broker, backend=backend)
    app.conf.task_default_queue = "celery"
    app.transport_name = transport
    try:
        deadline = time.time() + 60
        while True:  # wait until the worker answers a ping
            if worker.poll() is not None:
                raise RuntimeError(f"the Celery worker exited: {worker.stdout.read()}")
            if app.control.ping(timeout=1.0) if transport == "redis" else _sql_worker_ready(app):
                break
            if time.time() > deadline:
                raise RuntimeError("the Celery worker did not start within 60 s")
        yield app
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        app.close()


def _sql_worker_ready(app) -> bool:
    # The SQL transport has no broadcast (no ping); a trivial task round trip shows the worker is up.
    try:
        app.send_task("oversight.tasks.ping").get(timeout=5)
        return True
    except Exception:
        return False
