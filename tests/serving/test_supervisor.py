"""`manage.py serve` supervises the process set: a child killed with SIGKILL is started again and the site
answers within 10 s, the restart is logged, and Ctrl-C stops every child and then the embedded database.

It runs on a scratch embedded database (APP_EMBEDDED_PGDATA) on its own ports, never the project's own."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from config import embedded_db
from tests.serving.stack import (
    ROOT, base_env, free_port, migrate, remove, restore_migrated, scratch_folder, seed, wait_for_http,
)
from tests.workers import _redis_answers

REDIS_URL = "redis://127.0.0.1:6379/15"  # this test's own Redis database

pytestmark = pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379")


def _children(serve: subprocess.Popen) -> dict[str, psutil.Process]:
    """serve's direct children by role (gunicorn's pool by its environment, Celery by its arguments)."""
    found = {}
    for child in psutil.Process(serve.pid).children():
        command = " ".join(child.cmdline())
        if "gunicorn" in command:
            found[child.environ().get("APP_WEB_POOL", "?")] = child
        elif " worker " in f" {command} ":
            queue = re.search(r"-Q (\S+)", command).group(1)
            found[f"worker-{queue.split(',')[0]}"] = child
        elif " beat " in f" {command} ":
            found["beat"] = child
    return found


def test_a_killed_child_is_restarted_and_ctrl_c_stops_everything_then_the_database(monkeypatch):
    folder = scratch_folder("serve")
    pgdata = folder / "pgdata"
    monkeypatch.setenv("APP_EMBEDDED_SHARED_BUFFERS", "128MB")
    embedded_db.ensure_running(pgdata)  # an embedded server of its own, on a socket in its own folder
    port = free_port()
    env = base_env(APP_EMBEDDED_PGDATA=str(pgdata), APP_EMBEDDED_SHARED_BUFFERS="128MB", APP_CELERY_BROKER=REDIS_URL,
                   APP_MEDIA_ROOT=str(folder / "media"), APP_WEB_WORKERS="1", APP_WEB_THREADS="2",
                   APP_LIVE_WORKERS="1", APP_LIVE_THREADS="2", PYTHONUNBUFFERED="1")
    log = folder / "serve.log"
    serve = None
    try:
        socket = embedded_db.socket_dir(pgdata)
        embedded_db.prepare_roles(socket)
        if restore_migrated(dict(host=str(socket), user="postgres", dbname=embedded_db.DATABASE_NAME),
                            privileges=True):
            embedded_db._ensure_database(socket)  # the owner role owns the schema, as `migrate` run as it leaves it
        else:
            migrate(env)
        seed(env)
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}", "--live-address", f"127.0.0.1:{free_port()}",
             "--no-collectstatic"], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        site = f"http://127.0.0.1:{port}/transparency/"
        wait_for_http(site, timeout=90)
        deadline = time.time() + 60
        while len(_children(serve)) < 6 and time.time() < deadline:
            time.sleep(0.5)
        children = _children(serve)
        assert set(children) == {"web", "live", "worker-live", "worker-reports", "worker-maintenance", "beat"}, children
        # Live work first: the public pool, reports and maintenance run at a lower priority than the camera pool
        # and the feed worker, each in its own session, so their sessions' shares are lowered too.
        expected = {"web": 19, "live": 0, "worker-live": 0, "worker-reports": 10, "worker-maintenance": 5}
        assert {name: children[name].nice() for name in expected} == expected
        if Path("/proc/self/autogroup").exists():
            session_nice = {name: int(Path(f"/proc/{children[name].pid}/autogroup").read_text().split()[-1])
                            for name in expected}
            assert session_nice == expected

        for name in ("web", "worker-live"):
            victim = children[name]
            victim.kill()  # SIGKILL: no chance to tidy up
            victim.wait(timeout=10)
            assert wait_for_http(site, timeout=10) < 10
            deadline = time.time() + 10
            while f"{name} restarted" not in log.read_text() and time.time() < deadline:
                time.sleep(0.2)
            text = log.read_text()
            assert f"{name} (pid {victim.pid}) was killed by signal 9" in text, text[-2000:]
            assert f"{name} restarted" in text
            children = _children(serve)
            assert children[name].pid != victim.pid

        everyone = [serve.pid] + [p.pid for p in psutil.Process(serve.pid).children(recursive=True)]
        serve.send_signal(signal.SIGINT)  # Ctrl-C
        assert serve.wait(timeout=60) == 0
        text = log.read_text()
        assert "embedded database stopped" in text and text.rstrip().endswith("stopped"), text[-2000:]
        assert not embedded_db.status(pgdata).running
        assert not [pid for pid in everyone if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    finally:
        if serve is not None and serve.poll() is None:
            serve.kill()
        embedded_db.stop(pgdata)
        remove(folder)
