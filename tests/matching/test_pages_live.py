"""The live page of one deployment: who sees it, what it shows, and the counters its script polls."""
from __future__ import annotations

import re

from django.templatetags.static import static
from django.test import Client

from matching.services import adjudication
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def live_url(live) -> str:
    return f"/deployments/{live.deployment.pk}/live/"


def test_an_operator_of_the_force_sees_the_deployment_its_counters_chart_and_alerts(live, photos, personas):
    live.send_frames([photos[SAME_PERSON[1]], photos[OTHER_PERSON]])
    alert = Alert.objects.get(deployment=live.deployment)
    response = page_client(personas.operator_a).get(live_url(live))
    assert response.status_code == 200
    html = response.content.decode()
    deployment = live.deployment
    assert deployment.title in html and "New Street station concourse" in html
    assert f"{deployment.threshold}" in html and "Active" in html
    assert '<span class="count" data-counter="faces">2</span> faces processed' in html
    assert '<span class="count" data-counter="alerts">1</span> alerts' in html
    assert '<span class="count" data-counter="decided">0</span> decided' in html
    assert '<svg id="faces-chart"' in html and "2 faces processed" in html
    assert f'id="alert-{alert.pk}"' in html and live.entry.subject_reference in html
    assert "Wanted by a court" in html or live.entry.category.name in html
    assert f"{alert.similarity:.3f} against a threshold of {alert.threshold:.3f}" in html
    assert f'src="/alerts/{alert.pk}/crop/"' in html
    for decision in ("true_match", "false_alert", "inconclusive"):
        assert f'name="alert-{alert.pk}-decision" value="{decision}"' in html


def test_the_page_polls_the_alerts_api_after_the_last_alert_shown(live, photos, personas):
    live.send_frames([photos[SAME_PERSON[1]]])
    alert = Alert.objects.get()
    html = page_client(personas.operator_a).get(live_url(live)).content.decode()
    assert 'data-alerts-api="/api/alerts/"' in html and f'data-last-id="{alert.pk}"' in html
    assert static("matching/live.js") in html
    # What the script asks for answers with exactly the alerts after the last one shown.
    api = Client()
    api.force_login(personas.operator_a)
    body = api.get(f"/api/alerts/?deployment={live.deployment.pk}&after={alert.pk}").json()
    assert body["results"] == []
    body = api.get(f"/api/alerts/?deployment={live.deployment.pk}&after=0").json()
    assert [a["id"] for a in body["results"]] == [alert.pk] and body["results"][0]["crop_url"]


def test_the_counters_answer_as_json_for_the_script(live, photos, personas):
    live.send_frames([photos[SAME_PERSON[1]], photos[SAME_PERSON[2]], photos[OTHER_PERSON]])
    response = page_client(personas.operator_a).get(f"{live_url(live)}counters/")
    assert response.status_code == 200
    body = response.json()
    assert body["counters"]["faces"] == 3 and body["counters"]["alerts"] == 2
    assert body["counters"]["undecided"] == 2 and body["counters"]["decided"] == 0
    assert body["status"] == "active"
    assert len(body["chart"]["bars"]) == 1 and body["chart"]["bars"][0]["height"] == 100
    assert page_client(personas.operator_b).get(f"{live_url(live)}counters/").status_code == 404


def test_another_forces_operator_gets_a_404(live, personas):
    assert page_client(personas.operator_b).get(live_url(live)).status_code == 404


def test_the_public_is_sent_to_sign_in(live):
    response = Client().get(live_url(live))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_an_auditor_sees_the_page_but_is_offered_no_decisions(live, photos, personas):
    live.send_frames([photos[SAME_PERSON[1]]])
    alert = Alert.objects.get()
    response = page_client(personas.auditor).get(live_url(live))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="alert-{alert.pk}"' in html
    assert 'value="true_match"' not in html and "Register a camera or van" not in html
    assert 'data-may-change="false"' in html


def test_a_deployment_that_is_not_active_says_matching_is_not_running(live, personas):
    from deployments import services

    services.deployment_end(actor=personas.operator_a, deployment=live.deployment)
    html = page_client(personas.operator_a).get(live_url(live)).content.decode()
    assert "Matching runs only while the deployment is active" in html


def test_the_live_list_leads_to_the_forces_own_live_pages(live, other_live, personas):
    html = page_client(personas.operator_a).get("/live/").content.decode()
    assert live_url(live) in html and live_url(other_live) not in html


def test_the_live_list_counts_the_alerts_awaiting_a_decision(live, photos, personas):
    live.send_frames([photos[SAME_PERSON[1]], photos[SAME_PERSON[2]]])
    first = Alert.objects.filter(deployment=live.deployment).order_by("id").first()
    adjudication.alert_adjudicate(actor=personas.operator_a, alert=first, decision="false_alert",
                                  note="wrong person: different ears")
    html = page_client(personas.operator_a).get("/live/").content.decode()
    row = html.split(live.deployment.title)[1].split("</tr>")[0]
    assert re.findall(r'<td class="number">(?:<a [^>]*>)?(?:<strong>)?(\d+)', row) == ["2", "1"]
