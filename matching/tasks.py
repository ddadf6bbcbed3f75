from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError


@shared_task(name="matching.tasks.retention_run")
def retention_run() -> dict:
    """Scheduled: delete templates, images and probes whose retention period has passed."""
    from matching.services.retention import retention_run as run

    report = run()
    return {"watchlist_entries": report.watchlist_entries, "alerts": report.alerts, "rfr_probes": report.rfr_probes,
            "complaints": report.complaints}


# Late acknowledgement: the message stays with the broker until the feed is done, so a worker that dies
# mid-feed (or whose pool child dies: reject_on_worker_lost) leaves it to be delivered again, and the next
# run resumes after the last committed frame. A database that is briefly away is retried with back-off.
@shared_task(name="matching.tasks.video_feed_process", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, retry_backoff_max=60,
             retry_jitter=False, max_retries=10)
def video_feed_process(feed_id: int) -> dict:
    from matching.services.feeds import FeedHeldElsewhere, video_feed_run
    from matching.models import VideoFeed

    feed = VideoFeed.objects.select_related("device__deployment").get(pk=feed_id)
    try:
        feed = video_feed_run(feed)
    except FeedHeldElsewhere:
        feed.refresh_from_db()
        return {"status": "held-elsewhere", "frames": feed.frames_done, "faces": feed.faces, "alerts": feed.alerts}
    return {"status": feed.status, "frames": feed.frames_done, "faces": feed.faces, "alerts": feed.alerts}


@shared_task(name="matching.tasks.video_feeds_watch")
def video_feeds_watch() -> dict:
    """Scheduled: resume (or, when they keep stalling, fail) running feeds that stopped making progress and
    that no worker holds."""
    from matching.services.feeds import video_feeds_watch as watch

    return watch(stale_after=timedelta(minutes=settings.VIDEO_FEED_STALE_MINUTES))
