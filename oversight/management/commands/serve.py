"""`manage.py serve`: the production process set on one machine, supervised.

- `web`: the site in gunicorn (workers and threads from the CPU count, `APP_WEB_WORKERS`, `APP_WEB_THREADS`);
- `live`: a second gunicorn pool on its own port for cameras and operators (`/api/live/…`), so public readers
  cannot take its threads (`--live-address`, `APP_LIVE_WORKERS`, `APP_LIVE_THREADS`);
- with a broker: Celery workers on their own queues (`live`: video feeds; `reports`; `maintenance`:
  checkpoints, retention, deadlines, the feed watchdog) and one beat.

A child that dies is started again after a back-off (1 s, doubling to 30 s while it keeps dying young), and
each restart is logged. Ctrl-C (SIGINT) or SIGTERM stops every child and then the embedded database.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from config import embedded_db
from config.env import env_int, env_str
from config.priority import lower_priority

MAX_BACKOFF = 30.0
STEADY_AFTER = 30.0  # a child that ran this long before dying is restarted after the shortest back-off


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    nice: int = 0  # live work first: reports and maintenance yield the cores
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    failures: int = 0  # deaths in a row, each soon after its start
    restart_at: float | None = None


def _child_setup(nice: int):
    def setup() -> None:
        """In the child: receive SIGTERM when `serve` itself dies (even by SIGKILL), so nothing is orphaned."""
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:  # not Linux
            pass
        os.setsid()  # Ctrl-C reaches `serve` alone; it stops the children in order
        lower_priority(nice)
    return setup


class Command(BaseCommand):
    help = "Serve the site in gunicorn with Celery workers on their queues and beat, restarting what dies."

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--live-address", default="",
                            help="where the device and operator pool listens (default: the next port)")
        parser.add_argument("--keep-db", action="store_true", help="Leave the embedded database running on exit")
        parser.add_argument("--no-collectstatic", action="store_true")

    def say(self, message: str) -> None:
        self.stdout.write(f"{time.strftime('%H:%M:%S')} serve: {message}")
        self.stdout.flush()

    def handle(self, *args, address: str, live_address: str, keep_db: bool, no_collectstatic: bool, **options):
        if ":" not in address:
            raise CommandError(f"address must be HOST:PORT, not {address!r}")
        host, port = address.rsplit(":", 1)
        live_address = live_address or f"{host}:{int(port) + 1}"
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        children = self.children(address, live_address)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            self.start(child)
        self.say(f"the site on http://{address}/, cameras and operators on http://{live_address}/api/live/; "
                 f"{', '.join(c.name for c in children)} running. Ctrl-C stops them all.")
        try:
            while not stopping:
                now = time.monotonic()
                for child in children:
                    if child.restart_at is not None:
                        if now >= child.restart_at:
                            self.start(child)
                        continue
                    code = child.process.poll()
                    if code is None:
                        continue
                    lived = now - child.started_at
                    child.failures = child.failures + 1 if lived < STEADY_AFTER else 1
                    delay = min(MAX_BACKOFF, 2.0 ** (child.failures - 1))
                    how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
                    self.say(f"{child.name} (pid {child.process.pid}) {how} after {lived:.0f} s; "
                             f"restarting it in {delay:.0f} s")
                    child.restart_at = now + delay
                time.sleep(0.2)
        finally:
            self.say("stopping " + ", ".join(c.name for c in children))
            for child in reversed(children):  # beat first, the site last
                if child.process and child.process.poll() is None:
                    child.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for child in children:
                if not child.process:
                    continue
                try:
                    child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    # A worker in the middle of a feed: its message was not acknowledged, so the feed is
                    # delivered again (Redis) or failed by the watchdog, never half-counted.
                    child.process.kill()
                    child.process.wait()
            if not keep_db and not env_str("DATABASE_URL") and embedded_db.stop(embedded_db.DEFAULT_PGDATA):
                self.say("embedded database stopped")
        self.say("stopped")

    def start(self, child: Child) -> None:
        restarted = child.process is not None
        child.process = subprocess.Popen(child.argv, env=child.env, cwd=settings.BASE_DIR,
                                         preexec_fn=_child_setup(child.nice))
        child.started_at, child.restart_at = time.monotonic(), None
        if restarted:
            child.restarts += 1
            self.say(f"{child.name} restarted (pid {child.process.pid}, restart {child.restarts})")

    def children(self, address: str, live_address: str) -> list[Child]:
        python = sys.executable
        env = dict(os.environ)
        env.setdefault("APP_DEBUG", "0")  # like production: the product's own 404 and 500 pages
        env.setdefault("APP_PUBLIC_SERVER_CACHE", "1")  # readers of the public site answered from memory
        cores = os.cpu_count() or 1
        gunicorn = [python, "-m", "gunicorn", "-c", str(settings.BASE_DIR / "config" / "gunicorn.py"),
                    "config.wsgi:application"]
        web_env = env | {"APP_WEB_POOL": "web", "APP_WEB_BIND": address}
        live_env = env | {"APP_WEB_POOL": "live", "APP_WEB_BIND": live_address,
                          "APP_WEB_NICE": str(env_int("APP_LIVE_NICE", 0)),  # APP_WEB_NICE is the public pool's
                          "APP_WEB_WORKERS": str(env_int("APP_LIVE_WORKERS", max(1, cores // 2))),
                          "APP_WEB_THREADS": str(env_int("APP_LIVE_THREADS", 4))}
        # Reports and maintenance yield the cores to the site; the public pool yields them to the live pool
        # (config/gunicorn.py lowers its priority, APP_WEB_NICE).
        children = [Child("web", gunicorn, web_env),
                    Child("live", gunicorn, live_env)]
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return children
        celery = [python, "-m", "celery", "-A", "config"]
        worker = celery + ["worker", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
        beat_schedule = str(settings.BASE_DIR / ".celerybeat-schedule")
        return children + [
            # Feeds in a prefork child: if it dies mid-feed the message is rejected back to the queue.
            Child("worker-live", worker + ["-Q", "live", "-c", str(env_int("APP_LIVE_CONCURRENCY", 1)),
                                           "-n", "live@%h"], env),
            Child("worker-reports", worker + ["-Q", "reports", "--pool", "solo", "-n", "reports@%h"], env,
                  nice=10),
            Child("worker-maintenance", worker + ["-Q", "maintenance,celery", "--pool", "solo",
                                                  "-n", "maintenance@%h"], env, nice=5),
            Child("beat", celery + ["beat", "--loglevel", "WARNING", "-s", beat_schedule], env),
        ]
