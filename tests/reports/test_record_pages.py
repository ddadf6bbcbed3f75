"""The records an auditor follows (alert, watchlist entry, authorisation, assessment, policy document, category,
RFR search, OIFR check) are pages: auditors see every force's, a force's own people see their force's, another
force gets 404 and the public is asked to sign in. No page links to the API or shows a rule id outside a tooltip."""
from __future__ import annotations

import re

from django.test import Client

from matching.models import OifrCheck, RfrSearch
from oversight.models import AuditEvent

PATTERNS = ("R\\d\\d-", "object \\(", "domain\\.md", "\\{'")


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def main(html: str) -> str:
    """The page's own content (the footer's link to the API documentation is the site's, not the record's)."""
    return html[html.index('<main'):html.index("</main>")]


def visible_text(html: str) -> str:
    """The page as read: tags and their attributes (tooltips) removed."""
    return re.sub(r"<[^>]+>", " ", html)


def record_urls(world) -> dict[str, str]:
    alert = world.alerts["false"]
    auth = world.live.authorisations.order_by("pk").first()
    return {
        "alert": f"/records/alerts/{alert.pk}/",
        "entry": f"/records/watchlist-entries/{alert.entry_id}/",
        "category": f"/records/watchlist-categories/{alert.entry.category_id}/",
        "authorisation": f"/records/authorisations/{auth.pk}/",
        "assessment": f"/records/assessments/{world.live.assessment.pk}/",
        "document": f"/records/policy-documents/{auth.dpia_id}/",
        "rfr": f"/records/rfr-searches/{RfrSearch.objects.get().pk}/",
        "oifr": f"/records/oifr-checks/{OifrCheck.objects.order_by('pk').first().pk}/",
    }


def test_auditors_and_the_owning_force_read_each_record_other_forces_and_the_public_do_not(world):
    p = world.personas
    urls = record_urls(world)
    auditor, operator_a, approver_b = page_client(p.auditor), page_client(p.operator_a), page_client(p.approver_b)
    for name, url in urls.items():
        response = auditor.get(url)
        assert response.status_code == 200, name
        html = main(response.content.decode())
        assert 'href="/api/' not in html, name
        for pattern in PATTERNS:
            assert not re.search(pattern, visible_text(html)), (name, pattern)
        assert operator_a.get(url).status_code == 200, name  # the operator ran the RFR search and OIFR check
        assert approver_b.get(url).status_code == 404, name
        anonymous = page_client(None).get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/"), name


def test_the_alert_page_links_every_step_of_the_chain_and_its_audit_entries(world):
    alert = world.alerts["false"]
    auth = world.live.authorisations.order_by("pk").first()
    html = page_client(world.personas.auditor).get(f"/records/alerts/{alert.pk}/").content.decode()
    assert f"Alert {alert.pk}, South Mercia Police" in html
    assert f'href="/records/watchlist-entries/{alert.entry_id}/"' in html
    assert f'href="/deployments/{world.live.pk}/"' in html
    assert f'href="/records/authorisations/{auth.pk}/"' in html
    assert f'href="/records/assessments/{world.live.assessment.pk}/"' in html
    for basis in alert.entry.legal_bases.all():
        title = basis.versions.order_by("-version").first().title
        assert f'href="/legal-bases/#{basis.code}" title="Register code {basis.code}">{title}</a>' in html
    assert "False alert by" in html
    assert re.search(r'href="/audit/\d+/">Entry \d+</a>: A face matched a watchlist entry', html)
    assert re.search(r'href="/audit/\d+/">Entry \d+</a>: An officer decided on an alert', html)


def test_the_entry_page_shows_the_justification_and_where_the_image_comes_from(world):
    entry = world.alerts["false"].entry
    html = page_client(world.personas.approver_a).get(f"/records/watchlist-entries/{entry.pk}/").content.decode()
    assert entry.justification.split("\n")[0][:40] in html.replace("<br>", "\n")
    assert entry.image_source_system in html
    assert f'href="/records/alerts/{world.alerts["false"].pk}/"' in html


def test_the_authorisation_page_names_rules_in_words_with_their_ids_only_in_tooltips(world):
    auth = world.live.authorisations.order_by("pk").first()
    html = page_client(world.personas.auditor).get(f"/records/authorisations/{auth.pk}/").content.decode()
    assert "Rules checked" in html and re.search(r'<span title="R\d\d-[^"]+">', html)
    assert not re.search(r"R\d\d-", visible_text(html))
    assert "Policy versions it was checked against" in html and "Superintendent" in html


def test_the_auditors_and_administrators_pages_speak_plain_english(world):
    """No rule id, setting key, file name, model repr or Python literal on the pages a person reads (rule ids
    stay in tooltips); the audit of a force names its sampling method in words."""
    p = world.personas
    seq = AuditEvent.objects.filter(force=p.force_a).order_by("-seq").values_list("seq", flat=True)[5]
    pages = {p.auditor: ["/audit/", f"/audit/{seq}/", "/policy/", "/fleet/", "/policy-documents/",
                         f"/oversight/audits/{world.audit.pk}/"],
             p.oversight_admin: ["/policy/", "/policy/review.post_deployment_days/", "/legal-bases/COURT-WARRANT/",
                                 "/fleet/"],
             p.approver_a: ["/audit/", "/policy-documents/", "/policy-documents/new/", "/fleet/"]}
    for user, urls in pages.items():
        client = page_client(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = visible_text(main(response.content.decode()))
            for pattern in (*PATTERNS, r"\b[a-z]+\.[a-z_]+_[a-z_]+\b", r"random\.Random", r"\bNone\b", r"\.py\b"):
                assert not re.search(pattern, text), (user.username, url, pattern, re.search(pattern, text))
