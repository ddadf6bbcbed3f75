"""The audit log as pages: filtered by force, action, actor, record and date, a bounded page at a time, every
record named as a person would name it; each entry's page shows its proof checked against the newest signed
checkpoint with the pinned key."""
from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone

from oversight import services
from oversight.audit.checkpoints import checkpoint_make
from oversight.forms import PAGE_SIZE
from oversight.models import AuditEvent, Rank, Role
from tests.conftest import PASSWORD


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def shown_seqs(response) -> list[int]:
    return [int(seq) for seq in re.findall(r'<tr data-seq="(\d+)">', response.content.decode())]


def add_people(personas, count: int, force) -> None:
    for i in range(count):
        services.user_create(actor=personas.oversight_admin, username=f"pc.{force.code}{i}", password=PASSWORD,
                             role=Role.FORCE_OPERATOR, force=force, rank=Rank.CONSTABLE)


def test_it_pages_through_the_log_newest_first_a_bounded_page_at_a_time(personas):
    add_people(personas, PAGE_SIZE + 5, personas.force_a)
    auditor = page_client(personas.auditor)
    total = AuditEvent.objects.count()
    first = auditor.get("/audit/")
    assert first.status_code == 200
    seqs = shown_seqs(first)
    assert len(seqs) == PAGE_SIZE and seqs == sorted(seqs, reverse=True) and seqs[0] == total - 1
    assert f"of {total}" in first.content.decode() and 'rel="next"' in first.content.decode()
    second = auditor.get("/audit/?page=2")
    assert shown_seqs(second)[0] == seqs[-1] - 1
    last = auditor.get("/audit/?page=999")  # past the end: the last page, not an error
    assert last.status_code == 200 and shown_seqs(last)[-1] == 0


def test_it_filters_by_force_action_actor_record_and_date(personas):
    add_people(personas, 3, personas.force_b)
    auditor = page_client(personas.auditor)
    by_force = shown_seqs(auditor.get("/audit/?force=north-wessex"))
    assert by_force and set(by_force) == set(
        AuditEvent.objects.filter(force=personas.force_b).values_list("seq", flat=True))
    by_action = shown_seqs(auditor.get("/audit/?action=force.create"))
    assert len(by_action) == 2
    by_actor = shown_seqs(auditor.get("/audit/?actor=olivia.admin&action=user.create&force=north-wessex"))
    assert len(by_actor) == 5  # the approver, the operator and the three constables of force B
    target = personas.operator_b
    by_record = auditor.get(f"/audit/?object_type=oversight.user&object_id={target.pk}")
    assert shown_seqs(by_record) == list(AuditEvent.objects.filter(
        object_type="oversight.user", object_id=str(target.pk)).order_by("-seq").values_list("seq", flat=True))
    today = timezone.localdate()
    assert len(shown_seqs(auditor.get(f"/audit/?date_from={today}&date_to={today}"))) == min(
        AuditEvent.objects.count(), PAGE_SIZE)
    assert shown_seqs(auditor.get(f"/audit/?date_to={today.replace(year=today.year - 1)}")) == []


def test_it_names_each_record_as_a_person_would_and_says_what_happened_in_words(personas):
    html = page_client(personas.auditor).get("/audit/?force=north-wessex").content.decode()
    today = timezone.localdate()
    assert f"Account {personas.operator_b.pk}, North Wessex Police, {today.day} {today:%b %Y}" in html
    assert f'href="/people/{personas.operator_b.pk}/"' in html
    assert "A person was given an account" in html
    assert "object (" not in html and "oversight.user" not in html.split('<select name="object_type"')[0]
    assert "user.create</" not in html


def test_a_bad_filter_is_refused_with_400_naming_the_field(personas):
    auditor = page_client(personas.auditor)
    for query, field in [("force=atlantis", "Force"), ("action=no.such", "What happened"),
                         ("date_from=yesterday", "From"), ("object_id=12", "Kind of record"),
                         ("object_type=oversight.user&object_id=x", "Record number"),
                         ("date_from=2026-12-02&date_to=2026-12-01", "To (inclusive)"), ("page=0", "Page")]:
        response = auditor.get(f"/audit/?{query}")
        assert response.status_code == 400, query
        assert re.search(rf'<a href="#id_\w+">{re.escape(field)}:', response.content.decode()), query
        assert shown_seqs(response) == [], query


def test_force_staff_see_only_their_forces_entries_and_the_public_none(personas):
    add_people(personas, 2, personas.force_b)
    operator_a = page_client(personas.operator_a)
    seqs = shown_seqs(operator_a.get("/audit/"))
    assert seqs and set(seqs) <= set(AuditEvent.objects.filter(force=personas.force_a).values_list("seq", flat=True))
    assert shown_seqs(operator_a.get("/audit/?force=north-wessex")) == []  # not a choice: refused
    other = AuditEvent.objects.filter(force=personas.force_b).first()
    assert operator_a.get(f"/audit/{other.seq}/").status_code == 404
    anonymous = page_client(None).get(f"/audit/{other.seq}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_an_entry_page_shows_its_inclusion_proof_verified_against_the_signed_checkpoint(personas):
    event = AuditEvent.objects.get(action="user.create", object_id=str(personas.approver_b.pk))
    auditor = page_client(personas.auditor)
    checkpoint = checkpoint_make()
    html = auditor.get(f"/audit/{event.seq}/").content.decode()
    assert re.search(rf"<strong>Verified:</strong> entry {event.seq} is in the log signed at "
                     rf"{checkpoint.signed_at:%-d %b %Y %H:%M}:\d\d UTC, which holds {checkpoint.tree_size} entries",
                     html)
    assert "A person was given an account" in html and "North Wessex Police" in html
    assert f'href="/people/{personas.approver_b.pk}/"' in html
    assert "{" not in html.split("<main")[1].split("</main>")[0]  # values in words, not as a Python dict
    assert page_client(personas.approver_b).get(f"/audit/{event.seq}/").status_code == 200  # the force's own


def test_an_entry_newer_than_every_checkpoint_says_so_instead_of_claiming_a_proof(personas):
    checkpoint_make()
    newer = services.user_create(actor=personas.oversight_admin, username="new.person", password=PASSWORD,
                                 role=Role.OVERSIGHT_AUDITOR)
    event = AuditEvent.objects.get(action="user.create", object_id=str(newer.pk))
    html = page_client(personas.auditor).get(f"/audit/{event.seq}/").content.decode()
    assert "Not yet covered by a signed checkpoint" in html and "Verified:" not in html


def test_a_tampered_checkpoint_fails_verification_on_the_page(personas, settings):
    event = AuditEvent.objects.get(action="user.create", object_id=str(personas.auditor.pk))
    checkpoint_make()
    # A checkpoint signed by a key the log does not trust (an insider's own key) proves nothing.
    settings.AUDIT_SIGNING_KEY, settings.AUDIT_TRUSTED_KEYS = "11" * 31 + "22", ""
    html = page_client(personas.auditor).get(f"/audit/{event.seq}/").content.decode()
    assert "Verification failed:" in html and "not a trusted key" in html
