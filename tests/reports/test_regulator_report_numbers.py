"""Every number in the regulator report equals a count made independently with plain ORM queries."""
from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Sum

from deployments.models import Authorisation, Deployment, WatchlistEntry
from matching.models import (
    Adjudication, Alert, Deletion, Engagement, FacesProcessed, LegalHold, OifrCheck, RfrCandidate, RfrSearch,
)
from oversight.audit.checkpoints import checkpoint_make
from oversight.reports.period import bounds
from oversight.reports.regulator import regulator_report


@pytest.fixture
def report(world):
    return regulator_report(forces=world.forces, start=world.start, end=world.end, checkpoint=checkpoint_make(),
                            as_of=world.as_of)


def _deployments(world):
    begin, finish = bounds(world.start, world.end)
    return (Deployment.objects.filter(force__in=world.forces, kind="lfr", starts_at__gte=begin,
                                      starts_at__lt=finish, authorisations__isnull=False).distinct())


def test_it_counts_the_deployments_that_reached_a_decision(world, report):
    expected = _deployments(world)
    assert expected.count() == 3
    assert report.totals["deployments"] == 3
    assert {row["pk"] for row in report.deployments} == set(expected.values_list("pk", flat=True))
    assert report.totals["urgent_authorisations"] == Authorisation.objects.filter(
        deployment__in=expected, urgent=True).count() == 1
    assert report.totals["refused"] == 1


def test_faces_alerts_decisions_engagements_and_arrests_match_the_records(world, report):
    deployments = _deployments(world)
    alerts = Alert.objects.filter(deployment__in=deployments)
    assert report.totals["faces"] == FacesProcessed.objects.filter(deployment__in=deployments).aggregate(
        n=Sum("faces"))["n"] == 5
    assert report.totals["alerts"] == alerts.count() == 4
    for key, decision in [("true_matches", "true_match"), ("false_alerts", "false_alert"),
                          ("inconclusive", "inconclusive")]:
        assert report.totals[key] == Adjudication.objects.filter(alert__in=alerts, decision=decision).count() == 1
    assert report.totals["undecided"] == alerts.filter(adjudication__isnull=True).count() == 1
    assert report.totals["engagements"] == Engagement.objects.filter(alert__in=alerts).count() == 2
    assert report.totals["arrests"] == Engagement.objects.filter(alert__in=alerts, outcome="arrested").count() == 1
    outcomes = Counter(Engagement.objects.filter(alert__in=alerts).values_list("outcome", flat=True))
    assert {k: v for k, v in report.totals["outcomes"].items() if v} == dict(outcomes)


def test_each_deployment_row_matches_its_own_records(world, report):
    for row in report.deployments:
        deployment = Deployment.objects.get(pk=row["pk"])
        alerts = Alert.objects.filter(deployment=deployment)
        entries = WatchlistEntry.objects.filter(watchlist__deployment=deployment)
        assert row["size"] == entries.count()
        assert {c["code"]: c["count"] for c in row["by_category"]} == dict(
            Counter(entries.values_list("category__code", flat=True)))
        assert row["faces"] == (FacesProcessed.objects.filter(deployment=deployment)
                                .aggregate(n=Sum("faces"))["n"] or 0)
        assert row["alerts"] == alerts.count()
        assert row["false_alerts"] == alerts.filter(adjudication__decision="false_alert").count()
        assert row["undecided"] == alerts.filter(adjudication__isnull=True).count()
        assert [a["pk"] for a in row["authorisations"]] == list(
            deployment.authorisations.order_by("decided_at", "id").values_list("pk", flat=True))
    live = next(r for r in report.deployments if r["pk"] == world.live.pk)
    assert live["review"]["state"] == "overdue"
    urgent = next(r for r in report.deployments if r["pk"] == world.urgent.pk)
    assert urgent["authorisations"][0]["urgent_review"] == "Not reviewed in time: stopped"
    assert urgent["authorisations"][0]["rank"] == "Inspector"


