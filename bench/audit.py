"""Audit log at a million events: full verification, witness check, inclusion proofs, checkpoints, SHA-256 floor.

    .venv/bin/python bench/audit.py [--n 1000000] [--proofs 50] [--checkpoint-every 100000] [--keep] [--json]

Works in its own scratch database (`bench_audit`, created and migrated here with Django's test-database set-up,
dropped at the end unless --keep; --reuse continues a kept one). It builds a log of N events after the events the
migrations seed, through the append path in bulk: batches of 10,000 inserted with bulk_create (statements of 250
rows), each batch in one transaction under the append lock (`AUDIT_APPEND_LOCK`) with seq following the last one,
every event hashed by `event_leaf_hash` as `audit_record` hashes it. The events are the platform's own
(registered actions, object types, actors, JSON old/new values, reasons), and a checkpoint is signed with
`checkpoint_make()` every 100,000 events and at the end, as the log would carry them.

Then, at that size:
  - `verify_log()`, wall time (target <= 60 s), and again with one witness file (`witness_document()` read back
    with `Witness.from_document`, as `audit verify --witness` does);
  - `inclusion_document(seq)` for random seqs, p50/p95 (target p95 <= 10 ms), each proof checked with
    `verify_inclusion` against its checkpoint;
  - `checkpoint_make()` after 500 more events (incremental from the newest checkpoint's frontier; target <= 1 s),
    and a full rebuild of the same checkpoint from every leaf for comparison (their roots must agree);
  - the floor: a bare loop of SHA-256 (leaf prefix + bytes) over `canonical_event_bytes(event_document(e))` of
    every event, prebuilt in memory (reading the rows and building the bytes are timed apart).
Last line: RATIOS (verify / floor); with --json one JSON object with every number.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _common as common  # noqa: E402

DEFAULT_DB = "bench_audit"
SEED = 20261201
BATCH = 10_000
TARGET_VERIFY_S = 60.0
TARGET_PROOF_P95_MS = 10.0
TARGET_CHECKPOINT_S = 1.0
APPENDED = 500


# --- Scratch database ---------------------------------------------------------------------------------------
def setup(db_name: str, *, reuse: bool, out) -> str:
    """Django on a freshly created and migrated scratch database; returns the name to restore when dropping it."""
    if not db_name.startswith("bench_"):
        raise SystemExit(f"the scratch database must be named bench_...: refusing {db_name!r}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["APP_TEST_DATABASE_NAME"] = db_name  # settings make it the TEST NAME: never the dev database
    os.environ.setdefault("APP_DB_ROLE", "superuser")  # as the test suite: it creates and drops its own database
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.settings_dict.get("TEST", {}).get("NAME") != db_name:
        raise SystemExit(f"settings did not take APP_TEST_DATABASE_NAME={db_name}: refusing to go on")
    settings.DEBUG = False  # no query log: a worker runs with DEBUG off
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    original = connection.settings_dict["NAME"]
    started = time.perf_counter()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name])
        existed = cursor.fetchone() is not None
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=reuse)
    if connection.settings_dict["NAME"] != db_name:
        raise SystemExit(f"connected to {connection.settings_dict['NAME']}, not {db_name}: refusing to go on")
    what = "reused" if reuse and existed else "created and migrated"
    out.say(f"[audit] scratch database {db_name} {what} in {time.perf_counter() - started:.1f} s; "
            f"machine: {common.machine()}")
    return original


def drop(original: str, out) -> None:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.creation.destroy_test_db(original, verbosity=0, keepdb=False)
    out.say(f"[audit] scratch database {name} dropped")


# --- Building the log ---------------------------------------------------------------------------------------
def people():
    """A force and the people who act in its log (made through the ORM, once)."""
    from oversight.audit.log import _actor_label
    from oversight.models import Force, Rank, Role, User

    force = common.bench_force("bench-audit", "Benchmark audit force")
    other = common.bench_force("bench-audit-2", "Benchmark audit second force")
    wanted = [("bench.audit.op1", force, Role.FORCE_OPERATOR, Rank.CONSTABLE),
              ("bench.audit.op2", force, Role.FORCE_OPERATOR, Rank.SERGEANT),
              ("bench.audit.op3", other, Role.FORCE_OPERATOR, Rank.CONSTABLE),
              ("bench.audit.approver", force, Role.FORCE_APPROVER, Rank.SUPERINTENDENT),
              ("bench.audit.inspector", force, Role.FORCE_APPROVER, Rank.INSPECTOR),
              ("bench.audit.admin", force, Role.FORCE_ADMIN, Rank.SERGEANT),
              ("bench.audit.auditor", None, Role.OVERSIGHT_AUDITOR, None)]
    missing = []
    for username, f, role, rank in wanted:
        if not User.objects.filter(username=username).exists():
            user = User(username=username, force=f, role=role, rank=rank, first_name="Bench",
                        last_name=username.rsplit(".", 1)[1].title())
            user.set_unusable_password()
            missing.append(user)
    User.objects.bulk_create(missing)
    users = {u.username.rsplit(".", 1)[1]: u for u in User.objects.filter(username__startswith="bench.audit.")
             .select_related("force")}
    labels = {key: _actor_label(u) for key, u in users.items()}
    return {"force": force, "other": other, "users": users, "labels": labels, "forces": [force.pk, other.pk]}


class EventMaker:
    """Realistic events of a force's year, mostly alerts and their decisions, in registered actions only."""

    def __init__(self, who, seed: int) -> None:
        from oversight.audit import actions

        import deployments.audit_actions  # noqa: F401  (each layer registers its actions)
        import matching.audit_actions  # noqa: F401
        import oversight.reports.audit_actions  # noqa: F401

        self.rng = random.Random(seed)
        self.who = who
        self.kinds = [  # (weight, action, maker)
            (40, "alert.raise", self.alert_raise), (30, "alert.adjudicate", self.alert_adjudicate),
            (10, "alert.engagement", self.engagement), (6, "retention.delete", self.deletion),
            (4, "watchlist_entry.add", self.entry_add), (2, "watchlist_entry.enrol", self.entry_enrol),
            (2, "deployment.transition", self.transition), (2, "rfr.search", self.rfr),
            (1, "authorisation.decide", self.authorisation), (1, "oifr.check", self.oifr),
            (1, "watchlist.review", self.watchlist_review), (1, "user.role_change", self.role_change),
        ]
        for _, action, _ in self.kinds:
            actions.get(action)  # refuses an action no layer registered, as audit_record does
        self.weights = [w for w, _, _ in self.kinds]
        self.alert = 100_000
        self.deployment = 40

    def make(self) -> dict:
        _, action, maker = self.rng.choices(self.kinds, weights=self.weights)[0]
        fields = maker()
        fields["action"] = action
        return fields

    def _actor(self, *keys):
        key = self.rng.choice(keys)
        user = self.who["users"][key]
        return {"actor_id": user.pk, "actor_label": self.who["labels"][key], "force_id": user.force_id
                or self.who["forces"][0]}

    def _system(self, force_id=None):
        return {"actor_id": None, "actor_label": "system", "force_id": force_id or self.who["forces"][0]}

    def alert_raise(self):
        self.alert += 1
        if self.rng.random() < 0.01:
            self.deployment += 1
        return {**self._system(), "object_type": "matching.alert", "object_id": str(self.alert),
                "object_repr": f"Alert {self.alert} on deployment {self.deployment}", "old": None,
                "new": {"deployment": self.deployment, "entry": self.rng.randint(1, 500_000),
                        "similarity": round(self.rng.uniform(0.64, 0.99), 4), "threshold": 0.64,
                        "face_model": 3, "camera": f"VAN-{self.rng.randint(1, 12):02d}"}, "reason": ""}

    def alert_adjudicate(self):
        decision = self.rng.choices(["true_match", "false_alert", "inconclusive"], weights=[94, 3, 3])[0]
        alert = self.alert - self.rng.randint(0, 3)
        return {**self._actor("op1", "op2", "op3"), "object_type": "matching.alert", "object_id": str(alert),
                "object_repr": f"Alert {alert} on deployment {self.deployment}", "old": {"status": "new"},
                "new": {"status": "adjudicated", "decision": decision},
                "reason": "Wrong person: different age and build." if decision == "false_alert" else ""}

    def engagement(self):
        outcome = self.rng.choice(["arrested", "spoken_to", "conditions_checked", "not_stopped", "safeguarded"])
        alert = self.alert - self.rng.randint(0, 5)
        return {**self._actor("op1", "op2"), "object_type": "matching.engagement", "object_id": str(alert),
                "object_repr": f"Engagement after alert {alert}", "old": None,
                "new": {"alert": alert, "outcome": outcome, "duration_minutes": self.rng.randint(3, 40)},
                "reason": ""}

    def deletion(self):
        alert = self.alert - self.rng.randint(50, 5_000)
        return {**self._system(), "object_type": "matching.alert", "object_id": str(alert),
                "object_repr": f"Alert {alert} image and template", "old": {"crop": f"alerts/{alert}.jpg"},
                "new": {"kind": "alert_media", "policy": "retention.alert_image_days", "days": 31},
                "reason": "Retention period ended (alert images: 31 days)."}

    def entry_add(self):
        entry = self.rng.randint(1, 500_000)
        return {**self._actor("op1", "op2", "admin"), "object_type": "deployments.watchlistentry",
                "object_id": str(entry), "object_repr": f"W-2026-{entry:06d}", "old": None,
                "new": {"watchlist": self.deployment, "category": self.rng.choice(
                    ["wanted_by_courts", "wanted_on_warrant", "missing_person", "bail_conditions"]),
                        "source": "PND", "legal_basis": self.rng.randint(1, 6), "offence": "robbery"},
                "reason": "Wanted on warrant for robbery; intelligence places the person in the area."}

    def entry_enrol(self):
        entry = self.rng.randint(1, 500_000)
        return {**self._system(), "object_type": "deployments.watchlistentry", "object_id": str(entry),
                "object_repr": f"W-2026-{entry:06d}", "old": None,
                "new": {"face_model": 3, "quality": round(self.rng.uniform(0.5, 1.0), 3),
                        "image_sha256": hashlib.sha256(str(entry).encode()).hexdigest()}, "reason": ""}

    def transition(self):
        steps = [("draft", "submitted"), ("submitted", "authorised"), ("authorised", "active"),
                 ("active", "ended"), ("ended", "reviewed")]
        old, new = self.rng.choice(steps)
        return {**self._actor("admin", "approver", "inspector"), "object_type": "deployments.deployment",
                "object_id": str(self.deployment), "object_repr": f"LFR deployment {self.deployment}",
                "old": {"status": old}, "new": {"status": new}, "reason": "" if new != "ended" else
                "Operation concluded."}

    def rfr(self):
        return {**self._actor("op1", "op2", "op3"), "object_type": "matching.rfrsearch",
                "object_id": str(self.rng.randint(1, 50_000)), "object_repr": "Retrospective search", "old": None,
                "new": {"crime_reference": f"BF/{self.rng.randint(1000, 99999)}/26", "probe_source": self.rng.choice(
                    ["cctv", "doorbell", "phone", "social_media"]), "candidates": 10, "threshold": 0.9},
                "reason": "Identify a suspect in a street robbery from CCTV."}

    def authorisation(self):
        urgent = self.rng.random() < 0.1
        return {**self._actor("inspector" if urgent else "approver"), "object_type": "deployments.authorisation",
                "object_id": str(self.deployment), "object_repr": f"Authorisation of deployment {self.deployment}",
                "old": None, "new": {"deployment": self.deployment, "kind": "urgent" if urgent else "full",
                                     "decision": "authorised", "approver_rank": 30 if urgent else 50,
                                     "rules_broken": []},
                "reason": "Necessary and proportionate for the stated objective."}

    def oifr(self):
        return {**self._actor("op1", "op2", "op3"), "object_type": "matching.oifrcheck",
                "object_id": str(self.rng.randint(1, 20_000)), "object_repr": "Operator-initiated check",
                "old": None, "new": {"reason": self.rng.choice(["unable", "refuses", "false_details"]),
                                     "faces_found": 1, "threshold": 0.934}, "reason": "Refused to give details."}

    def watchlist_review(self):
        return {**self._actor("approver", "inspector"), "object_type": "deployments.watchlist",
                "object_id": str(self.deployment), "object_repr": f"Watchlist of deployment {self.deployment}",
                "old": {"reviewed_at": None}, "new": {"entries": self.rng.randint(50, 2_000), "removed": 0},
                "reason": "Reviewed within 24 hours of the last change."}

    def role_change(self):
        return {**self._actor("admin"), "object_type": "oversight.user", "object_id": str(self.rng.randint(1, 500)),
                "object_repr": "officer account", "old": {"role": "force_operator", "rank": 10},
                "new": {"role": "force_operator", "rank": 20}, "reason": "Promoted to sergeant."}


