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
        yield {"url": f"http://127.0.0.1:{port}", "folder": folder, "processes": processes, "postgres": postgres,
               **seeded}
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


def test_a_device_posting_through_a_two_second_database_outage_gets_only_503s_and_every_frame_counts_once(stack):
    """The database server is stopped for 2 s while a camera posts frames with its own frame ids. Every answer is
    a 200 or a 503 with Retry-After (JSON), never another error; the camera sends a refused frame again with the
    same id; once the server is back, every frame is counted exactly once and raises exactly its alerts."""
    import threading

    import psycopg

    photos = sample_photos_dir()
    match, stranger = (photos / SAME_PERSON[1]).read_bytes(), (photos / OTHER_PERSON).read_bytes()
    postgres: ScratchPostgres = stack["postgres"]
    url = f"{stack['url']}/api/live/{stack['deployment']}/frames/"
    prefix = f"outage-{time.time_ns()}-"

    def counts():
        with psycopg.connect(postgres.url) as connection:
            row = connection.execute(
                """SELECT (SELECT coalesce(sum(faces), 0) FROM matching_facesprocessed WHERE deployment_id = %s),
                          (SELECT count(*) FROM matching_alert WHERE deployment_id = %s),
                          (SELECT count(*) FROM matching_framereceipt WHERE frame_id LIKE %s)""",
                [stack["deployment"], stack["deployment"], prefix + "%"]).fetchone()
        return tuple(int(value) for value in row)

    before = counts()
    outage = {"stopped": threading.Event(), "back": threading.Event()}

    def stop_for_two_seconds():
        outage["stopped"].wait(timeout=60)
        postgres.stop()
        time.sleep(2)
        postgres.start()
        outage["back"].set()

    controller = threading.Thread(target=stop_for_two_seconds)
    controller.start()
    statuses, refused, frames, sent = [], 0, 24, 0
    try:
        for i in range(frames):
            if i == 3:
                outage["stopped"].set()  # the server goes down while frames keep coming
            body, content_type = multipart("frame", [(f"{i}.jpg", match if i % 3 == 0 else stranger)])
            body = body.replace(b"------frgov-test-boundary--\r\n",
                                b"------frgov-test-boundary\r\nContent-Disposition: form-data; name=\"frame_id\"\r\n\r\n"
                                + f"{prefix}{i}".encode() + b"\r\n------frgov-test-boundary--\r\n")
            deadline = time.monotonic() + 60
            while True:
                status, headers, answer = request("POST", url, token=stack["device_token"], scheme="Device",
                                                  data=body, content_type=content_type)
                sent += 1
                statuses.append(status)
                if status == 200:
                    break
                assert status == 503, (status, answer[:300])
                assert int(headers["Retry-After"]) > 0 and json.loads(answer)["detail"]
                refused += 1
                assert time.monotonic() < deadline, "the site did not recover within 60 s of the outage"
                time.sleep(0.25)  # a test camera does not wait the full Retry-After
    finally:
        outage["stopped"].set()
        controller.join(timeout=90)
    assert outage["back"].is_set()
    assert set(statuses) <= {200, 503} and refused > 0, "the camera never met the outage"
    faces, alerts, receipts = counts()
    expected_alerts = len([i for i in range(frames) if i % 3 == 0])
    assert (faces - before[0], alerts - before[1], receipts - before[2]) == (frames, expected_alerts, frames), (
        f"{refused} refusals of {sent} requests")
    assert all(process.poll() is None for process in stack["processes"])
