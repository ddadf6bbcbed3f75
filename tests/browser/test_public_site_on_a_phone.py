"""A member of the public on a phone (390 px wide) reads the deployment log, and no public page is wider than the
screen: every page reached by following the site's own links from the front page has
`document.documentElement.scrollWidth <= 390`."""
from __future__ import annotations

from urllib.parse import urldefrag, urlparse

from playwright.sync_api import expect

from matching.face.samples import FILES, sample_photos_dir
from tests.browser.conftest import ARTIFACTS
from tests.conftest import make_personas
from tests.transparency.conftest import build_world
from tests.transparency.helpers import publish

PHONE = {"width": 390, "height": 844}
# What sticks out on a page too wide: the deepest elements whose right edge is past the screen's.
STICKING_OUT = """width => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > width + 0.5 && el.children.length === 0)
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ': '
                        + (el.textContent || '').trim().slice(0, 40))"""
MAX_PAGES = 40
# Downloads and machine-readable documents are not pages a person scrolls.
NOT_PAGES = (".pdf", ".csv", ".json", ".txt")


def _public_links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url, _ = urldefrag(href)
        parsed = urlparse(url)
        if f"{parsed.scheme}://{parsed.netloc}" != origin:
            continue
        if parsed.path.startswith(("/api/", "/admin/")) or parsed.path.endswith(NOT_PAGES) or "/documents/" in parsed.path:
            continue
        found.append(url)
    return found


def test_the_public_reads_the_deployment_log_on_a_phone_and_no_public_page_scrolls_sideways(site, chromium):
    photos = {name: (sample_photos_dir() / name).read_bytes() for name in FILES}
    world = build_world(make_personas(), photos)
    report = publish(world)

    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # The journey: from the front page to the force's published report, then its deployment log.
        page.goto(f"{site}/")
        start = page.get_by_role("link", name="Read the transparency reports")
        # The start button's text stays inside the button.
        assert start.evaluate("el => el.scrollWidth <= el.clientWidth && "
                              "el.getBoundingClientRect().right <= window.innerWidth") is True
        start.click()
        expect(page.locator("h1")).to_contain_text("facial recognition")
        page.get_by_role("link", name="South Mercia Police").first.click()
        page.goto(f"{site}/transparency/reports/{report.pk}/")
        log = page.locator("#log")
        log.scroll_into_view_if_needed()
        expect(log.locator("h2")).to_have_text("Deployment log")
        expect(log.locator("table.log")).to_contain_text("Cameras ran")
        expect(log).to_contain_text("hours")
        expect(log).to_contain_text("Outcomes: arrested 1 (wanted by a court 1)")
        # The table is wider than the phone: it scrolls inside its own box, the page does not.
        box = log.locator(".table-scroll")
        assert box.evaluate("el => el.scrollWidth > el.clientWidth") is True
        assert box.evaluate("el => el.getBoundingClientRect().right") <= PHONE["width"]

        # Every public page reached from the front page by the site's own links.
        origin = site
        queue, seen, widths = [f"{site}/", f"{site}/transparency/reports/{report.pk}/"], set(), {}
        while queue and len(seen) < MAX_PAGES:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            width = page.evaluate("document.documentElement.scrollWidth")
            widths[urlparse(url).path] = width if width <= PHONE["width"] else (width, page.evaluate(
                STICKING_OUT, PHONE["width"]))
            queue += [link for link in _public_links(page, origin) if link not in seen]
        too_wide = {path: width for path, width in widths.items() if not isinstance(width, int)}
        assert too_wide == {}, too_wide
        assert len(widths) >= 10, sorted(widths)  # the crawl reached the site, not only the front page
        for path in ("/transparency/", "/transparency/notices/", "/transparency/open-data/", "/legal-bases/",
                     f"/transparency/reports/{report.pk}/", "/transparency/forces/south-mercia/"):
            assert path in widths, sorted(widths)

        # The page for an address that does not exist is one of the site's own, and fits too.
        missing = page.goto(f"{site}/transparency/no-such-page/")
        assert missing is not None and missing.status == 404
        expect(page.locator("h1")).to_have_text("Page not found")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.goto(f"{site}/transparency/reports/{report.pk}/")
        page.locator("#log").scroll_into_view_if_needed()
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "test_public_site_on_a_phone.png"))
        context.close()