def append_batch(maker: EventMaker, count: int) -> int:
    """Append `count` events as one transaction under the append lock, hashed as `audit_record` hashes them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from oversight.audit.log import AUDIT_APPEND_LOCK, event_leaf_hash, json_safe
    from oversight.models import AuditEvent

    rng = maker.rng
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_APPEND_LOCK])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "occurred_at").first()
        seq = 0 if last is None else last[0] + 1
        clock = timezone.now() if last is None else max(last[1], timezone.now())
        events = []
        for k in range(count):
            fields = maker.make()
            clock += timedelta(microseconds=rng.randint(1, 20))
            event = AuditEvent(seq=seq + k, occurred_at=clock, **{**fields, "old": json_safe(fields["old"]),
                                                                 "new": json_safe(fields["new"])})
            event.leaf_hash = event_leaf_hash(event)
            events.append(event)
        # Statements of 250 rows: one of 10,000 spends most of its time composing and splitting the SQL text.
        AuditEvent.objects.bulk_create(events, batch_size=250)
    return seq + count


def build(out, n: int, checkpoint_every: int, who) -> dict:
    from oversight.audit.checkpoints import checkpoint_make
    from oversight.models import AuditEvent

    maker = EventMaker(who, SEED)
    before = AuditEvent.objects.count()
    out.say(f"[audit] building {n:,} events after the {before} already in the log "
            f"(batches of {BATCH:,}, a checkpoint every {checkpoint_every:,})")
    started = time.perf_counter()
    done, next_report, checkpoints, checkpoint_s = 0, n / 10, 0, 0.0
    while done < n:
        count = min(BATCH, n - done, checkpoint_every - done % checkpoint_every)
        append_batch(maker, count)
        done += count
        if done % checkpoint_every == 0 or done == n:
            mark = time.perf_counter()
            checkpoint_make()
            checkpoint_s += time.perf_counter() - mark
            checkpoints += 1
        if done >= next_report or done == n:
            elapsed = time.perf_counter() - started
            out.say(f"  {done:>10,} / {n:,} events ({100 * done / n:.0f}%), {elapsed:.0f} s, "
                    f"{done / elapsed:,.0f} events/s, {checkpoints} checkpoints")
            next_report += n / 10
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE oversight_auditevent")
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "events_per_second": round(n / seconds), "checkpoints": checkpoints,
            "checkpoint_seconds": round(checkpoint_s, 2)}


# --- Measuring ----------------------------------------------------------------------------------------------
def verify(out, label: str, witnesses=()) -> tuple[float, object]:
    from oversight.audit.verify import verify_log

    state = {"next": 0.1}
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if total and done >= state["next"] * total:
            out.say(f"  {label}: {done:>10,} / {total:,} ({100 * done / total:.0f}%), "
                    f"{time.perf_counter() - started:.0f} s")
            state["next"] += 0.1

    report = verify_log(witnesses=list(witnesses), progress=progress)
    seconds = time.perf_counter() - started
    problems = "; ".join(f.describe() for f in report.failures[:3])
    out.say(f"  {label}: {seconds:.1f} s, {report.entries:,} entries, {report.checkpoints_checked} checkpoints, "
            f"witnessed size {report.witnessed_size:,}: {'ok' if report.ok else 'FAILED: ' + problems}")
    if not report.ok:
        raise SystemExit(f"the benchmark's own log failed verification: {problems}")
    return seconds, report


def floor(out) -> dict:
    """A bare SHA-256 loop over every event's canonical bytes, prebuilt in memory from the rows."""
    from oversight.audit.log import event_document
    from oversight.audit.offline import canonical_event_bytes
    from oversight.models import AuditEvent

    total = AuditEvent.objects.count()
    out.say(f"[audit] floor: reading {total:,} events and building their canonical bytes")
    blobs: list[bytes] = []
    read_s = build_s = 0.0
    clock = time.perf_counter
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=5_000)  # as verify_log reads them
    next_report = total / 10
    started = clock()
    while True:
        t0 = clock()
        event = next(rows, None)
        t1 = clock()
        if event is None:
            break
        blobs.append(canonical_event_bytes(event_document(event)))
        read_s += t1 - t0
        build_s += clock() - t1
        if len(blobs) >= next_report:
            out.say(f"  prebuilt {len(blobs):>10,} / {total:,} ({100 * len(blobs) / total:.0f}%), "
                    f"{clock() - started:.0f} s")
            next_report += total / 10
    sha256, prefix = hashlib.sha256, b"\x00"
    started = clock()
    for blob in blobs:
        sha256(prefix + blob).digest()
    seconds = clock() - started
    size = sum(len(b) for b in blobs)
    out.say(f"  floor: SHA-256 of {len(blobs):,} leaves ({size / 1e6:.0f} MB) in {seconds:.2f} s; reading the rows "
            f"{read_s:.1f} s, event_document + canonical bytes {build_s:.1f} s")
    return {"seconds": round(seconds, 3), "leaves": len(blobs), "bytes": size, "mean_bytes": round(size / len(blobs)),
            "read_rows_seconds": round(read_s, 1), "canonical_bytes_seconds": round(build_s, 1)}


