"""The oversight administrator changes policy settings and the legal-basis register through pages: a new version
with the time it takes effect, values shown and entered as a person reads them; everyone else may only read."""
from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from oversight import policy
from oversight.models import AuditEvent, LegalBasis, PolicySetting


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def main(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_the_settings_page_speaks_plain_english(personas):
    html = main(page_client(personas.auditor).get("/policy/").content.decode())
    assert "Lowest rank that may authorise live facial recognition" in html and "Superintendent" in html
    assert "24 hours" in html and "31 days" in html and "victim, witness, associate" in html
    assert "nec-neoface-v4: 0.64" in html and "dlib-resnet-v1: 0.934" in html
    assert "domain.md" not in html and "Home Office SOP Oct 2025" in html
    for key in policy.DEFINITIONS:
        assert key not in html, key
    assert not re.search(r"\{'|\bFalse\b|\bTrue\b|\[\'", html)
    assert "/policy/lfr.urgent_review_hours/" not in html  # the auditor reads; only the administrator changes


def test_the_oversight_admin_makes_a_new_version_that_takes_effect_later(personas):
    admin = page_client(personas.oversight_admin)
    form = admin.get("/policy/retention.alert_image_days/")
    assert form.status_code == 200 and 'value="31"' in form.content.decode()
    later = timezone.localtime() + dt.timedelta(days=7)
    response = admin.post("/policy/retention.alert_image_days/", {
        "value": "1", "effective_from": later.strftime("%Y-%m-%dT%H:%M"), "reason": "Align with South Wales."})
    assert response.status_code == 302 and response["Location"] == "/policy/"
    setting = PolicySetting.objects.get(key="retention.alert_image_days", version=2)
    assert setting.value == 1 and setting.effective_from > timezone.now()
    assert policy.policy_value("retention.alert_image_days") == 31  # still the old value until then
    event = AuditEvent.objects.get(action="policy_setting.version_add", object_id=str(setting.pk))
    assert event.actor == personas.oversight_admin and event.reason == "Align with South Wales."
    listing = admin.get("/policy/").content.decode()
    assert f"from {timezone.localtime(setting.effective_from):%-d %b %Y %H:%M}: 1 days" in listing


def test_each_kind_of_value_is_entered_in_its_own_words(personas):
    admin = page_client(personas.oversight_admin)
    assert admin.post("/policy/lfr.authorising_rank_floor/", {"value": "chief_superintendent",
                                                               "reason": "Tightened."}).status_code == 302
    assert policy.policy_value("lfr.authorising_rank_floor") == "chief_superintendent"
    assert admin.post("/policy/publication.force_admin_may_publish/", {"value": "yes",
                                                                       "reason": "Forces publish."}).status_code == 302
    assert policy.policy_value("publication.force_admin_may_publish") is True
    assert admin.post("/policy/matching.threshold_floor/", {
        "floor:nec-neoface-v4": "0.66", "floor:dlib-resnet-v1": "0.934", "new_model": "sface-2021dec",
        "new_floor": "0.456", "reason": "The second embedder is in use."}).status_code == 302
    assert policy.policy_value("matching.threshold_floor") == {"nec-neoface-v4": 0.66, "dlib-resnet-v1": 0.934,
                                                               "sface-2021dec": 0.456}
    assert admin.post("/policy/watchlist.extra_justification_categories/", {
        "value": "victim, witness", "reason": "Associates need none."}).status_code == 302
    assert policy.policy_value("watchlist.extra_justification_categories") == ["victim", "witness"]


def test_a_bad_value_is_refused_with_400_naming_the_field_and_nothing_is_written(personas):
    admin = page_client(personas.oversight_admin)
    before = PolicySetting.objects.count(), AuditEvent.objects.count()
    for key, data, field in [
        ("lfr.urgent_review_hours", {"value": "-3", "reason": "x"}, "New value (hours)"),
        ("lfr.urgent_review_hours", {"value": "0", "reason": "Shorter."}, None),
        ("lfr.authorising_rank_floor", {"value": "archbishop", "reason": "x"}, "New value"),
        ("review.post_deployment_days", {"value": "7", "reason": " "}, "Why the policy changes"),
        ("review.post_deployment_days", {"value": "7", "reason": "Sooner.", "effective_from": "soon"},
         "In force from"),
    ]:
        response = admin.post(f"/policy/{key}/", data)
        assert response.status_code == 400, (key, data)
        html = main(response.content.decode())
        assert "There is a problem" in html
        if field:
            assert f">{field}:" in html, (key, data)
        assert key not in html.replace(f"/policy/{key}/", "")  # the setting is named in words, not by its key
    assert (PolicySetting.objects.count(), AuditEvent.objects.count()) == before


def test_only_the_oversight_admin_may_change_policy_or_the_register(personas):
    for user in (personas.auditor, personas.approver_a):
        client = page_client(user)
        assert client.get("/policy/lfr.urgent_review_hours/").status_code == 403
        assert client.post("/policy/lfr.urgent_review_hours/", {"value": "1", "reason": "x"}).status_code == 403
        assert client.post("/legal-bases/new/", {}).status_code == 403
    anonymous = page_client(None).get("/policy/lfr.urgent_review_hours/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert page_client(personas.oversight_admin).get("/policy/no.such.setting/").status_code == 404


def test_the_oversight_admin_rewords_a_legal_basis_keeping_the_old_wording(personas):
    admin = page_client(personas.oversight_admin)
    basis = LegalBasis.objects.get(code="COURT-WARRANT")
    first = basis.versions.order_by("-version").first()
    form = admin.get("/legal-bases/COURT-WARRANT/").content.decode()
    assert first.title in form
    response = admin.post("/legal-bases/COURT-WARRANT/", {
        "code": "IGNORED", "title": "Wanted on a warrant issued by a court", "meaning": first.meaning,
        "kind": first.kind, "source": first.source, "reason": "Clearer title."})
    assert response.status_code == 302 and response["Location"] == "/legal-bases/#COURT-WARRANT"
    assert list(basis.versions.order_by("version").values_list("title", flat=True)) == [
        first.title, "Wanted on a warrant issued by a court"]
    assert "Wanted on a warrant issued by a court" in page_client(None).get("/legal-bases/").content.decode()


def test_a_new_legal_basis_with_a_bad_code_is_refused_naming_the_code(personas):
    admin = page_client(personas.oversight_admin)
    before = LegalBasis.objects.count()
    response = admin.post("/legal-bases/new/", {"code": "not a code", "title": "T", "meaning": "M",
                                                "kind": "power", "reason": "New power."})
    assert response.status_code == 400 and ">Code:" in response.content.decode()
    assert LegalBasis.objects.count() == before
    ok = admin.post("/legal-bases/new/", {"code": "PACE-S32-SEARCH", "title": "Search on arrest",
                                          "meaning": "A power to search a person after arrest.", "kind": "power",
                                          "reason": "Needed for engagement records."})
    assert ok.status_code == 302 and LegalBasis.objects.filter(code="PACE-S32-SEARCH").exists()
    assert AuditEvent.objects.filter(action="legal_basis.version_add", reason="Needed for engagement records.").exists()
