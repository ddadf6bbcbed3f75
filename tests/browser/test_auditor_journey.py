"""An auditor builds the regulator report, follows one alert to its legal basis and sees the audit proof verified."""
from __future__ import annotations

from django.utils import timezone
from playwright.sync_api import expect

from matching.face.samples import FILES, OTHER_PERSON, SAME_PERSON, sample_photos_dir
from matching.models import Alert
from oversight.reports.models import ReportRun
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_personas
from tests.matching.conftest import make_live


def test_an_auditor_follows_an_alert_to_its_legal_basis_and_sees_the_proof_verified(site, page):
    personas = make_personas()
    photos = {name: (sample_photos_dir() / name).read_bytes() for name in FILES}
    live = make_live(personas, photos)
    live.send_frames([photos[SAME_PERSON[1]], photos[OTHER_PERSON]])
    alert = Alert.objects.get(deployment=live.deployment)
    codes = sorted(basis.code for basis in live.entry.legal_bases.all())
    assert codes, "the watchlist entry holds its image on at least one legal basis"

    sign_in(page, site, personas.auditor.username, PASSWORD)
    page.goto(f"{site}/oversight/reports/")
    page.get_by_label("South Mercia Police").check()
    today = timezone.localdate()
    page.get_by_label("Period from").fill(today.replace(day=1).isoformat())
    page.get_by_label("Period to (inclusive)").fill(today.isoformat())
    page.get_by_role("button", name="Build the report").click()

    page.wait_for_url(f"{site}/oversight/reports/*/")
    run = ReportRun.objects.get()
    expect(page.get_by_role("link", name="The report as a web page")).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="The report as a web page").click()
    page.wait_for_url(f"{site}/oversight/reports/{run.pk}/report.html")

    row = page.locator(f"#alert-{alert.pk}")
    expect(row).to_be_visible()
    expect(row).to_contain_text(live.entry.category.code)
    row.get_by_role("link", name=codes[0], exact=True).click()
    page.wait_for_url(f"{site}/legal-bases/#{codes[0]}")
    expect(page.locator(f"tr[id='{codes[0]}']")).to_contain_text(codes[0])

    page.go_back()
    page.wait_for_url(f"{site}/oversight/reports/{run.pk}/report.html")
    verdict = page.locator("#proof-verdict")
    verdict.scroll_into_view_if_needed()
    expect(verdict).to_contain_text("Verified.")
    expect(page.locator("#proof-table")).to_contain_text("valid")
