"""A video file played as a camera feed: frames sampled at a fixed rate go through live matching."""
from __future__ import annotations

from collections.abc import Callable

import cv2
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from matching.audit_actions import VIDEO_FEED_START
from matching.live import MatchingRefused, frames_ingest
from matching.models import Device, VideoFeed, VideoFeedStatus
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require

MAX_VIDEO_BYTES = 500 * 1024 * 1024


def video_feed_start(*, actor, device: Device, name: str, data: bytes) -> VideoFeed:
    """Queue a video file for processing by a worker (the page shows its progress)."""
    require(actor, CHANGE, device.deployment.force, "play a feed into this deployment")
    if len(data) > MAX_VIDEO_BYTES:
        raise ValidationError({"file": f"the video is {len(data) // 2**20} MB; at most {MAX_VIDEO_BYTES // 2**20} MB"})
    with transaction.atomic():
        feed = VideoFeed(deployment=device.deployment, device=device, started_by=actor)
        feed.file.save(name or "feed.mp4", ContentFile(data), save=False)
        feed.save()
        audit_record(actor=actor, action=VIDEO_FEED_START, obj=feed, force=device.deployment.force,
                     new={"device": device.name, "bytes": len(data)})
    from matching.tasks import video_feed_process

    transaction.on_commit(lambda: video_feed_process.delay(feed.pk))
    return feed


def video_feed_run(feed: VideoFeed, *, frames_per_second: float = 2.0,
                   progress: Callable[[int, int], None] | None = None) -> VideoFeed:
    """Sample the video at `frames_per_second`, match every sampled frame, record progress as it goes."""
    capture = cv2.VideoCapture(feed.file.path)
    if not capture.isOpened():
        return _fail(feed, "the file is not a video this system can read")
    native_fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    step = max(1, round(native_fps / frames_per_second))
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0) // step or 1
    VideoFeed.objects.filter(pk=feed.pk).update(status=VideoFeedStatus.RUNNING, frames_total=total)
    index = done = faces = alerts = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if index % step == 0:
                encoded, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
                if encoded:
                    result = frames_ingest(device=feed.device, frames=[jpeg.tobytes()])[0]
                    faces += result.faces
                    alerts += len(result.alerts)
                done += 1
                VideoFeed.objects.filter(pk=feed.pk).update(frames_done=done, faces=faces, alerts=alerts,
                                                            frames_total=max(total, done))
                if progress:
                    progress(done, max(total, done))
            index += 1
    except MatchingRefused as exc:
        return _fail(feed, str(exc))
    finally:
        capture.release()
    VideoFeed.objects.filter(pk=feed.pk).update(status=VideoFeedStatus.DONE, finished_at=timezone.now(),
                                                frames_total=done)
    feed.refresh_from_db()
    return feed


def _fail(feed: VideoFeed, message: str) -> VideoFeed:
    VideoFeed.objects.filter(pk=feed.pk).update(status=VideoFeedStatus.FAILED, error=message,
                                                finished_at=timezone.now())
    feed.refresh_from_db()
    return feed
