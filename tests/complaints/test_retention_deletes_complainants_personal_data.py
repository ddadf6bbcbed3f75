"""The retention run deletes a complainant's contact details and words the policy period after the complaint was
closed: an audited deletion counted like every other, while what was complained of and its outcome stay (so the
reports' counts never change). A complaint still open, or closed recently, keeps them."""
from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from deployments.complaints import services
from deployments.complaints.models import Complaint
from matching import rules
from matching.models import Deletion
from oversight.models import AuditEvent

def retention_run() -> int:
    """The retention run as the scheduler and the command run it; returns the complaints it cleared."""
    out = StringIO()
    call_command("retention", "run", stdout=out)
    return int(re.search(r"(\d+) complainants' contact details and words", out.getvalue()).group(1))


DESCRIPTION = "I was stopped after a false alert outside the stadium and searched in front of my children."


def _closed(personas, *, days_ago: int) -> Complaint:
    then = timezone.now() - timedelta(days=days_ago)
    complaint = services.complaint_file(force=personas.force_a, subject="force",
                                        description=DESCRIPTION, contact_name="Sam Person",
                                        contact_email="sam@example.org", contact_phone="+44 7700 900123",
                                        place="Stadium gates", address="192.0.2.44", now=then)
    services.complaint_assign(actor=personas.auditor, complaint=complaint, note="Please look at the stop.", now=then)
    return services.complaint_respond(actor=personas.approver_a, complaint=complaint, outcome="upheld",
                                      response="The stop was not justified; the officer has been retrained.",
                                      now=then + timedelta(days=1))


def test_retention_deletes_the_personal_data_after_the_policy_period_with_an_audited_deletion(personas):
    old = _closed(personas, days_ago=400)  # closed 399 days ago: due 365 days after closing
    recent = _closed(personas, days_ago=30)
    still_open = services.complaint_file(force=personas.force_a, subject="force", description=DESCRIPTION,
                                         contact_email="open@example.org", address="192.0.2.45",
                                         now=timezone.now() - timedelta(days=500))

    assert retention_run() == 1
    old.refresh_from_db()
    assert (old.description, old.contact_name, old.contact_email, old.contact_phone, old.place, old.sender_key) == \
           ("", "", "", "", "", "")
    assert old.personal_data_deleted_at is not None
    # What was complained of, by whom it was answered and the outcome stay.
    assert (old.force, old.subject, old.outcome, old.status) == (personas.force_a, "force", "upheld", "answered")
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert recent.contact_email == "sam@example.org" and still_open.contact_email == "open@example.org"

    deletion = Deletion.objects.get(kind="complaint_personal")
    assert (deletion.object_type, deletion.object_id, deletion.force) == ("complaints.complaint", str(old.pk),
                                                                         personas.force_a)
    assert deletion.due_at == old.closed_at + timedelta(days=365) and deletion.on_time is False
    assert deletion.policy_setting.key == "complaints.personal_data_days"
    event = AuditEvent.objects.get(action="retention.delete", object_type="complaints.complaint", object_id=str(old.pk))
    assert "sam@example.org" not in str(event.new) and event.new["kind"] == "complaint_personal"
    # The rulebook's check that every deletion is audited covers this kind too, and finds nothing missing.
    assert not [v for v in rules.check_retention(at=timezone.now()).violations if "audit log" in str(v)]
    # Run again: nothing more is due.
    assert retention_run() == 0


def test_the_oversight_page_says_the_words_were_deleted(personas):
    old = _closed(personas, days_ago=400)
    retention_run()
    client = Client()
    client.force_login(personas.auditor)
    html = client.get(f"/complaints/{old.pk}/").content.decode()
    assert "under the retention policy" in html and "sam@example.org" not in html and "stadium" not in html


def test_the_retention_page_counts_complaint_deletions(personas):
    _closed(personas, days_ago=400)
    retention_run()
    client = Client()
    client.force_login(personas.auditor)
    response = client.get("/retention/")
    assert response.status_code == 200
    assert "Complainant" in response.content.decode()
