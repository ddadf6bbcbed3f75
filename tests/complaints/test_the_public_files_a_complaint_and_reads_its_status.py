"""A member of the public files a complaint on the public site, without an account, gets a reference nobody
could guess, and reads where it stands by that reference: never the contact details, the words of the
complaint or anything of another complaint. CSRF is on; the form limits how many complaints one address
sends in an hour."""
from __future__ import annotations

from oversight import services as ground
from oversight.models import AuditEvent
from deployments.complaints.models import Complaint, ComplaintStatus
from deployments.complaints.services import REFERENCE_PATTERN
from tests.complaints.helpers import complaint_of, file_through_page, public_client, read_status


def test_the_public_files_a_complaint_and_reads_its_status_by_reference(personas):
    client = public_client()
    response, reference = file_through_page(client, personas.force_a)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert REFERENCE_PATTERN.match(reference)
    complaint = complaint_of(reference)
    assert complaint.force == personas.force_a and complaint.status == ComplaintStatus.RECEIVED
    assert complaint.contact_email == "jo@example.org" and "nobody said why" in complaint.description
    event = AuditEvent.objects.get(action="complaint.file", object_id=str(complaint.pk))
    # The log is kept for ever: it holds what was complained of, never who complained or their words.
    for personal in ("jo@example.org", "Jo Bloggs", "nobody said why", reference):
        assert personal not in str(event.new) + event.object_repr + event.reason

    status = read_status(public_client(), reference)
    html = status.content.decode()
    assert status.status_code == 200
    assert 'data-status="received"' in html and "South Mercia Police" in html
    for personal in ("jo@example.org", "Jo Bloggs", "nobody said why", "Foregate Street"):
        assert personal not in html


def test_the_reference_may_be_typed_in_lower_case_with_spaces(personas):
    _, reference = file_through_page(public_client(), personas.force_a)
    typed = " " + reference.lower().replace("-", " ") + " "
    assert 'data-status="received"' in read_status(public_client(), typed).content.decode()


def test_references_are_random_and_long_enough_not_to_be_guessed(personas):
    references = {file_through_page(public_client(), personas.force_a)[1] for _ in range(3)}
    assert len(references) == 3 and all(REFERENCE_PATTERN.match(r) for r in references)
    # Four groups of four from a 32-letter alphabet: 80 bits, nothing sequential.
    assert len({r[4:8] for r in references}) > 1 or len({r[-4:] for r in references}) > 1


def test_a_wrong_reference_shows_nothing_of_any_complaint(personas):
    _, reference = file_through_page(public_client(), personas.force_a)
    near = reference[:-1] + ("0" if reference[-1] != "0" else "1")
    for guess in (near, "FRC-0000-0000-0000-0000", "1", "' OR 1=1 --"):
        response = read_status(public_client(), guess)
        html = response.content.decode()
        assert response.status_code in (400, 404), guess
        assert "South Mercia Police" not in html and 'data-status=' not in html
        assert "no complaint has this reference" in html or "reference" in html.lower()


def test_one_complaint_shows_nothing_of_another(personas):
    _, first = file_through_page(public_client(), personas.force_a)
    _, second = file_through_page(public_client(), personas.force_b, subject="oifr",
                                  description="An officer pointed a phone at me outside the school gates today.")
    html = read_status(public_client(), first).content.decode()
    assert second not in html and "North Wessex" not in html and "school gates" not in html


def test_a_post_without_the_forms_token_is_refused_and_writes_nothing(personas):
    client = public_client()
    from tests.complaints.helpers import complaint_form

    response = client.post("/transparency/complaints/", complaint_form(personas.force_a))
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


def test_the_form_page_is_never_kept_in_a_shared_cache(personas):
    response = public_client().get("/transparency/complaints/")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_too_many_complaints_from_one_address_are_refused_for_an_hour(personas):
    ground.policy_setting_version_add(actor=personas.oversight_admin, key="complaints.filings_per_address_hour",
                                      value=2, reason="Test: a low limit to reach it quickly.")
    client = public_client()
    assert file_through_page(client, personas.force_a)[0].status_code == 200
    assert file_through_page(client, personas.force_a)[0].status_code == 200
    refused, reference = file_through_page(client, personas.force_a)
    assert refused.status_code == 429 and reference is None
    assert "try again later" in refused.content.decode().lower()
    assert Complaint.objects.count() == 2
    # Another address is not held back by the first one's filings.
    other = public_client()
    other.defaults["REMOTE_ADDR"] = "203.0.113.9"
    assert file_through_page(other, personas.force_a)[0].status_code == 200
