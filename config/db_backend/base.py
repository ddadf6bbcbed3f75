"""PostgreSQL backend for the product: for the embedded server, started on first connection; for any server, a kept
connection's health checked without a round trip.

Starting it lazily (not when settings load) lets `manage.py db status` and `db stop` look at the
server without starting it, and lets any process that needs the database bring it up.

Connections are kept between requests (`CONN_MAX_AGE`) and checked before each request's first query
(`CONN_HEALTH_CHECKS`). Django's check is a `SELECT 1`: a round trip before every camera frame. Here the check
first looks at the connection's socket: an idle connection has nothing to read, so a socket with nothing to read
belongs to a connection the server has not closed; one with something to read (the server's notice that it
terminated the session, or the end of the stream) gets Django's `SELECT 1`, which fails and replaces it. A
connection lost without a word from the server (a cable pulled), or whose notice is still on its way, is not
found before the first query: that query fails, the request is answered 503 and the connection is replaced.
"""
from __future__ import annotations

import select
from pathlib import Path

from django.db.backends.postgresql import base
from django.db.backends.postgresql.base import Database
from psycopg import pq

from config import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and not self.pool and self._idle_socket_is_quiet()):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_socket_is_quiet(self) -> bool:
        """The kept connection is idle, psycopg knows nothing wrong with it and its socket has nothing to read."""
        connection = self.connection
        try:
            if connection.closed or connection.broken or connection.info.transaction_status != pq.TransactionStatus.IDLE:
                return False
            readable, _, _ = select.select([connection.pgconn.socket], [], [], 0)
        except (OSError, ValueError, Database.Error):
            return False
        return not readable

    def get_connection_params(self):
        pgdata = self.settings_dict.get("EMBEDDED_PGDATA")
        if pgdata:
            try:
                socket = embedded_db.ensure_running(Path(pgdata))
                embedded_db.prepare_roles(socket)
                self.settings_dict["HOST"] = str(socket)
            except embedded_db.EmbeddedServerHeld as exc:
                # Raised as the driver's error so Django reports it as any unreachable database
                # (django.db.OperationalError): pages and the API answer 503, workers retry.
                raise Database.OperationalError(str(exc)) from None
        return super().get_connection_params()
