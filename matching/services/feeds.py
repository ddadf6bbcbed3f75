"""A video file played as a camera feed: frames sampled at a fixed rate go through live matching."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import cv2
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from matching.audit_actions import VIDEO_FEED_RESUME, VIDEO_FEED_START
from matching.services.live import MatchingRefused, frames_ingest
from matching.models import Device, VideoFeed, VideoFeedStatus
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require

MAX_VIDEO_BYTES = 500 * 1024 * 1024


def video_feed_start(*, actor, device: Device, name: str, data: bytes, queue: bool = True) -> VideoFeed:
    """Record a video file as a feed into the device's deployment (audited) and queue it for a worker (the
    page shows its progress). With `queue=False` the caller plays it in its own process (`video_feed_run`):
    the command-line player and the demonstration story."""
    require(actor, CHANGE, device.deployment.force, "play a feed into this deployment")
    if device.revoked_at is not None:
        raise ValidationError({"device": f"the device {device.name} was revoked; it can play no feed"})
    if len(data) > MAX_VIDEO_BYTES:
        raise ValidationError({"file": f"the video is {len(data) // 2**20} MB; at most {MAX_VIDEO_BYTES // 2**20} MB"})
    with transaction.atomic():
        feed = VideoFeed(deployment=device.deployment, device=device, started_by=actor)
        feed.file.save(name or "feed.mp4", ContentFile(data), save=False)
        feed.save()
        audit_record(actor=actor, action=VIDEO_FEED_START, obj=feed, force=device.deployment.force,
                     new={"device": device.name, "bytes": len(data), "queued": queue})
    if queue:
        from matching.tasks import video_feed_process

        transaction.on_commit(lambda: video_feed_process.delay(feed.pk))
    return feed


class FeedHeldElsewhere(Exception):
    """Another worker is playing this feed (a redelivered message while the first one still runs)."""


# pg_advisory_lock(FEED_LOCK, feed id) is held by whoever plays a feed. It is a session lock: when a
# worker dies its connection closes and the lock goes with it, so "nobody holds it" means "nobody plays it".
FEED_LOCK = 0x46454544  # "FEED", the first key of the two-key advisory lock (fits in int4)


@contextmanager
def feed_held(feed_id: int) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [FEED_LOCK, feed_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [FEED_LOCK, feed_id])
            except DatabaseError:  # the connection is gone, and the lock with it
                pass


def video_feed_run(feed: VideoFeed, *, frames_per_second: float = 2.0,
                   progress: Callable[[int, int], None] | None = None) -> VideoFeed:
    """Sample the video at `frames_per_second` and match every sampled frame, resuming after the last
    frame whose results were committed (a worker that died mid-feed, a redelivered task).

    Each frame's alerts and counts and the feed's progress are written in one transaction, so a frame is
    either counted and recorded as done, or neither: a resumed feed counts no frame twice.
    """
    with feed_held(feed.pk) as held:
        if not held:
            raise FeedHeldElsewhere(f"video feed {feed.pk} is being played by another worker")
        feed.refresh_from_db()
        if feed.status in (VideoFeedStatus.DONE, VideoFeedStatus.FAILED):
            return feed
        return _play(feed, frames_per_second=frames_per_second, progress=progress)


def _play(feed: VideoFeed, *, frames_per_second: float, progress) -> VideoFeed:
    capture = cv2.VideoCapture(feed.file.path)
    if not capture.isOpened():
        capture.release()
        return _fail(feed, "the file is not a video this system can read")
    native_fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    step = max(1, round(native_fps / frames_per_second))
    total = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0) // step, feed.frames_done)
    VideoFeed.objects.filter(pk=feed.pk).update(status=VideoFeedStatus.RUNNING, frames_total=total or 1,
                                                progress_at=timezone.now())
    resume_after = feed.frames_done  # sampled frames already counted by an earlier run
    index = sampled = 0
    done, faces, alerts = feed.frames_done, feed.faces, feed.alerts
    try:
        while capture.grab():  # grab without decoding; only sampled frames are decoded
            if index % step == 0:
                sampled += 1
                if sampled > resume_after:
                    ok, frame = capture.retrieve()
                    found, raised = _frame_match(feed, frame if ok else None, done)
                    done, faces, alerts = done + 1, faces + found, alerts + raised
                    if progress:
                        progress(done, max(total, done))
            index += 1
    except MatchingRefused as exc:
        return _fail(feed, str(exc))
    finally:
        capture.release()
    if done == 0:
        return _fail(feed, "the file holds no video frames this system can read: is it a video?")
    VideoFeed.objects.filter(pk=feed.pk).update(status=VideoFeedStatus.DONE, finished_at=timezone.now(),
                                                frames_total=done)
    feed.refresh_from_db()
    return feed


def _frame_match(feed: VideoFeed, frame, done: int) -> tuple[int, int]:
    """Match one frame and record the feed's progress in the same transaction; (faces, alerts)."""
    encoded, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90]) if frame is not None else (False, None)
    with transaction.atomic():
        found = raised = 0
        if encoded:
            result = frames_ingest(device=feed.device, frames=[jpeg.tobytes()])[0]
            found, raised = result.faces, len(result.alerts)
        # Compare-and-set on frames_done: should two runs ever overlap, the second one's frame rolls back.
        moved = VideoFeed.objects.filter(pk=feed.pk, frames_done=done).update(
            frames_done=done + 1, faces=F("faces") + found, alerts=F("alerts") + raised,
            frames_total=Greatest(F("frames_total"), done + 1), progress_at=timezone.now())
        if moved != 1:
            raise FeedHeldElsewhere(f"video feed {feed.pk} moved past frame {done} in another run")
    return found, raised


