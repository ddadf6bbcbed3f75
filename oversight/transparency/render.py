"""Turning a report's figures into its four public forms: a web page, a PDF of the same page, CSV and JSON.

Everything here works on the snapshot (a plain dict from the `figures` package), never on the database, so a
published version can be rendered once and kept byte for byte.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from oversight.charts import bar_chart, line_chart
from oversight.csv_export import csv_bytes

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
REPORT_SCHEMA_URL = "/transparency/schema/transparency-report.schema.json"
DEPLOYMENT_LOG_SCHEMA_URL = "/transparency/schema/deployment-log.schema.json"


@lru_cache(maxsize=1)
def report_schema() -> dict:
    return json.loads((SCHEMA_DIR / "transparency-report.schema.json").read_text())


@lru_cache(maxsize=1)
def deployment_log_schema() -> dict:
    """One CSV row of the deployment log, as a standalone schema (the same definition as in the report's)."""
    row = report_schema()["$defs"]["deploymentLogRow"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:fr-governance:transparency-deployment-log-row:v1",
            "title": "One row of a transparency report's deployment log (CSV)", **row}


def csv_columns() -> list[str]:
    return list(report_schema()["$defs"]["deploymentLogRow"]["properties"])


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def report_document(*, report, snapshot: dict, status: str, published_at: str | None = None,
                    checkpoint: dict | None = None) -> dict:
    """The JSON document of a report: who, which period, which version, then every figure."""
    return {
        "report": {
            "id": report.pk,
            "force_code": report.force.code,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "version": report.version,
            "status": status,
            "published_at": published_at,
            "audit_checkpoint": checkpoint,
            "schema_url": REPORT_SCHEMA_URL,
        },
        **snapshot,
    }


def render_json(document: dict) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def render_csv(document: dict) -> bytes:
    columns = csv_columns()
    return csv_bytes(columns, ([row[column] for column in columns] for row in document["deployment_log"]))


def charts(document: dict) -> dict:
    """The report's charts as inline SVG (with data tables), drawn from the snapshot alone."""
    months = document["totals_by_month"]
    quarters = document["totals_by_quarter"]
    return {
        "deployments": bar_chart([(m["label"], m["deployments"]) for m in months],
                                 title="LFR deployments by month", unit="deployments", label_header="Month"),
        "faces": bar_chart([(m["label"], m["faces_processed"]) for m in months],
                           title="Faces processed by month", unit="faces", label_header="Month"),
        "alerts": line_chart([(m["label"], m["alerts"]) for m in months],
                             title="Alerts by month", unit="alerts", label_header="Month"),
        "quarters": bar_chart([(q["label"], q["confirmed_matches"]) for q in quarters],
                              title="Confirmed matches by quarter", unit="matches", label_header="Quarter"),
        "searches": bar_chart([(m["label"], m["count"]) for m in document["rfr"]["searches_by_month"]],
                              title="Retrospective searches by month", unit="searches", label_header="Month"),
        "checks": bar_chart([(m["label"], m["count"]) for m in document["oifr"]["checks_by_month"]],
                            title="Operator-initiated checks by month", unit="checks", label_header="Month"),
    }


def render_html(document: dict, *, draft: bool = False) -> str:
    context = {
        "doc": document,
        "meta": document["report"],
        "charts": {name: mark_safe(svg) for name, svg in charts(document).items()},
        "draft": draft,
        "report_schema_url": REPORT_SCHEMA_URL,
        "deployment_log_schema_url": DEPLOYMENT_LOG_SCHEMA_URL,
        # A report made from the demonstration's records says so in its stored bytes too.
        "demo_data": settings.DEMO_DATA,
    }
    return render_to_string("transparency/report.html", context)


def render_pdf(html: str) -> bytes:
    """The same page as a PDF (WeasyPrint draws the inline SVG charts and the print styles)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf()


def render_all(document: dict, *, draft: bool = False) -> dict[str, bytes]:
    html = render_html(document, draft=draft)
    return {"html": html.encode(), "csv": render_csv(document), "json": render_json(document),
            "pdf": render_pdf(html)}
