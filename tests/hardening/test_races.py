"""Review-type actions take a row lock and check the state under it: of two people deciding at once, one
succeeds and the other is told what the record now is. Threads here use real, separate database connections,
so the data is committed (`committed_db`)."""
from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from matching.services import adjudication, enrolment, live as live_matching, rfr
from matching.audit_actions import ALERT_ADJUDICATE, ALERT_RAISE, LEGAL_HOLD_RELEASE, RFR_CANDIDATE_MARK
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FacesProcessed, FrameReceipt, LegalHold, RfrCandidate
from oversight.models import AuditEvent
from tests.conftest import make_personas
from tests.hardening.conftest import make_live


def at_once(*calls) -> list:
    """Run each call in its own thread and connection, released together; each outcome or its exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _search(personas, photos):
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-0001")
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-0002")
    return rfr.rfr_search_run(actor=personas.operator_a, probe=photos[SAME_PERSON[1]], crime_reference="SM/77/26",
                              probe_source="cctv")


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_corroborated_and_rejected_at_once_on_one_candidate_only_one_succeeds(photos, round_):
    personas = make_personas()
    candidate = _search(personas, photos).candidates.get(rank=1)
    outcomes = at_once(
        lambda: rfr.rfr_candidate_mark(actor=personas.operator_a, candidate=candidate, status="corroborated",
                                       note="fingerprint match, PNC record SM/55/26"),
        lambda: rfr.rfr_candidate_mark(actor=personas.approver_a, candidate=candidate, status="rejected",
                                       note="different ears and jaw"),
    )
    won = [o for o in outcomes if isinstance(o, RfrCandidate)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].error_dict["status"][0].code == "R19-rfr-record"
    assert RfrCandidate.objects.get(pk=candidate.pk).status == won[0].status
    [event] = AuditEvent.objects.filter(action=RFR_CANDIDATE_MARK)
    assert event.old == {"status": "unreviewed"} and event.new["status"] == won[0].status
    assert won[0].status in lost[0].message_dict["status"][0]


@pytest.mark.django_db
def test_a_reviewed_candidate_cannot_be_marked_again_through_the_api(personas, photos):
    candidate = _search(personas, photos).candidates.get(rank=1)
    api = personas.api(personas.operator_a)
    url = f"/api/rfr/candidates/{candidate.pk}/mark/"
    assert api.post(url, {"status": "rejected", "note": "not him"}, format="json").status_code == 200
    for body in ({"status": "corroborated", "note": "fingerprint match, PNC record SM/55/26"},
                 {"status": "rejected", "note": "again"}):
        response = api.post(url, body, format="json")
        assert response.status_code == 400
        assert response.json()["status"] == ["this candidate was already reviewed: it is rejected"]
    assert RfrCandidate.objects.get(pk=candidate.pk).status == "rejected"
    assert AuditEvent.objects.filter(action=RFR_CANDIDATE_MARK).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_two_decisions_at_once_on_one_alert_only_one_is_recorded(photos):
    personas = make_personas()
    live = make_live(personas, photos)
    [alert_id] = live_matching.frames_ingest(device=live.deployment.devices.get(),
                                             frames=[photos[SAME_PERSON[1]]])[0].alerts
    alert = Alert.objects.get(pk=alert_id)
    outcomes = at_once(
        lambda: adjudication.alert_adjudicate(actor=personas.operator_a, alert=alert, decision="true_match"),
        lambda: adjudication.alert_adjudicate(actor=personas.approver_a, alert=alert, decision="false_alert",
                                              note="wrong person: older, different build"),
    )
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1, outcomes
    assert AuditEvent.objects.filter(action=ALERT_ADJUDICATE).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_a_hold_released_twice_at_once_is_released_once(photos):
    personas = make_personas()
    live = make_live(personas, photos)
    [alert_id] = live_matching.frames_ingest(device=live.deployment.devices.get(),
                                             frames=[photos[SAME_PERSON[1]]])[0].alerts
    hold = adjudication.legal_hold_place(actor=personas.operator_a, alert=Alert.objects.get(pk=alert_id),
                                         reason="complaint received about this stop", reference="COMP/2026/14")
    outcomes = at_once(*[lambda: adjudication.legal_hold_release(actor=personas.operator_a, hold=hold,
                                                                 reason="complaint closed")] * 2)
    assert sum(isinstance(o, LegalHold) for o in outcomes) == 1, outcomes
    assert AuditEvent.objects.filter(action=LEGAL_HOLD_RELEASE).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_the_same_frame_sent_twice_at_once_is_counted_once(photos):
    personas = make_personas()
    live = make_live(personas, photos)
    device = live.deployment.devices.get()
    outcomes = at_once(*[lambda: live_matching.frames_ingest(device=device, frames=[photos[SAME_PERSON[1]]],
                                                             frame_ids=["cam1-424242"])] * 2)
    results = [o[0] for o in outcomes]
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(r.repeated for r in results) == [False, True]
    assert results[0].alerts == results[1].alerts and len(results[0].alerts) == 1
    counted = FacesProcessed.objects.get(deployment=live.deployment)
    assert (counted.faces, counted.alerts) == (1, 1)
    assert Alert.objects.count() == 1 and AuditEvent.objects.filter(action=ALERT_RAISE).count() == 1
    assert FrameReceipt.objects.get().alerts == results[0].alerts