def proofs(out, count: int) -> dict:
    from oversight.audit.merkle import proof_from_hex, verify_inclusion
    from oversight.audit.proofs import inclusion_document
    from oversight.models import Checkpoint

    latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
    rng = random.Random(SEED + 1)
    seqs = [rng.randrange(latest.tree_size) for _ in range(count)]
    out.say(f"[audit] {count} inclusion proofs in the checkpoint of size {latest.tree_size:,}")
    samples = []
    started = time.perf_counter()
    for i, seq in enumerate(seqs, 1):
        ms, doc = common.timed_ms(inclusion_document, seq)
        samples.append(ms)
        ok = verify_inclusion(bytes.fromhex(doc["leaf_hash"]), doc["leaf_index"], doc["tree_size"],
                              proof_from_hex(doc["proof"]), bytes.fromhex(doc["checkpoint"]["root_hash"]))
        if not ok:
            raise SystemExit(f"the inclusion proof of event {seq} does not verify")
        if i % max(1, count // 10) == 0 or i == count:
            out.say(f"  {i:>3} / {count} proofs, p50 so far {common.p50(samples):.1f} ms, "
                    f"{time.perf_counter() - started:.0f} s")
    return {"p50_ms": round(common.p50(samples), 2), "p95_ms": round(common.p95(samples), 2),
            "max_ms": round(max(samples), 2), "proofs": count, "tree_size": latest.tree_size, "all_verified": True}


def checkpoints(out, maker: EventMaker) -> dict:
    from unittest import mock

    from oversight.audit import checkpoints as cp
    from oversight.audit.merkle import RootAccumulator
    from oversight.models import Checkpoint

    before = Checkpoint.objects.order_by("-tree_size", "-id").first()
    size = append_batch(maker, APPENDED)
    out.say(f"[audit] {APPENDED} more events (log of {size:,}); checkpoint from the frontier of size "
            f"{before.tree_size:,}, then the same from every leaf")
    started = time.perf_counter()
    incremental = cp.checkpoint_make()
    incremental_s = time.perf_counter() - started
    with mock.patch.object(cp, "_trusted_frontier", RootAccumulator):  # as if no checkpoint had a frontier
        started = time.perf_counter()
        full = cp.checkpoint_make()
        full_s = time.perf_counter() - started
    if (incremental.tree_size, bytes(incremental.root_hash)) != (full.tree_size, bytes(full.root_hash)):
        raise SystemExit("the incremental checkpoint and the full rebuild disagree")
    out.say(f"  incremental {incremental_s * 1000:.0f} ms, full rebuild {full_s:.2f} s (same size and root)")
    return {"incremental_s": round(incremental_s, 3), "full_s": round(full_s, 2), "tree_size": incremental.tree_size,
            "appended": APPENDED}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=lambda s: int(s.replace("_", "").replace(",", "")), default=1_000_000,
                        help="events to append after the seeded ones (default 1,000,000)")
    parser.add_argument("--proofs", type=int, default=50, help="random inclusion proofs to time (default 50)")
    parser.add_argument("--checkpoint-every", type=int, default=100_000, help="sign a checkpoint every so many events")
    parser.add_argument("--db", default=DEFAULT_DB, help="scratch database (bench_...; default bench_audit)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database at the end")
    parser.add_argument("--reuse", action="store_true",
                        help="continue a kept scratch database: append only what is missing up to --n events")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = parser.parse_args(argv)
    out = common.Output(args.json)
    started = time.perf_counter()
    original = setup(args.db, reuse=args.reuse, out=out)
    try:
        result = run(out, args)
    finally:
        if not args.keep:
            drop(original, out)
    result["total_s"] = round(time.perf_counter() - started, 1)
    v, f, p, c = result["verify"], result["floor"], result["proof"], result["checkpoint"]
    rows = [
        ("verify_log()", f"{v['seconds']:.1f} s", f"<= {TARGET_VERIFY_S:.0f} s", v["met"]),
        ("verify_log(witnesses=[1 file])", f"{v['witness_seconds']:.1f} s", f"<= {TARGET_VERIFY_S:.0f} s",
         v["witness_seconds"] <= TARGET_VERIFY_S),
        ("  witness_document() + from_document", f"{v['witness_document_seconds']:.1f} s", "", None),
        ("inclusion_document(seq) p50 / p95", f"{p['p50_ms']:.1f} / {p['p95_ms']:.1f} ms",
         f"p95 <= {TARGET_PROOF_P95_MS:.0f} ms", p["met"]),
        (f"checkpoint_make() after {APPENDED} events", f"{c['incremental_s'] * 1000:.0f} ms",
         f"<= {TARGET_CHECKPOINT_S:.0f} s", c["met"]),
        ("checkpoint_make() full rebuild", f"{c['full_s']:.1f} s", "", None),
        ("floor: SHA-256 of canonical bytes", f"{f['seconds']:.2f} s", "", None),
        ("verify / floor", f"{result['ratio_verify_floor']:.0f}x", "", None),
    ]
    out.say(f"\n[audit] log of {v['entries']:,} events ({result['build']['checkpoints']} checkpoints while building), "
            f"total {result['total_s']:.0f} s")
    width = max(len(r[0]) for r in rows)
    for name, measured, target, met in rows:
        verdict = "" if met is None else ("met" if met else "MISSED")
        out.say(f"  {name:<{width}}  {measured:>16}  {target:<14} {verdict}")
    out.finish(f"RATIOS verify/floor={result['ratio_verify_floor']}x verify={v['seconds']}s "
               f"verify_witness={v['witness_seconds']}s proof_p95={p['p95_ms']}ms "
               f"checkpoint={c['incremental_s']}s full_checkpoint={c['full_s']}s floor={f['seconds']}s", result)
    return 0


