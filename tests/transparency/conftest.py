"""A fixture of known data for the transparency tests, built through the real services and the real matcher.

Force A ("South Mercia") in the report period:
  * LFR-1 (`world.first`): ran and ended; 5 faces sent as frames (4 of the watchlisted man, 1 of another
    man), so 4 real alerts: true match then arrest, false alert, true match then "spoken to", inconclusive.
    Its watchlist images were then deleted by the retention run.
  * LFR-2 (`world.second`): still running; 3 faces, 1 alert: true match then "conditions checked".
  * LFR-3 (`world.exempt_over`): ran under a critical-threat exemption and ended; no faces.
  * a coming authorised deployment (`world.coming`, public notice) and a coming exempt one
    (`world.exempt_coming`, whose notice must stay withheld).
  * 2 RFR searches (CCTV, doorbell), one candidate corroborated; 2 OIFR checks (one in a home).
Force B has a running deployment with 1 alert, an RFR search and an OIFR check: none may reach force A's report.

`world.expected` holds the numbers the test computed itself from what it did (and checks against the
database directly), never from the code under test.

The world is built once for this folder of tests (tests/worlds.py); each test is rolled back to it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from deployments import services as governance
from deployments.models import Deployment
from matching.services import adjudication, enrolment, rfr
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FacesProcessed, OifrCheck, RfrCandidate, RfrSearch
from matching.services.retention import retention_run
from oversight import services as ground
from tests.conftest import make_personas
from tests.deployments.factories import lfr_deployment
from tests.matching.conftest import make_live
from tests.worlds import world_once

SAME_AS_OBAMA2 = "32bit.png"  # the same photo as obama2.jpg, as an RGBA PNG


def month_span(today: date) -> tuple[date, date]:
    """From the first day of last month to the last day of next month: the test's report period."""
    first_this = today.replace(day=1)
    start = (first_this - timedelta(days=1)).replace(day=1)
    after_next = (first_this + timedelta(days=62)).replace(day=1)
    return start, after_next - timedelta(days=1)


@dataclass
class World:
    personas: object
    period_start: date
    period_end: date
    first: Deployment
    second: Deployment
    exempt_over: Deployment
    coming: Deployment
    exempt_coming: Deployment
    other_force: Deployment
    alerts: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)
    media: Path | None = None


def _alerts_of(response) -> tuple[int, list[int]]:
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    return sum(r["faces"] for r in results), [a for r in results for a in r["alerts"]]


def _exempt(personas, *, stage: str, starts_in: timedelta, hours: float) -> Deployment:
    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="draft", starts_in=starts_in, hours=hours, title="Exempt operation")
    governance.deployment_update(actor=personas.operator_a, deployment=deployment, changes={
        "critical_threat_exemption": True,
        "critical_threat_reason": "Intelligence of an imminent attack: notice would alert the attackers."})
    governance.deployment_submit(actor=personas.operator_a, deployment=deployment)
    governance.deployment_authorise(actor=personas.approver_a, deployment=deployment,
                                    reasons="Necessary and proportionate for a critical threat.")
    if stage in ("active", "ended"):
        governance.deployment_activate(actor=personas.operator_a, deployment=deployment)
    if stage == "ended":
        governance.deployment_end(actor=personas.operator_a, deployment=deployment)
    return Deployment.objects.get(pk=deployment.pk)


