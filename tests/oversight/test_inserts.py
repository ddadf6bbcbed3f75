"""The hot paths' inserts (`oversight.inserts.insert_rows`) write what `save()` writes: every field as the ORM
reads it back, primary keys in order, the bounds every record is checked against, and nothing for a model whose
saves others listen to."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from oversight import bounds
from oversight.inserts import insert_rows
from oversight.models import AuditEvent, Force

pytestmark = pytest.mark.django_db


def _event(seq: int, **fields) -> AuditEvent:
    return AuditEvent(seq=seq, occurred_at=timezone.now(), actor_label="system", action="force.create",
                      object_type="oversight.force", object_id=str(seq), object_repr=f"event {seq}",
                      new={"n": seq, "nested": {"list": [1, 2]}}, old=None, leaf_hash=b"\x01" * 32,
                      **{"reason": "because", **fields})


def test_rows_are_written_as_save_writes_them_with_their_keys_in_order():
    first = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() + 1
    events = [_event(first + k) for k in range(3)]
    insert_rows(events)
    assert [e.pk for e in events] == sorted(e.pk for e in events) and all(not e._state.adding for e in events)
    for event in events:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.seq, stored.object_repr, stored.new, stored.old, bytes(stored.leaf_hash), stored.occurred_at) \
            == (event.seq, event.object_repr, event.new, None, b"\x01" * 32, event.occurred_at)


def test_the_bounds_of_every_record_hold():
    first = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() + 1
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        insert_rows([_event(first, reason="x" * (bounds.TEXT + 1))])
    assert "reason" in refused.value.message_dict
    assert AuditEvent.objects.count() == before


def test_a_model_whose_saves_others_listen_to_is_refused():
    with pytest.raises(ValueError, match="post_save"):
        insert_rows([Force(code="kent", name="Kent Police")])
    assert not Force.objects.filter(code="kent").exists()
