"""Faults: a video feed survives the death of its worker, a stalled feed is failed with its reason, a file
that is no video fails, and `manage.py db stop` holds until `db start`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from celery import Celery
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from config import embedded_db
from matching.services import feeds
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, Device, FacesProcessed, VideoFeed
from oversight.models import AuditEvent
from oversight.demo.story import feed_video
from tests.matching.conftest import make_live
from tests.serving.stack import remove, scratch_folder
from tests.workers import ROOT, _database_url, _redis_answers, committed_db  # noqa: F401  (fixture)

# Its own Redis database and queue: other test runs on this machine use their own.
REDIS_URL = "redis://127.0.0.1:6379/13"


def _feed(live, photos, tmp_path, pattern: list[str]) -> VideoFeed:
    video = feed_video([photos[name] for name in pattern], tmp_path / "feed.avi")
    device = Device.objects.get(deployment=live.deployment)
    feed = VideoFeed(deployment=live.deployment, device=device, started_by=live.operator)
    feed.file.save("feed.avi", ContentFile(video.read_bytes()), save=False)
    feed.save()
    return feed


def _counted(live) -> tuple[int, int]:
    faces = sum(row.faces for row in FacesProcessed.objects.filter(deployment=live.deployment))
    return faces, Alert.objects.filter(deployment=live.deployment).count()


CLEAN = [SAME_PERSON[1], OTHER_PERSON, SAME_PERSON[2]]  # one face each; two of them alert


def test_a_text_file_played_as_video_ends_failed_with_a_reason(personas, photos, tmp_path):
    live = make_live(personas, photos)
    device = Device.objects.get(deployment=live.deployment)
    feed = VideoFeed(deployment=live.deployment, device=device, started_by=live.operator)
    feed.file.save("notes.mp4", ContentFile(b"Not a video: the officer's notes on the operation.\n" * 40), save=False)
    feed.save()

    feed = feeds.video_feed_run(feed)

    assert feed.status == "failed" and feed.frames_done == 0 and feed.finished_at is not None
    assert "video" in feed.error
    assert _counted(live) == (0, 0)


def test_a_feed_resumes_after_the_last_committed_frame_and_counts_none_twice(personas, photos, tmp_path,
                                                                             monkeypatch):
    live = make_live(personas, photos)
    feed = _feed(live, photos, tmp_path, CLEAN * 2)
    real_ingest, calls = feeds.frames_ingest, []

    def dies_on_the_fourth_frame(**kwargs):
        calls.append(1)
        result = real_ingest(**kwargs)
        if len(calls) == 4:  # after matching, before the frame's transaction commits
            raise SystemExit("the worker died")
        return result

    monkeypatch.setattr(feeds, "frames_ingest", dies_on_the_fourth_frame)
    with pytest.raises(SystemExit):
        feeds.video_feed_run(feed)
    feed.refresh_from_db()
    assert (feed.status, feed.frames_done, feed.faces, feed.alerts) == ("running", 3, 3, 2)
    assert _counted(live) == (3, 2)  # the fourth frame's alert and count rolled back with its progress

    monkeypatch.setattr(feeds, "frames_ingest", real_ingest)
    feed = feeds.video_feed_run(feed)

    assert (feed.status, feed.frames_done, feed.faces, feed.alerts) == ("done", 6, 6, 4)
    assert _counted(live) == (6, 4)


def test_the_watchdog_resumes_a_stalled_feed_that_no_worker_holds_and_fails_one_that_keeps_stalling(
        personas, photos, tmp_path, django_capture_on_commit_callbacks):
    live = make_live(personas, photos)
    stalled = _feed(live, photos, tmp_path, CLEAN)
    worn_out = _feed(live, photos, tmp_path, CLEAN)
    held = _feed(live, photos, tmp_path, CLEAN)
    recent = _feed(live, photos, tmp_path, CLEAN)
    long_ago = timezone.now() - timedelta(minutes=30)
    VideoFeed.objects.filter(pk__in=[stalled.pk, worn_out.pk, held.pk]).update(
        status="running", frames_done=1, frames_total=3, progress_at=long_ago)
    VideoFeed.objects.filter(pk=worn_out.pk).update(resumes=feeds.MAX_RESUMES)
    VideoFeed.objects.filter(pk=recent.pk).update(status="running", progress_at=timezone.now())
    db = connection.settings_dict
    # A worker that is still playing `held` (slowly): another session holds its lock.
    with psycopg.connect(host=db["HOST"], port=db.get("PORT") or None, user=db["USER"],
                         password=db.get("PASSWORD") or None, dbname=db["NAME"], autocommit=True) as worker:
        worker.execute("SELECT pg_advisory_lock(%s, %s)", [feeds.FEED_LOCK, held.pk])
        with django_capture_on_commit_callbacks() as queued:
            outcome = feeds.video_feeds_watch(stale_after=timedelta(minutes=5))

    assert outcome == {"resumed": [stalled.pk], "failed": [worn_out.pk]}
    assert len(queued) == 1  # the stalled feed's task is sent again once the resume is committed
    stalled.refresh_from_db()
    assert (stalled.status, stalled.resumes, stalled.frames_done) == ("running", 1, 1)
    assert stalled.progress_at > long_ago
    event = AuditEvent.objects.get(action="video_feed.resume", object_id=str(stalled.pk))
    assert event.old == {"frames_done": 1} and "no worker is playing the feed" in event.new["reason"]

    worn_out.refresh_from_db()
    assert worn_out.status == "failed" and worn_out.finished_at is not None
    assert "no frame was matched for 5 minutes" in worn_out.error and "1 of 3 frames" in worn_out.error
    assert f"{feeds.MAX_RESUMES} times after being resumed" in worn_out.error
    assert VideoFeed.objects.get(pk=held.pk).status == "running"
    assert VideoFeed.objects.get(pk=recent.pk).status == "running"

    # The resumed feed is played by the task the watchdog sent: it completes from its last counted frame.
    VideoFeed.objects.filter(pk=stalled.pk).update(frames_done=0)  # nothing was counted before it stalled here
    feed = feeds.video_feed_run(VideoFeed.objects.get(pk=stalled.pk))
    assert (feed.status, feed.frames_done, feed.faces, feed.alerts) == ("done", 3, 3, 2)


# --- a real worker killed mid-feed ------------------------------------------------------------------
def _worker(name: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "CELERY_"))}
    from django.conf import settings

    env.update(DATABASE_URL=_database_url(connection.settings_dict), APP_CELERY_BROKER=REDIS_URL,
               APP_MEDIA_ROOT=str(settings.MEDIA_ROOT),
               # a killed worker's message goes back to the queue after 3 s (production: an hour)
               APP_CELERY_VISIBILITY_TIMEOUT="3")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", "faults-live",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"{name}-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    return worker.stdout.read() if worker.stdout else ""


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379 (late acknowledgement)")
def test_a_feed_whose_worker_is_killed_completes_on_another_worker_with_exactly_the_faces_of_a_clean_run(
        committed_db, personas, photos, tmp_path):
    live = make_live(personas, photos)
    feed = _feed(live, photos, tmp_path, CLEAN * 6)  # 18 frames: 18 faces, 12 alerts when played once
    sender = Celery("faults-sender", broker=REDIS_URL, backend=REDIS_URL)
    sender.control.purge()
    first = _worker("first")
    second = None
    try:
        sender.send_task("matching.tasks.video_feed_process", args=[feed.pk], queue="faults-live")
        deadline = time.time() + 120
        while VideoFeed.objects.get(pk=feed.pk).frames_done < 4:
            assert first.poll() is None and time.time() < deadline, _stop(first)
            time.sleep(0.1)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = VideoFeed.objects.get(pk=feed.pk)
        assert at_kill.status == "running" and 4 <= at_kill.frames_done < 18

        time.sleep(3.5)  # past the visibility timeout: the unacknowledged message is handed out again
        second = _worker("second")
        deadline = time.time() + 180
        while VideoFeed.objects.get(pk=feed.pk).status == "running":
            assert second.poll() is None and time.time() < deadline, _stop(second)
            time.sleep(0.25)
    finally:
        for worker in (first, second):
            if worker is not None:
                _stop(worker)
        sender.control.purge()
        sender.close()

    feed.refresh_from_db()
    assert (feed.status, feed.frames_done, feed.faces, feed.alerts, feed.error) == ("done", 18, 18, 12, "")
    assert _counted(live) == (18, 12)


# --- `manage.py db stop` holds ------------------------------------------------------------------------
def _manage(pgdata: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DATABASE_URL"))}
    env["APP_EMBEDDED_PGDATA"] = str(pgdata)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


CONNECT = "from django.db import connection; connection.ensure_connection(); print('connected')"


def test_db_stop_holds_until_db_start():
    folder = scratch_folder("db-stop")
    pgdata = folder / "pgdata"
    try:
        assert _manage(pgdata, "db", "start").returncode == 0
        assert "connected" in _manage(pgdata, "shell", "-c", CONNECT).stdout

        stopped = _manage(pgdata, "db", "stop")
        assert stopped.returncode == 0 and "stopped" in stopped.stdout
        refused = _manage(pgdata, "shell", "-c", CONNECT)

        assert refused.returncode != 0 and "OperationalError" in refused.stderr
        assert "stopped with `manage.py db stop`" in refused.stderr
        assert not embedded_db.status(pgdata).running  # the connection did not start it again

        assert _manage(pgdata, "db", "start").returncode == 0
        assert "connected" in _manage(pgdata, "shell", "-c", CONNECT).stdout
    finally:
        embedded_db.stop(pgdata)
        remove(folder)
