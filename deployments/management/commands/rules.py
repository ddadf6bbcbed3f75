"""`manage.py rules list`: every rule with its identifier, severity, source and the policy settings it reads."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from deployments.rules import RULES


class Command(BaseCommand):
    help = "List the governance rules: identifier, severity, stages, source and policy settings read."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list"])

    def handle(self, *args, **options):
        for rule in RULES.values():
            self.stdout.write(self.style.MIGRATE_HEADING(rule.id) + f"  [{rule.severity}]  {rule.title}")
            self.stdout.write(f"    source:   {rule.source}")
            self.stdout.write(f"    settings: {', '.join(rule.policy_keys) or '(none)'}")
            self.stdout.write(f"    checked:  {', '.join(rule.stages)}; applies to {', '.join(rule.kinds)}")
