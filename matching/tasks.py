from celery import shared_task


@shared_task(name="matching.tasks.retention_run")
def retention_run() -> dict:
    """Scheduled: delete templates, images and probes whose retention period has passed."""
    from matching.retention import retention_run as run

    report = run()
    return {"watchlist_entries": report.watchlist_entries, "alerts": report.alerts, "rfr_probes": report.rfr_probes}


@shared_task(name="matching.tasks.video_feed_process")
def video_feed_process(feed_id: int) -> dict:
    from matching.feeds import video_feed_run
    from matching.models import VideoFeed

    feed = video_feed_run(VideoFeed.objects.select_related("device__deployment").get(pk=feed_id))
    return {"status": feed.status, "frames": feed.frames_done, "faces": feed.faces, "alerts": feed.alerts}
