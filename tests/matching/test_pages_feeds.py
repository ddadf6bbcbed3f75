"""A video file played as a camera feed from the live page, with a status that reports its progress."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.templatetags.static import static
from django.test import Client

from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, Device, VideoFeed


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def video_of(photos: list[bytes], tmp_path, size=(640, 800)) -> bytes:
    """An MP4 at 2 frames a second with one photo per frame: each frame is sampled once."""
    path = tmp_path / "feed.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 2, size)
    assert writer.isOpened()
    for data in photos:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        height, width = image.shape[:2]
        scale = min(size[0] / width, size[1] / height)
        resized = cv2.resize(image, (int(width * scale), int(height * scale)))
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        frame[:resized.shape[0], :resized.shape[1]] = resized
        writer.write(frame)
    writer.release()
    return path.read_bytes()


@pytest.fixture
def feed_video(photos, tmp_path) -> bytes:
    return video_of([photos[SAME_PERSON[1]], photos[OTHER_PERSON], photos[SAME_PERSON[2]]], tmp_path)


def test_a_video_plays_as_a_feed_and_its_status_reports_progress(live, personas, feed_video,
                                                                  django_capture_on_commit_callbacks):
    device = Device.objects.get(deployment=live.deployment)
    client = page_client(personas.operator_a)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(f"/deployments/{live.deployment.pk}/live/feeds/",
                               {"device": device.pk, "file": SimpleUploadedFile("feed.mp4", feed_video, "video/mp4")})
    feed = VideoFeed.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/feeds/{feed.pk}/"

    waiting = client.get(f"/feeds/{feed.pk}/status/").json()
    assert waiting == {"id": feed.pk, "status": "queued", "status_label": "Queued", "finished": False,
                       "frames_done": 0, "frames_total": 0, "percent": 0, "faces": 0, "alerts": 0, "error": ""}
    page = client.get(f"/feeds/{feed.pk}/").content.decode()
    assert '<progress id="feed-progress" max="100" value="0">' in page and static("matching/feed.js") in page

    for callback in queued:  # the worker's turn (tasks run in-process in tests)
        callback()
    done = client.get(f"/feeds/{feed.pk}/status/").json()
    assert done["status"] == "done" and done["finished"] is True
    assert done["frames_done"] == done["frames_total"] == 3 and done["percent"] == 100
    assert done["faces"] == 3 and done["alerts"] == 2 and done["error"] == ""
    assert Alert.objects.filter(deployment=live.deployment, device=device).count() == 2
    assert '<progress id="feed-progress" max="100" value="100">' in client.get(f"/feeds/{feed.pk}/").content.decode()


def test_a_feed_that_is_not_a_video_fails_with_the_reason(live, personas, django_capture_on_commit_callbacks):
    device = Device.objects.get(deployment=live.deployment)
    client = page_client(personas.operator_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/deployments/{live.deployment.pk}/live/feeds/",
                    {"device": device.pk, "file": SimpleUploadedFile("notes.mp4", b"not a video", "video/mp4")})
    status = client.get(f"/feeds/{VideoFeed.objects.get().pk}/status/").json()
    assert status["status"] == "failed" and "not a video" in status["error"]


def test_a_feed_needs_a_file_and_says_so_next_to_the_field(live, personas):
    device = Device.objects.get(deployment=live.deployment)
    response = page_client(personas.operator_a).post(f"/deployments/{live.deployment.pk}/live/feeds/",
                                                     {"device": device.pk})
    assert response.status_code == 400
    assert 'class="field field-error" data-field="file"' in response.content.decode()
    assert not VideoFeed.objects.exists()


def test_another_forces_feed_is_a_404(live, personas, feed_video, django_capture_on_commit_callbacks):
    device = Device.objects.get(deployment=live.deployment)
    with django_capture_on_commit_callbacks(execute=False):
        page_client(personas.operator_a).post(
            f"/deployments/{live.deployment.pk}/live/feeds/",
            {"device": device.pk, "file": SimpleUploadedFile("feed.mp4", feed_video, "video/mp4")})
    feed = VideoFeed.objects.get()
    other = page_client(personas.operator_b)
    assert other.get(f"/feeds/{feed.pk}/").status_code == 404
    assert other.get(f"/feeds/{feed.pk}/status/").status_code == 404


def test_the_command_line_player_goes_through_the_service_as_a_named_user(live, personas, feed_video, tmp_path):
    """`manage.py feed_video` checks that the named user may play into the deployment and audits the start,
    like the page; a user of another force is refused and nothing is recorded."""
    from django.core.management import CommandError, call_command

    from oversight.models import AuditEvent

    device = Device.objects.get(deployment=live.deployment)
    video = tmp_path / "van.mp4"
    video.write_bytes(feed_video)
    before = (VideoFeed.objects.count(), AuditEvent.objects.filter(action="video_feed.start").count())

    with pytest.raises(CommandError, match="may not play a feed"):
        call_command("feed_video", str(device.pk), str(video), "--as", personas.operator_b.username)
    with pytest.raises(CommandError, match="no active user"):
        call_command("feed_video", str(device.pk), str(video), "--as", "nobody-of-that-name")
    assert (VideoFeed.objects.count(), AuditEvent.objects.filter(action="video_feed.start").count()) == before

    call_command("feed_video", str(device.pk), str(video), "--as", live.operator.username)
    feed = VideoFeed.objects.get()
    assert (feed.status, feed.frames_done, feed.faces, feed.alerts) == ("done", 3, 3, 2)
    assert feed.started_by == live.operator
    event = AuditEvent.objects.get(action="video_feed.start", object_id=str(feed.pk))
    assert event.actor == live.operator and event.new["queued"] is False
