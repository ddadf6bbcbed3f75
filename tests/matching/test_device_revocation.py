"""A lost or stolen van's token is revoked by its force (through the API or the live page); its next frame gets 401."""
from __future__ import annotations

from django.test import Client

from matching.audit_actions import DEVICE_REVOKE
from matching.face.samples import SAME_PERSON
from matching.models import Alert, Device
from oversight.models import AuditEvent


def _device(live) -> Device:
    return live.deployment.devices.get()


def test_an_operator_revokes_a_device_and_its_next_frame_gets_401(live, photos, personas):
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200
    device = _device(live)
    response = personas.api(personas.operator_a).post(f"/api/devices/{device.pk}/revoke/",
                                                       {"reason": "van reported stolen"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["device"] == device.pk and response.json()["revoked_at"]

    refused = live.send_frames([photos[SAME_PERSON[2]]])
    assert refused.status_code == 401
    assert refused.json()["detail"] == "this device token is unknown or revoked"
    assert Alert.objects.filter(deployment=live.deployment).count() == 1
    event = AuditEvent.objects.get(action=DEVICE_REVOKE, object_id=str(device.pk))
    assert event.actor_id == personas.operator_a.pk and event.reason == "van reported stolen"
    assert event.old == {"revoked_at": None} and event.new["deployment"] == live.deployment.pk


def test_an_approver_of_the_force_may_revoke_and_a_second_revocation_is_refused(live, personas):
    api = personas.api(personas.approver_a)
    device = _device(live)
    assert api.post(f"/api/devices/{device.pk}/revoke/", {}, format="json").status_code == 200
    again = api.post(f"/api/devices/{device.pk}/revoke/", {}, format="json")
    assert again.status_code == 400 and "already revoked" in again.json()["device"][0]
    assert AuditEvent.objects.filter(action=DEVICE_REVOKE).count() == 1


def test_another_force_cannot_see_or_revoke_the_device(live, photos, personas):
    device = _device(live)
    for actor in (personas.operator_b, personas.approver_b):
        response = personas.api(actor).post(f"/api/devices/{device.pk}/revoke/", {}, format="json")
        assert response.status_code == 404
    assert Device.objects.get(pk=device.pk).revoked_at is None
    assert not AuditEvent.objects.filter(action=DEVICE_REVOKE).exists()
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 200


def test_the_live_page_has_a_revoke_button_that_revokes_the_device(live, photos, personas):
    client = Client()
    client.force_login(personas.operator_a)
    device = _device(live)
    url = f"/deployments/{live.deployment.pk}/live/"
    page = client.get(url).content.decode()
    action = f"/deployments/{live.deployment.pk}/live/devices/{device.pk}/revoke/"
    assert f'action="{action}"' in page and f'aria-label="Revoke {device.name}"' in page

    response = client.post(action, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{device.name} is revoked" in html and f'action="{action}"' not in html
    assert Device.objects.get(pk=device.pk).revoked_at is not None
    assert live.send_frames([photos[SAME_PERSON[1]]]).status_code == 401


def test_the_revoke_button_is_not_reachable_from_another_force(live, personas):
    client = Client()
    client.force_login(personas.operator_b)
    device = _device(live)
    response = client.post(f"/deployments/{live.deployment.pk}/live/devices/{device.pk}/revoke/")
    assert response.status_code == 404
    assert Device.objects.get(pk=device.pk).revoked_at is None
