"""The stack as an operator runs it on several machines: separate processes talking over TCP only.

PostgreSQL (the embedded server's binaries, a scratch data folder, listening on a TCP port) is used through
DATABASE_URL like an external server; Redis is the broker; one worker takes the live queue and another the
reports and maintenance queues; the site runs in gunicorn. A device posts frames and the oversight body
builds a report, both through the HTTP API.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta

import pytest

from matching.face.samples import OTHER_PERSON, SAME_PERSON, sample_photos_dir
from tests.serving.stack import (
    ScratchPostgres, base_env, free_port, multipart, remove, request, scratch_folder, seed, spawn, stop,
    wait_for_http,
)
from tests.workers import _redis_answers

REDIS_URL = "redis://127.0.0.1:6379/14"  # this test's own Redis database

pytestmark = pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture(scope="module")
def stack():
    folder = scratch_folder("stack")
    postgres = ScratchPostgres(folder / "pgdata", free_port())
    postgres.start()
    port = free_port()
    env = base_env(DATABASE_URL=postgres.url, APP_CELERY_BROKER=REDIS_URL, APP_MEDIA_ROOT=str(folder / "media"),
                   APP_DEBUG="0", APP_ALLOWED_HOSTS="127.0.0.1,localhost", APP_WEB_WORKERS="1",
                   APP_WEB_THREADS="4", APP_WEB_BIND=f"127.0.0.1:{port}")
    processes = []
    try:
        postgres.migrate(env)
        seeded = seed(env)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        python = sys.executable
        worker = [python, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
                  "--without-gossip", "--without-mingle"]
        processes = [
            spawn([python, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"], env,
                  folder / "web.log"),
            spawn(worker + ["-Q", "live", "-n", f"live-{port}@%h"], env, folder / "worker-live.log"),
            spawn(worker + ["-Q", "reports,maintenance,celery", "-n", f"reports-{port}@%h"], env,
                  folder / "worker-reports.log"),
        ]
        wait_for_http(f"http://127.0.0.1:{port}/transparency/", timeout=90)
        yield {"url": f"http://127.0.0.1:{port}", "folder": folder, "processes": processes, **seeded}
    finally:
        for process in processes:
            stop(process)
        postgres.stop()
        remove(folder)


def test_a_device_posts_frames_over_http_and_a_report_is_built_by_the_reports_worker(stack):
    photos = sample_photos_dir()
    body, content_type = multipart("frame", [("a.jpg", (photos / SAME_PERSON[1]).read_bytes()),
                                             ("b.jpg", (photos / OTHER_PERSON).read_bytes())])
    status, _, answer = request("POST", f"{stack['url']}/api/live/{stack['deployment']}/frames/",
                                token=stack["device_token"], scheme="Device", data=body, content_type=content_type)
    assert status == 200, answer[:500]
    results = json.loads(answer)["results"]
    assert [(r["status"], r["faces"], len(r["alerts"])) for r in results] == [("processed", 1, 1),
                                                                               ("processed", 1, 0)]

    today = date.today()
    status, _, answer = request(
        "POST", f"{stack['url']}/api/reports/runs/", token=stack["auditor_token"], content_type="application/json",
        data=json.dumps({"forces": [stack["force"]], "period_start": str(today - timedelta(days=30)),
                         "period_end": str(today)}).encode())
    assert status == 202, answer[:500]
    run = json.loads(answer)
    deadline = time.time() + 150
    while not run["finished"] and time.time() < deadline:
        time.sleep(1)
        status, _, answer = request("GET", f"{stack['url']}/api/reports/runs/{run['id']}/",
                                    token=stack["auditor_token"])
        assert status == 200
        run = json.loads(answer)
    assert run["status"] == "done", run
    assert run["summary"]["alerts"] == 1 and run["summary"]["verified"] is True and run["pages"] > 0
    assert all(process.poll() is None for process in stack["processes"])
