"""The dashboard shows, per force, what is open this year: its numbers are the exceptions' and the records'."""
from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone

from deployments.models import PolicyDocument
from matching.models import Alert
from oversight.reports.selectors import oversight_dashboard


def test_each_forces_row_counts_what_is_open(world):
    dash = oversight_dashboard(year=timezone.localdate().year, as_of=world.as_of)
    rows = {r["force"].code: r for r in dash["rows"]}
    a, b = rows["south-mercia"], rows["north-wessex"]
    assert a["deployments"] == 3 and b["deployments"] == 0
    assert a["unadjudicated"] == Alert.objects.filter(deployment__force=world.personas.force_a,
                                                      adjudication__isnull=True).count() == 1
    assert a["reviews_overdue"] == 2  # the post-deployment reviews of the live deployment and the lapsed one
    assert a["deletions_overdue"] == 1  # the undecided alert's image
    assert b["documents_overdue"] == PolicyDocument.objects.filter(
        force=world.personas.force_b, next_review_on__lt=timezone.localdate()).count() == 1
    assert a["open_exceptions"] == 4 and b["open_exceptions"] == 1
    assert a["false_alerts"] == 1 and a["faces"] == 5 and a["false_per_face"] == 1 / 5
    assert a["expected"] > 0 and a["ratio"] == 1 / a["expected"]
    assert a["open_audits"] == 1
    assert dash["totals"]["open_exceptions"] == 5


def test_the_page_shows_the_table_and_the_chart(world):
    client = Client()
    client.force_login(world.personas.auditor)
    page = client.get("/oversight/").content.decode()
    row = re.search(r'<tr id="force-south-mercia".*?</tr>', page, re.S).group(0)
    assert 'data-n="deployments">3<' in row and 'data-n="unadjudicated">1<' in row
    assert "<svg" in page and "Open exceptions by force" in page
