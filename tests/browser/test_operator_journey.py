"""An operator watches an alert arrive on the live page and decides it is a false alert, with a note."""
from __future__ import annotations

from playwright.sync_api import expect

from matching.face.samples import FILES, SAME_PERSON, sample_photos_dir
from matching.models import Adjudication, Alert
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_personas
from tests.matching.conftest import make_live


def test_an_operator_sees_an_alert_arrive_and_marks_it_a_false_alert(site, page):
    personas = make_personas()
    photos = {name: (sample_photos_dir() / name).read_bytes() for name in FILES}
    live = make_live(personas, photos)
    sign_in(page, site, personas.operator_a.username, PASSWORD)
    page.goto(f"{site}/deployments/{live.deployment.pk}/live/")
    expect(page.locator(".alert-card[data-alert-id]:not([data-alert-id=''])")).to_have_count(0)

    # The van's camera sends a frame while the operator watches; no one reloads the page.
    response = page.request.post(f"{site}{live.frames_url}", headers={"Authorization": f"Device {live.token}"},
                                 multipart={"frame": {"name": "frame.jpg", "mimeType": "image/jpeg",
                                                      "buffer": photos[SAME_PERSON[1]]}})
    assert response.status == 200, response.text()
    alert = Alert.objects.get(deployment=live.deployment)
    card = page.locator(f"#alert-{alert.pk}")
    expect(card).to_be_visible(timeout=15_000)
    expect(card).to_contain_text(live.entry.subject_reference)
    expect(card.get_by_role("heading", name="Engagement")).to_have_count(0)  # no engagement before a decision

    card.get_by_role("button", name="False alert").click()
    expect(card.locator(".error-message").first).to_contain_text("note")
    assert not Adjudication.objects.filter(alert=alert).exists()

    card.get_by_label("Note: for a false alert, say why it is the wrong person").fill(
        "wrong person: the man stopped is much older and has a beard")
    card.get_by_role("button", name="False alert").click()
    expect(card).to_have_attribute("data-status", "adjudicated", timeout=10_000)
    adjudication = Adjudication.objects.get(alert=alert)
    assert adjudication.decision == "false_alert" and adjudication.decided_by == personas.operator_a
    assert "much older" in adjudication.note
