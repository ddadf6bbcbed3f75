"""Each process keeps its database connection between requests (a new one to the embedded server costs about 3 ms,
a sixteenth of a camera frame), and a connection the server dropped is replaced before the next request uses it.

Django's test client leaves connections alone around its requests; the server closes old connections at the start
and end of each request (`close_old_connections`), so these tests call it where the server would."""
from __future__ import annotations

import psycopg
import pytest
from django.db import close_old_connections, connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_db")]


def _request(client, path: str) -> int:
    close_old_connections()  # as the server does when a request starts
    status = client.get(path).status_code
    close_old_connections()  # and when it ends
    return status


def _backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_process_keeps_its_database_connection_from_one_request_to_the_next(client):
    assert _request(client, "/transparency/") == 200
    kept = connection.connection
    assert kept is not None and not kept.closed
    backend = _backend()
    assert _request(client, "/legal-bases/") == 200
    assert connection.connection is kept and _backend() == backend


def test_a_connection_the_server_dropped_is_replaced_and_the_next_request_is_answered(client):
    assert _request(client, "/transparency/") == 200
    backend = _backend()
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port")},
                         autocommit=True) as other:
        # As a restarted server or a DBA would; waiting until the session has ended, as a request that comes after
        # a restart finds it.
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [backend])
    assert _request(client, "/legal-bases/") == 200
    assert _backend() != backend


def test_a_kept_connection_is_checked_without_a_round_trip_unless_the_server_said_something(client, monkeypatch):
    """Before a request's first query the kept connection's socket is looked at; only a socket with something to
    read (here the server's notice that it terminated the session) costs Django's `SELECT 1`."""
    from django.db import connections

    assert _request(client, "/transparency/") == 200
    wrapper, checks = connections["default"], []
    real = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(real()) or checks[-1])
    assert _request(client, "/legal-bases/") == 200
    assert checks == []  # a healthy kept connection: no round trip

    backend = _backend()
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port")},
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [backend])  # until the session has ended
    assert _request(client, "/legal-bases/") == 200
    assert checks == [False]  # the notice was seen, the round trip made, the connection replaced
    assert _backend() != backend
