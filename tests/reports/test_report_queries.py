"""Building the report costs a fixed number of queries: more deployments, entries or alerts add none."""
from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from deployments import services
from oversight.audit.checkpoints import checkpoint_make
from oversight.reports.regulator import regulator_report
from tests.deployments.factories import lfr_deployment
from tests.reports.conftest import REASONS


def _queries(world) -> int:
    checkpoint = checkpoint_make()
    with CaptureQueriesContext(connection) as queries:
        report = regulator_report(forces=world.forces, start=world.start, end=world.end, checkpoint=checkpoint,
                                  as_of=world.as_of)
    return len(queries), report


def test_more_deployments_and_entries_cost_no_more_queries(world):
    before, report = _queries(world)
    p = world.personas
    for n in range(3):
        deployment = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, entries=4,
                                    title=f"Extra deployment {n}")
        services.deployment_authorise(actor=p.approver_a, deployment=deployment, reasons=REASONS)
    after, bigger = _queries(world)
    assert len(bigger.deployments) == len(report.deployments) + 3
    assert after == before, f"{before} queries for {len(report.deployments)} deployments, {after} for 3 more"
