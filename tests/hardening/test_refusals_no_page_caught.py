"""A service's refusal that a page did not put on its form (a text longer than its field allows, met when the
record is saved) is a 400 that names each field and what is wrong, in JSON for the API and on a page for a
person; never a server error."""
from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.test import RequestFactory

from oversight.bounds import too_long
from oversight.error_responses import response_for


def test_a_page_gets_a_400_page_naming_the_field_and_the_limit(db):
    request = RequestFactory().post("/deployments/1/consultations/")
    response = response_for(request, ValidationError({"said": too_long("what they said", 10_001, 10_000)}))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved: said: what they said is too long: 10,001 characters; the limit is 10,000" in html


def test_the_api_gets_a_400_in_json_keyed_by_the_field(db):
    request = RequestFactory().post("/api/deployments/1/refuse/")
    response = response_for(request, ValidationError({"reasons": too_long("reasons", 10_050, 10_000)}))
    assert response.status_code == 400
    assert json.loads(response.content) == {"reasons": ["reasons is too long: 10,050 characters; the limit is 10,000"]}
