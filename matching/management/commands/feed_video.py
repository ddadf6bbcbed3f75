"""`manage.py feed_video DEVICE_ID FILE`: play a video file into live matching, with a progress bar."""
from __future__ import annotations

from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching.feeds import video_feed_run
from matching.models import Device, VideoFeed


class Command(BaseCommand):
    help = "Process a video file as a simulated camera feed for a device's deployment, in this terminal."

    def add_arguments(self, parser):
        parser.add_argument("device", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--fps", type=float, default=2.0, help="Frames sampled per second of video")

    def handle(self, *args, device: int, file: Path, fps: float, **options):
        found = Device.objects.select_related("deployment", "created_by").filter(pk=device, revoked_at=None).first()
        if found is None:
            raise CommandError(f"no active device {device}")
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        feed = VideoFeed(deployment=found.deployment, device=found, started_by=found.created_by)
        feed.file.save(file.name, ContentFile(file.read_bytes()), save=False)
        feed.save()
        bar = tqdm(total=0, unit="frame", desc=f"deployment {found.deployment_id}")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        feed = video_feed_run(feed, frames_per_second=fps, progress=progress)
        bar.close()
        if feed.status == "failed":
            raise CommandError(feed.error)
        self.stdout.write(f"{feed.frames_done} frames, {feed.faces} faces, {feed.alerts} alerts")
