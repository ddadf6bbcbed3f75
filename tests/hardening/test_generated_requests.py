"""Requests generated from the published API schema (`/api/schema/`), sent as a superuser, a force operator and
anonymously: none of them is answered with a server error. A bounded number of examples per operation keeps
the run to a couple of minutes; the examples are derived the same way on every run."""
from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from oversight import services
from oversight.models import Force, Rank, Role, User
from tests.conftest import PASSWORD

EXAMPLES_PER_OPERATION = 2

# Operations whose every accepted request does minutes of work by design (a regulator report is rendered to
# PDF; enrolment runs the face model over a watchlist): generated requests would only measure that.
SLOW_BY_DESIGN = {"report_runs_create"}


def _published_schema() -> dict:
    """The document `/api/schema/` serves (built the same way; the test below checks they are equal)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    for item in document["paths"].values():
        for method, operation in list(item.items()):
            if isinstance(operation, dict) and operation.get("operationId") in SLOW_BY_DESIGN:
                del item[method]
    return document


schema = schemathesis.openapi.from_dict(_published_schema())
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def generous_throttles(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/minute", "device": "100000/minute", "user": "100000/minute"}}


def test_the_generated_requests_follow_the_schema_the_site_publishes(db):
    served = json.loads(Client().get("/api/schema/", {"format": "json"}).content)
    for item in served["paths"].values():
        for method, operation in list(item.items()):
            if isinstance(operation, dict) and operation.get("operationId") in SLOW_BY_DESIGN:
                del item[method]
    assert served == schema.raw_schema


@pytest.fixture
def callers(db) -> dict[str, dict]:
    """Who sends each generated request: the Authorization header of each (none for the public)."""
    root = User.objects.create_superuser(username="root.admin", password=PASSWORD, role=Role.OVERSIGHT_ADMIN)
    force = Force.objects.filter(code="south-mercia").first() or services.force_create(
        actor=root, code="south-mercia", name="South Mercia Police")
    operator = services.user_create(actor=root, username="olu.operator", password=PASSWORD,
                                    role=Role.FORCE_OPERATOR, force=force, rank=Rank.CONSTABLE)
    return {"superuser": {"Authorization": f"Token {Token.objects.create(user=root).key}"},
            "force operator": {"Authorization": f"Token {Token.objects.create(user=operator).key}"},
            "anonymous": {}}


@pytest.fixture(autouse=True)
def one_connection_per_test():
    """Requests share the test's transaction, as with Django's test client: no closing it between requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_no_generated_request_is_a_server_error(case, callers):
    for who, headers in callers.items():
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{who}: {case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]} -> "
            f"{response.status_code} {response.text[:300]}")
