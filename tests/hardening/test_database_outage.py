"""When the database cannot be reached, every request is answered 503 with Retry-After (JSON for the API, a page
in plain words for people), nothing is written, and the next request after the outage is served as usual.

The outage is real: the site's connection is pointed at a port where no server listens (the shared test
database keeps running for everyone else), then pointed back.
"""
from __future__ import annotations

import socket

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import Client
from rest_framework.authtoken.models import Token

from deployments.models import Deployment
from oversight.models import AuditEvent


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free once the socket closes: nothing listens there


class Outage:
    """Points the site's database connection at a port where nothing listens, and back."""

    def __init__(self):
        self.original = connections["default"]
        self.down = None

    def begin(self):
        settings_dict = {**self.original.settings_dict, "ENGINE": "django.db.backends.postgresql",
                         "HOST": "127.0.0.1", "PORT": str(_closed_port()), "OPTIONS": {"connect_timeout": 2}}
        self.down = DatabaseWrapper(settings_dict, alias="default")
        connections["default"] = self.down

    def end(self):
        if self.down is not None:
            self.down.close()
            self.down = None
        connections["default"] = self.original


@pytest.fixture
def outage(db):
    """The database unreachable for the test (its data, made before `begin`, is there again after `end`)."""
    controller = Outage()
    yield controller
    controller.end()


def _assert_unavailable(response, *, api: bool):
    assert response.status_code == 503, response.content[:300]
    assert int(response["Retry-After"]) > 0
    if api:
        assert response["Content-Type"] == "application/json"
        assert "cannot reach its database" in response.json()["detail"]
    else:
        assert response["Content-Type"].startswith("text/html")
        body = response.content.decode()
        assert "Service unavailable" in body and "try again in" in body
        assert "Traceback" not in body and "OperationalError" not in body


def test_the_public_api_answers_503_with_retry_after(outage):
    outage.begin()
    _assert_unavailable(Client().get("/api/legal-bases/"), api=True)
    _assert_unavailable(Client().get("/api/audit/checkpoints/latest/"), api=True)


def test_a_token_holder_is_answered_503_and_nothing_is_written(personas, outage):
    token = Token.objects.create(user=personas.approver_a).key
    before = (Deployment.objects.count(), AuditEvent.objects.count())
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    outage.begin()
    _assert_unavailable(client.post("/api/deployments/", {"title": "Outage"}, content_type="application/json"),
                        api=True)
    _assert_unavailable(client.get("/api/alerts/", {"after": "1"}), api=True)
    outage.end()
    assert (Deployment.objects.count(), AuditEvent.objects.count()) == before
    assert client.get("/api/alerts/", {"after": "1"}).status_code == 200


def test_a_camera_is_answered_503_so_that_it_sends_again(outage):
    outage.begin()
    response = Client().post("/api/live/1/frames/", {}, HTTP_AUTHORIZATION="Device some-token")
    _assert_unavailable(response, api=True)


def test_people_see_a_plain_page_that_says_to_try_again(outage):
    outage.begin()
    for path in ["/transparency/", "/legal-bases/"]:
        _assert_unavailable(Client().get(path), api=False)


def test_a_signed_in_person_whose_session_cannot_be_read_sees_the_same_page(outage):
    outage.begin()
    # The session is first read by a middleware, before any view: the site's error handler answers. The test
    # client would re-raise the exception that handler saw; what matters is the answer.
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32
    _assert_unavailable(client.get("/deployments/"), api=False)
    _assert_unavailable(client.get("/api/deployments/"), api=True)


def test_signing_in_during_an_outage_is_a_503_not_a_server_error(outage):
    outage.begin()
    response = Client().post("/accounts/login/", {"username": "sam.super", "password": "whatever it is"})
    _assert_unavailable(response, api=False)


def test_after_the_outage_the_same_requests_are_served(personas, outage):
    client = Client()
    outage.begin()
    _assert_unavailable(client.get("/api/legal-bases/"), api=True)
    outage.end()
    assert client.get("/api/legal-bases/").status_code == 200
    assert client.get("/transparency/").status_code == 200
