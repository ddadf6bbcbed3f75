"""An alert's face crop is served only to people who may see the alert, and never cached or made public."""
from __future__ import annotations

from django.test import Client

from matching.face.samples import SAME_PERSON
from matching.models import Alert


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def an_alert(live, photos) -> Alert:
    response = live.send_frames([photos[SAME_PERSON[1]]])
    return Alert.objects.get(pk=response.json()["results"][0]["alerts"][0])


def test_the_crop_is_served_to_an_operator_of_the_force_as_a_private_uncached_jpeg(live, photos, personas):
    alert = an_alert(live, photos)
    response = page_client(personas.operator_a).get(f"/alerts/{alert.pk}/crop/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body[:3] == b"\xff\xd8\xff"
    with alert.crop.open("rb") as stored:
        assert body == stored.read()


def test_the_crop_is_a_404_for_another_force(live, photos, personas):
    alert = an_alert(live, photos)
    assert page_client(personas.operator_b).get(f"/alerts/{alert.pk}/crop/").status_code == 404


def test_the_crop_is_a_404_for_the_public(live, photos):
    alert = an_alert(live, photos)
    assert Client().get(f"/alerts/{alert.pk}/crop/").status_code == 404


def test_the_crop_is_gone_once_deleted_under_the_retention_policy(live, photos, personas):
    from datetime import timedelta

    from django.utils import timezone

    from matching.services.retention import retention_run

    alert = an_alert(live, photos)
    retention_run(now=timezone.now() + timedelta(days=40))
    alert.refresh_from_db()
    assert alert.media_deleted_at is not None
    assert page_client(personas.operator_a).get(f"/alerts/{alert.pk}/crop/").status_code == 404
    html = page_client(personas.operator_a).get(f"/deployments/{live.deployment.pk}/live/").content.decode()
    assert "No image: deleted under the retention policy." in html
