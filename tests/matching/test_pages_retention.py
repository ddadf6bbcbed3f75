"""The retention page: deletions done (on time or late) and deletions due, for the forces one may see."""
from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from deployments import services as governance
from matching.services.retention import retention_run


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row(html: str, what: str) -> list[str]:
    match = re.search(rf"<tr><td>{re.escape(what)}</td>(.*?)</tr>", html, re.S)
    assert match, f"no row for {what}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)]


def test_an_ended_deployments_templates_are_due_then_done_on_time(live, personas):
    client = page_client(personas.operator_a)
    governance.deployment_end(actor=personas.operator_a, deployment=live.deployment)

    due = client.get("/retention/").content.decode()
    assert row(due, "Watchlist template and image")[:3] == ["0", "0", "0"]
    assert f'<a href="/deployments/{live.deployment.pk}/">Deployment {live.deployment.pk}</a>' in due
    assert "Due" in due and "overdue" not in due

    retention_run(now=timezone.now() + timedelta(hours=1))
    done = client.get("/retention/").content.decode()
    assert row(done, "Watchlist template and image")[:3] == ["1", "1", "0"]
    assert "Nothing is due for deletion" in done


def test_a_late_deletion_shows_as_late(live, personas):
    governance.deployment_end(actor=personas.operator_a, deployment=live.deployment)
    retention_run(now=timezone.now() + timedelta(days=3))
    html = page_client(personas.operator_a).get("/retention/").content.decode()
    assert row(html, "Watchlist template and image")[:3] == ["1", "0", "1 late"]


def test_another_force_sees_none_of_these_deletions_and_the_public_is_sent_to_sign_in(live, personas):
    governance.deployment_end(actor=personas.operator_a, deployment=live.deployment)
    retention_run(now=timezone.now() + timedelta(hours=1))
    assert row(page_client(personas.operator_b).get("/retention/").content.decode(),
               "Watchlist template and image")[:3] == ["0", "0", "0"]
    assert row(page_client(personas.auditor).get("/retention/").content.decode(),
               "Watchlist template and image")[:3] == ["1", "1", "0"]
    assert Client().get("/retention/").status_code == 302
