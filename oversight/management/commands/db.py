"""`manage.py db status | start | stop` for the embedded PostgreSQL."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from config import embedded_db
from config.env import env_str


class Command(BaseCommand):
    help = "Start, stop or report the embedded PostgreSQL server (used when DATABASE_URL is unset)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["status", "start", "stop"])

    def handle(self, *args, verb: str, **options):
        if env_str("DATABASE_URL"):
            raise CommandError("DATABASE_URL is set: this project is using an external server, not the embedded one")
        if verb == "start":
            embedded_db.ensure_running(start_held=True)
        elif verb == "stop":
            if embedded_db.stop(hold=True):
                self.stdout.write("embedded PostgreSQL stopped")
                return
        self.stdout.write(embedded_db.status().describe())
