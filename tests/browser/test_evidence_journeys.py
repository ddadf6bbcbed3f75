"""The people who judge see the evidence: the approver reads every watchlist entry's justification beside its
photo before deciding; the operator compares two faces on a live alert and on a retrospective search candidate."""
from __future__ import annotations

from playwright.sync_api import expect

from deployments.models import Authorisation
from matching.services import enrolment
from matching.face.samples import FILES, OTHER_PERSON, SAME_PERSON, sample_photos_dir
from matching.models import Alert, RfrSearch
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_personas
from tests.deployments.factories import JUSTIFICATION, lfr_deployment
from tests.matching.conftest import make_live

LOADED = "img => img.complete && img.naturalWidth > 0"


def expect_loaded(locator, count: int) -> None:
    """Exactly `count` images, each of which the browser fetched and decoded (not a broken-image icon)."""
    expect(locator).to_have_count(count)
    for i in range(count):
        locator.nth(i).scroll_into_view_if_needed()
        locator.nth(i).page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=locator.nth(i).element_handle())
        assert locator.nth(i).evaluate(LOADED), f"image {i} did not load"


def test_an_approver_reads_every_entrys_justification_beside_its_photo_before_authorising(site, page):
    personas = make_personas()
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="submitted", entries=3, title="Foregate Street station: Saturday market")
    sign_in(page, site, personas.approver_a.username, PASSWORD)
    page.goto(f"{site}/deployments/{deployment.pk}/")

    expect(page.locator("#watchlist-size")).to_contain_text("3 people on the watchlist")
    expect(page.locator("#watchlist-size")).to_contain_text("expected false alert")
    cards = page.locator("li.evidence")
    expect(cards).to_have_count(3)
    for entry in deployment.watchlist.entries.order_by("pk"):
        card = page.locator(f"#entry-{entry.pk}")
        card.scroll_into_view_if_needed()
        expect(card.get_by_role("heading", name=entry.subject_reference)).to_be_visible()
        expect(card.locator(".justification").first).to_have_text(JUSTIFICATION)
        expect(card.locator(".justification").first).to_be_visible()
        expect(card).to_contain_text("Lawfully taken custody image")
        expect_loaded(card.locator("img"), 1)
    expect(page.get_by_role("heading", name="Wanted by a court")).to_be_visible()

    page.get_by_label("Reasons").fill("Each entry's justification read: all three are wanted or suspected of "
                                      "serious violence, with recent custody images.")
    page.get_by_role("button", name="Authorise", exact=True).click()
    expect(page.locator(".lead")).to_contain_text("Authorised")
    authorisation = Authorisation.objects.get(deployment=deployment)
    assert authorisation.decision == "authorised" and "justification read" in authorisation.reasons
    expect_loaded(page.locator("li.evidence img"), 3)  # the record of the decision keeps the evidence beside it


def test_an_operator_compares_two_faces_on_an_alert_and_on_a_retrospective_candidate(site, page):
    personas = make_personas()
    photos = {name: (sample_photos_dir() / name).read_bytes() for name in FILES}
    live = make_live(personas, photos)
    sign_in(page, site, personas.operator_a.username, PASSWORD)
    page.goto(f"{site}/deployments/{live.deployment.pk}/live/")

    # An alert arrives while the operator watches (drawn by the page's script from the API).
    response = page.request.post(f"{site}{live.frames_url}", headers={"Authorization": f"Device {live.token}"},
                                 multipart={"frame": {"name": "frame.jpg", "mimeType": "image/jpeg",
                                                      "buffer": photos[SAME_PERSON[1]]}})
    assert response.status == 200, response.text()
    alert = Alert.objects.get(deployment=live.deployment)
    card = page.locator(f"#alert-{alert.pk}")
    expect(card).to_be_visible(timeout=15_000)
    expect_loaded(card.locator(".faces img"), 2)
    expect(card.locator('[data-slot="justification"]')).to_contain_text(JUSTIFICATION[:40])
    expect(card).to_contain_text(f"{alert.similarity:.3f} against a threshold of {alert.threshold:.3f}")

    # The same operator, later, searches CCTV retrospectively and compares the probe with the top candidate.
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-0001")
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-0002")
    page.goto(f"{site}/rfr/")
    page.get_by_label("Probe image").set_input_files(str(sample_photos_dir() / SAME_PERSON[2]))
    page.get_by_label("Crime reference").fill("SM/4471/26")
    page.get_by_label("Where the image comes from").select_option("cctv")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: "/rfr/" in url and url.rstrip("/").split("/")[-1].isdigit())
    search = RfrSearch.objects.get()
    first = search.candidates.get(rank=1)
    candidate = page.locator(f"#candidate-{first.pk}")
    expect(candidate).to_contain_text("CUST-0001")
    expect(candidate).to_contain_text(f"Candidate 1: {first.similarity:.3f}")
    expect_loaded(candidate.locator(".faces img"), 2)
    # The decision buttons are real buttons reached from the keyboard.
    candidate.get_by_role("button", name="Corroborate").focus()
    expect(candidate.get_by_role("button", name="Corroborate")).to_be_focused()