def build_world(personas, photos) -> World:
    a = personas
    start, end = month_span(timezone.localdate())

    # LFR-1: five faces, four alerts, every kind of decision; then ended and its watchlist deleted.
    first = make_live(a, photos)
    faces_1, alerts_1 = 0, []
    for name in (SAME_PERSON[1], SAME_PERSON[2], OTHER_PERSON, SAME_AS_OBAMA2, SAME_PERSON[1]):
        faces, ids = _alerts_of(first.send_frames([photos[name]]))
        faces_1 += faces
        alerts_1 += ids
    assert (faces_1, len(alerts_1)) == (5, 4)
    arrested, false, spoken, unsure = [Alert.objects.get(pk=pk) for pk in alerts_1]
    adjudication.alert_adjudicate(actor=a.operator_a, alert=arrested, decision="true_match")
    adjudication.engagement_record(actor=a.operator_a, alert=arrested, outcome="arrested", duration_minutes=12)
    adjudication.alert_adjudicate(actor=a.operator_a, alert=false, decision="false_alert",
                                  note="wrong person: different age and build")
    adjudication.alert_adjudicate(actor=a.operator_a, alert=spoken, decision="true_match")
    adjudication.engagement_record(actor=a.operator_a, alert=spoken, outcome="spoken_to", duration_minutes=4)
    adjudication.alert_adjudicate(actor=a.operator_a, alert=unsure, decision="inconclusive")
    governance.deployment_end(actor=a.operator_a, deployment=first.deployment)
    retention_run()

    # LFR-2: still running; three faces, one alert, a true match with conditions checked.
    second = make_live(a, photos, photo=SAME_PERSON[2])
    faces_2, alerts_2 = 0, []
    for name in (OTHER_PERSON, SAME_PERSON[0], OTHER_PERSON):
        faces, ids = _alerts_of(second.send_frames([photos[name]]))
        faces_2 += faces
        alerts_2 += ids
    assert (faces_2, len(alerts_2)) == (3, 1)
    checked = Alert.objects.get(pk=alerts_2[0])
    adjudication.alert_adjudicate(actor=a.operator_a, alert=checked, decision="true_match")
    adjudication.engagement_record(actor=a.operator_a, alert=checked, outcome="conditions_checked",
                                   duration_minutes=6)

    exempt_over = _exempt(a, stage="ended", starts_in=timedelta(minutes=-30), hours=2)
    coming = lfr_deployment(force=a.force_a, operator=a.operator_a, approver=a.approver_a, stage="authorised",
                            starts_in=timedelta(hours=12), hours=6, title="Coming operation")
    exempt_coming = _exempt(a, stage="authorised", starts_in=timedelta(hours=18), hours=4)

    # Force B: a running deployment with one alert, and its own searches; none of it is force A's.
    other = make_live(a, photos, force=a.force_b, operator=a.operator_b, approver=a.approver_b)
    _, other_alerts = _alerts_of(other.send_frames([photos[SAME_PERSON[1]]]))
    assert len(other_alerts) == 1

    # RFR and OIFR through the matcher's services, against real galleries.
    enrolment.gallery_enrol(actor=a.operator_a, force=a.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-A-0001")
    enrolment.gallery_enrol(actor=a.operator_a, force=a.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-A-0002")
    enrolment.gallery_enrol(actor=a.operator_b, force=a.force_b, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-B-0001")
    cctv = rfr.rfr_search_run(actor=a.operator_a, probe=photos[SAME_PERSON[1]], crime_reference="SM/101/26",
                              probe_source="cctv", candidate_list_length=5)
    rfr.rfr_search_run(actor=a.operator_a, probe=photos[SAME_PERSON[2]], crime_reference="SM/102/26",
                       probe_source="doorbell", candidate_list_length=5)
    rfr.rfr_candidate_mark(actor=a.operator_a, candidate=cctv.candidates.order_by("rank").first(),
                           status="corroborated", note="matches the tattoo seen on the CCTV footage")
    rfr.rfr_search_run(actor=a.operator_b, probe=photos[SAME_PERSON[1]], crime_reference="NW/7/26",
                       probe_source="phone")
    rfr.oifr_check_run(actor=a.operator_a, photo=photos[SAME_PERSON[2]], reason="refuses",
                       subject_category="wanted", place_type="public")
    rfr.oifr_check_run(actor=a.operator_a, photo=photos[OTHER_PERSON], reason="unconscious",
                       subject_category="at_risk", place_type="home",
                       harm_declaration="Found unconscious at home; identity needed to reach next of kin urgently.")
    rfr.oifr_check_run(actor=a.operator_b, photo=photos[SAME_PERSON[1]], reason="unable",
                       subject_category="missing", place_type="public")

    searches = RfrSearch.objects.filter(force=a.force_a)
    checks = OifrCheck.objects.filter(force=a.force_a)
    expected = {
        "LFR-%d" % first.deployment.pk: {
            "watchlist_size": 1, "faces_processed": 5, "alerts": 4, "confirmed_matches": 2, "false_alerts": 1,
            "inconclusive": 1, "undecided": 0, "engagements": 2, "arrests": 1},
        "LFR-%d" % second.deployment.pk: {
            "watchlist_size": 1, "faces_processed": 3, "alerts": 1, "confirmed_matches": 1, "false_alerts": 0,
            "inconclusive": 0, "undecided": 0, "engagements": 1, "arrests": 0},
        "LFR-%d" % exempt_over.pk: {
            "watchlist_size": 3, "faces_processed": 0, "alerts": 0, "confirmed_matches": 0, "false_alerts": 0,
            "inconclusive": 0, "undecided": 0, "engagements": 0, "arrests": 0},
    }
    totals = {key: sum(row[key] for row in expected.values()) for key in next(iter(expected.values()))}
    totals.pop("watchlist_size")
    totals["deployments"] = 3
    # The database agrees with what the test did (so the expectations are not a typo).
    assert sum(FacesProcessed.objects.filter(deployment__force=a.force_a).values_list("faces", flat=True)) == 8
    assert Alert.objects.filter(deployment__force=a.force_a).count() == 5
    assert searches.count() == 2 and checks.count() == 2
    assert RfrCandidate.objects.filter(search__force=a.force_a, status="corroborated").count() == 1
    world = World(personas=a, period_start=start, period_end=end, first=first.deployment,
                  second=second.deployment, exempt_over=exempt_over, coming=coming, exempt_coming=exempt_coming,
                  other_force=other.deployment)
    world.expected = {
        "rows": expected,
        "totals": totals,
        "rfr": {"searches": 2, "cctv": 1, "doorbell": 1, "corroborated": 1,
                "candidates": RfrCandidate.objects.filter(search__force=a.force_a).count()},
        "oifr": {"checks": 2, "refuses": 1, "unconscious": 1, "wanted": 1, "at_risk": 1, "private": 1,
                 "matched": checks.filter(matched__isnull=False).count()},
        # One watchlist entry of LFR-1 was deleted by the retention run, on time.
        "deletions": {"watchlist_template": {"done": 1, "done_on_time": 1, "done_late": 0, "overdue_not_done": 0},
                      "alert_media": {"done": 0, "done_on_time": 0, "done_late": 0, "overdue_not_done": 0},
                      "rfr_probe": {"done": 0, "done_on_time": 0, "done_late": 0, "overdue_not_done": 0},
                      "vendor_package": {"done": 0, "done_on_time": 0, "done_late": 0, "overdue_not_done": 0},
                      "custody_image": {"done": 0, "done_on_time": 0, "done_late": 0, "overdue_not_done": 0},
                      "complaint_personal": {"done": 0, "done_on_time": 0, "done_late": 0, "overdue_not_done": 0}},
        "faces_discarded": 8 - 5,
    }
    return world


@pytest.fixture(scope="package")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory, photos):
    media = tmp_path_factory.mktemp("transparency-world-media")
    with world_once(lambda: build_world(make_personas(), photos), django_db_blocker=django_db_blocker,
                    media=media) as world:
        world.media = media
        yield world


@pytest.fixture
def world(built_world, db, settings) -> World:
    settings.MEDIA_ROOT = built_world.media
    return built_world


@pytest.fixture(scope="module")
def published_once(built_world, django_db_blocker):
    """Force A's report of the world's period, published (and so rendered to PDF) once for a module whose tests
    only read it; rolled back when the module ends, so the next module sees the world as built."""
    from tests.transparency.helpers import publish

    with world_once(lambda: publish(built_world), django_db_blocker=django_db_blocker,
                    media=built_world.media) as report:
        yield report


@pytest.fixture
def published(published_once, world):
    return published_once


@pytest.fixture
def personas(request, db):
    """The world's personas when a test uses the world; fresh ones otherwise."""
    if "world" in request.fixturenames:
        return request.getfixturevalue("world").personas
    return make_personas()


def admin_may_publish(personas, allowed: bool) -> None:
    ground.policy_setting_version_add(actor=personas.oversight_admin, key="publication.force_admin_may_publish",
                                      value=allowed, reason="Test: the oversight body delegates publication.")