MAX_RESUMES = 3  # a feed that stalls this many times again after being resumed is failed, with its reason


def video_feeds_watch(*, stale_after: timedelta, max_resumes: int = MAX_RESUMES) -> dict[str, list[int]]:
    """Resume, or after `max_resumes` fail, every running feed whose progress stopped `stale_after` ago and
    that no worker holds.

    A feed whose worker died may never be delivered again (a broker that dropped the unacknowledged message):
    it is queued again and resumes after its last committed frame, so no frame counts twice. One that keeps
    stalling is failed with its reason instead of saying "running" for ever. One that a worker still holds
    (a slow frame, a database that is briefly away) is left alone. Returns {"resumed": [...], "failed": [...]}.
    """
    from matching.tasks import video_feed_process

    now = timezone.now()
    cutoff = now - stale_after
    stale = VideoFeed.objects.filter(status=VideoFeedStatus.RUNNING).filter(
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, created_at__lt=cutoff))
    resumed, failed = [], []
    for feed in stale.select_related("deployment__force").only(
            "pk", "frames_done", "frames_total", "progress_at", "resumes", "deployment__force"):
        with feed_held(feed.pk) as free:
            if not free:
                continue
            unchanged = VideoFeed.objects.filter(pk=feed.pk, status=VideoFeedStatus.RUNNING,
                                                 frames_done=feed.frames_done, resumes=feed.resumes)
            minutes = max(1, round(stale_after.total_seconds() / 60))
            stopped = (f"no frame was matched for {minutes} minute{'s' if minutes != 1 else ''} and no worker "
                       f"is playing the feed (the worker was lost)")
            if feed.resumes < max_resumes:
                with transaction.atomic():
                    if unchanged.update(resumes=F("resumes") + 1, progress_at=now):
                        audit_record(actor=None, action=VIDEO_FEED_RESUME, obj=feed, force=feed.deployment.force,
                                     old={"frames_done": feed.frames_done},
                                     new={"resumes": feed.resumes + 1, "reason": stopped})
                        transaction.on_commit(lambda pk=feed.pk: video_feed_process.delay(pk))
                        resumed.append(feed.pk)
                continue
            reason = (f"stopped: {stopped}, {feed.resumes} time{'s' if feed.resumes != 1 else ''} after being "
                      f"resumed. {feed.frames_done} of {feed.frames_total} frames were matched and counted; play "
                      f"the rest as a new feed.")
            if unchanged.update(status=VideoFeedStatus.FAILED, error=reason, finished_at=now):
                failed.append(feed.pk)
    return {"resumed": resumed, "failed": failed}


def _fail(feed: VideoFeed, message: str) -> VideoFeed:
    VideoFeed.objects.filter(pk=feed.pk).update(status=VideoFeedStatus.FAILED, error=message,
                                                finished_at=timezone.now())
    feed.refresh_from_db()
    return feed
