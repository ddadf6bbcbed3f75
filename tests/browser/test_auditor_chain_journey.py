"""An auditor goes from the regulator report to an alert, its legal basis and its verified audit-log entry, in pages
of the product alone: no page on the way is the API."""
from __future__ import annotations

from django.utils import timezone
from playwright.sync_api import expect

from matching.face.samples import FILES, OTHER_PERSON, SAME_PERSON, sample_photos_dir
from matching.models import Alert
from oversight.models import AuditEvent, LegalBasisVersion
from oversight.reports.models import ReportRun
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_personas
from tests.matching.conftest import make_live


def test_an_auditor_follows_the_chain_from_the_report_to_a_verified_audit_entry_without_the_api(site, page):
    personas = make_personas()
    photos = {name: (sample_photos_dir() / name).read_bytes() for name in FILES}
    live = make_live(personas, photos)
    live.send_frames([photos[SAME_PERSON[1]], photos[OTHER_PERSON]])
    alert = Alert.objects.get(deployment=live.deployment)
    basis = live.entry.legal_bases.order_by("code").first()
    title = LegalBasisVersion.objects.filter(legal_basis=basis).order_by("-version").first().title
    raised = AuditEvent.objects.get(action="alert.raise", object_id=str(alert.pk))
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)

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

    # The alert's row links to the alert's page.
    page.locator(f"#alert-{alert.pk}").get_by_role("link", name=f"A{alert.pk}", exact=True).click()
    page.wait_for_url(f"{site}/records/alerts/{alert.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Alert {alert.pk}, South Mercia Police")
    expect(page.locator("#alert-chain")).to_contain_text(live.entry.subject_reference)

    # Its legal basis, in the register's words.
    page.locator("#alert-bases").get_by_role("link", name=title).click()
    page.wait_for_url(f"{site}/legal-bases/#{basis.code}")
    expect(page.locator(f"tr[id='{basis.code}']")).to_contain_text(title)
    page.go_back()
    page.wait_for_url(f"{site}/records/alerts/{alert.pk}/")

    # The audit-log entry that recorded the alert, its proof checked against the signed checkpoint.
    page.get_by_role("link", name=f"Entry {raised.seq}", exact=True).click()
    page.wait_for_url(f"{site}/audit/{raised.seq}/")
    verdict = page.locator("#proof-verdict")
    expect(verdict).to_contain_text(f"Verified: entry {raised.seq} is in the log signed at")
    expect(page.get_by_role("heading", level=1)).to_contain_text("A face matched a watchlist entry")

    assert visited and not [url for url in visited if "/api/" in url], visited