def test_every_alert_has_its_whole_chain(world, report):
    alerts = {a.pk: a for a in Alert.objects.filter(deployment__in=_deployments(world))
              .select_related("entry__category", "deployment__assessment")}
    rows = {r["pk"]: (group, r) for group in report.chains for r in group["alerts"]}
    assert set(rows) == set(alerts)
    for pk, alert in alerts.items():
        group, row = rows[pk]
        assert row["entry"]["reference"] == alert.entry.subject_reference
        assert row["category"]["code"] == alert.entry.category.code
        assert [b["code"] for b in row["legal_bases"]] == sorted(alert.entry.legal_bases.values_list("code", flat=True))
        assert all(b["url"] == f"/legal-bases/#{b['code']}" for b in row["legal_bases"])
        assert group["deployment"]["pk"] == alert.deployment_id
        assert group["deployment"]["url"] == f"/deployments/{alert.deployment_id}/"
        auth = Authorisation.objects.filter(deployment=alert.deployment_id, decision="authorised",
                                            decided_at__lte=alert.captured_at).order_by("-decided_at").first()
        assert row["authorisation"]["pk"] == auth.pk and row["authorisation"]["rank"] == "Superintendent"
        assert row["authorisation"]["policy_versions"] == sorted(
            f"{s.key} v{s.version}" for s in auth.policy_settings.all())
        assert {d["pk"] for d in row["authorisation"]["documents"]} == {auth.dpia_id, auth.apd_id, auth.eqia_id,
                                                                       auth.bias_test_id}
        assert row["authorisation"]["event_seq"] is not None
        assert group["assessment"]["pk"] == alert.deployment.assessment.pk
        assert row["event_seq"] is not None  # the alert.raise event


def test_watchlist_hygiene_matches_the_entries(world, report):
    entries = WatchlistEntry.objects.filter(watchlist__deployment__in=_deployments(world))
    h = report.hygiene
    assert h["entries"] == entries.count() == 1 + 3 + 5
    assert h["under_18"] == entries.filter(under_18=True).count() == 1
    assert h["under_18_second_approved"] == entries.filter(under_18=True, second_approver__isnull=False).count() == 1
    assert h["unconvicted"] == entries.filter(unconvicted=True).count() == 1
    assert {c["code"]: c["count"] for c in h["by_category"]} == dict(
        Counter(entries.values_list("category__code", flat=True)))
    assert {s["source"]: s["count"] for s in h["by_source"]} == dict(
        Counter(entries.values_list("image_source_system", flat=True)))
    assert sum(a["count"] for a in h["ages"]) == entries.count()
    assert next(a["count"] for a in h["ages"] if a["band"] == "over 10 years") == 1


def test_false_alert_rates_stand_against_the_expectation(world, report):
    fa = report.false_alerts
    assert fa["false_alerts"] == Adjudication.objects.filter(decision="false_alert").count() == 1
    assert fa["per_face"] == pytest.approx(1 / 5)
    assert fa["per_alert"] == pytest.approx(1 / 4)
    from deployments.selectors import expected_false_alerts, false_match_rate

    live = next(r for r in report.deployments if r["pk"] == world.live.pk)
    rate = false_match_rate(algorithm=world.live.algorithm_version, threshold=world.live.threshold)
    assert live["expected_for_faces_seen"] == pytest.approx(5 * 1 * rate)
    assert live["expected"].value == pytest.approx(expected_false_alerts(deployment=world.live).value)


def test_retention_evidence_counts_deletions_done_late_and_overdue(world, report):
    begin, finish = bounds(world.start, world.end)
    deletions = Deletion.objects.filter(force__in=world.forces, due_at__gte=begin, due_at__lt=finish)
    kinds = report.retention["kinds"]
    alert_media = deletions.filter(kind="alert_media")
    assert kinds["alert_media"]["done"] == alert_media.count() == 3
    assert kinds["alert_media"]["late"] == sum(1 for d in alert_media if d.done_at > d.due_at) == 3
    watchlist = deletions.filter(kind="watchlist_template")
    assert kinds["watchlist_template"]["on_time"] == sum(1 for d in watchlist if d.done_at <= d.due_at) == 1
    still_held = Alert.objects.filter(deployment__force=world.personas.force_a, media_deleted_at__isnull=True,
                                      holds__isnull=True).exclude(crop="")
    assert kinds["alert_media"]["outstanding"] == still_held.count() == 1
    assert kinds["alert_media"]["due"] == 4
    assert report.retention["held_alerts"] == LegalHold.objects.filter(released_at__isnull=True).count() == 0


