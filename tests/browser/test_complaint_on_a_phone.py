"""A member of the public on a phone (390 px wide) makes a complaint from the transparency page, keeps the
reference, and later reads where it stands; no page of the journey scrolls sideways. Then the oversight body
passes it to the force, the force answers, and the complainant reads the answer on the phone."""
from __future__ import annotations

from playwright.sync_api import expect

from deployments.complaints import services
from deployments.complaints.models import Complaint
from tests.browser.conftest import ARTIFACTS
from tests.conftest import make_personas

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_the_public_makes_a_complaint_and_reads_its_answer_on_a_phone(site, chromium):
    personas = make_personas()
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{site}/transparency/")
        page.get_by_role("link", name="Make a complaint").first.click()
        expect(page.locator("h1")).to_contain_text("Make a complaint")
        _fits(page)
        # First without saying what happened: refused, naming the field, nothing written.
        page.get_by_label("Which police force").select_option(label="South Mercia Police")
        page.get_by_label("A live facial recognition deployment").check()
        page.get_by_role("button", name="Send the complaint").click()
        expect(page.locator(".error-summary")).to_contain_text("What happened")
        assert Complaint.objects.count() == 0
        _fits(page)

        page.get_by_label("What happened").fill("The van at the station had no signs at the east entrance.")
        page.get_by_label("Your email address (optional)").fill("walker@example.org")
        page.get_by_role("button", name="Send the complaint").click()
        expect(page.locator("h1")).to_have_text("Your complaint has been received")
        reference = page.locator("#complaint-reference").inner_text().strip()
        _fits(page)
        complaint = Complaint.objects.get(reference=reference)
        assert complaint.contact_email == "walker@example.org"

        page.get_by_role("link", name="Check where your complaint stands").click()
        page.get_by_label("Your complaint reference").fill(reference.lower())
        page.get_by_role("button", name="Check").click()
        expect(page.locator("#complaint-state")).to_contain_text("Received")
        expect(page.locator("main")).not_to_contain_text("walker@example.org")
        _fits(page)

        services.complaint_assign(actor=personas.auditor, complaint=complaint, note="Check every entrance.")
        services.complaint_respond(actor=personas.approver_a, complaint=complaint, outcome="upheld",
                                   response="The east entrance had no sign; signs now go up before the van arrives.")
        page.goto(f"{site}/transparency/complaints/status/")
        page.get_by_label("Your complaint reference").fill(reference)
        page.get_by_role("button", name="Check").click()
        expect(page.locator("#complaint-outcome")).to_have_text("Upheld")
        expect(page.locator("#complaint-answer")).to_contain_text("signs now go up")
        _fits(page)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "test_complaint_on_a_phone.png"), full_page=True)
        context.close()
