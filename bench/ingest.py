"""Faces per second through the live service (`matching.services.live.frames_ingest`) against the bare pipeline.

    .venv/bin/python bench/ingest.py [--seconds 60] [--watchlist 1002] [--json]

Frames: the real sample photos (obama.jpg, obama2.jpg, obama3.jpg, biden.jpg) and frames composed from
them (two side by side, four in a 2x2 grid), as JPEG bytes. The live service runs against an ACTIVE LFR
deployment with a current authorisation (built with tests/deployments/factories.py when present, else with
bulk rows) whose watchlist holds obama.jpg and biden.jpg, enrolled from the photos, plus 1,000 synthetic
templates (`--watchlist N`: N templates in all, e.g. 10,000 for a realistic watchlist); so every face is searched
and every face raises an alert (the worst case). Before timing, the live search's answers are checked against
numpy brute force over the same templates (recall: the share of probes answered exactly as brute force does).
The reference is the bare onnxruntime pipeline on the same frames: `pipeline.decode` + `pipeline.faces`
(detect, align, embed).
Rounds alternate API and bare passes; a breakdown of the API's extra time follows, then the same with the
threshold raised so that no face alerts (the usual case in a live deployment).
Last line: RATIOS; with --json {faces_per_s_api, faces_per_s_bare, ratio, ratio_no_alerts, recall, watchlist,
load_average, ...} on stdout.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench import _common as common  # noqa: E402
from bench.synthetic import clustered_templates, probes_of  # noqa: E402

SEED = 20261103
SYNTHETIC_ENTRIES = 1_000  # with the two enrolled photos, a watchlist of 1,002 (--watchlist changes it)
THRESHOLD = 0.94  # as the live tests: photos of one person score 0.95-0.97 with this model, others 0.82-0.85
TARGET_RATIO = 0.8
ENROLLED = ("obama.jpg", "biden.jpg")
INGEST_DB = "bench_frgov_ingest"


def frames_from_samples() -> tuple[list[bytes], list[str]]:
    from PIL import Image

    from matching.face.samples import sample_photos_dir

    folder = sample_photos_dir()
    names = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]
    raw = {name: (folder / name).read_bytes() for name in names}
    images = {name: Image.open(io.BytesIO(data)).convert("RGB") for name, data in raw.items()}

    def jpeg(image) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        return buffer.getvalue()

    def side_by_side(a: str, b: str, height: int = 720) -> bytes:
        parts = [images[x].resize((round(images[x].width * height / images[x].height), height)) for x in (a, b)]
        canvas = Image.new("RGB", (sum(p.width for p in parts), height), (40, 40, 40))
        canvas.paste(parts[0], (0, 0))
        canvas.paste(parts[1], (parts[0].width, 0))
        return jpeg(canvas)

    def grid(cell=(640, 720)) -> bytes:
        canvas = Image.new("RGB", (2 * cell[0], 2 * cell[1]), (40, 40, 40))
        for k, name in enumerate(names):
            image = images[name].copy()
            image.thumbnail(cell)
            x, y = (k % 2) * cell[0] + (cell[0] - image.width) // 2, (k // 2) * cell[1] + (cell[1] - image.height) // 2
            canvas.paste(image, (x, y))
        return jpeg(canvas)

    frames = [raw[name] for name in names] + [side_by_side("obama.jpg", "biden.jpg"),
                                              side_by_side("obama2.jpg", "obama3.jpg"), grid()]
    labels = names + ["obama+biden", "obama2+obama3", "grid of 4"]
    return frames, labels


def _personas():
    """The test personas, made once in the scratch database and found again on later runs."""
    from oversight.models import Force, User
    from tests.conftest import make_personas

    force = Force.objects.filter(code="south-mercia").first()
    if force is None:
        personas = make_personas()
        return personas.force_a, personas.operator_a, personas.approver_a
    return force, User.objects.get(username="olu.operator"), User.objects.get(username="sam.super")


def deployment_with_factory(out, photos: dict[str, bytes]):
    from tests.deployments.factories import lfr_deployment

    from matching.services import enrolment

    force, operator, approver = _personas()
    deployment = lfr_deployment(force=force, operator=operator, approver=approver, stage="active",
                                images=[photos[name] for name in ENROLLED], starts_in=timedelta(minutes=-1),
                                hours=6, algorithm="dlib-resnet-v1", threshold=THRESHOLD,
                                title=f"Benchmark ingest {time.strftime('%Y-%m-%d %H:%M:%S')}")
    report = enrolment.watchlist_enrol(actor=operator, deployment=deployment)
    if report.rejected:
        raise RuntimeError(f"enrolment refused: {report.rejected}")
    out.say(f"  deployment {deployment.pk} built with tests/deployments/factories.lfr_deployment (stage active), "
            f"{len(report.enrolled)} sample photos enrolled")
    return deployment, operator


def deployment_with_bulk(out, photos: dict[str, bytes]):
    """Fallback: minimal rows (active deployment, 'authorised' Authorisation, entries) and the real templates."""
    from django.core.files.base import ContentFile

    from deployments.models import WatchlistEntry
    from matching.services import engine
    from matching.models import WatchlistTemplate

    force = common.bench_force()
    user = common.bench_user(force)
    deployment = common.bench_deployment(force=force, user=user, title="Benchmark ingest (bulk rows)",
                                         threshold=THRESHOLD, authorised=True, hours_after=6)
    pipeline, model = engine.pipeline(), engine.face_model_current()
    entry_ids = common.add_entries(deployment, len(ENROLLED), user=user, prefix="REAL")
    for entry_id, name in zip(entry_ids, ENROLLED):
        entry = WatchlistEntry.objects.get(pk=entry_id)
        entry.image.save("face.jpg", ContentFile(photos[name]), save=True)
        enrolled = pipeline.enrol(pipeline.decode(photos[name]))
        WatchlistTemplate.objects.create(entry=entry, deployment=deployment, face_model=model,
                                         embedding=enrolled.embedding, quality={})
    out.say(f"  deployment {deployment.pk} built from bulk rows (factory unavailable), sample photos enrolled")
    return deployment, user


def set_up(out, photos: dict[str, bytes], *, bulk: bool = False, synthetic: int = SYNTHETIC_ENTRIES):
    """The benchmark deployment: reused while it is active with time left in its window, else built anew."""
    from django.utils import timezone

    from deployments.models import Deployment
    from deployments.selectors import authorisation_current
    from matching.services import engine
    from matching.models import Device, WatchlistTemplate

    key = "ingest:deployment" + (":bulk" if bulk else "") + (f":{synthetic}" if synthetic != SYNTHETIC_ENTRIES else "")
    stored = common.meta_get(key)
    if stored:
        deployment = Deployment.objects.filter(pk=int(stored)).first()
        now = timezone.now()
        if (deployment is not None and authorisation_current(deployment=deployment) is not None
                and deployment.starts_at <= now and deployment.ends_at >= now + timedelta(minutes=15)
                and WatchlistTemplate.objects.filter(deployment=deployment).count() == synthetic + len(ENROLLED)):
            device = Device.objects.filter(deployment=deployment, revoked_at__isnull=True).first()
            if device is not None:
                out.say(f"  reusing deployment {deployment.pk} (active until {deployment.ends_at:%H:%M})")
                return deployment, device.created_by
    try:
        if bulk:
            raise RuntimeError("--bulk given")
        deployment, operator = deployment_with_factory(out, photos)
    except Exception as exc:  # the factory is being written by another engineer: fall back to bulk rows
        out.say(f"  factory unavailable ({type(exc).__name__}: {str(exc)[:160]}); using bulk rows")
        deployment, operator = deployment_with_bulk(out, photos)
    templates, _ = clustered_templates(synthetic, seed=SEED)
    entry_ids = common.add_entries(deployment, synthetic, user=operator, prefix="SYN")
    common.add_templates(deployment, entry_ids, templates, face_model=engine.face_model_current())
    common.analyze("deployments_watchlistentry", "matching_watchlisttemplate")
    device_for(deployment, operator)
    common.meta_set(key, str(deployment.pk))
    return deployment, operator


def device_for(deployment, operator):
    from matching.services import live
    from matching.models import Device

    existing = Device.objects.filter(deployment=deployment, revoked_at__isnull=True).first()
    if existing is not None:
        # as device_for_token() returns it (the API looks the device up by its token's hash)
        return Device.objects.select_related("deployment__force", "deployment__algorithm_version").get(pk=existing.pk)

    try:
        _, token = live.device_create(actor=operator, deployment=deployment, name="Benchmark camera 1")
        return live.device_for_token(token)
    except Exception:  # the bulk fallback's user may lack the permission: a plain row will do
        import hashlib
        import secrets

        token = secrets.token_urlsafe(32)
        Device.objects.create(deployment=deployment, name="Benchmark camera 1", created_by=operator,
                              token_sha256=hashlib.sha256(token.encode()).hexdigest())
        return live.device_for_token(token)


def other_entries(out, count: int) -> None:
    """Another deployment's watchlist (entries and templates): rows this deployment's search never needs."""
    from deployments.models import WatchlistEntry

    key = "ingest:other-watchlist"
    if common.meta_get(key) != str(count):
        force = common.bench_force()
        user = common.bench_user(force)
        deployment = common.bench_deployment(force=force, user=user, title=f"Benchmark other watchlist ({count})")
        entry_ids = common.add_entries(deployment, count, user=user, prefix="OTHER")
        templates, _ = clustered_templates(count, seed=SEED + 1)
        common.add_templates(deployment, entry_ids, templates, face_model=common.bench_face_model())
        common.analyze("deployments_watchlistentry", "matching_watchlisttemplate")
        common.meta_set(key, str(count))
    out.say(f"  the entries table holds {WatchlistEntry.objects.count():,} rows "
            f"({count:,} of another deployment's watchlist, with templates)")


def recall_check(out, deployment, faces: list[np.ndarray], synthetic_probes: int = 200) -> float:
    """Share of probes whose answer from the live search equals numpy brute force over the same templates:
    the frames' faces and new photos of synthetic people, for the best entry (`watchlist_best`) and for every
    entry at or above the threshold (`watchlist_alerting`, what the live service raises alerts from)."""
    from matching import search
    from matching.models import WatchlistTemplate

    rows = list(WatchlistTemplate.objects.filter(deployment=deployment).values_list("entry_id", "embedding"))
    entry_ids = np.array([entry for entry, _ in rows])
    matrix = np.stack([np.asarray(vector, dtype=np.float32) for _, vector in rows])
    templates, owners = clustered_templates(len(rows) - len(ENROLLED), seed=SEED)
    probes = np.vstack([np.stack(faces), probes_of(templates, owners, synthetic_probes, seed=SEED + 7)])
    scores = probes.astype(np.float64) @ matrix.T.astype(np.float64)
    threshold = deployment.threshold
    agree = 0
    best = search.watchlist_best(deployment.pk, probes)
    alerting = getattr(search, "watchlist_alerting", None)
    above = alerting(deployment.pk, probes, threshold=threshold) if alerting else best
    for k in range(len(probes)):
        expected = int(entry_ids[int(np.argmax(scores[k]))])
        expected_above = expected if scores[k].max() >= threshold else None
        got_above = above[k].object_id if above[k] is not None and above[k].similarity >= threshold else None
        agree += best[k] is not None and best[k].object_id == expected and got_above == expected_above
    recall = agree / len(probes)
    out.say(f"  recall against numpy brute force over the {len(rows):,} templates: {recall:.4f} "
            f"({len(probes)} probes: {len(faces)} faces of the frames, {synthetic_probes} new photos of "
            f"watchlisted synthetic people; {int((scores.max(axis=1) >= threshold).sum())} at or above "
            f"the threshold)")
    return recall


def _server_cpu_s() -> float:
    """Processor time used so far by the database server process serving this connection (same machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_pass(function, passes: int) -> tuple[float, float, float]:
    """(this process's processor ms, its database server process's processor ms, wall ms) per call of `function`."""
    server, own, wall = _server_cpu_s(), time.process_time(), time.perf_counter()
    for _ in range(passes):
        function()
    return ((time.process_time() - own) * 1000 / passes, (_server_cpu_s() - server) * 1000 / passes,
            (time.perf_counter() - wall) * 1000 / passes)


class Breakdown:
    """Wall time spent in named functions of the live service, by wrapping them in this process only."""

    def __init__(self) -> None:
        self.ms = defaultdict(float)
        self.calls = defaultdict(int)

    @contextmanager
    def wrapped(self, targets: list[tuple[object, str, str]]):
        saved = []
        for owner, attribute, label in targets:
            if not hasattr(owner, attribute):  # another version of the service: time what it has
                continue
            original = getattr(owner, attribute)
            saved.append((owner, attribute, original))

            def wrapper(*args, __original=original, __label=label, **kwargs):
                start = time.perf_counter()
                try:
                    return __original(*args, **kwargs)
                finally:
                    self.ms[__label] += (time.perf_counter() - start) * 1000
                    self.calls[__label] += 1

            setattr(owner, attribute, wrapper)
        try:
            yield self
        finally:
            for owner, attribute, original in saved:
                setattr(owner, attribute, original)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="time budget of the alternating rounds")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.add_argument("--bulk", action="store_true",
                        help="build the deployment from bulk rows even when the test factory is available")
    parser.add_argument("--watchlist", type=int, default=SYNTHETIC_ENTRIES + len(ENROLLED),
                        help="templates on the deployment's watchlist: the enrolled photos and synthetic clustered "
                             f"ones (default {SYNTHETIC_ENTRIES + len(ENROLLED):,})")
    parser.add_argument("--other-entries", type=int, default=0,
                        help="also hold another deployment's watchlist of this many entries and templates (the "
                             "platform's other watchlists), in a scratch database of its own (bench_frgov_ingest_others)")
    args = parser.parse_args(argv)
    if args.watchlist < len(ENROLLED) + 1:
        parser.error(f"--watchlist must be at least {len(ENROLLED) + 1}")
    synthetic = args.watchlist - len(ENROLLED)
    # Its own scratch database: the exact search joins the entries table of every deployment, so the
    # 111k entries of watchlist_search.py would slow this benchmark down (see the README).
    out = common.start("ingest", args.json, db_name=INGEST_DB + ("_others" if args.other_entries else ""))
    from matching.services import engine

    engine.face_model_register()  # as set-up does: the matcher runs only a registered model
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage
    from django.db.backends.postgresql.base import DatabaseWrapper
    from django.db.models.query import QuerySet
    from django.utils import timezone

    from deployments.models import Deployment
    from matching.services import engine, live
    from matching.face.samples import sample_photos_dir

    folder = sample_photos_dir()
    photos = {name: (folder / name).read_bytes() for name in ENROLLED}
    frames, labels = frames_from_samples()
    pipeline = engine.pipeline()
    with common.stage(out, "deployment, watchlist and device ready"):
        deployment, operator = set_up(out, photos, bulk=args.bulk, synthetic=synthetic)
        device = device_for(deployment, operator)
    if args.other_entries:
        other_entries(out, args.other_entries)
    live.matching_check(device.deployment, at=timezone.now())  # raises if the rulebook refuses matching now

    def bare() -> int:
        faces = 0
        for data in frames:
            faces += len(pipeline.faces(pipeline.decode(data)))
        return faces

    def api(batch: list[bytes] = frames) -> int:
        return sum(r.faces for r in live.frames_ingest(device=device, frames=batch))

    per_frame = [len(pipeline.faces(pipeline.decode(data))) for data in frames]
    out.say("  frames: " + ", ".join(f"{label} ({len(data) // 1024} kB, {k} face{'s' * (k != 1)})"
                                    for label, data, k in zip(labels, frames, per_frame)))
    first = live.frames_ingest(device=device, frames=frames)
    alerts_per_pass = sum(len(r.alerts) for r in first)
    out.say(f"  one API pass: {sum(r.faces for r in first)} faces, {alerts_per_pass} alerts "
            f"(watchlist {synthetic + len(ENROLLED):,} templates, threshold {deployment.threshold})")
    recall = recall_check(out, deployment, [e for data in frames for _, _, e in pipeline.faces(pipeline.decode(data))])

    def rounds(budget: float, api_call) -> tuple[float, float, int, int]:
        api_s = bare_s = 0.0
        api_faces = bare_faces = 0
        started, k = time.perf_counter(), 0
        while k < 4 or time.perf_counter() - started < budget:
            order = (("api", api_call), ("bare", bare)) if k % 2 == 0 else (("bare", bare), ("api", api_call))
            for name, function in order:
                t0 = time.perf_counter()
                faces = function()
                elapsed = time.perf_counter() - t0
                if name == "api":
                    api_s, api_faces = api_s + elapsed, api_faces + faces
                else:
                    bare_s, bare_faces = bare_s + elapsed, bare_faces + faces
            k += 1
        return api_faces / api_s, bare_faces / bare_s, k, api_faces

    out.say(f"\nAll {len(frames)} frames per request (every face alerts), rounds alternating API and bare:")
    api_fps, bare_fps, k, faces = rounds(args.seconds * 0.5, api)
    ratio = api_fps / bare_fps
    out.say(f"  {k} rounds, {faces} faces each way: API {api_fps:.2f} faces/s, bare {bare_fps:.2f} faces/s, "
            f"ratio {ratio:.3f}")

    breakdown = Breakdown()
    targets = [(live, "matching_check", "matching_check (the rulebook's matching stage)"),
               (live, "_stage_version", "_stage_version (version of what the stage reads)"),
               (live, "_frame_record", "_frame_record (row lock, claim, count: one statement)"),
               (pipeline, "decode", "decode (as bare)"), (pipeline, "faces", "detect+align+embed (as bare)"),
               (live, "_crop_jpeg", "_crop_jpeg (JPEG crop of each alerting face)"),
               (live, "watchlist_alerting", "watchlist_alerting (exact search)"),
               (live, "_alerts_raise", "_alerts_raise (a frame's alerts and their audit entries)"),
               (live, "_count_while_active", "_count_while_active (row lock, check and count)"),
               (live, "watchlist_best", "watchlist_best (exact search)"),
               (live, "audit_record", "audit_record (per alert)"),
               (live, "audit_records", "audit_records (a frame's audit entries, one append)"),
               (QuerySet, "bulk_create", "QuerySet.bulk_create (a frame's alert rows)"),
               (FileSystemStorage, "_save", "storage._save (crop files written)"),
               (DatabaseWrapper, "commit", "commit (waits for the disk)"),
               (live, "_match_item", "_match_item (search + alerts + count, total)"),
               (engine, "face_model_current", "engine.face_model_current (all calls)")]
    passes = 5
    faces_found_at = []  # when each frame's face work ended
    frame_faces = live._frame_faces

    def frame_faces_timed(*args, **kwargs):
        try:
            return frame_faces(*args, **kwargs)
        finally:
            faces_found_at.append(time.perf_counter())

    tails = []
    live._frame_faces = frame_faces_timed
    try:
        with breakdown.wrapped(targets):
            t0 = time.perf_counter()
            for _ in range(passes):
                api()
                tails.append((time.perf_counter() - faces_found_at[-1]) * 1000)
            total_ms = (time.perf_counter() - t0) * 1000
    finally:
        live._frame_faces = frame_faces
    out.say(f"  where the API's time goes ({passes} passes, {total_ms / passes:.0f} ms a pass):")
    for label, ms in sorted(breakdown.ms.items(), key=lambda item: -item[1]):
        out.say(f"    {label:<55} {ms / passes:8.1f} ms a pass  ({breakdown.calls[label] // passes} calls)")
    out.say(f"    after the last frame's faces were found (the database work nothing overlaps): "
            f"{np.median(tails):.1f} ms a pass")
    api_cpu, bare_cpu = cpu_per_pass(api, passes), cpu_per_pass(bare, passes)
    out.say("  processor time a pass (this process's threads + its database server process), API vs bare: "
            f"{api_cpu[0]:.0f} + {api_cpu[1]:.0f} ms vs {bare_cpu[0]:.0f} + {bare_cpu[1]:.0f} ms "
            f"(wall {api_cpu[2]:.0f} vs {bare_cpu[2]:.0f} ms)")

    # The usual case: nobody on the watchlist walks past. Same search, no alert (threshold out of reach).
    Deployment.objects.filter(pk=deployment.pk).update(threshold=1.01)  # scratch row: out of reach
    device.deployment.refresh_from_db()
    quiet = live.frames_ingest(device=device, frames=frames)
    out.say(f"\nSame frames, threshold above 1 (no alert: {sum(len(r.alerts) for r in quiet)} alerts a pass):")
    quiet_api, quiet_bare, k2, faces2 = rounds(args.seconds * 0.3, api)
    out.say(f"  {k2} rounds: API {quiet_api:.2f} faces/s, bare {quiet_bare:.2f} faces/s, ratio {quiet_api / quiet_bare:.3f}")

    single_frames = lambda: sum(api([data]) for data in frames)  # noqa: E731  one frame per request
    single_api, single_bare, k3, _ = rounds(args.seconds * 0.2, single_frames)
    out.say(f"  one frame per request (no alert): API {single_api:.2f} faces/s, bare {single_bare:.2f} faces/s, "
            f"ratio {single_api / single_bare:.3f}")
    Deployment.objects.filter(pk=deployment.pk).update(threshold=THRESHOLD)

    met = ratio >= TARGET_RATIO
    out.say(f"target (API >= {TARGET_RATIO} x bare, every face alerting): {'met' if met else 'missed'}; "
            f"without alerts: {'met' if quiet_api / quiet_bare >= TARGET_RATIO else 'missed'}")
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    document = {
        "faces_per_s_api": round(api_fps, 2), "faces_per_s_bare": round(bare_fps, 2), "ratio": round(ratio, 3),
        "watchlist": synthetic + len(ENROLLED), "recall": recall, "load_average": list(os.getloadavg()),
        "faces_per_pass": sum(per_frame), "frames_per_pass": len(frames), "alerts_per_pass": alerts_per_pass,
        "faces_per_s_api_no_alerts": round(quiet_api, 2), "faces_per_s_bare_no_alerts_run": round(quiet_bare, 2),
        "ratio_no_alerts": round(quiet_api / quiet_bare, 3),
        "ratio_one_frame_per_request_no_alerts": round(single_api / single_bare, 3),
        "breakdown_ms_per_pass": {label: round(ms / passes, 1) for label, ms in breakdown.ms.items()},
    }
    out.finish(f"RATIOS (API faces/s / bare faces/s) alerting={ratio:.3f} no_alerts={quiet_api / quiet_bare:.3f} "
               f"one_frame_per_request={single_api / single_bare:.3f}", document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
