"""What the application's database role may do, applied after every migration.

The site and workers connect as a role that is not a superuser and owns no table. It may read and write the
tables the product changes, but on the audit log, its checkpoints and the row-history tables it may only read
and append: no UPDATE, DELETE or TRUNCATE, and as it owns none of them it cannot switch their triggers off. An
insider using the application's credentials therefore cannot rewrite history; one with the superuser's can, and
is caught by the checkpoints that witnesses hold (see oversight/audit/verify.py).

On an external PostgreSQL the same statements apply when the role named by APP_DATABASE_APP_ROLE exists (the
README lists them for an operator who prefers to run them by hand).
"""
from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connections

APPEND_ONLY = ["oversight.AuditEvent", "oversight.Checkpoint", "oversight.AuditTile"]


def append_only_tables() -> list[str]:
    """The audit log, its checkpoints and every row-history (pghistory event) table."""
    import pghistory.models

    tables = [apps.get_model(label)._meta.db_table for label in APPEND_ONLY]
    tables += [m._meta.db_table for m in apps.get_models()
               if issubclass(m, pghistory.models.Event) and not m._meta.proxy and m._meta.managed]
    return sorted(set(tables))


def grant_statements(role: str) -> list[str]:
    quoted = f'"{role}"'
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {quoted}",
    ]
    for table in append_only_tables():
        statements.append(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {quoted}')
    return statements


def grants_apply(*, using: str = "default", **kwargs) -> bool:
    """Give the application's role its grants; False when that role does not exist on this server."""
    role = settings.DATABASE_APP_ROLE
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return False
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return False  # the application's own connection cannot grant to itself
        for statement in grant_statements(role):
            cursor.execute(statement)
    return True
