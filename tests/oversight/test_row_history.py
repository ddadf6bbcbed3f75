"""Row-level history of governance tables is kept by database triggers, so raw SQL is captured too."""
from __future__ import annotations

from django.db import connection

from oversight import services
from oversight.models import Force, PolicySetting


def test_a_raw_sql_update_of_a_force_is_recorded(personas):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE oversight_force SET name = 'Renamed Police' WHERE id = %s", [personas.force_a.pk])
    history = Force.pgh_event_model.objects.filter(pgh_obj_id=personas.force_a.pk).order_by("pgh_id")
    assert [e.pgh_label for e in history] == ["insert", "update"]
    assert history.last().name == "Renamed Police"


def test_a_bulk_update_of_policy_settings_is_recorded(personas):
    PolicySetting.objects.filter(key="lfr.max_window_hours").update(reason="bulk edit")
    events = PolicySetting.pgh_event_model.objects.filter(pgh_label="update", reason="bulk edit")
    assert events.count() == 1


def test_history_records_who_acted_through_a_service(personas):
    services.user_role_change(actor=personas.oversight_admin, user=personas.operator_b,
                              role="force_approver", force=personas.force_b, rank=30, reason="acting up")
    from oversight.models import User

    event = User.pgh_event_model.objects.filter(pgh_obj_id=personas.operator_b.pk, pgh_label="update").last()
    assert event.role == "force_approver"
    assert event.pgh_context.metadata["actor"] == "olivia.admin"
