"""An officer judges a match with both faces in front of them: the camera's crop beside the watchlist photo on
a live alert, the probe beside each candidate's custody image on a retrospective search. Each image goes only to
people who may see the record, and the decision buttons work from the keyboard."""
from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from matching.services import enrolment
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, RfrSearch
from tests.deployments.factories import JUSTIFICATION


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card_of(html: str, alert: Alert) -> str:
    return re.search(rf'<li class="alert-card" id="alert-{alert.pk}".*?</li>', html, re.S).group(0)


def test_a_live_alert_shows_the_camera_crop_beside_the_watchlist_photo_and_why_the_person_is_listed(
        live, photos, personas):
    live.send_frames([photos[SAME_PERSON[1]]])
    alert = Alert.objects.get(deployment=live.deployment)
    html = page_client(personas.operator_a).get(f"/deployments/{live.deployment.pk}/live/").content.decode()
    card = card_of(html, alert)
    faces = re.search(r'<div class="faces">(.*?)</div>\s*<div class="alert-body">', card, re.S).group(1)
    assert f'<img src="/alerts/{alert.pk}/crop/"' in faces
    assert f'<img src="/watchlist-entries/{live.entry.pk}/image/"' in faces
    assert "Camera" in faces and "Watchlist" in faces
    assert f"{alert.similarity:.3f} against a threshold of {alert.threshold:.3f}" in card
    assert live.entry.category.name in card and JUSTIFICATION[:60] in card
    # Real buttons, and access keys on the one alert awaiting a decision.
    assert card.count('accesskey="') == 3 and '<button class="button" type="submit"' in card

    photo = page_client(personas.operator_a).get(f"/watchlist-entries/{live.entry.pk}/image/")
    assert photo.status_code == 200 and photo["Cache-Control"] == "private, no-store"
    assert page_client(personas.operator_b).get(f"/watchlist-entries/{live.entry.pk}/image/").status_code == 404


def test_the_alerts_api_gives_the_script_the_watchlist_photo_and_the_justification(live, photos, personas):
    live.send_frames([photos[SAME_PERSON[1]]])
    body = personas.api(personas.operator_a).get(f"/api/alerts/?deployment={live.deployment.pk}").json()
    alert = body["results"][0]
    assert alert["entry_image_url"] == f"/watchlist-entries/{live.entry.pk}/image/"
    assert alert["justification_summary"].startswith(JUSTIFICATION[:60])
    assert personas.api(personas.operator_b).get(f"/api/alerts/?deployment={live.deployment.pk}").json()[
        "results"] == []


def test_only_the_oldest_undecided_alert_carries_the_access_keys(live, photos, personas):
    live.send_frames([photos[SAME_PERSON[1]]])
    live.send_frames([photos[SAME_PERSON[2]]])
    older, newer = Alert.objects.filter(deployment=live.deployment).order_by("pk")
    html = page_client(personas.operator_a).get(f"/deployments/{live.deployment.pk}/live/").content.decode()
    assert 'accesskey="t"' in card_of(html, older) and "accesskey" not in card_of(html, newer)


def test_an_rfr_candidate_is_shown_beside_the_probe_with_its_score(personas, photos):
    obama = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                                    subject_reference="CUST-0001")
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-0002")
    client = page_client(personas.operator_a)
    client.post("/rfr/", {"probe": SimpleUploadedFile("cctv.jpg", photos[SAME_PERSON[1]], content_type="image/jpeg"),
                          "crime_reference": "SM/123/26", "probe_source": "cctv", "candidate_list_length": "5"})
    search = RfrSearch.objects.get()
    first = search.candidates.get(rank=1)
    assert first.custody_image == obama
    html = client.get(f"/rfr/{search.pk}/").content.decode()
    block = re.search(rf'<li class="candidate" id="candidate-{first.pk}">.*?</li>', html, re.S).group(0)
    assert f'<img src="/rfr/{search.pk}/probe/"' in block
    assert f'<img src="/rfr/{search.pk}/candidates/{first.pk}/image/"' in block
    assert f"Candidate 1: {first.similarity:.3f}" in block
    assert 'accesskey="c"' in block and 'accesskey="r"' in block

    probe = client.get(f"/rfr/{search.pk}/probe/")
    assert probe.status_code == 200 and probe["Cache-Control"] == "private, no-store"
    assert b"".join(probe.streaming_content) == photos[SAME_PERSON[1]]
    candidate = client.get(f"/rfr/{search.pk}/candidates/{first.pk}/image/")
    assert candidate.status_code == 200 and b"".join(candidate.streaming_content) == photos[SAME_PERSON[0]]
    assert page_client(personas.auditor).get(f"/rfr/{search.pk}/probe/").status_code == 200
    for outsider in (personas.operator_b, personas.approver_b, personas.approver_a):  # not the investigator
        assert page_client(outsider).get(f"/rfr/{search.pk}/probe/").status_code == 404
        assert page_client(outsider).get(f"/rfr/{search.pk}/candidates/{first.pk}/image/").status_code == 404
    assert Client().get(f"/rfr/{search.pk}/probe/").status_code == 302
