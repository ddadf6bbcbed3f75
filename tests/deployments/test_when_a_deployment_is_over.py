"""One definition of "the deployment is over", used by retention, the regulator report and the public site."""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from deployments import services
from deployments.lifecycle import OVER_STATUSES, deployment_is_over, deployment_over_q
from deployments.models import Deployment, Status
from tests.deployments.factories import lfr_deployment

ROOT = Path(__file__).resolve().parents[2]
REASONS = "Not shown to be necessary: the intelligence case is months old."


def _both_agree(at) -> set[int]:
    """The deployments over at `at`, by the function and by the database filter: they must be the same."""
    by_function = {d.pk for d in Deployment.objects.all() if deployment_is_over(d, at)}
    by_query = set(Deployment.objects.filter(deployment_over_q(at)).values_list("pk", flat=True))
    assert by_function == by_query
    return by_function


def test_it_is_over_once_ended_refused_or_past_its_window(personas):
    p = personas
    running = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, stage="active",
                             starts_in=timedelta(minutes=-5), hours=2, title="Running")
    ended = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, stage="active",
                           starts_in=timedelta(minutes=-5), hours=2, title="Ended")
    services.deployment_end(actor=p.operator_a, deployment=ended)
    refused = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, title="Refused")
    services.deployment_refuse(actor=p.approver_a, deployment=refused, reasons=REASONS)
    coming = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, stage="authorised",
                            starts_in=timedelta(hours=1), hours=3, title="Coming")
    now = timezone.now()
    ended_at = Deployment.objects.get(pk=ended.pk).ended_at

    assert _both_agree(now) == {ended.pk, refused.pk}
    # Before its recorded end, an ended deployment was still running.
    assert ended.pk not in _both_agree(ended_at - timedelta(seconds=1))
    # Once every window has closed, all of them are over, whatever their status says.
    assert _both_agree(now + timedelta(hours=5)) == {running.pk, ended.pk, refused.pk, coming.pk}
    assert Deployment.objects.get(pk=running.pk).status == Status.ACTIVE


def test_a_stop_recorded_for_later_is_not_yet_a_fact(personas):
    p = personas
    deployment = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, stage="active",
                                starts_in=timedelta(minutes=-5), hours=2)
    later = timezone.now() + timedelta(hours=1)
    Deployment.objects.filter(pk=deployment.pk).update(status=Status.STOPPED, ended_at=later)
    assert deployment.pk not in _both_agree(later - timedelta(minutes=1))
    assert deployment.pk in _both_agree(later)


def test_no_other_module_keeps_its_own_list_of_finished_statuses():
    """A tuple naming the finished statuses anywhere but deployments/lifecycle.py is a second definition."""
    finished = {status.name for status in OVER_STATUSES}
    copies = []
    for folder in ("deployments", "matching", "oversight"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "deployments" / "lifecycle.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                    names = {e.attr for e in node.elts if isinstance(e, ast.Attribute)}
                    if finished <= names:
                        copies.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert copies == []
