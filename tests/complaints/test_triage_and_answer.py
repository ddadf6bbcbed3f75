"""The oversight body passes a complaint to the force; the force answers it; the complainant reads the answer.
A force sees and answers only the complaints passed to it; another force neither sees nor answers them; every
change of state is in the audit log."""
from __future__ import annotations

import re

from django.test import Client

from deployments.complaints.models import Complaint, ComplaintStatus
from oversight.models import AuditEvent
from tests.complaints.helpers import complaint_of, file_through_page, public_client, read_status


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _filed(personas) -> Complaint:
    _, reference = file_through_page(public_client(), personas.force_a)
    return complaint_of(reference)


def test_the_oversight_body_passes_it_on_and_the_force_answers_through_the_pages(personas):
    complaint = _filed(personas)
    auditor = _signed_in(personas.auditor)
    listed = auditor.get("/complaints/").content.decode()
    assert f'data-complaint="{complaint.pk}"' in listed
    page = auditor.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "nobody said why" in page and "jo@example.org" in page and "Pass it to a force" in page

    response = auditor.post(f"/complaints/{complaint.pk}/assign/", {
        "force": personas.force_a.code, "note": "Check the signs at the station entrances on that day."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ASSIGNED and complaint.response_due_at > complaint.received_at

    approver = _signed_in(personas.approver_a)
    assert f'data-complaint="{complaint.pk}"' in approver.get("/complaints/").content.decode()
    page = approver.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "Answer the complaint" in page and "Check the signs" in page
    response = approver.post(f"/complaints/{complaint.pk}/answer/", {
        "outcome": "upheld", "response": "You are right: two entrances had no sign. Signs now go up first."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ANSWERED and complaint.outcome == "upheld"
    assert complaint.responded_by == personas.approver_a

    html = read_status(public_client(), complaint.reference).content.decode()
    assert 'data-status="answered"' in html and "Upheld" in html and "two entrances had no sign" in html

    actions = list(AuditEvent.objects.filter(object_type="complaints.complaint", object_id=str(complaint.pk))
                   .order_by("seq").values_list("action", "actor__username"))
    assert actions == [("complaint.file", None), ("complaint.assign", "amir.auditor"),
                       ("complaint.respond", "sam.super")]


def test_another_force_neither_sees_nor_answers_it(personas):
    complaint = _filed(personas)
    _signed_in(personas.oversight_admin).post(f"/complaints/{complaint.pk}/assign/", {
        "force": personas.force_a.code, "note": "Please look into the signs."})
    for outsider in (personas.approver_b, personas.operator_b):
        client = _signed_in(outsider)
        assert f'data-complaint="{complaint.pk}"' not in client.get("/complaints/").content.decode()
        assert client.get(f"/complaints/{complaint.pk}/").status_code == 404
        response = client.post(f"/complaints/{complaint.pk}/answer/", {
            "outcome": "not_upheld", "response": "Nothing to see here, all was in order on the day."})
        assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ASSIGNED and complaint.response == ""
    assert not AuditEvent.objects.filter(action="complaint.respond").exists()


def test_a_force_does_not_see_a_complaint_before_the_oversight_body_passes_it_on(personas):
    complaint = _filed(personas)
    client = _signed_in(personas.approver_a)
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 404
    assert f'data-complaint="{complaint.pk}"' not in client.get("/complaints/").content.decode()


def test_an_operator_reads_it_but_only_an_approver_or_administrator_answers(personas):
    complaint = _filed(personas)
    _signed_in(personas.auditor).post(f"/complaints/{complaint.pk}/assign/", {
        "force": personas.force_a.code, "note": "Please look into the signs."})
    operator = _signed_in(personas.operator_a)
    assert "Answer the complaint" not in operator.get(f"/complaints/{complaint.pk}/").content.decode()
    response = operator.post(f"/complaints/{complaint.pk}/answer/", {
        "outcome": "not_upheld", "response": "All was in order on the day, signs were up."})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ASSIGNED


def test_a_force_cannot_triage_and_the_oversight_body_cannot_answer_for_a_force(personas):
    complaint = _filed(personas)
    force_admin = _signed_in(personas.admin_a)
    assert force_admin.post(f"/complaints/{complaint.pk}/assign/", {
        "force": personas.force_a.code, "note": "Ours"}).status_code == 404  # not passed to them: not theirs
    auditor = _signed_in(personas.auditor)
    auditor.post(f"/complaints/{complaint.pk}/assign/", {"force": personas.force_a.code, "note": "Please look."})
    response = auditor.post(f"/complaints/{complaint.pk}/answer/", {
        "outcome": "upheld", "response": "The oversight body answering for the force."})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ASSIGNED


def test_bad_answers_are_a_400_naming_the_field_and_change_nothing(personas):
    complaint = _filed(personas)
    auditor = _signed_in(personas.auditor)
    response = auditor.post(f"/complaints/{complaint.pk}/assign/", {"force": "nowhere", "note": ""})
    assert response.status_code == 400 and "Force to answer it" in response.content.decode()
    auditor.post(f"/complaints/{complaint.pk}/assign/", {"force": personas.force_a.code, "note": "Please look."})
    approver = _signed_in(personas.approver_a)
    events = AuditEvent.objects.count()
    for body, field in (({"outcome": "maybe", "response": "A long enough answer for the complainant."}, "Outcome"),
                        ({"outcome": "upheld", "response": "Yes."}, "Your answer")):
        response = approver.post(f"/complaints/{complaint.pk}/answer/", body)
        assert response.status_code == 400 and field in response.content.decode()
    # Passing it on twice is refused in words.
    again = auditor.post(f"/complaints/{complaint.pk}/assign/", {"force": personas.force_a.code, "note": "Again"})
    assert again.status_code == 400 and re.search(r"cannot be passed to a force now", again.content.decode())
    assert AuditEvent.objects.count() == events
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ASSIGNED


def test_the_oversight_body_closes_one_not_for_a_force_with_reasons_the_complainant_reads(personas):
    complaint = _filed(personas)
    response = _signed_in(personas.oversight_admin).post(f"/complaints/{complaint.pk}/close/", {
        "note": "This was a private shop's camera, not the police: we have told the ICO how to reach it."})
    assert response.status_code == 302
    html = read_status(public_client(), complaint.reference).content.decode()
    assert 'data-status="closed"' in html and "private shop" in html
    assert AuditEvent.objects.filter(action="complaint.close", object_id=str(complaint.pk)).count() == 1


def test_the_public_cannot_reach_the_staff_pages(personas):
    complaint = _filed(personas)
    client = public_client()
    for url in ("/complaints/", f"/complaints/{complaint.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
