"""`manage.py audit verify | checkpoint | witness | keys | rotate-key | prove`.

    audit verify [--witness FILE ...] [--max-uncovered-minutes M]
    audit witness --output FILE      what an outside party keeps: the signed checkpoints and their leaf hashes
    audit keys --output FILE         the pinned public keys, for the offline verifier
    audit rotate-key [--new-key-file FILE]
    audit prove --event N [--size S] | --from A --to B
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from config.env import env_str

from django.core.management.base import BaseCommand, CommandError

from oversight.audit import checkpoints, proofs
from oversight.audit.keys import pinned_keys_document
from oversight.audit.verify import Witness, verify_log


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log, sign a checkpoint, or print proofs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="Recompute every entry and check it against checkpoints and witnesses")
        verify.add_argument("--witness", action="append", default=[], metavar="FILE",
                            help="A witness file saved earlier by `audit witness` (may be given several times)")
        verify.add_argument("--max-uncovered-minutes", type=float, metavar="M",
                            help="Fail when the oldest entry no checkpoint covers is older than M minutes")
        sub.add_parser("checkpoint", help="Sign a checkpoint of the log as it stands now")
        witness = sub.add_parser("witness", help="Save the published checkpoints as an outside party keeps them")
        witness.add_argument("--output", required=True, metavar="FILE")
        keys = sub.add_parser("keys", help="Save the log's trusted public keys for the offline verifier")
        keys.add_argument("--output", required=True, metavar="FILE")
        rotate = sub.add_parser("rotate-key", help="Hand the log over to a new signing key")
        rotate.add_argument("--new-key-file", metavar="FILE",
                            help="File holding the new Ed25519 private key in hex (a new key is made when omitted)")
        prove = sub.add_parser("prove", help="Print an inclusion or a consistency proof as JSON")
        prove.add_argument("--event", type=int, help="Sequence number of the event to prove")
        prove.add_argument("--size", type=int, help="Tree size of the checkpoint to prove against (latest)")
        prove.add_argument("--from", dest="old", type=int, help="Older tree size")
        prove.add_argument("--to", dest="new", type=int, help="Newer tree size")

    def handle(self, *args, verb: str, **options):
        return getattr(self, f"handle_{verb.replace('-', '_')}")(**options)

    def handle_checkpoint(self, **options):
        cp = checkpoints.checkpoint_make()
        self.stdout.write(f"signed checkpoint: size {cp.tree_size}, root {bytes(cp.root_hash).hex()}, "
                          f"key {cp.key_id}, at {cp.signed_at.isoformat()}")

    def handle_verify(self, witness=(), max_uncovered_minutes=None, **options):
        witnesses = []
        for path in witness:
            try:
                with open(path, encoding="utf-8") as fh:
                    witnesses.append(Witness.from_document(path, json.load(fh)))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the witness file {path}: {exc}") from None
        report = verify_log(witnesses=witnesses)
        if not report.ok:
            self.stderr.write(self.style.ERROR(f"AUDIT LOG FAILS VERIFICATION: {report.first_failure.describe()}"))
            for failure in report.failures[1:20]:
                self.stderr.write(f"  also: {failure.describe()}")
            sys.exit(1)
        cp = report.latest_checkpoint
        if cp is None:
            self.stdout.write(f"{report.entries} entries consistent; no signed checkpoint yet (run `audit checkpoint`)")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"audit log intact: {report.entries} entries, {report.checkpoints_checked} checkpoints verified"))
            self.stdout.write(f"verified checkpoint: size {cp.tree_size}, root {bytes(cp.root_hash).hex()}, "
                              f"signed {cp.signed_at.isoformat()} by trusted key {report.latest_key.key_id}")
        if witnesses:
            self.stdout.write(f"consistent with {len(witnesses)} witness file(s) up to entry {report.witnessed_size - 1}; "
                              f"{report.unwitnessed_entries} newer entries are covered by no witness")
        else:
            self.stdout.write(f"no witness given: all {report.entries} entries are checked only against checkpoints "
                              "stored in this database; give --witness FILE to check against copies held outside it")
        if report.uncovered_entries:
            self.stdout.write(f"{report.uncovered_entries} newer entries are not yet covered by a checkpoint")
        if max_uncovered_minutes is not None and report.oldest_uncovered_at is not None:
            age = (timezone.now() - report.oldest_uncovered_at).total_seconds() / 60
            if age > max_uncovered_minutes:
                self.stderr.write(self.style.ERROR(
                    f"AUDIT LOG NOT FRESH: the oldest entry no checkpoint covers is {age:.0f} minutes old "
                    f"(limit {max_uncovered_minutes:g})"))
                sys.exit(1)

    def handle_witness(self, output, **options):
        doc = checkpoints.witness_document()
        with open(output, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
        self.stdout.write(f"saved {len(doc['checkpoints'])} signed checkpoints (newest of size "
                          f"{doc['leaf_hashes']['tree_size']}) and their leaf hashes to {output}")

    def handle_keys(self, output, **options):
        doc = pinned_keys_document()
        with open(output, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
        self.stdout.write(f"saved {len(doc['keys'])} trusted key(s) to {output}: "
                          + ", ".join(k["key_id"] for k in doc["keys"]))

    def handle_rotate_key(self, new_key_file=None, **options):
        if new_key_file:
            new_hex = Path(new_key_file).read_text().strip()
        else:
            from config.settings import _new_signing_key

            new_hex = _new_signing_key()
        try:
            result = checkpoints.audit_key_rotate(actor=None, new_private_hex=new_hex)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        old, new = result["old_checkpoint"], result["new_checkpoint"]
        self.stdout.write(f"hand-over checkpoint of size {old.tree_size} signed by the old key {old.key_id} "
                          f"and the new key {new.key_id}")
        if env_str("APP_AUDIT_SIGNING_KEY"):
            self.stdout.write("Set these in the environment of every process, then restart them:\n"
                              f"  APP_AUDIT_SIGNING_KEY=<the new private key{' in ' + new_key_file if new_key_file else ''}>\n"
                              f"  APP_AUDIT_TRUSTED_KEYS={result['trusted_keys']}")
            if not new_key_file:
                self.stdout.write(f"  (new private key: {new_hex})")
            return
        secrets_dir = settings.SECRETS_DIR
        (secrets_dir / "audit-signing-key").write_text(new_hex)
        (secrets_dir / "audit-trusted-keys").write_text(result["trusted_keys"].replace(",", "\n") + "\n")
        self.stdout.write(f"the new key is stored in {secrets_dir}; restart the site and workers to sign with it")

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
