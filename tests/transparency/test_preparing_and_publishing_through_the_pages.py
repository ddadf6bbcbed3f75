"""A force administrator prepares a draft on the page; the oversight administrator publishes it from the page."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from oversight.transparency.models import ReportStatus, TransparencyReport


def test_prepare_review_publish_and_withdraw_through_the_pages(personas, client):
    today = timezone.localdate()
    client.force_login(personas.admin_a)
    assert "Prepare draft" in client.get("/transparency/manage/").content.decode()
    bad = client.post("/transparency/manage/", {"period_start": today, "period_end": today.replace(day=1) - timedelta(days=1)})
    assert bad.status_code == 400 and "the period ends on or after its first day" in bad.content.decode()
    response = client.post("/transparency/manage/", {"period_start": today.replace(day=1), "period_end": today})
    report = TransparencyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/transparency/manage/reports/{report.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Recompute the figures" in page and "Publish exactly these figures" not in page
    assert client.post(f"/transparency/manage/reports/{report.pk}/refresh/").status_code == 302
    report.refresh_from_db()

    client.force_login(personas.oversight_admin)
    page = client.get(f"/transparency/manage/reports/{report.pk}/").content.decode()
    assert "Publish exactly these figures" in page and report.snapshot_sha256 in page
    stale = client.post(f"/transparency/manage/reports/{report.pk}/publish/", {"snapshot_sha256": "0" * 64})
    assert stale.status_code == 400 and "review the draft again" in stale.content.decode()
    published = client.post(f"/transparency/manage/reports/{report.pk}/publish/",
                            {"snapshot_sha256": report.snapshot_sha256})
    assert published.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED
    page = client.get(f"/transparency/manage/reports/{report.pk}/").content.decode()
    assert "Stored files (frozen at publication)" in page and report.files.get(format="pdf").sha256 in page
    assert client.post(f"/transparency/manage/reports/{report.pk}/withdraw/", {"reason": "short"}).status_code == 400
    assert client.post(f"/transparency/manage/reports/{report.pk}/withdraw/",
                       {"reason": "The area of one deployment was misnamed."}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.WITHDRAWN
