"""The application's database role can read and append to the audit log, and nothing more."""
from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from oversight.database_roles import append_only_tables


@pytest.fixture
def as_application(db):
    """A connection to the test database as the role the site and workers use."""
    params = connection.get_connection_params()
    conn = psycopg.connect(host=params["host"], port=params.get("port") or None, dbname=connection.settings_dict["NAME"],
                           user=settings.DATABASE_APP_ROLE, autocommit=True)
    yield conn
    conn.close()


def test_the_application_role_is_no_superuser_and_owns_no_table(as_application):
    superuser, = as_application.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    assert superuser is False
    owned = as_application.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                   "AND tableowner = current_user").fetchone()[0]
    assert owned == 0


@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("statement", ["UPDATE oversight_auditevent SET reason = 'nothing happened' WHERE seq = 1",
                                       "DELETE FROM oversight_auditevent WHERE seq = 1",
                                       "TRUNCATE oversight_auditevent",
                                       "UPDATE oversight_checkpoint SET tree_size = 1",
                                       "DELETE FROM oversight_checkpoint"])
def test_it_cannot_change_the_audit_log_even_with_the_trigger_bypass(as_application, statement, ignore):
    if ignore:
        as_application.execute("SET pgtrigger.ignore = '{pgtrigger_audit_event_append_only_00000}'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_application.execute(statement)


def test_it_cannot_switch_the_triggers_off(as_application):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_application.execute("ALTER TABLE oversight_auditevent DISABLE TRIGGER ALL")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_application.execute("SET session_replication_role = replica")


def test_row_history_is_append_only_for_it_too(as_application):
    tables = append_only_tables()
    assert "oversight_auditevent" in tables and len(tables) > 5  # the log, checkpoints and the history tables
    for table in tables:
        as_application.execute(f'SELECT count(*) FROM "{table}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_application.execute(f'DELETE FROM "{table}"')


def test_it_may_read_the_log_and_change_the_tables_it_works_on(as_application):
    assert as_application.execute("SELECT count(*) FROM oversight_auditevent").fetchone()[0] > 0
    with as_application.transaction(force_rollback=True):
        as_application.execute("UPDATE oversight_force SET name = name")
