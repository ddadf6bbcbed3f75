"""The approver reads everyone on the watchlist before deciding: photo, justification, the law in words, provenance.

The photos are served only to people who may read the entry, and never cached outside their session.
"""
from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.deployments.factories import JUSTIFICATION, lfr_deployment
from tests.deployments.helpers import page_client


@pytest.fixture
def deployment(personas):
    return lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                          entries=3)


def _entries_section(html: str) -> str:
    return html[html.index('id="watchlist-entries"'):html.index("<h2>Proportionality assessment</h2>")]


def test_it_shows_every_entry_with_its_justification_photo_and_legal_basis_in_words(personas, deployment):
    html = page_client(personas.approver_a).get(f"/deployments/{deployment.pk}/").content.decode()
    section = _entries_section(html)
    entries = list(deployment.watchlist.entries.order_by("pk"))
    for entry in entries:
        assert entry.subject_reference in section
        assert f'src="/watchlist-entries/{entry.pk}/image/?size=small"' in section
        assert f'href="/watchlist-entries/{entry.pk}/image/"' in section
    assert section.count(JUSTIFICATION) == 3
    # Grouped by category, in the force's order, with the law in the register's words.
    headings = re.findall(r'<h3 id="category-([a-z-]+)"', section)
    assert headings == ["wanted-by-court", "suspected-offence", "conditions-breach"]
    assert "Lawfully taken custody image" in section and "Wanted on a court warrant" in section
    text = re.sub(r'title="[^"]*"', "", section)
    assert "PACE-S64A-CUSTODY" not in text and "COURT-WARRANT" not in text  # codes only in a tooltip
    assert "Police National Database custody image, taken" in section
    # The size and the expected false alerts side by side.
    size = re.search(r'id="watchlist-size">(.*?)</p>', html, re.S).group(1)
    assert "<strong>3</strong> people on the watchlist" in size and "expected false alert" in size
    assert not re.search(r"\de-\d", re.sub(r"<[^>]+>", "", html))  # numbers as people read them, no exponents
    assert "Article 8(2) aim: prevention of disorder or crime" in html and "<code>HRA-A8-2-CRIME" not in html


def test_it_shows_extra_justifications_and_flags(personas, deployment):
    from deployments.models import WatchlistEntry

    entry = deployment.watchlist.entries.order_by("pk").first()
    WatchlistEntry.objects.filter(pk=entry.pk).update(
        under_18=True, harm_justification="Fifteen, missing for three days, seen with a man who exploits children.",
        extra_justification="Named in a safeguarding referral.", unconvicted=True)
    html = page_client(personas.approver_a).get(f"/deployments/{deployment.pk}/").content.decode()
    card = re.search(rf'<li class="evidence" id="entry-{entry.pk}">(.*?)</li>\s*(?:<li class="evidence"|</ol>)',
                     html, re.S).group(1)
    assert "seen with a man who exploits children" in card and "Named in a safeguarding referral" in card
    assert "Under 18: needs a second approval" in card and "Not convicted" in card


def test_the_watchlist_page_shows_the_same_evidence(personas, deployment):
    html = page_client(personas.operator_a).get(f"/deployments/{deployment.pk}/watchlist/").content.decode()
    assert html.count(JUSTIFICATION) == 3 and "Lawfully taken custody image" in html
    # The form to add a person offers the legal bases in words too (the code is only the submitted value).
    assert re.search(r'value="PACE-S64A-CUSTODY"[^>]*>\s*Lawfully taken custody image</label>', html)
    assert "PACE-S64A-CUSTODY:" not in html


def test_the_photo_goes_only_to_people_who_may_read_the_entry_and_is_never_cached(personas, deployment):
    entry = deployment.watchlist.entries.first()
    url = f"/watchlist-entries/{entry.pk}/image/"
    response = page_client(personas.approver_a).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    small = page_client(personas.approver_a).get(url + "?size=small")
    assert small.status_code == 200 and small["Cache-Control"] == "private, no-store"
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(small.content)) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 240
    assert len(small.content) < len(b"".join(page_client(personas.approver_a).get(url).streaming_content))
    assert page_client(personas.approver_b).get(url + "?size=small").status_code == 404
    assert page_client(personas.auditor).get(url).status_code == 200  # the oversight body reads every force
    assert page_client(personas.approver_b).get(url).status_code == 404
    assert page_client(personas.operator_b).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert page_client(personas.approver_a).get("/watchlist-entries/999999/image/").status_code == 404


def test_another_force_cannot_open_the_authorisation_page(personas, deployment):
    assert page_client(personas.approver_b).get(f"/deployments/{deployment.pk}/").status_code == 404
    anonymous = Client().get(f"/deployments/{deployment.pk}/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_evidence_is_read_in_a_fixed_number_of_queries_whatever_the_watchlist_size(
        personas, deployment, django_assert_max_num_queries):
    from django.utils import timezone

    from deployments import selectors

    watchlist = selectors.watchlist_of(deployment=deployment)
    with django_assert_max_num_queries(4):
        groups = selectors.watchlist_evidence(watchlist=watchlist, at=timezone.now())
        shown = [(item.entry.category.name, item.entry.second_approver, item.bases) for group in groups
                 for item in group.entries]
    assert len(shown) == 3


def test_the_api_serves_the_same_photo_uncached(personas, deployment):
    entry = deployment.watchlist.entries.first()
    response = personas.api(personas.operator_a).get(f"/api/watchlist-entries/{entry.pk}/image/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert personas.api(personas.operator_b).get(f"/api/watchlist-entries/{entry.pk}/image/").status_code == 404
