"""`manage.py retention run [--now ISO]` and `retention report`: delete what is due; show due and done."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from matching.services.retention import retention_run
from matching.selectors import deletions_report


class Command(BaseCommand):
    help = "Run the retention policy now (deletes biometric data whose period has passed), or report on it."

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["run", "report"])
        parser.add_argument("--now", help="Act as if it were this time (ISO 8601), e.g. to check a schedule")

    def handle(self, *args, verb: str, now: str | None = None, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None or moment.tzinfo is None:
                raise CommandError("--now must be an ISO 8601 time with a timezone, e.g. 2026-11-23T10:00:00+00:00")
        if verb == "run":
            report = retention_run(now=moment)
            self.stdout.write(f"deleted: {report.watchlist_entries} watchlist entries' templates and images, "
                              f"{report.alerts} alerts' images and templates, {report.rfr_probes} RFR probes, "
                              f"{report.complaints} complainants' contact details and words")
            for line in report.details:
                self.stdout.write(f"  {line}")
            return
        from oversight.models import Role, User

        auditor = User.objects.filter(role=Role.OVERSIGHT_AUDITOR, is_active=True).first()
        if auditor is None:
            raise CommandError("the report is read as an oversight auditor; none exists")
        self.stdout.write(json.dumps(deletions_report(user=auditor, now=moment), indent=2, default=str))
