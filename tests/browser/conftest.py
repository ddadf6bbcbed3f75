"""Browser tests: Playwright drives Debian's Chromium, headless, against a real server on committed data.

The server is Django's live-server thread on the test database; every test saves a screenshot of its last
page in `.test-artifacts/`.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.test.testcases import LiveServerThread

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".test-artifacts"
CHROMIUM = os.environ.get("APP_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still serial.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `bash .ci/system-deps` as root")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def site(committed_db, settings, tmp_path):
    """A real HTTP server on the test database (committed data), on a free port."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]  # testserver: API calls that set the scene
    settings.DEBUG = False
    # Static files as in production: WhiteNoise serves the hashed names the pages link to (collectstatic's
    # copies in STATIC_ROOT), and a file added since the last collectstatic from the apps' folders.
    settings.WHITENOISE_USE_FINDERS = True
    thread = LiveServerThread("127.0.0.1", lambda application: application, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page, site: str, username: str, password: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: url.startswith(site) and "/accounts/login/" not in url)
