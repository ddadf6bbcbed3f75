"""The JSON validates against the published JSON Schema; the CSV has exactly the documented columns and types."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils.html import escape
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from oversight.transparency import services
from tests.transparency.helpers import csv_rows, json_of

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "oversight/transparency/schema/transparency-report.schema.json"


def _typed(value: str, spec: dict):
    """A CSV cell read as the type its column is documented to have (an empty cell is null)."""
    types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    if value == "" and "null" in types:
        return None
    if "integer" in types:
        assert value.isdigit(), f"{value!r} is not a whole number"
        return int(value)
    if "number" in types:
        return float(value)
    if "boolean" in types:
        assert value in ("true", "false")
        return value == "true"
    return value


def test_the_schemas_are_served_at_stable_addresses(client):
    report_schema = client.get("/transparency/schema/transparency-report.schema.json")
    assert report_schema.status_code == 200 and report_schema["Content-Type"] == "application/schema+json"
    assert report_schema.json() == json.loads(SCHEMA_FILE.read_text())
    row_schema = client.get("/transparency/schema/deployment-log.schema.json").json()
    assert row_schema["properties"] == report_schema.json()["$defs"]["deploymentLogRow"]["properties"]
    for schema in (report_schema.json(), row_schema):
        Draft202012Validator.check_schema(schema)
    assert client.get("/transparency/schema/anything-else.schema.json").status_code == 404


def test_the_json_validates_against_the_schema(world, published, client):
    report = published
    schema = client.get("/transparency/schema/transparency-report.schema.json").json()
    document = json_of(client.get(f"/transparency/reports/{report.pk}/report.json").content)
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(document)
    assert document["report"]["status"] == "published" and document["report"]["version"] == 1
    assert document["report"]["audit_checkpoint"]["tree_size"] == report.audit_tree_size
    # The schema is closed: a field it does not document (say, a subject reference) would fail validation.
    document["deployment_log"][0]["subject_reference"] = "SUBJ-1-0001"
    with pytest.raises(ValidationError):
        Draft202012Validator(schema).validate(document)
    # A draft's preview follows the same schema.
    p = world.personas
    draft = services.transparency_report_prepare(actor=p.approver_a, force=p.force_a, period_start=world.period_start,
                                                 period_end=world.period_end)
    preview = json_of(personas_client(client, p.approver_a).get(f"/transparency/reports/{draft.pk}/report.json").content)
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(preview)
    assert preview["report"]["status"] == "draft" and preview["report"]["audit_checkpoint"] is None


def personas_client(client, user):
    client.force_login(user)
    return client


def test_the_csv_has_the_documented_columns_and_types(world, published, client):
    report = published
    row_schema = client.get("/transparency/schema/deployment-log.schema.json").json()
    columns = list(row_schema["properties"])
    header, rows = csv_rows(client.get(f"/transparency/reports/{report.pk}/report.csv").content)
    assert header == columns
    assert len(rows) == 3
    validator = Draft202012Validator(row_schema, format_checker=FormatChecker())
    for row in rows:
        validator.validate({name: _typed(value, row_schema["properties"][name]) for name, value in row.items()})
    page = client.get("/transparency/open-data/").content.decode()
    for name in columns:
        assert f'id="column-{name}"' in page, name
        assert escape(row_schema["properties"][name]["description"]) in page, name
