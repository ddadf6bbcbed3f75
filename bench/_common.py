"""Shared set-up of the benchmarks: a scratch database, timing, progress bars, output, bulk rows.

Every benchmark works in its own scratch database (`bench_frgov`) on the project's PostgreSQL server, never
in the development database. The scratch database is kept between runs (data for a given size and seed is
reused); it is dropped and rebuilt when any migration file of the project changes, since a migration edited
in place would leave the kept schema out of date.

    from bench import _common as common
    out = common.start("watchlist_search", json_mode)   # Django set up on the scratch database
    out.say("human line")                                # stdout, or stderr with --json
    out.finish("RATIOS ...", document)                   # last line, or the JSON document alone on stdout
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = "bench_frgov"
APPS_WITH_MIGRATIONS = ("oversight", "deployments", "matching")
BENCH_FORCE = "bench-force"
BENCH_FACE_MODEL_SHA = "bench-synthetic-" + "0" * 48  # a FaceModel row for synthetic templates


# --- Output ---------------------------------------------------------------------------------------
class Output:
    """Human lines go to stdout; with --json they go to stderr so that stdout holds only the document."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.stream = sys.stderr if json_mode else sys.stdout

    def say(self, *parts) -> None:
        print(*parts, file=self.stream, flush=True)

    def finish(self, ratios_line: str, document) -> None:
        if self.json_mode:
            print(ratios_line, file=sys.stderr, flush=True)
            print(json.dumps(document, indent=2), flush=True)
        else:
            print(ratios_line, flush=True)


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, no GPU, load average {load}"


# --- Timing ---------------------------------------------------------------------------------------
def p50(samples: Sequence[float]) -> float:
    return float(np.percentile(samples, 50))


def p95(samples: Sequence[float]) -> float:
    return float(np.percentile(samples, 95))


def timed_ms(function: Callable, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, result


def repeat_ms(function: Callable[[int], object], *, min_reps: int, max_reps: int, budget_s: float) -> list[float]:
    """Call function(i) for i = 0, 1, ... at least min_reps times, then until budget_s or max_reps."""
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(max_reps):
        if i >= min_reps and time.perf_counter() - started > budget_s:
            break
        samples.append(timed_ms(function, i)[0])
    return samples


def progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="row", unit_scale=True, file=sys.stderr, leave=False, disable=None)


# --- Django on the scratch database ----------------------------------------------------------------
def start(name: str, json_mode: bool, *, db_name: str = SCRATCH_DB) -> Output:
    """Set up Django on the scratch database and return the output helper."""
    out = Output(json_mode)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["APP_TEST_DATABASE_NAME"] = db_name  # settings honour it as the TEST NAME
    os.environ.setdefault("APP_DB_ROLE", "superuser")  # as the test suite: it creates its own scratch database
    import django

    django.setup()
    from django.conf import settings

    # Uploads made by the benchmark (alert crops, entry images) go to a throw-away folder.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix=f"bench-{name}-media-")
    atexit.register(shutil.rmtree, settings.MEDIA_ROOT, ignore_errors=True)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    started = time.perf_counter()
    created = scratch_database(db_name)
    out.say(f"[{name}] scratch database {db_name} {'created' if created else 'reused'} "
            f"in {time.perf_counter() - started:.1f} s; machine: {machine()}")
    return out


def migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for app in APPS_WITH_MIGRATIONS:
        for path in sorted((ROOT / app / "migrations").glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def scratch_database(db_name: str) -> bool:
    """Create or reuse the scratch database; returns True when it was (re)created."""
    from django.db import connection

    if connection.settings_dict.get("TEST", {}).get("NAME") != db_name:
        raise SystemExit(f"settings did not take APP_TEST_DATABASE_NAME={db_name}: refusing to touch another database")
    fingerprint = migrations_fingerprint()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name])
        existed = cursor.fetchone() is not None
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)
        if not existed:
            _fingerprint(set_to=fingerprint)
            return True
        if _fingerprint() == fingerprint:
            return False
    except Exception as exc:  # a kept schema that the current migrations cannot continue
        print(f"scratch database out of date ({type(exc).__name__}: {str(exc)[:200]}); recreating",
              file=sys.stderr)
    connection.close()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    _fingerprint(set_to=fingerprint)
    return True


