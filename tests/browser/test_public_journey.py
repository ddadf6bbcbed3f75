"""A member of the public reads the published transparency report, sees a chart and downloads the CSV."""
from __future__ import annotations

import csv
import io

from django.utils import timezone
from playwright.sync_api import expect

from matching.face.samples import FILES, OTHER_PERSON, SAME_PERSON, sample_photos_dir
from oversight.transparency import services as transparency
from tests.conftest import make_personas
from tests.matching.conftest import make_live


def test_the_public_reads_the_report_sees_a_chart_and_downloads_the_csv(site, page):
    personas = make_personas()
    photos = {name: (sample_photos_dir() / name).read_bytes() for name in FILES}
    live = make_live(personas, photos)
    live.send_frames([photos[SAME_PERSON[1]], photos[OTHER_PERSON]])
    today = timezone.localdate()
    report = transparency.transparency_report_prepare(actor=personas.admin_a, force=personas.force_a,
                                                      period_start=today.replace(day=1), period_end=today)
    transparency.transparency_report_publish(actor=personas.oversight_admin, report=report)

    page.goto(f"{site}/transparency/")
    page.get_by_role("link", name="South Mercia Police").first.click()
    page.goto(f"{site}/transparency/reports/{report.pk}/")
    expect(page.locator("h1")).to_contain_text("transparency report")
    expect(page.locator("main")).to_contain_text("South Mercia Police")
    chart = page.locator("figure svg").first
    expect(chart).to_be_visible()
    assert page.locator("figure svg title").count() >= 1

    with page.expect_download() as download_info:
        page.get_by_role("link", name="deployment log (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8"))))
    assert len(rows) == 1
    assert live.entry.subject_reference not in page.content()
    page.evaluate("window.scrollTo(0, 0)")
