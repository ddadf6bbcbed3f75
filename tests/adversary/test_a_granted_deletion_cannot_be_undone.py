"""Rule 13: a granted deletion application blocks the image's use. Once granted, the entry's deletion status
cannot be set back (to none, pending or refused), by the service or the API: the refusal names the field and
writes nothing, and the image stays out of matching and out of any watchlist package for an external matcher."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from deployments import selectors, services
from deployments.models import DeletionStatus
from oversight.models import AuditEvent
from tests.deployments.factories import lfr_deployment


@pytest.fixture
def granted(personas):
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="authorised", entries=2)
    entry = deployment.watchlist.entries.order_by("pk").first()
    services.watchlist_entry_deletion_status_set(actor=personas.operator_a, entry=entry,
                                                 status=DeletionStatus.GRANTED,
                                                 reason="The person's application for deletion was granted.")
    return deployment, entry


@pytest.mark.parametrize("status", [DeletionStatus.NONE, DeletionStatus.PENDING, DeletionStatus.REFUSED])
def test_the_service_refuses_to_undo_a_granted_deletion_and_writes_nothing(personas, granted, status):
    deployment, entry = granted
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.watchlist_entry_deletion_status_set(actor=personas.admin_a, entry=entry, status=status,
                                                     reason="Recorded by mistake, setting it back.")
    assert "deletion_status" in refused.value.message_dict
    entry.refresh_from_db()
    assert entry.deletion_status == DeletionStatus.GRANTED and AuditEvent.objects.count() == events
    assert entry not in selectors.watchlist_entries_for_matching(deployment=deployment)


def test_the_api_answers_400_naming_the_field(personas, granted):
    _, entry = granted
    events = AuditEvent.objects.count()
    answer = personas.api(personas.operator_a).post(f"/api/watchlist-entries/{entry.pk}/deletion-status/",
                                                     {"deletion_status": "none", "reason": "Undo the grant."},
                                                     format="json")
    assert answer.status_code == 400 and "deletion_status" in answer.json()
    entry.refresh_from_db()
    assert entry.deletion_status == DeletionStatus.GRANTED and AuditEvent.objects.count() == events


def test_granted_again_is_not_refused(personas, granted):
    """Recording the same grant again (say, a second letter) is harmless: it narrows nothing further."""
    _, entry = granted
    services.watchlist_entry_deletion_status_set(actor=personas.operator_a, entry=entry,
                                                 status=DeletionStatus.GRANTED, reason="Second letter received.")
    entry.refresh_from_db()
    assert entry.deletion_status == DeletionStatus.GRANTED
