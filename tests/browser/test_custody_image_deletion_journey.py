"""A force administrator finds a custody image of a person never convicted and deletes it with the reason, in a
real browser: the page's own form, its CSRF token and the service the API uses."""
from __future__ import annotations

from playwright.sync_api import expect

from matching.face.samples import SAME_PERSON, sample_photos_dir
from matching.models import CustodyImage
from matching.services import enrolment
from oversight.models import AuditEvent
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_personas


def test_an_administrator_deletes_an_unconvicted_persons_custody_image(site, page):
    personas = make_personas()
    photo = (sample_photos_dir() / SAME_PERSON[0]).read_bytes()
    image = enrolment.gallery_enrol(actor=personas.admin_a, force=personas.force_a, data=photo,
                                    subject_reference="SM-CUST-0042", unconvicted=True)
    sign_in(page, site, personas.admin_a.username, PASSWORD)
    page.get_by_role("link", name="Custody images").click()
    page.get_by_label("Find by the person's reference").fill("SM-CUST-0042")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Delete the image of SM-CUST-0042").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SM-CUST-0042")

    page.get_by_role("button", name="Delete the image").click()  # no reason yet
    expect(page.locator(".error-summary")).to_contain_text("say why the image is deleted")
    page.get_by_label("Why is the image deleted?").fill(
        "Never convicted: the person's application for deletion was granted.")
    page.get_by_role("button", name="Delete the image").click()
    expect(page.locator(".notice").first).to_contain_text("is deleted")
    image.refresh_from_db()
    assert image.deleted_at is not None and CustodyImage.objects.get(pk=image.pk).embedding is None
    assert AuditEvent.objects.filter(action="retention.delete", object_id=str(image.pk),
                                     actor=personas.admin_a).exists()
