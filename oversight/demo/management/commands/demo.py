"""`manage.py demo`: tell the platform's story on the current database and say where to look.

Idempotent: a second run keeps what exists and only prints where to look.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand

from oversight.demo import story
from oversight.demo.people import FORCES, PEOPLE
from oversight.models import Rank, Role


class Command(BaseCommand):
    help = "Seed and play the demonstration story: forces, people, an authorised LFR deployment, alerts, reports."

    def add_arguments(self, parser):
        parser.add_argument("--people-only", action="store_true", help="Only the organisations and people")

    def handle(self, *args, people_only: bool = False, **options):
        say = lambda text: self.stdout.write(text)  # noqa: E731
        result = story.play(say=say, people_only=people_only)
        self.stdout.write(self.style.SUCCESS("\nThe demonstration is ready."))
        for label, url in result.get("links", []):
            self.stdout.write(f"  {label:<52} http://127.0.0.1:8000{url}")
        self.stdout.write("\nSign in at http://127.0.0.1:8000/accounts/login/ as:")
        width = max(len(row[0]) for row in PEOPLE)
        names = dict((code, name) for code, name, _ in FORCES)
        for username, password, role, force, rank, *_ in PEOPLE:
            rank_label = f", {Rank(rank).label}" if rank else ""
            self.stdout.write(f"  {username:<{width}}  {password:<22} {Role(role).label} "
                              f"({names.get(force, 'Oversight body')}{rank_label})")
        self.stdout.write("\nThe public needs no account: http://127.0.0.1:8000/ · API: http://127.0.0.1:8000/api/docs/")
