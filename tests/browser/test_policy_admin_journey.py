"""The oversight administrator changes a policy setting through the pages: reads it in words, makes a new
version with a reason, and sees it in force."""
from __future__ import annotations

from playwright.sync_api import expect

from oversight import policy
from oversight.models import AuditEvent
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_personas


def test_the_oversight_admin_changes_a_policy_setting_through_a_page(site, page):
    personas = make_personas()
    sign_in(page, site, personas.oversight_admin.username, PASSWORD)
    page.goto(f"{site}/policy/")
    row = page.locator("#policy-settings tr", has_text="Time allowed for the post-deployment review")
    expect(row).to_contain_text("14 days")
    row.get_by_role("link", name="Change").click()
    page.wait_for_url(f"{site}/policy/review.post_deployment_days/")
    expect(page.locator("#current-value")).to_contain_text("14 days")

    page.get_by_label("New value (days)").fill("")
    page.get_by_role("button", name="Save the new version").click()  # no value, no reason: refused, nothing saved
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert policy.policy_value("review.post_deployment_days") == 14

    page.get_by_label("New value (days)").fill("10")
    page.get_by_label("Why the policy changes").fill("Reviews are due sooner after the 2026 audit.")
    page.get_by_role("button", name="Save the new version").click()
    page.wait_for_url(f"{site}/policy/")
    expect(page.get_by_role("status")).to_contain_text("version 2, 10 days")
    expect(page.locator("#policy-settings tr", has_text="Time allowed for the post-deployment review")) \
        .to_contain_text("10 days")
    assert policy.policy_value("review.post_deployment_days") == 10
    event = AuditEvent.objects.filter(action="policy_setting.version_add").latest("seq")
    assert event.actor == personas.oversight_admin and event.new["value"] == 10
