"""Every number of a published report, in its web page, PDF, CSV and JSON, equals a count the test made itself."""
from __future__ import annotations

import re

from django.utils import timezone

from tests.transparency.helpers import csv_rows, html_figures, json_of, pdf_text, squeeze

ROW_COUNTS = ["watchlist_size", "faces_processed", "alerts", "confirmed_matches", "false_alerts", "engagements",
              "arrests"]


def _downloads(client, report) -> dict:
    base = f"/transparency/reports/{report.pk}/"
    responses = {"html": client.get(base), **{fmt: client.get(f"{base}report.{fmt}") for fmt in ("csv", "json", "pdf")}}
    assert all(r.status_code == 200 for r in responses.values()), {k: r.status_code for k, r in responses.items()}
    return {fmt: r.content for fmt, r in responses.items()}


def test_the_json_holds_the_counts_of_what_happened(world, published, client):
    expected = world.expected
    data = json_of(_downloads(client, published)["json"])
    log = {row["reference"]: row for row in data["deployment_log"]}
    # Only force A's deployments that ran: not force B's, not the coming ones, exempt one only once over.
    assert set(log) == set(expected["rows"])
    for reference, counts in expected["rows"].items():
        assert {key: log[reference][key] for key in counts} == counts, reference
    assert log[f"LFR-{world.exempt_over.pk}"]["notice"] == "withheld_critical_threat"
    assert log[f"LFR-{world.first.pk}"]["status"] == "completed"
    assert log[f"LFR-{world.second.pk}"]["status"] == "in_progress"
    assert data["totals"] == expected["totals"]
    this_month = timezone.localdate().strftime("%Y-%m")
    for month in data["totals_by_month"]:
        if month["period"] == this_month:
            assert {k: month[k] for k in expected["totals"]} == expected["totals"]
        else:
            assert all(month[k] == 0 for k in expected["totals"])
    assert sum(q["deployments"] for q in data["totals_by_quarter"]) == 3
    rfr, oifr = data["rfr"], data["oifr"]
    sources = {row["code"]: row["count"] for row in rfr["by_probe_source"]}
    assert (rfr["searches"], sources["cctv"], sources["doorbell"], sources["phone"]) == (2, 1, 1, 0)
    assert rfr["identifications_corroborated"] == 1
    assert rfr["candidates_returned"] == expected["rfr"]["candidates"]
    reasons = {row["code"]: row["count"] for row in oifr["by_reason"]}
    sought = {row["code"]: row["count"] for row in oifr["by_subject_category"]}
    assert (oifr["checks"], reasons["refuses"], reasons["unconscious"], reasons["unable"]) == (2, 1, 1, 0)
    assert (sought["wanted"], sought["at_risk"], sought["missing"]) == (1, 1, 0)
    assert (oifr["in_private_places"], oifr["possible_matches"]) == (1, expected["oifr"]["matched"])
    deletions = {row["kind"]: {k: row[k] for k in ("done", "done_on_time", "done_late", "overdue_not_done")}
                 for row in data["retention"]["deletions"]}
    assert deletions == expected["deletions"]
    assert data["retention"]["faces_discarded"] == expected["faces_discarded"]
    assert data["retention"]["legal_holds"] == 0


def test_the_csv_web_page_and_pdf_show_the_same_counts(world, published, client):
    expected = world.expected
    files = _downloads(client, published)

    header, rows = csv_rows(files["csv"])
    by_reference = {row["reference"]: row for row in rows}
    assert set(by_reference) == set(expected["rows"])
    for reference, counts in expected["rows"].items():
        assert {key: int(by_reference[reference][key]) for key in counts} == counts, reference

    page = html_figures(files["html"].decode())
    totals = expected["totals"]
    assert {key: int(page.figures[key]) for key in totals} == totals
    assert int(page.figures["rfr_searches"]) == 2 and int(page.figures["rfr_identifications"]) == 1
    assert int(page.figures["oifr_checks"]) == 2
    assert int(page.figures["oifr_possible_matches"]) == expected["oifr"]["matched"]
    assert int(page.figures["faces_discarded"]) == expected["faces_discarded"]
    for reference, counts in expected["rows"].items():
        assert {key: int(page.rows[reference][key]) for key in ROW_COUNTS} == \
               {key: counts[key] for key in ROW_COUNTS}, reference
    for kind, counts in expected["deletions"].items():
        assert {key: int(value) for key, value in page.deletions[kind].items()} == counts, kind

    text = squeeze(pdf_text(files["pdf"]))
    labels = {"deployments": "Live facial recognition deployments", "faces_processed": "Faces processed",
              "alerts": "Alerts", "confirmed_matches": "Confirmed matches", "false_alerts": "False alerts",
              "inconclusive": "Inconclusive alerts", "undecided": "Alerts not yet decided",
              "engagements": "Engagements", "arrests": "Arrests"}
    for key, label in labels.items():
        assert f"{label} {totals[key]} " in text, label
    for label, value in [("Retrospective searches", 2), ("Identifications corroborated", 1),
                         ("Operator-initiated checks", 2)]:
        assert f"{label} {value} " in text, label
    # Each deployment's row of the log, read from the PDF's layout: the last seven numbers of its line.
    lines = pdf_text(files["pdf"], layout=True).splitlines()
    for reference, counts in expected["rows"].items():
        line = next(line for line in lines if re.match(rf"\s*{reference}\s", line))
        numbers = [int(n) for n in re.findall(r"\b\d+\b", line.split(reference, 1)[1])][-7:]
        assert numbers == [counts[key] for key in ROW_COUNTS], (reference, line)
    assert "Notice withheld under a recorded critical-threat exemption".upper() in text.upper()
