"""`manage.py serve`: the site, plus a Celery worker and beat when a broker is configured.

Ctrl-C (SIGINT) or SIGTERM stops every child and then the embedded database, so nothing is left running.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from config import embedded_db
from config.env import env_str


class Command(BaseCommand):
    help = "Serve the site (and Celery worker and beat when APP_CELERY_BROKER is set) until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--keep-db", action="store_true", help="Leave the embedded database running on exit")

    def handle(self, *args, address: str, keep_db: bool, **options):
        python = sys.executable
        children = [subprocess.Popen([python, "manage.py", "runserver", "--noreload", address])]
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            celery = [python, "-m", "celery", "-A", "config"]
            children.append(subprocess.Popen(celery + ["worker", "--loglevel", "WARNING", "--concurrency", "1"]))
            beat_schedule = settings.BASE_DIR / ".celerybeat-schedule"
            children.append(subprocess.Popen(celery + ["beat", "--loglevel", "WARNING", "-s", str(beat_schedule)]))
            self.stdout.write("Celery worker and beat started beside the site.")
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.3)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
            if not keep_db and not env_str("DATABASE_URL") and embedded_db.stop():
                self.stdout.write("Embedded database stopped.")
        self.stdout.write("Stopped.")
