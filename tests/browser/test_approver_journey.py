"""An approver opens a submitted deployment, sees a rule warning and the expected false alerts, and authorises it."""
from __future__ import annotations

from playwright.sync_api import expect

from deployments.models import Authorisation, Deployment
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_personas
from tests.deployments.factories import lfr_deployment


def test_an_approver_authorises_a_submitted_deployment_with_reasons(site, page):
    personas = make_personas()
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="submitted", expected_faces=400_000, algorithm="dlib-resnet-v1",
                                threshold=0.95, title="Foregate Street station: Saturday market")
    sign_in(page, site, personas.approver_a.username, PASSWORD)
    page.goto(f"{site}/deployments/{deployment.pk}/")

    expect(page.get_by_role("heading", name="Foregate Street station: Saturday market")).to_be_visible()
    expect(page.locator("#expected-false-alerts")).to_contain_text("expected false alerts")
    # The rule is named in words; its identifier stays in the tooltip for those who look it up.
    expect(page.locator('[title="R11-expected-false-alerts"]').first).to_be_visible()
    expect(page.locator(".tag-warning").first).to_be_visible()

    page.get_by_role("button", name="Authorise", exact=True).click()
    expect(page.locator(".error-message, .error-summary").first).to_be_visible()  # reasons are required
    assert Deployment.objects.get(pk=deployment.pk).status == "submitted"

    page.get_by_label("Reasons").fill("Necessary and proportionate: the watchlist is small and the expected false "
                                      "alerts were weighed against the objective.")
    page.get_by_role("button", name="Authorise", exact=True).click()
    expect(page.locator(".lead")).to_contain_text("Authorised")
    authorisation = Authorisation.objects.get(deployment=deployment)
    assert authorisation.approver == personas.approver_a and authorisation.decision == "authorised"
    assert "weighed against the objective" in authorisation.reasons
