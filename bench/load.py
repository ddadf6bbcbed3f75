"""Load on the production process set: cameras posting frames, public readers, and both together.

    .venv/bin/python bench/load.py [--seconds 20] [--json]

Starts `manage.py serve` (gunicorn for the site, the camera and operator pool on its own port, Celery
workers and beat) on a scratch PostgreSQL of its own (the embedded server's binaries, a temporary data
folder, over TCP; never the project's `.pgdata/`), seeded with an active LFR deployment whose watchlist
holds one sample photo and a device. Then, each phase `--seconds` long:

- 1, 4 and 8 devices, each posting one frame at a time to the camera pool (frames alternate a photo of
  the watchlisted man, which alerts, and a photo of another man, which does not);
- 20 public readers alone, each fetching the public pages in turn as a browser revalidating its copy
  (If-None-Match with the ETag it was last given), without pause, from a process that runs only on idle cores (the
  load generator shares the server's two cores; real readers are elsewhere);
- 4 devices and the 20 readers together.

It prints faces/s, p50/p95 frame-to-alert latency (the request that raises the alert), public requests/s
and errors, and the ratios: 4-device ingest with readers ÷ alone (target ≥ 0.9), and 1-device ingest
through the server ÷ the bare pipeline on the same frames in this process (target ≥ 0.8), measured in
alternating slices of 3 s each way for `--seconds` each (the 1-device phase ÷ a bare phase measured minutes
later is printed beside it: the machine's speed drifts between them).
Last line: RATIOS; with --json one JSON document on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serving.stack import (  # noqa: E402
    ScratchPostgres, base_env, free_port, multipart, remove, scratch_folder, seed, stop, wait_for_http,
)

READER_PAGES = ["/transparency/", "/legal-bases/", "/transparency/reports/", "/transparency/notices/",
                "/transparency/open-data/"]
READERS = 20
TARGET_READERS = 0.9
TARGET_BARE = 0.8


def say(json_mode: bool, *parts) -> None:
    print(*parts, file=sys.stderr if json_mode else sys.stdout, flush=True)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Phase:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faces = 0
        self.frames = 0
        self.alert_ms: list[float] = []
        self.frame_ms: list[float] = []
        self.device_errors = 0
        self.reads = 0
        self.read_304 = 0
        self.read_errors = 0
        self.read_ms: list[float] = []


def device_loop(url: str, token: str, frames: list[bytes], phase: Phase, stop_at: float, offset: int) -> None:
    i = offset
    while time.monotonic() < stop_at:
        body, content_type = multipart("frame", [(f"f{i}.jpg", frames[i % len(frames)])])
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Authorization", f"Device {token}")
        request.add_header("Content-Type", content_type)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                result = json.loads(response.read())["results"][0]
            ms = (time.perf_counter() - started) * 1000
            with phase.lock:
                phase.frames += 1
                phase.faces += result["faces"]
                phase.frame_ms.append(ms)
                if result["alerts"]:
                    phase.alert_ms.append(ms)
        except (OSError, ValueError, KeyError):
            with phase.lock:
                phase.device_errors += 1
        i += 1


def reader_loop(base: str, phase: Phase, stop_at: float, offset: int) -> None:
    etags: dict[str, str] = {}
    i = offset
    while time.monotonic() < stop_at:
        path = READER_PAGES[i % len(READER_PAGES)]
        request = urllib.request.Request(base + path)
        if path in etags:
            request.add_header("If-None-Match", etags[path])
        started = time.perf_counter()
        status = 0
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                status = response.status
                if response.headers.get("ETag"):
                    etags[path] = response.headers["ETag"]
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = -1
        ms = (time.perf_counter() - started) * 1000
        with phase.lock:
            if status in (200, 304):
                phase.reads += 1
                phase.read_304 += status == 304
                phase.read_ms.append(ms)
            else:
                phase.read_errors += 1
        i += 1


def readers_only(web_url: str, readers: int, seconds: float) -> None:
    """The readers' side of a phase, in a process of its own (see run_phase); prints its counts as JSON."""
    from config.priority import lower_priority

    lower_priority(19)  # the lowest: real readers are on other machines
    if hasattr(os, "sched_setscheduler"):  # and only when the server leaves a core idle (Linux's SCHED_IDLE)
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    phase = Phase()
    print("ready", flush=True)
    sys.stdin.readline()  # "go": the devices start at the same moment
    started = time.monotonic()
    stop_at = started + seconds
    threads = [threading.Thread(target=reader_loop, args=(web_url, phase, stop_at, k)) for k in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"reads": phase.reads, "read_304": phase.read_304, "read_errors": phase.read_errors,
                      "read_ms": phase.read_ms, "seconds": time.monotonic() - started}))


