"""Every alert is decided by an officer before any engagement is logged (rule 15), through the API."""
from __future__ import annotations

from matching.face.samples import SAME_PERSON
from matching.models import Adjudication, Alert, Engagement
from oversight.models import AuditEvent


def _alert(live, photos) -> Alert:
    response = live.send_frames([photos[SAME_PERSON[1]]])
    return Alert.objects.get(pk=response.json()["results"][0]["alerts"][0])


def test_no_engagement_before_a_decision(live, photos, personas):
    alert = _alert(live, photos)
    api = personas.api(personas.operator_a)
    response = api.post(f"/api/alerts/{alert.pk}/engagement/", {"outcome": "arrested", "duration_minutes": 5},
                        format="json")
    assert response.status_code == 400 and "R15-human-adjudication" in str(response.json())
    assert not Engagement.objects.exists()
    alert.refresh_from_db()
    assert alert.status == "new"


def test_a_false_alert_needs_a_wrong_person_note(live, photos, personas):
    alert = _alert(live, photos)
    api = personas.api(personas.operator_a)
    response = api.post(f"/api/alerts/{alert.pk}/adjudicate/", {"decision": "false_alert"}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    assert not Adjudication.objects.exists()
    response = api.post(f"/api/alerts/{alert.pk}/adjudicate/",
                        {"decision": "false_alert", "note": "wrong person: older, different build"}, format="json")
    assert response.status_code == 200 and response.json()["decision"] == "false_alert"
    assert AuditEvent.objects.filter(action="alert.adjudicate", object_id=str(alert.pk)).exists()


def test_a_decision_then_an_engagement_with_its_duration(live, photos, personas):
    alert = _alert(live, photos)
    api = personas.api(personas.operator_a)
    assert api.post(f"/api/alerts/{alert.pk}/adjudicate/", {"decision": "true_match"},
                    format="json").status_code == 200
    again = api.post(f"/api/alerts/{alert.pk}/adjudicate/", {"decision": "inconclusive"}, format="json")
    assert again.status_code == 400 and "already decided" in str(again.json())
    response = api.post(f"/api/alerts/{alert.pk}/engagement/", {"outcome": "arrested", "duration_minutes": 12},
                        format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "arrested"
    engagement = Engagement.objects.get(alert=alert)
    assert engagement.duration_minutes == 12 and engagement.recorded_by == personas.operator_a
    bad = api.post(f"/api/alerts/{alert.pk}/engagement/", {"outcome": "detained", "duration_minutes": 1},
                   format="json")
    assert bad.status_code == 400


def test_alerts_are_seen_and_decided_only_within_the_force(live, photos, personas):
    alert = _alert(live, photos)
    other = personas.api(personas.operator_b)
    assert other.get(f"/api/alerts/{alert.pk}/").status_code == 404
    assert other.post(f"/api/alerts/{alert.pk}/adjudicate/", {"decision": "true_match"},
                      format="json").status_code == 404
    assert all(a["id"] != alert.pk for a in other.get("/api/alerts/").json()["results"])
    auditor = personas.api(personas.auditor)
    assert auditor.get(f"/api/alerts/{alert.pk}/").status_code == 200
    assert auditor.post(f"/api/alerts/{alert.pk}/adjudicate/", {"decision": "true_match"},
                        format="json").status_code == 403
    assert personas.api(None).get(f"/api/alerts/{alert.pk}/").status_code in (401, 403)
    assert not Adjudication.objects.exists()


def test_the_alert_list_can_be_polled_for_new_alerts(live, photos, personas):
    first = _alert(live, photos)
    api = personas.api(personas.operator_a)
    assert [a["id"] for a in api.get(f"/api/alerts/?deployment={live.deployment.pk}").json()["results"]] == [first.pk]
    second = _alert(live, photos)
    newer = api.get(f"/api/alerts/?deployment={live.deployment.pk}&after={first.pk}").json()["results"]
    assert [a["id"] for a in newer] == [second.pk]