def test_rfr_and_oifr_volumes_match(world, report):
    assert report.rfr["searches"] == RfrSearch.objects.filter(force__in=world.forces).count() == 1
    assert report.rfr["returned"] == RfrCandidate.objects.count()
    assert report.rfr["corroborated"] == RfrCandidate.objects.filter(status="corroborated").count() == 1
    assert dict(report.rfr["by_source"])["CCTV"] == 1
    assert report.oifr["checks"] == OifrCheck.objects.filter(force__in=world.forces).count() == 2
    assert report.oifr["private_places"] == OifrCheck.objects.filter(place_type="home").count() == 1
    assert report.oifr["matched"] == OifrCheck.objects.filter(matched__isnull=False).count()


def test_capabilities_name_the_algorithms_thresholds_and_bias_tests(world, report):
    by_code = {c["code"]: c for c in report.capabilities}
    assert set(by_code) == {"dlib-resnet-v1", "nec-neoface-v4"}
    assert by_code["dlib-resnet-v1"]["deployments"] == 1 and by_code["nec-neoface-v4"]["deployments"] == 2
    assert dict(by_code["dlib-resnet-v1"]["thresholds"])["LFR"] == [world.live.threshold]
    assert dict(by_code["dlib-resnet-v1"]["thresholds"])["RFR"] == [RfrSearch.objects.get().threshold]
    assert by_code["dlib-resnet-v1"]["rfr"] == 1 and by_code["dlib-resnet-v1"]["oifr"] == 2
    assert by_code["dlib-resnet-v1"]["bias_tests"] and by_code["nec-neoface-v4"]["bias_tests"]
    assert by_code["nec-neoface-v4"]["floor"] == 0.64


def test_audits_and_their_responses_are_in_the_report(world, report):
    (audit,) = report.audits
    assert audit["audit"].pk == world.audit.pk
    assert [f["finding"].severity for f in audit["findings"]] == ["high"]
    assert audit["findings"][0]["linked_url"] == f"/records/alerts/{world.alerts['undecided'].pk}/"
    (rec,) = audit["recommendations"]
    assert rec["responses"][0].decision == "accepted" and not rec["overdue"]
    assert audit["sample"]["deployments"]["drawn"] and audit["sample"]["alerts"]["drawn"]


def test_the_expectation_at_authorisation_carries_its_range_and_says_when_it_is_extrapolated(world, report):
    """The regulator reads the expected false alerts for the deployment's watchlist size and expected faces with the
    95% range of the algorithm's evaluation, on the page and in the PDF, and is told when it is extrapolated."""
    from deployments.selectors import expected_false_alerts
    from oversight.reports.rendering import render_html

    live = next(r for r in report.deployments if r["pk"] == world.live.pk)
    selector = expected_false_alerts(deployment=world.live)
    assert live["expected"].interval == pytest.approx(selector.interval)
    assert live["expected"].measured is selector.measured is True  # dlib at 0.94 lies inside the measured range
    words = live["expected"].interval_in_words
    page, pdf = render_html(report), render_html(report, for_pdf=True)
    assert f"likely {words} (95%)" in page and f"likely {words} (95%)" in pdf
    assert "beyond the tested range" not in page.split('id="expected-range-note"')[0]

    world.live.threshold = 0.96  # below one false match in the evaluation's 50,842 impostor pairs
    world.live.save(update_fields=["threshold"])
    again = regulator_report(forces=world.forces, start=world.start, end=world.end, checkpoint=checkpoint_make(),
                             as_of=world.as_of)
    row = next(r for r in again.deployments if r["pk"] == world.live.pk)
    assert row["expected"].measured is False
    assert "beyond the tested range" in render_html(again)
    assert "beyond the rates the algorithm's evaluation could measure" in render_html(again, for_pdf=True)
