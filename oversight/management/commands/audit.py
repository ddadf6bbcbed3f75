"""`manage.py audit verify | checkpoint | prove --event N | prove --from A --to B`."""
from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from oversight.audit import checkpoints, proofs
from oversight.audit.verify import verify_log


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log, sign a checkpoint, or print proofs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="Recompute every entry and check every signed checkpoint")
        sub.add_parser("checkpoint", help="Sign a checkpoint of the log as it stands now")
        prove = sub.add_parser("prove", help="Print an inclusion or a consistency proof as JSON")
        prove.add_argument("--event", type=int, help="Sequence number of the event to prove")
        prove.add_argument("--size", type=int, help="Tree size of the checkpoint to prove against (latest)")
        prove.add_argument("--from", dest="old", type=int, help="Older tree size")
        prove.add_argument("--to", dest="new", type=int, help="Newer tree size")

    def handle(self, *args, verb: str, **options):
        return getattr(self, f"handle_{verb}")(**options)

    def handle_checkpoint(self, **options):
        cp = checkpoints.checkpoint_make()
        self.stdout.write(f"signed checkpoint: size {cp.tree_size}, root {bytes(cp.root_hash).hex()}, "
                          f"key {cp.key_id}, at {cp.signed_at.isoformat()}")

    def handle_verify(self, **options):
        report = verify_log()
        cp = report.latest_checkpoint
        if report.ok:
            if cp is None:
                self.stdout.write(f"{report.entries} entries consistent; no signed checkpoint yet "
                                  "(run `audit checkpoint`)")
            else:
                self.stdout.write(self.style.SUCCESS(
                    f"audit log intact: {report.entries} entries, {report.checkpoints_checked} checkpoints verified"))
                self.stdout.write(f"verified checkpoint: size {cp.tree_size}, root {bytes(cp.root_hash).hex()}, "
                                  f"signed {cp.signed_at.isoformat()} by key {cp.key_id}")
            if report.uncovered_entries:
                self.stdout.write(f"{report.uncovered_entries} newer entries are not yet covered by a checkpoint")
            return
        self.stderr.write(self.style.ERROR(f"AUDIT LOG FAILS VERIFICATION: {report.first_failure.describe()}"))
        for failure in report.failures[1:20]:
            self.stderr.write(f"  also: {failure.describe()}")
        sys.exit(1)

    def handle_prove(self, event=None, size=None, old=None, new=None, **options):
        try:
            if event is not None:
                doc = proofs.inclusion_document(event, tree_size=size)
            elif old is not None and new is not None:
                doc = proofs.consistency_document(old, new)
            else:
                raise CommandError("give --event N, or --from SIZE1 --to SIZE2")
        except proofs.ProofUnavailable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(doc, indent=2))
