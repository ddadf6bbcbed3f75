"""The embedded server survives a killed process: the next run can still start, use and stop it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from config import embedded_db

ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_process_does_not_stop_the_next_run_from_starting_or_stopping(tmp_path):
    pgdata = tmp_path / "pgdata"
    starter = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from config import embedded_db;"
         "embedded_db.ensure_running(Path(sys.argv[1])); print('up', flush=True); time.sleep(600)", str(pgdata)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert starter.stdout.readline().strip() == "up"
        os.kill(starter.pid, signal.SIGKILL)
        starter.wait(timeout=10)

        assert embedded_db.status(pgdata).running
        socket_dir = embedded_db.ensure_running(pgdata)
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname=embedded_db.DATABASE_NAME) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)

        assert embedded_db.stop(pgdata) is True
        assert not embedded_db.status(pgdata).running
        assert embedded_db.stop(pgdata) is False

        # A stale postmaster.pid (server killed outright) must not block the next start either.
        socket_dir = embedded_db.ensure_running(pgdata)
        info = embedded_db.status(pgdata)
        os.kill(info.pid, signal.SIGKILL)
        deadline = time.time() + 10
        while embedded_db.status(pgdata).running and time.time() < deadline:
            time.sleep(0.1)
        embedded_db.ensure_running(pgdata)
        assert embedded_db.status(pgdata).running
    finally:
        starter.kill()
        embedded_db.stop(pgdata)


def test_db_status_command_reports_the_server():
    result = subprocess.run([sys.executable, "manage.py", "db", "status"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"})
    assert result.returncode == 0 and "embedded PostgreSQL is running" in result.stdout


def test_a_new_server_is_sized_from_the_environment(tmp_path, monkeypatch):
    pgdata = tmp_path / "pgdata"
    monkeypatch.setenv("APP_EMBEDDED_SHARED_BUFFERS", "192MB")
    monkeypatch.delenv("APP_EMBEDDED_MAINTENANCE_WORK_MEM", raising=False)
    try:
        socket_dir = embedded_db.ensure_running(pgdata)
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname=embedded_db.DATABASE_NAME) as conn:
            assert conn.execute("SHOW shared_buffers").fetchone() == ("192MB",)
            assert conn.execute("SHOW maintenance_work_mem").fetchone() == ("1GB",)
            assert conn.execute("SELECT count(*) FROM pg_settings WHERE pending_restart").fetchone() == (0,)
        embedded_db.stop(pgdata)

        # A changed size takes effect at the next start.
        monkeypatch.setenv("APP_EMBEDDED_SHARED_BUFFERS", "160MB")
        socket_dir = embedded_db.ensure_running(pgdata)
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname=embedded_db.DATABASE_NAME) as conn:
            assert conn.execute("SHOW shared_buffers").fetchone() == ("160MB",)
    finally:
        embedded_db.stop(pgdata)
