"""`manage.py rules list`: every rule of the rulebook (1-25) with its stages, settings, severity and source."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from deployments.rules import RULES


class Command(BaseCommand):
    help = "List the governance rules: identifier, severity, stages, source and policy settings read."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list"])

    def handle(self, *args, **options):
        # The matcher's rules (15-22, 24) are registered when its app loads, which Django has done by now.
        for rule in sorted(RULES.values(), key=lambda r: (int(r.id[1:3]), r.id)):
            self.stdout.write(self.style.MIGRATE_HEADING(rule.id) + f"  [{rule.severity}]  {rule.title}")
            self.stdout.write(f"    source:   {rule.source}")
            self.stdout.write(f"    settings: {', '.join(rule.policy_keys) or '(none)'}")
            self.stdout.write(f"    stages:   {', '.join(rule.stages)}; applies to {', '.join(rule.kinds)}")
