"""The PDF is the HTML report printed by WeasyPrint: its text holds every alert-to-legal-basis row.

Text is extracted with `pdftotext -layout` from Debian's poppler-utils (`apt-get install poppler-utils`).
"""
from __future__ import annotations

import re
import subprocess

import pytest
from django.db import transaction
from django.test import override_settings

from matching.models import Alert
from oversight.audit.checkpoints import checkpoint_make
from oversight.reports.regulator import regulator_report
from oversight.reports.rendering import render_html, render_pdf
from tests import needs


@pytest.fixture(scope="module")
def rendered(built_world, django_db_blocker, tmp_path_factory):
    """The regulator report of the world, printed to PDF and read back once for the module: the tests only read
    it. The checkpoint it is built from is rolled back with the rendering, so the world stays as built. Each test
    still asks for `world`: a test on the database, run with the world's others, never after the transactional
    tests that empty it."""
    with override_settings(MEDIA_ROOT=str(built_world.media)), django_db_blocker.unblock():
        with transaction.atomic():
            report = regulator_report(forces=built_world.forces, start=built_world.start, end=built_world.end,
                                      checkpoint=checkpoint_make(), as_of=built_world.as_of)
            pdf, pages = render_pdf(render_html(report, for_pdf=True), base_url="http://testserver/")
            transaction.set_rollback(True)
    path = tmp_path_factory.mktemp("regulator-pdf") / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([needs.pdftotext(), "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return report, pdf, pages, text


def test_the_pdf_has_a_row_from_each_alert_to_its_legal_bases(world, rendered):
    report, pdf, pages, text = rendered
    assert pdf.startswith(b"%PDF-")
    alerts = Alert.objects.filter(deployment__force=world.personas.force_a).select_related("entry__category")
    assert alerts.count() == 4
    lines = text.splitlines()
    for alert in alerts:
        codes = sorted(alert.entry.legal_bases.values_list("code", flat=True))
        pattern = re.compile(rf"\bA{alert.pk}\b.*{re.escape(alert.entry.subject_reference)}.*"
                             rf"{re.escape(alert.entry.category.code)}.*" + ".*".join(re.escape(c) for c in codes)
                             + rf".*\bD{alert.deployment_id}\b")
        assert any(pattern.search(line) for line in lines), f"no row for alert {alert.pk} with {codes}"


def test_the_pdf_numbers_its_pages_and_carries_the_charts_and_the_proof(world, rendered):
    report, pdf, pages, text = rendered
    assert pages >= 5
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Alerts by month" in text and "Exceptions by kind" in text  # the SVG charts' captions and data tables
    assert b"/Subtype /Form" in pdf or b"/XObject" in pdf  # the inline SVGs are drawn as vector forms
    assert "Proof that the audit log is intact" in text
    assert "Verified." in text
    assert f"checkpoint of size {report.checkpoint.tree_size:,}" in text.replace("\n", " ")
    assert "alert.unadjudicated" in text and "urgent_review.lapsed" in text


def test_the_html_links_each_link_of_the_chain_to_a_page_never_to_the_api(world, rendered):
    report = rendered[0]
    html = render_html(report)
    alert = world.alerts["false"]
    assert 'href="/api/' not in html
    assert f'href="/records/alerts/{alert.pk}/"' in html
    assert f'href="/records/watchlist-entries/{alert.entry_id}/"' in html
    assert f'href="/records/watchlist-categories/{alert.entry.category_id}/"' in html
    assert f'href="/legal-bases/#PACE-S64A-CUSTODY"' in html
    assert f'href="/deployments/{world.live.pk}/"' in html
    auth = world.live.authorisations.get()
    assert f'href="/records/authorisations/{auth.pk}/"' in html
    assert f'href="/records/assessments/{world.live.assessment.pk}/"' in html
    assert f'href="/records/policy-documents/{auth.dpia_id}/"' in html
    assert re.search(r'href="/audit/\d+/"', html)
    assert "@page" in html and "counter(pages)" in html