def run_phase(*, devices: int, readers: int, seconds: float, live_url: str, web_url: str, token: str,
              frames: list[bytes]) -> dict:
    """Devices are threads of this process; readers run in a low-priority process of their own, so that the
    load generator's own 20 threads on the same two cores stand for readers elsewhere, not for the server."""
    phase = Phase()
    reading = None
    if readers:
        # A session of its own: its lower priority is its session's, not the devices' (see config/priority.py).
        reading = subprocess.Popen([sys.executable, __file__, "--readers-only", web_url, str(readers), str(seconds)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert reading.stdout.readline().strip() == "ready"
        reading.stdin.write("go\n")
        reading.stdin.flush()
    started = time.monotonic()
    stop_at = started + seconds
    threads = [threading.Thread(target=device_loop, args=(live_url, token, frames, phase, stop_at, k))
               for k in range(devices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    read_elapsed = elapsed
    if reading is not None:
        counts = json.loads(reading.communicate(timeout=seconds + 120)[0].strip().splitlines()[-1])
        phase.reads, phase.read_304, phase.read_errors = counts["reads"], counts["read_304"], counts["read_errors"]
        phase.read_ms, read_elapsed = counts["read_ms"], counts["seconds"]
    return {
        "devices": devices, "readers": readers, "seconds": round(elapsed if devices else read_elapsed, 1),
        "faces_per_s": round(phase.faces / elapsed, 2) if devices else None,
        "frames": phase.frames, "device_errors": phase.device_errors,
        "alert_p50_ms": pct(phase.alert_ms, 0.5) and round(pct(phase.alert_ms, 0.5)),
        "alert_p95_ms": pct(phase.alert_ms, 0.95) and round(pct(phase.alert_ms, 0.95)),
        "public_req_per_s": round(phase.reads / read_elapsed, 1) if readers else None,
        "public_304_share": round(phase.read_304 / phase.reads, 3) if phase.reads else None,
        "public_p95_ms": pct(phase.read_ms, 0.95) and round(pct(phase.read_ms, 0.95)),
        "public_errors": phase.read_errors,
    }


def bare_pipeline(frames: list[bytes]):
    """The face pipeline in this process, warmed up on the frames."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from matching.services import engine

    pipeline = engine.pipeline()
    for data in frames:
        list(pipeline.faces(pipeline.decode(data)))
    return pipeline


def bare_run(pipeline, frames: list[bytes], seconds: float) -> tuple[int, float]:
    """The bare pipeline on the same frames, one request's worth at a time, for `seconds`: (faces, seconds)."""
    faces, started, i = 0, time.monotonic(), 0
    while time.monotonic() - started < seconds:
        faces += len(list(pipeline.faces(pipeline.decode(frames[i % len(frames)]))))
        i += 1
    return faces, time.monotonic() - started


def bare_faces_per_s(frames: list[bytes], seconds: float) -> float:
    faces, elapsed = bare_run(bare_pipeline(frames), frames, seconds)
    return faces / elapsed


def one_device_beside_bare(*, seconds: float, slice_s: float = 3.0, **common) -> dict:
    """1 device through the server and the bare pipeline in this process, in alternating slices of a few seconds
    (the server idle during the bare slices), so that both see the machine at the same speed: on these machines
    the speed drifts by tens of percent within minutes, and two phases measured minutes apart compare the drift."""
    frames = common["frames"]
    pipeline = bare_pipeline(frames)
    served_faces = served_s = bare_faces = bare_s = 0.0
    slices = 0
    while served_s < seconds or bare_s < seconds:
        phase = run_phase(devices=1, readers=0, **{**common, "seconds": slice_s})
        served_faces, served_s = served_faces + phase["faces_per_s"] * phase["seconds"], served_s + phase["seconds"]
        faces, elapsed = bare_run(pipeline, frames, slice_s)
        bare_faces, bare_s = bare_faces + faces, bare_s + elapsed
        slices += 1
    return {"slices": slices, "seconds_each": round(served_s, 1), "served_faces_per_s": round(served_faces / served_s, 2),
            "bare_faces_per_s": round(bare_faces / bare_s, 2),
            "ratio": round((served_faces / served_s) / (bare_faces / bare_s), 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.add_argument("--readers-only", nargs=3, metavar=("URL", "READERS", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.readers_only:
        readers_only(args.readers_only[0], int(args.readers_only[1]), float(args.readers_only[2]))
        return 0
    out = args.json

    from matching.face.samples import OTHER_PERSON, SAME_PERSON, sample_photos_dir
    from tests.workers import _redis_answers

    photos = sample_photos_dir()
    frames = [(photos / SAME_PERSON[1]).read_bytes(), (photos / OTHER_PERSON).read_bytes()]
    folder = scratch_folder("load")
    postgres = ScratchPostgres(folder / "pgdata", free_port())
    serve = None
    try:
        say(out, f"scratch PostgreSQL on 127.0.0.1:{postgres.port} in {folder}")
        postgres.start()
        web_port, live_port = free_port(), free_port()
        env = base_env(DATABASE_URL=postgres.url, APP_MEDIA_ROOT=str(folder / "media"), APP_DEBUG="0",
                       APP_ALLOWED_HOSTS="127.0.0.1,localhost", APP_API_DEVICE_RATE="100000/minute",
                       APP_API_ANON_RATE="100000/minute", PYTHONUNBUFFERED="1")
        if _redis_answers():
            env["APP_CELERY_BROKER"] = "redis://127.0.0.1:6379/12"
        postgres.migrate(env)
        seeded = seed(env)
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{web_port}", "--live-address",
             f"127.0.0.1:{live_port}", "--no-collectstatic"], cwd=ROOT, env=env,
            stdout=(folder / "serve.log").open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        web_url, live_base = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{live_port}"
        wait_for_http(web_url + "/transparency/", timeout=120)
        wait_for_http(live_base + "/transparency/", timeout=120)
        live_url = f"{live_base}/api/live/{seeded['deployment']}/frames/"
        common = dict(seconds=args.seconds, live_url=live_url, web_url=web_url, token=seeded["device_token"],
                      frames=frames)
        run_phase(devices=1, readers=2, **{**common, "seconds": 5})  # warm both pools up
        phases = {}
        for name, devices, readers in [("devices_1", 1, 0), ("devices_4", 4, 0), ("devices_8", 8, 0),
                                       ("readers_20", 0, READERS), ("devices_4_with_readers_20", 4, READERS)]:
            phases[name] = run_phase(devices=devices, readers=readers, **common)
            say(out, f"{name:28} {json.dumps(phases[name])}")
        bare = bare_faces_per_s(frames, min(args.seconds, 15))
        say(out, f"bare pipeline in this process: {bare:.2f} faces/s")
        beside = one_device_beside_bare(**common)
        say(out, f"1 device and bare in alternating slices: {json.dumps(beside)}")
    finally:
        if serve is not None:
            serve.send_signal(2)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                stop(serve)
        postgres.stop()
        remove(folder)
    with_readers = phases["devices_4_with_readers_20"]["faces_per_s"] / phases["devices_4"]["faces_per_s"]
    apart = phases["devices_1"]["faces_per_s"] / bare
    through_server = beside["ratio"]
    document = {"machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", "phases": phases,
                "bare_faces_per_s": round(bare, 2), "ingest_with_readers_over_alone": round(with_readers, 3),
                "one_device_over_bare": through_server, "one_device_beside_bare": beside,
                "one_device_phase_over_bare_phase": round(apart, 3)}
    line = (f"RATIOS ingest with 20 readers / alone (4 devices) {with_readers:.3f} (target >= {TARGET_READERS}); "
            f"1 device through the server / bare, alternating {through_server:.3f} (target >= {TARGET_BARE}; "
            f"the phases measured apart: {apart:.3f})")
    if out:
        print(line, file=sys.stderr)
        print(json.dumps(document, indent=2))
    else:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
