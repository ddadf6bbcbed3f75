"""PostgreSQL backend that starts the embedded server on first connection.

Starting it lazily (not when settings load) lets `manage.py db status` and `db stop` look at the
server without starting it, and lets any process that needs the database bring it up.
"""
from __future__ import annotations

from pathlib import Path

from django.db.backends.postgresql import base
from django.db.backends.postgresql.base import Database

from config import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
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
