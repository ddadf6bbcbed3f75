"""The public deployment log gives the hours the cameras actually ran (as recorded, not the planned window), lists
stopped and cancelled deployments with the reason in words, and breaks outcomes down as forces publish them:
arrests by reason, other engagements, no action."""
from __future__ import annotations

from datetime import timedelta

from deployments import services as governance
from deployments.models import Deployment
from matching.models import Alert, Engagement
from oversight import services as ground
from oversight.models import Rank, Role
from oversight.transparency.figures.wording import local
from oversight.transparency.templatetags.transparency import window
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import REASONS
from tests.transparency.helpers import publish


def _hours(deployment: Deployment) -> float:
    return round((deployment.ended_at - deployment.activated_at).total_seconds() / 3600, 1)


def test_the_log_gives_hours_run_stopped_and_cancelled_deployments_and_outcomes_by_reason(world, client):
    a = world.personas
    # Authorised and so notified, then called off before it started.
    called_off = lfr_deployment(force=a.force_a, operator=a.operator_a, approver=a.approver_a, stage="authorised",
                                starts_in=timedelta(hours=3), hours=4, title="Called off")
    governance.deployment_withdraw(actor=a.operator_a, deployment=called_off,
                                   reason="The match was postponed by the league this morning.")
    # Authorised urgently, switched on, then refused on review: it stops.
    refused = lfr_deployment(force=a.force_a, operator=a.operator_a, approver=a.approver_a,
                             starts_in=timedelta(minutes=-20), hours=4, title="Refused on review")
    inspector = ground.user_create(actor=a.oversight_admin, username="ida.inspector", password=None,
                                   role=Role.FORCE_APPROVER, force=a.force_a, rank=Rank.INSPECTOR)
    governance.deployment_urgent_authorise(actor=inspector, deployment=refused, reasons=REASONS)
    governance.deployment_activate(actor=a.operator_a, deployment=refused)
    governance.deployment_urgent_review(actor=a.approver_a, deployment=refused, confirm=False, reasons=REASONS)
    # The inconclusive alert of LFR-1: the person was then arrested for another offence than the listed one.
    # A reason that is not one of the published kinds, or a reason without an arrest, is refused and writes nothing.
    alert = Alert.objects.get(deployment=world.first, adjudication__decision="inconclusive")
    api = a.api(a.operator_a)
    for body in ({"outcome": "arrested", "duration_minutes": 7, "arrest_reason": "looked shifty"},
                 {"outcome": "spoken_to", "duration_minutes": 7, "arrest_reason": "suspected_offence"}):
        refused_answer = api.post(f"/api/alerts/{alert.pk}/engagement/", body, format="json")
        assert refused_answer.status_code == 400 and "arrest_reason" in str(refused_answer.json())
    assert not Engagement.objects.filter(alert=alert).exists()
    done = api.post(f"/api/alerts/{alert.pk}/engagement/",
                    {"outcome": "arrested", "duration_minutes": 7, "arrest_reason": "suspected_offence"}, format="json")
    assert done.status_code == 200, done.content

    report = publish(world)
    document = client.get(f"/transparency/reports/{report.pk}/report.json").json()
    log = {row["reference"]: row for row in document["deployment_log"]}

    first = Deployment.objects.get(pk=world.first.pk)
    row = log[f"LFR-{first.pk}"]
    assert row["status"] == "completed" and row["status_reason"] == ""
    assert row["hours_ran"] == _hours(first)
    assert row["ran_from"] == local(first.activated_at).replace(second=0, microsecond=0).isoformat()
    assert row["ran_until"] == local(first.ended_at).replace(second=0, microsecond=0).isoformat()
    arrests = Engagement.objects.filter(alert__deployment=first, outcome="arrested")
    assert row["arrests"] == arrests.count() == 2
    # The first arrest gave no reason: it is the category the person was listed under.
    assert row["arrests_wanted_by_court"] == arrests.filter(arrest_reason="wanted_by_court").count() == 1
    assert row["arrests_suspected_offence"] == arrests.filter(arrest_reason="suspected_offence").count() == 1
    assert row["other_engagements"] == 1 and row["no_action"] == 0  # spoken to

    running = log[f"LFR-{world.second.pk}"]
    assert running["status"] == "in_progress" and running["ran_until"] is None and running["hours_ran"] >= 0
    assert running["other_engagements"] == 1  # conditions checked

    cancelled = log[f"LFR-{called_off.pk}"]
    assert cancelled["status"] == "cancelled" and cancelled["hours_ran"] == 0 and cancelled["ran_from"] is None
    assert cancelled["status_reason"] == ("The force withdrew it before it started. The force's reason: "
                                          "The match was postponed by the league this morning.")

    refused = Deployment.objects.get(pk=refused.pk)
    stopped = log[f"LFR-{refused.pk}"]
    assert stopped["status"] == "stopped" and stopped["hours_ran"] == _hours(refused)
    assert "did not confirm it, so it stopped" in stopped["status_reason"]
    assert "R02" not in stopped["status_reason"]

    # Totals count what ran: the cancelled deployment adds to none of them.
    assert document["totals"]["deployments"] == sum(1 for r in log.values() if r["status"] != "cancelled")
    outcomes = {o["kind"]: o["count"] for o in document["outcomes"]}
    assert outcomes["arrests_wanted_by_court"] == 1 and outcomes["arrests_suspected_offence"] == 1
    assert outcomes["other_engagements"] == 2 and outcomes["no_action"] == 0

    page = client.get(f"/transparency/reports/{report.pk}/").content.decode()
    assert "Cancelled" in page and "postponed by the league" in page and "Stopped early" in page
    assert window(row["ran_from"], row["ran_until"]) in page
    assert "Arrested: wanted by a court" in page and "Other engagements" in page
    assert "wanted by a court 1, suspected of an offence 1" in page
    csv_header = client.get(f"/transparency/reports/{report.pk}/report.csv").content.decode().splitlines()[0]
    for column in ("hours_ran", "status_reason", "arrests_wanted_by_court", "other_engagements", "no_action"):
        assert column in csv_header
