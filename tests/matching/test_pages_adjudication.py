"""Deciding on an alert from the live page without JavaScript: a decision first, then the engagement (rule 15)."""
from __future__ import annotations

import re

from django.test import Client

from matching.face.samples import SAME_PERSON
from matching.models import Adjudication, Alert, Engagement


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error_next_to(html: str, field_id: str) -> str:
    """The error message shown inside the field's own block (the block is marked as in error)."""
    block = re.search(rf'<div class="field field-error" data-field="[^"]+">\s*(?:<fieldset[^>]*>\s*<legend>|'
                      rf'<label for="{field_id}">).*?<div class="error-messages" id="{field_id}_error">(.*?)</div>',
                      html, re.S)
    assert block, f"no error shown next to {field_id}"
    return re.sub(r"<[^>]+>", " ", block.group(1)).strip()


def an_alert(live, photos) -> Alert:
    response = live.send_frames([photos[SAME_PERSON[1]]])
    return Alert.objects.get(pk=response.json()["results"][0]["alerts"][0])


def test_a_false_alert_without_a_note_shows_the_error_next_to_the_note_and_changes_nothing(live, photos, personas):
    alert = an_alert(live, photos)
    response = page_client(personas.operator_a).post(f"/alerts/{alert.pk}/decide/",
                                                      {f"alert-{alert.pk}-decision": "false_alert"})
    assert response.status_code == 400
    assert "a false alert needs a note" in error_next_to(response.content.decode(), f"id_alert-{alert.pk}-note")
    alert.refresh_from_db()
    assert alert.status == "new" and not Adjudication.objects.exists()


def test_a_false_alert_with_a_wrong_person_note_is_recorded(live, photos, personas):
    alert = an_alert(live, photos)
    client = page_client(personas.operator_a)
    response = client.post(f"/alerts/{alert.pk}/decide/", {f"alert-{alert.pk}-decision": "false_alert",
                                                           f"alert-{alert.pk}-note": "wrong person: older, taller"})
    assert response.status_code == 302
    assert response["Location"] == f"/deployments/{live.deployment.pk}/live/#alert-{alert.pk}"
    adjudication = Adjudication.objects.get(alert=alert)
    assert adjudication.decision == "false_alert" and adjudication.note == "wrong person: older, taller"
    assert adjudication.decided_by == personas.operator_a
    html = client.get(response["Location"]).content.decode()
    assert "False alert: wrong person: older, taller" in html


def test_the_form_asks_for_the_wrong_person_note(live, photos, personas):
    alert = an_alert(live, photos)
    html = page_client(personas.operator_a).get(f"/deployments/{live.deployment.pk}/live/").content.decode()
    label = "Note: for a false alert, say why it is the wrong person"
    assert f'<label for="id_alert-{alert.pk}-note">{label}</label>' in html


def test_the_engagement_form_is_absent_before_a_decision_and_offered_after_it(live, photos, personas):
    alert = an_alert(live, photos)
    client = page_client(personas.operator_a)
    url = f"/deployments/{live.deployment.pk}/live/"
    before = client.get(url).content.decode()
    assert f"/alerts/{alert.pk}/engagement/" not in before and f"id_alert-{alert.pk}-outcome" not in before
    assert "Only after a decision" in before

    client.post(f"/alerts/{alert.pk}/decide/", {f"alert-{alert.pk}-decision": "true_match"})
    after = client.get(url).content.decode()
    assert f'action="/alerts/{alert.pk}/engagement/"' in after
    for outcome in ("not_stopped", "spoken_to", "conditions_checked", "arrested", "safeguarded"):
        assert f'name="alert-{alert.pk}-outcome" value="{outcome}"' in after
    assert f'id="id_alert-{alert.pk}-duration_minutes"' in after
    assert f'name="alert-{alert.pk}-decision"' not in after


def test_an_engagement_posted_before_a_decision_is_refused(live, photos, personas):
    alert = an_alert(live, photos)
    response = page_client(personas.operator_a).post(
        f"/alerts/{alert.pk}/engagement/", {f"alert-{alert.pk}-outcome": "arrested",
                                            f"alert-{alert.pk}-duration_minutes": "5"})
    html = response.content.decode()
    assert response.status_code == 400 and "this alert has no decision yet" in html
    assert "R15-human-adjudication:" not in html
    assert not Engagement.objects.exists()


def test_after_a_decision_the_engagement_is_recorded_with_its_duration(live, photos, personas):
    alert = an_alert(live, photos)
    client = page_client(personas.operator_a)
    client.post(f"/alerts/{alert.pk}/decide/", {f"alert-{alert.pk}-decision": "true_match"})
    missing = client.post(f"/alerts/{alert.pk}/engagement/", {f"alert-{alert.pk}-outcome": "arrested"})
    assert missing.status_code == 400
    assert error_next_to(missing.content.decode(), f"id_alert-{alert.pk}-duration_minutes")
    response = client.post(f"/alerts/{alert.pk}/engagement/", {f"alert-{alert.pk}-outcome": "arrested",
                                                               f"alert-{alert.pk}-duration_minutes": "12"})
    assert response.status_code == 302
    engagement = Engagement.objects.get(alert=alert)
    assert engagement.outcome == "arrested" and engagement.duration_minutes == 12
    html = client.get(f"/deployments/{live.deployment.pk}/live/").content.decode()
    assert "Arrested, 12 minutes" in html and f"/alerts/{alert.pk}/engagement/" not in html


def test_pressing_no_decision_button_asks_for_one(live, photos, personas):
    alert = an_alert(live, photos)
    response = page_client(personas.operator_a).post(f"/alerts/{alert.pk}/decide/", {f"alert-{alert.pk}-note": "x"})
    assert response.status_code == 400 and not Adjudication.objects.exists()


def test_another_forces_operator_cannot_decide(live, photos, personas):
    alert = an_alert(live, photos)
    response = page_client(personas.operator_b).post(f"/alerts/{alert.pk}/decide/",
                                                     {f"alert-{alert.pk}-decision": "true_match"})
    assert response.status_code == 404 and not Adjudication.objects.exists()


def test_an_auditor_cannot_decide(live, photos, personas):
    alert = an_alert(live, photos)
    response = page_client(personas.auditor).post(f"/alerts/{alert.pk}/decide/",
                                                  {f"alert-{alert.pk}-decision": "true_match"})
    assert response.status_code == 403 and not Adjudication.objects.exists()