def run(out, args) -> dict:
    from oversight.audit.checkpoints import witness_document
    from oversight.audit.verify import Witness
    from oversight.models import AuditEvent

    who = people()
    seeded = AuditEvent.objects.count()
    build_result = {"seconds": 0, "checkpoints": 0, "reused": True}
    if args.reuse and seeded >= args.n:
        out.say(f"[audit] reusing the log of {seeded:,} events")
    else:
        build_result = build(out, args.n - (seeded if args.reuse else 0), args.checkpoint_every, who)
    entries = AuditEvent.objects.count()

    out.say(f"[audit] verify_log() over {entries:,} events")
    verify_s, report = verify(out, "verify")
    started = time.perf_counter()
    witness = Witness.from_document("bench-witness.json", witness_document())
    witness_doc_s = time.perf_counter() - started
    out.say(f"[audit] witness file: {len(witness.checkpoints)} checkpoints, {len(witness.leaves) // 32:,} leaf hashes "
            f"({witness_doc_s:.1f} s); verify_log(witnesses=[it])")
    witness_s, witness_report = verify(out, "verify with witness", [witness])
    floor_result = floor(out)
    proof_result = proofs(out, args.proofs)
    checkpoint_result = checkpoints(out, EventMaker(who, SEED + 2))
    return {
        "n": args.n, "entries": entries, "machine": common.machine(), "build": build_result,
        "verify": {"seconds": round(verify_s, 2), "entries": report.entries,
                   "checkpoints_checked": report.checkpoints_checked, "witness_seconds": round(witness_s, 2),
                   "witness_document_seconds": round(witness_doc_s, 2), "witnessed_size": witness_report.witnessed_size,
                   "target_s": TARGET_VERIFY_S, "met": verify_s <= TARGET_VERIFY_S},
        "proof": {**proof_result, "target_p95_ms": TARGET_PROOF_P95_MS,
                  "met": proof_result["p95_ms"] <= TARGET_PROOF_P95_MS},
        "checkpoint": {**checkpoint_result, "target_s": TARGET_CHECKPOINT_S,
                       "met": checkpoint_result["incremental_s"] <= TARGET_CHECKPOINT_S},
        "floor": floor_result,
        "ratio_verify_floor": round(verify_s / floor_result["seconds"], 1),
    }


if __name__ == "__main__":
    sys.exit(main())
