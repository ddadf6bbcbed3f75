"""Small assertions shared by the governance tests."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.test import Client

from deployments.models import (
    AssetBooking, Authorisation, Deployment, PolicyDocument, ProportionalityAssessment, Watchlist, WatchlistEntry,
)
from deployments.rules import RuleError
from oversight.models import AuditEvent

REASONS = "Necessary and proportionate: the objective cannot be met by less intrusive means."


def status_of(rule_results: list[dict], rule_id: str) -> str:
    """'met', 'blocking', 'warning' or 'not_applicable' for one rule in a stored or fresh result."""
    return next(r["status"] for r in rule_results if r["rule"] == rule_id)


@contextmanager
def refused_by(rule_id: str, field: str | None = None):
    """Expect a service to refuse, naming `rule_id` (and the field, when given)."""
    with pytest.raises(RuleError) as info:
        yield info
    assert rule_id in info.value.rule_ids, info.value.message_dict
    if field is not None:
        assert any(v.rule == rule_id and v.field == field for v in info.value.violations), info.value.message_dict


def database_state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        list(Deployment.objects.order_by("pk").values()),
        list(Watchlist.objects.order_by("pk").values()),
        list(WatchlistEntry.objects.order_by("pk").values()),
        list(Authorisation.objects.order_by("pk").values()),
        list(ProportionalityAssessment.objects.order_by("pk").values()),
        list(AssetBooking.objects.order_by("pk").values()),
        PolicyDocument.objects.count(),
        AuditEvent.objects.count(),
    )


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
