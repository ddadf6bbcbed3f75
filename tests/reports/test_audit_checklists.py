"""Audits sample watchlist entries, RFR searches and OIFR checks as well as deployments and alerts; every sampled
record has a checklist the auditor fills in; the sampling method is described in words on the page."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from deployments.models import WatchlistEntry
from matching.models import OifrCheck, RfrSearch
from oversight.models import AuditEvent
from oversight.reports import audits
from oversight.reports.models import AuditSampleCheck


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def sampled(world):
    p = world.personas
    audit = audits.force_audit_open(actor=p.auditor, force=p.force_a, scope="Watchlists, searches and checks.",
                                    period_start=world.start, period_end=world.end)
    return audits.force_audit_sample(actor=p.auditor, audit=audit, deployments=1, alerts=1, watchlist_entries=2,
                                     rfr_searches=5, oifr_checks=1, seed=42)


def test_it_samples_entries_searches_and_checks_reproducibly(world, sampled):
    s = sampled.sample
    entries = sorted(WatchlistEntry.objects.filter(watchlist__deployment__force=world.personas.force_a,
                                                   watchlist__deployment__in=s["deployments"]["population"])
                     .values_list("pk", flat=True))
    assert s["watchlist_entries"]["population"] == entries and len(s["watchlist_entries"]["drawn"]) == 2
    assert s["rfr_searches"]["population"] == list(RfrSearch.objects.values_list("pk", flat=True))
    assert s["rfr_searches"]["drawn"] == s["rfr_searches"]["population"]  # fewer than asked: all of them
    assert s["oifr_checks"]["population"] == sorted(OifrCheck.objects.values_list("pk", flat=True))
    assert len(s["oifr_checks"]["drawn"]) == 1
    assert audits.sample_redraw(sampled) == {k: s[k]["drawn"] for k in (
        "deployments", "alerts", "watchlist_entries", "rfr_searches", "oifr_checks")}
    event = AuditEvent.objects.get(action="force_audit.sample", object_id=str(sampled.pk))
    assert event.new["oifr_checks"]["drawn"] == s["oifr_checks"]["drawn"]


def test_the_auditor_fills_in_each_sampled_records_checklist_and_every_save_is_audited(world, sampled):
    p = world.personas
    entry = sampled.sample["watchlist_entries"]["drawn"][0]
    check = audits.audit_sample_check(actor=p.auditor, audit=sampled, kind="watchlist_entries", object_id=entry,
                                      lawful_basis="yes", justification_adequate="yes", image_provenance="yes",
                                      deleted_on_time="n/a", decision_recorded="n/a")
    with pytest.raises(ValidationError) as refused:
        audits.audit_sample_check(actor=p.auditor, audit=sampled, kind="watchlist_entries", object_id=entry,
                                  justification_adequate="no", findings="")
    assert "findings" in refused.value.message_dict
    revised = audits.audit_sample_check(actor=p.auditor, audit=sampled, kind="watchlist_entries", object_id=entry,
                                        lawful_basis="yes", justification_adequate="no",
                                        findings="The justification repeats the category and nothing more.")
    assert revised.pk == check.pk and AuditSampleCheck.objects.count() == 1
    events = list(AuditEvent.objects.filter(action="force_audit.check").order_by("seq"))
    assert len(events) == 2 and events[1].old["justification_adequate"] == "yes"
    assert events[1].new["justification_adequate"] == "no" and events[1].force == p.force_a
    with pytest.raises(ValidationError) as not_sampled:
        audits.audit_sample_check(actor=p.auditor, audit=sampled, kind="rfr_searches", object_id=999999)
    assert "object_id" in not_sampled.value.message_dict
    with pytest.raises(PermissionDenied):
        audits.audit_sample_check(actor=p.approver_a, audit=sampled, kind="watchlist_entries", object_id=entry)


def test_the_audit_page_describes_the_method_in_words_and_links_each_sampled_record(world, sampled):
    p = world.personas
    html = page_client(p.auditor).get(f"/oversight/audits/{sampled.pk}/").content.decode()
    assert "random.Random" not in html and "simple random sample without replacement" in html
    assert "seed 42" in html
    search = sampled.sample["rfr_searches"]["drawn"][0]
    assert f'href="/records/rfr-searches/{search}/">RFR search {search}, South Mercia Police</a>' in html
    oifr = sampled.sample["oifr_checks"]["drawn"][0]
    assert f'href="/records/oifr-checks/{oifr}/">OIFR check {oifr}, South Mercia Police</a>' in html
    assert "Justification adequate" in html and "Image provenance recorded" in html


def test_the_checklist_form_saves_through_the_page_and_a_bad_answer_is_a_400_naming_it(world, sampled):
    p = world.personas
    oifr = sampled.sample["oifr_checks"]["drawn"][0]
    prefix = f"oifr_checks-{oifr}"
    url = f"/oversight/audits/{sampled.pk}/checks/"
    data = {"prefix": prefix, f"{prefix}-kind": "oifr_checks", f"{prefix}-object_id": str(oifr),
            f"{prefix}-lawful_basis": "yes", f"{prefix}-deleted_on_time": "maybe", f"{prefix}-findings": ""}
    auditor = page_client(p.auditor)
    bad = auditor.post(url, data)
    assert bad.status_code == 400 and ">Deleted on time:" in bad.content.decode()
    assert not AuditSampleCheck.objects.exists()
    data[f"{prefix}-deleted_on_time"] = "yes"
    data[f"{prefix}-decision_recorded"] = "no"
    assert auditor.post(url, data).status_code == 400  # "no" needs findings
    data[f"{prefix}-findings"] = "No record of who decided to run the check in a school."
    ok = auditor.post(url, data)
    assert ok.status_code == 302 and ok["Location"].endswith(f"#check-{prefix}")
    check = AuditSampleCheck.objects.get()
    assert (check.kind, check.object_id, check.decision_recorded) == ("oifr_checks", oifr, "no")
    assert page_client(p.approver_a).post(url, data).status_code == 403
    assert page_client(p.approver_b).post(url, data).status_code == 404