def _fingerprint(set_to: str | None = None) -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        if set_to is not None:
            cursor.execute("INSERT INTO bench_meta VALUES ('migrations', %s) ON CONFLICT (key) DO UPDATE "
                           "SET value = EXCLUDED.value", [set_to])
            return set_to
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'migrations'")
        row = cursor.fetchone()
    if row is None:  # a database this code did not make: treat as out of date
        return None
    return row[0]


def meta_get(key: str) -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
        row = cursor.fetchone()
    return row[0] if row else None


def meta_set(key: str, value: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                       [key, value])


def raw_connection(autocommit: bool = True):
    """A separate psycopg connection to the scratch database with pgvector's adapters (numpy <-> vector).

    Kept apart from Django's connection so that Django's own reads and writes stay exactly as in the app.
    """
    import psycopg
    from django.db import connection
    from pgvector.psycopg import register_vector

    connection.ensure_connection()
    params = connection.get_connection_params()
    keep = {k: v for k, v in params.items() if k in ("dbname", "host", "port", "user", "password")}
    conn = psycopg.connect(**{k: v for k, v in keep.items() if v not in (None, "")}, autocommit=autocommit)
    register_vector(conn)
    return conn


# --- Bulk rows ------------------------------------------------------------------------------------
_TYPE_NAMES = {
    "timestamp with time zone": "timestamptz", "double precision": "float8", "integer": "int4",
    "bigint": "int8", "smallint": "int2", "boolean": "bool", "serial": "int4", "bigserial": "int8",
}


def _copy_type(field, connection) -> str:
    name = field.db_type(connection) or field.rel_db_type(connection)
    name = name.split("(")[0].strip()
    return _TYPE_NAMES.get(name, name)


