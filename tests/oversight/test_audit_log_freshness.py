"""Checkpoints stay fresh: a write that leaves the uncovered tail past the policy's limits signs one on commit,
the periodic task covers a quiet log, and `audit verify --max-uncovered-minutes` fails a stale one."""
from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from oversight import services
from oversight.audit.checkpoints import checkpoint_make, uncovered_tail
from oversight.models import AuditEvent, Checkpoint, PolicySetting
from tests.workers import committed_db  # noqa: F401  (fixture)


def _policy(actor, key, value):
    services.policy_setting_version_add(actor=actor, key=key, value=value, effective_from=timezone.now(),
                                        reason="tighter checkpoints for this test")


def test_a_commit_past_the_event_limit_signs_a_checkpoint(committed_db):
    from tests.conftest import make_personas

    personas = make_personas()
    checkpoint_make()
    _policy(personas.oversight_admin, "audit.checkpoint_max_events", 3)
    assert uncovered_tail()[0] == 1
    for code in ("kent", "essex", "surrey"):  # each service commits on its own, as a request would
        services.force_create(actor=personas.oversight_admin, code=code, name=f"{code.title()} Police")
    # The policy change and two forces make three uncovered events: the third commit signs; the fourth waits.
    latest = Checkpoint.objects.order_by("-tree_size").first()
    assert latest.tree_size == AuditEvent.objects.count() - 1
    assert uncovered_tail()[0] == 1


def test_below_the_limits_no_checkpoint_is_signed(personas, django_capture_on_commit_callbacks):
    checkpoint_make()
    before = Checkpoint.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.force_create(actor=personas.oversight_admin, code="kent", name="Kent Police")
    assert Checkpoint.objects.count() == before
    assert uncovered_tail()[0] == 1


def test_commits_soon_after_a_check_are_checked_again_only_when_they_could_pass_a_limit(committed_db, monkeypatch):
    """A camera raising alerts frame after frame pays for one check of the tail a second, not one a frame; the
    commit whose events could reach the event limit is checked at once, and so is the first after the second."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_personas

    def tail_checks(action) -> int:
        with CaptureQueriesContext(connection) as queries:
            action()  # each service commits on its own, as a request would
        return sum("AS covered" in q["sql"] for q in queries.captured_queries)

    def force(code):
        return lambda: services.force_create(actor=personas.oversight_admin, code=code, name=f"{code.title()} Police")

    personas = make_personas()
    checkpoint_make()
    assert tail_checks(lambda: _policy(personas.oversight_admin, "audit.checkpoint_max_events", 5)) == 1
    assert uncovered_tail()[0] == 1  # room for three more before the limit of five
    assert [tail_checks(force(code)) for code in ("kent", "essex", "surrey", "sussex")] == [0, 0, 0, 1]
    # The fourth made five: checked at once, and signed.
    assert Checkpoint.objects.order_by("-tree_size").first().tree_size == AuditEvent.objects.count()

    _age_the_tail(monkeypatch, minutes=0.05)  # three seconds on: the last check no longer answers
    assert tail_checks(force("dorset")) == 1


def test_the_periodic_task_signs_a_quiet_log_once_its_oldest_uncovered_entry_is_too_old(personas, monkeypatch):
    from oversight.tasks import audit_checkpoint_if_overdue

    checkpoint_make()
    services.force_create(actor=personas.oversight_admin, code="kent", name="Kent Police")
    assert audit_checkpoint_if_overdue.delay().get() == {"signed": False, "tree_size": None}
    _age_the_tail(monkeypatch, minutes=6)
    result = audit_checkpoint_if_overdue.delay().get()
    assert result["signed"] is True and result["tree_size"] == AuditEvent.objects.count()


def _age_the_tail(monkeypatch, *, minutes):
    """Move the clock on, as for a log that has been quiet for a while."""
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=minutes))


@pytest.mark.parametrize("limit, code", [(30, 0), (5, 1)])
def test_verify_fails_a_log_whose_uncovered_tail_is_older_than_asked(personas, monkeypatch, limit, code):
    checkpoint_make()
    services.force_create(actor=personas.oversight_admin, code="kent", name="Kent Police")
    _age_the_tail(monkeypatch, minutes=10)
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", "--max-uncovered-minutes", str(limit), stdout=out, stderr=err)
        got = 0
    except SystemExit as exc:
        got = exc.code
    assert got == code
    if code:
        assert "the oldest entry no checkpoint covers is 10 minutes old (limit 5)" in err.getvalue()


def test_the_limits_are_policy_settings(personas):
    assert PolicySetting.objects.get(key="audit.checkpoint_max_events", version=1).value == 500
    assert PolicySetting.objects.get(key="audit.checkpoint_max_minutes", version=1).value == 5
