"""The regulator report and the public transparency report of the same force and period read the same facts,
so every figure they share is equal: deployments by state, faces processed, alerts and their decisions,
engagements, arrests, deletions due and done, exceptions, RFR and OIFR volumes, and complaints received by
outcome."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from matching.models import Deletion
from oversight.audit.checkpoints import checkpoint_make
from oversight.reports.period import bounds
from oversight.reports.regulator import regulator_report
from oversight.transparency.figures import report_figures

# Regulator total → public total of the same count.
TOTALS = {"faces": "faces_processed", "alerts": "alerts", "true_matches": "confirmed_matches",
          "false_alerts": "false_alerts", "inconclusive": "inconclusive", "undecided": "undecided",
          "engagements": "engagements", "arrests": "arrests"}
ROW = {**TOTALS, "size": "watchlist_size"}
DELETIONS = {"due": "due", "done": "done", "on_time": "done_on_time", "late": "done_late",
             "outstanding": "overdue_not_done"}


def _both(world, start, end):
    force = world.personas.force_a
    regulator = regulator_report(forces=[force], start=start, end=end, checkpoint=checkpoint_make(),
                                 as_of=world.as_of)
    public = report_figures(force=force, period_start=start, period_end=end, now=world.as_of)
    return regulator, public


def _periods(world) -> dict:
    today = timezone.localdate()
    month_start = today.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return {"the fortnight around today": (world.start, world.end),
            "this calendar month": (month_start, month_end),
            # Ends today: the watchlist deleted today falls due tomorrow, so neither report may count it here.
            "the week up to today": (today - timedelta(days=7), today)}


def _assert_agree(regulator, public, label):
    ran = [row for row in regulator.deployments if row["state"] not in ("refused", "not_run")]
    assert Counter(row["state"] for row in ran) == Counter(row["status"] for row in public["deployment_log"]), label
    rows = {f"LFR-{row['pk']}": row for row in ran}
    assert set(rows) == {row["reference"] for row in public["deployment_log"]}, label
    for shown in public["deployment_log"]:
        assert {ours: rows[shown["reference"]][ours] for ours in ROW} == \
               {ours: shown[theirs] for ours, theirs in ROW.items()}, (label, shown["reference"])
    assert {key: regulator.totals[key] for key in TOTALS} == \
           {key: public["totals"][theirs] for key, theirs in TOTALS.items()}, label
    assert len(ran) == public["totals"]["deployments"], label
    for kind, counts in regulator.retention["kinds"].items():
        shown = next(row for row in public["retention"]["deletions"] if row["kind"] == kind)
        assert {ours: counts[ours] for ours in DELETIONS} == \
               {ours: shown[theirs] for ours, theirs in DELETIONS.items()}, (label, kind)
    assert regulator.exception_counts == {row["kind"]: row["count"] for row in public["exceptions"]}, label
    assert (regulator.rfr["searches"], regulator.rfr["corroborated"], regulator.rfr["returned"]) == (
        public["rfr"]["searches"], public["rfr"]["identifications_corroborated"], public["rfr"]["candidates_returned"])
    assert (regulator.oifr["checks"], regulator.oifr["matched"], regulator.oifr["private_places"]) == (
        public["oifr"]["checks"], public["oifr"]["possible_matches"], public["oifr"]["in_private_places"])
    assert regulator.complaints["received"] == public["complaints_received"]["received"], label
    assert regulator.complaints["by_outcome"] == {row["outcome"]: row["count"]
                                                  for row in public["complaints_received"]["by_outcome"]}, label


def test_every_shared_figure_is_equal_for_the_same_force_and_period(world):
    for label, (start, end) in _periods(world).items():
        _assert_agree(*_both(world, start, end), label)


def test_the_shared_figures_are_the_ones_that_happened(world):
    """Agreement alone could hide two equal wrong answers: the fortnight's figures are the world's."""
    regulator, public = _both(world, world.start, world.end)
    assert Counter(row["status"] for row in public["deployment_log"]) == {"completed": 1, "stopped": 1}
    assert [row["state"] for row in regulator.deployments if row["pk"] == world.refused.pk] == ["refused"]
    assert {key: public["totals"][key] for key in ("faces_processed", "alerts", "confirmed_matches",
                                                     "false_alerts", "inconclusive", "undecided", "engagements",
                                                     "arrests")} == {
        "faces_processed": 5, "alerts": 4, "confirmed_matches": 1, "false_alerts": 1, "inconclusive": 1,
        "undecided": 1, "engagements": 2, "arrests": 1}
    deletions = {row["kind"]: (row["due"], row["done"], row["done_late"], row["overdue_not_done"])
                 for row in public["retention"]["deletions"]}
    # Three alert images deleted 30 minutes late, the fourth still held; the watchlist deleted on time.
    begin, finish = bounds(world.start, world.end)
    watchlist_done = Deletion.objects.filter(force=world.personas.force_a, kind="watchlist_template",
                                             due_at__gte=begin, due_at__lt=finish).count()
    assert watchlist_done == 1
    assert deletions == {"alert_media": (4, 3, 3, 1), "watchlist_template": (1, 1, 0, 0), "rfr_probe": (0, 0, 0, 0),
                         "vendor_package": (0, 0, 0, 0),
                         "custody_image": (0, 0, 0, 0),
                         "complaint_personal": (0, 0, 0, 0)}
    # Three complaints about force A (one upheld, one waiting for the force's answer, one closed by the oversight
    # body); force B's is not in force A's reports.
    assert public["complaints_received"]["received"] == 3
    assert {row["outcome"]: row["count"] for row in public["complaints_received"]["by_outcome"] if row["count"]} == {
        "upheld": 1, "open": 1, "not_for_a_force": 1}
    assert regulator.complaints["by_force"] == [{"force": "South Mercia Police", "received": 3,
                                                 "counts": [1, 1, 0, 0, 1]}]
    exceptions = {row["kind"]: row["count"] for row in public["exceptions"] if row["count"]}
    assert exceptions["urgent_review.lapsed"] == 1 and exceptions["alert.unadjudicated"] == 1
    assert exceptions["deletion.late"] == 3 and exceptions["deletion.overdue"] == 1


def test_a_deletion_is_counted_in_the_period_it_fell_due_in_by_both_reports(world):
    """The watchlist deleted today is due tomorrow: a report ending today counts it in neither report."""
    today = timezone.localdate()
    due = Deletion.objects.get(deployment=world.live, kind="watchlist_template").due_at
    assert timezone.localtime(due).date() == today + timedelta(days=1)
    regulator, public = _both(world, today - timedelta(days=7), today)
    shown = next(row for row in public["retention"]["deletions"] if row["kind"] == "watchlist_template")
    assert regulator.retention["kinds"]["watchlist_template"]["done"] == shown["done"] == 0


def test_a_lapse_is_never_dated_after_the_report_that_lists_it(world):
    regulator, _ = _both(world, world.start, world.end)
    lapsed = [e for e in regulator.exceptions if e.kind == "urgent_review.lapsed"]
    assert lapsed and all(e.at <= regulator.generated_at for e in lapsed)
    stopped = next(row for row in regulator.deployments if row["pk"] == world.urgent.pk)
    assert stopped["state"] == "stopped"