def copy_rows(model, rows: Iterable[dict], *, total: int, fixed: dict, desc: str, raw=None) -> int:
    """Binary COPY of many rows of a Django model (fast: no ORM objects, no row triggers).

    `fixed` gives constant values by attribute name (e.g. `force_id`), each row dict the varying ones
    (e.g. `embedding` as a float32 numpy array); other columns get the model field's default (or now()
    for auto_now_add), so the column list follows the model even while it is being edited.
    """
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    defaults = {}
    for f in fields:
        if f.attname in fixed:
            value = fixed[f.attname]
        elif getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            value = now
        else:
            value = f.get_default()
        defaults[f.attname] = value
    types = [_copy_type(f, connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    own = raw is None
    raw = raw or raw_connection()
    written = 0
    try:
        with raw.transaction(), raw.cursor() as cursor:
            # Scratch data only: skip row triggers (history) and foreign-key checks while loading.
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(types)
                bar = progress(total, desc)
                # Constant columns are adapted once; only the varying ones per row.
                template = [f.get_db_prep_save(defaults[name], connection) for f, name in zip(fields, names)]
                position = {name: k for k, name in enumerate(names)}
                layouts: dict[tuple, list] = {}  # rows may vary in which columns they give
                for row in rows:
                    shape = tuple(row)
                    slots = layouts.get(shape)
                    if slots is None:  # keys that are not columns are ignored, as before
                        slots = layouts[shape] = [(name, position[name], fields[position[name]])
                                                  for name in shape if name in position]
                    values = list(template)
                    for name, k, f in slots:
                        value = row[name]
                        values[k] = value if isinstance(value, np.ndarray) else f.get_db_prep_save(value, connection)
                    copy.write_row(values)
                    written += 1
                    if written % 10_000 == 0:
                        bar.update(10_000)
                bar.update(written % 10_000)
                bar.close()
    finally:
        if own:
            raw.close()
    return written


def analyze(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


def bench_force(code: str = BENCH_FORCE, name: str | None = None):
    """A force of the scratch database (created through the ORM so that its closed list of categories exists)."""
    from oversight.models import Force

    force, _ = Force.objects.get_or_create(code=code, defaults={"name": name or f"Benchmark force {code}"})
    return force


def bench_user(force):
    from oversight.models import User

    user = User.objects.filter(username="bench.operator").first()
    if user is None:
        user = User(username="bench.operator", force=force, role="force_operator", rank=10, first_name="Bench",
                    last_name="Operator")
        user.set_unusable_password()
        User.objects.bulk_create([user])
        user = User.objects.get(username="bench.operator")
    return user


def dlib_algorithm():
    from deployments.models import AlgorithmVersion

    return AlgorithmVersion.objects.get(code="dlib-resnet-v1")


def bench_face_model():
    """A FaceModel row standing for the synthetic templates (not the ONNX file this process runs)."""
    from matching.models import FaceModel

    model = FaceModel.objects.filter(onnx_sha256=BENCH_FACE_MODEL_SHA).first()
    if model is None:
        FaceModel.objects.bulk_create([FaceModel(
            algorithm=dlib_algorithm(), name="synthetic clustered templates", version="bench",
            onnx_sha256=BENCH_FACE_MODEL_SHA, detector="none", detector_sha256="0" * 64, licence="n/a",
            embedding_size=128, thresholds={})])
        model = FaceModel.objects.get(onnx_sha256=BENCH_FACE_MODEL_SHA)
    return model


def bench_deployment(*, force, user, title: str, status: str = "active", threshold: float = 0.94,
                     hours_before: float = 1, hours_after: float = 12, authorised: bool = False):
    """A Deployment with its Watchlist (and, if asked, an 'authorised' Authorisation), via bulk_create."""
    from django.utils import timezone

    from deployments.models import Authorisation, Deployment, Kind, Watchlist

    now = timezone.now()
    algorithm = dlib_algorithm()
    Deployment.objects.bulk_create([Deployment(
        force=force, kind=Kind.LFR, title=title, status=status, starts_at=now - timedelta(hours=hours_before),
        ends_at=now + timedelta(hours=hours_after), algorithm_version=algorithm, threshold=threshold,
        created_by=user, activated_at=now if status == "active" else None)])
    deployment = Deployment.objects.filter(title=title).order_by("-id").first()
    Watchlist.objects.bulk_create([Watchlist(deployment=deployment, built_at=now, changed_at=now, reviewed_at=now,
                                             reviewed_by=user, created_by=user)])
    if authorised:
        Authorisation.objects.bulk_create([Authorisation(
            deployment=deployment, kind="full", decision="authorised", approver=user, reasons="Benchmark scratch data.",
            decided_at=now - timedelta(hours=2), starts_at=deployment.starts_at, ends_at=deployment.ends_at,
            place={}, threshold=threshold, algorithm_version=algorithm, rule_results={})])
    return deployment


def add_entries(deployment, count: int, *, user, prefix: str) -> list[int]:
    """`count` watchlist entries (dummy image path: never opened) by binary COPY; returns their ids in order."""
    from deployments.models import WatchlistCategory, WatchlistEntry

    watchlist = deployment.watchlist
    category = WatchlistCategory.objects.filter(force=deployment.force).order_by("position", "id").first()
    if category is None:
        WatchlistCategory.objects.bulk_create([WatchlistCategory(
            force=deployment.force, code="wanted-by-court", name="Wanted by a court",
            public_description="People wanted on a warrant issued by a court.")])
        category = WatchlistCategory.objects.get(force=deployment.force, code="wanted-by-court")
    fixed = dict(watchlist_id=watchlist.pk, category_id=category.pk, subject_kind="wanted",
                 justification="Benchmark scratch entry.", image="bench/none.jpg", image_sha256="0" * 64,
                 image_source_system="bench", image_date=date(2024, 1, 1), quality_check="passed",
                 deletion_status="none", created_by_id=user.pk)
    rows = ({"subject_reference": f"{prefix}-{i:07d}"} for i in range(count))
    copy_rows(WatchlistEntry, rows, total=count, fixed=fixed, desc="watchlist entries")
    ids = dict(WatchlistEntry.objects.filter(watchlist=watchlist, subject_reference__startswith=f"{prefix}-")
               .values_list("subject_reference", "id"))
    return [ids[f"{prefix}-{i:07d}"] for i in range(count)]


def add_templates(deployment, entry_ids: Sequence[int], vectors: np.ndarray, *, face_model) -> None:
    from matching.models import WatchlistTemplate

    fixed = dict(deployment_id=deployment.pk, face_model_id=face_model.pk, quality={})
    rows = ({"entry_id": int(entry_id), "embedding": vector} for entry_id, vector in zip(entry_ids, vectors))
    copy_rows(WatchlistTemplate, rows, total=len(entry_ids), fixed=fixed, desc="templates")


@contextmanager
def stage(out: Output, what: str):
    started = time.perf_counter()
    yield
    out.say(f"  {what}: {time.perf_counter() - started:.1f} s")
