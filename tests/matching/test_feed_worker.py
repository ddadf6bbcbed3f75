"""A video file played as a camera feed is processed by a real Celery worker, with progress on the record."""
from __future__ import annotations

import time

from django.core.files.base import ContentFile

from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, Device, FacesProcessed, VideoFeed
from oversight.demo.story import feed_video
from tests.matching.conftest import make_live


def test_a_worker_plays_a_video_feed_and_raises_the_expected_alerts(celery_worker, personas, photos, tmp_path):
    live = make_live(personas, photos)
    video = feed_video([photos[SAME_PERSON[1]], photos[OTHER_PERSON], photos[SAME_PERSON[2]]], tmp_path / "feed.avi")
    device = Device.objects.get(deployment=live.deployment)
    feed = VideoFeed(deployment=live.deployment, device=device, started_by=personas.operator_a)
    feed.file.save("feed.avi", ContentFile(video.read_bytes()), save=False)
    feed.save()

    result = celery_worker.send_task("matching.tasks.video_feed_process", args=[feed.pk])
    seen_progress = set()
    deadline = time.time() + 120
    while not result.ready() and time.time() < deadline:
        seen_progress.add(VideoFeed.objects.get(pk=feed.pk).frames_done)
        time.sleep(0.2)
    assert result.get(timeout=10) == {"status": "done", "frames": 3, "faces": 3, "alerts": 2}
    feed.refresh_from_db()
    assert feed.status == "done" and feed.percent == 100 and feed.finished_at is not None
    assert Alert.objects.filter(deployment=live.deployment).count() == 2
    assert sum(row.faces for row in FacesProcessed.objects.filter(deployment=live.deployment)) == 3
    assert max(seen_progress) <= 3
