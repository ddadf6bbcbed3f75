"""Every list endpoint takes only sensible paging and filter values: a bad one is a 400 naming the parameter,
a huge page size is cut to the maximum, and nothing is written by a refused or a read request."""
from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from matching.models import Alert
from oversight.api import Pagination
from oversight.models import AuditEvent

HUGE = "9223372036854775808"  # one past the largest bigint


def _list_operations() -> list[tuple[str, list[dict]]]:
    """(path, query parameters) of every GET on a collection in the published schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        found.append((path, [p for p in operation.get("parameters", []) if p["in"] == "query"]))
    return found


LIST_OPERATIONS = _list_operations()
PAGINATED = [path for path, params in LIST_OPERATIONS if any(p["name"] == "limit" for p in params)]


def _filters(kind: str) -> list[tuple[str, str]]:
    out = []
    for path, params in LIST_OPERATIONS:
        for p in params:
            schema = p.get("schema", {})
            if p["name"] in ("limit", "offset"):
                continue
            if kind == "integer" and schema.get("type") == "integer":
                out.append((path, p["name"]))
            if kind == "enum" and "enum" in schema:
                out.append((path, p["name"]))
    return out


def test_the_schema_lists_the_paginated_endpoints_and_their_filters():
    assert len(PAGINATED) >= 15
    assert ("/api/alerts/", "after") in _filters("integer") and ("/api/alerts/", "deployment") in _filters("integer")


def test_a_page_size_past_the_largest_number_is_cut_to_the_maximum(personas):
    api = personas.api(personas.oversight_admin)
    before = AuditEvent.objects.count()
    for path in PAGINATED:
        response = api.get(path, {"limit": HUGE, "offset": HUGE})
        assert response.status_code == 200, (path, response.content[:300])
        assert response.json()["results"] == [], path  # past the end
        response = api.get(path, {"limit": HUGE})
        assert response.status_code == 200 and len(response.json()["results"]) <= Pagination.max_limit, path
    assert AuditEvent.objects.count() == before


def test_a_limit_or_offset_that_is_not_a_whole_number_is_a_400_naming_it(personas):
    api = personas.api(personas.oversight_admin)
    for path in PAGINATED:
        for name, value in [("limit", "abc"), ("limit", "0"), ("limit", "-5"), ("offset", "abc"), ("offset", "-1"),
                            ("limit", "1.5")]:
            response = api.get(path, {name: value})
            assert response.status_code == 400, (path, name, value, response.content[:300])
            assert "whole number" in response.json()[name][0], (path, name)


def test_a_numeric_parameter_given_text_is_a_400_naming_it(personas):
    api = personas.api(personas.oversight_admin)
    for path, name in _filters("integer"):
        for value in ["abc", "1.5", "1e400", "NaN", "--1"]:
            response = api.get(path, {name: value})
            assert response.status_code == 400, (path, name, value, response.content[:300])
            assert name in response.json(), (path, name)


def test_a_numeric_parameter_past_the_largest_number_is_no_server_error(personas):
    api = personas.api(personas.oversight_admin)
    for path, name in _filters("integer"):
        response = api.get(path, {name: HUGE})
        assert response.status_code in (200, 400), (path, name, response.content[:300])


def test_a_choice_filter_given_an_unknown_choice_is_a_400_naming_the_parameter(personas):
    api = personas.api(personas.oversight_admin)
    for path, name in _filters("enum"):
        response = api.get(path, {name: "no-such-choice"})
        assert response.status_code == 400, (path, name, response.content[:300])
        assert name in response.json(), (path, name)


def test_alerts_after_and_of_a_deployment_filter_as_numbers(personas):
    api = personas.api(personas.operator_a)
    assert api.get("/api/alerts/", {"after": "abc"}).json() == {"after": ["Enter a whole number."]}
    assert api.get("/api/alerts/", {"deployment": "abc"}).json() == {"deployment": ["Enter a whole number."]}
    assert api.get("/api/alerts/", {"after": "0", "deployment": "1"}).json()["results"] == []
    assert Alert.objects.count() == 0


def test_json_nested_too_deep_is_a_400_that_says_so(personas):
    api = personas.api(personas.oversight_admin)
    before = AuditEvent.objects.count()
    for path in ["/api/deployments/", "/api/legal-bases/", "/api/watchlist-entries/", "/api/policy-settings/"]:
        for depth in [33, 1_000, 10_000, 100_000]:
            body = "[" * depth + "]" * depth
            response = api.post(path, body, content_type="application/json")
            assert response.status_code == 400, (path, depth, response.content[:300])
            assert "nested too deeply" in response.json()["detail"]
    assert AuditEvent.objects.count() == before


def test_json_nested_in_an_object_too_deep_is_refused_too(personas):
    body = '{"title": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
    response = personas.api(personas.approver_a).post("/api/deployments/", body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]
