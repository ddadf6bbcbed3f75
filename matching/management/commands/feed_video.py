"""`manage.py feed_video DEVICE_ID FILE`: play a video file into live matching, with a progress bar."""
from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching.services.feeds import video_feed_run, video_feed_start
from matching.models import Device


class Command(BaseCommand):
    help = "Process a video file as a simulated camera feed for a device's deployment, in this terminal."

    def add_arguments(self, parser):
        parser.add_argument("device", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--fps", type=float, default=2.0, help="Frames sampled per second of video")
        parser.add_argument("--as", dest="username", required=True,
                            help="the user who plays the feed (an operator of the deployment's force): the audit "
                                 "log records them")

    def handle(self, *args, device: int, file: Path, fps: float, username: str, **options):
        found = Device.objects.select_related("deployment", "created_by").filter(pk=device, revoked_at=None).first()
        if found is None:
            raise CommandError(f"no active device {device}")
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        try:
            feed = video_feed_start(actor=actor, device=found, name=file.name, data=file.read_bytes(), queue=False)
        except PermissionDenied as exc:
            raise CommandError(f"{username} may not play a feed into this deployment: {exc}") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        bar = tqdm(total=0, unit="frame", desc=f"deployment {found.deployment_id}")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        feed = video_feed_run(feed, frames_per_second=fps, progress=progress)
        bar.close()
        if feed.status == "failed":
            raise CommandError(feed.error)
        self.stdout.write(f"{feed.frames_done} frames, {feed.faces} faces, {feed.alerts} alerts")
