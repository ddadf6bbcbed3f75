"""Registering a camera or van from the live page: its token is shown once, and only a hash of it is kept."""
from __future__ import annotations

import hashlib
import re

from django.test import Client

from matching.models import Device


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_registered_device_gets_a_token_shown_once_with_a_warning(live, personas):
    client = page_client(personas.operator_a)
    url = f"/deployments/{live.deployment.pk}/live/"
    response = client.post(f"{url}devices/", {"name": "Van 5 north camera"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert "it will not be shown again" in html
    token = re.search(r'id="device-token-value" class="token" type="text" readonly value="([^"]+)"', html).group(1)
    device = Device.objects.get(name="Van 5 north camera")
    assert device.deployment == live.deployment and device.created_by == personas.operator_a
    assert device.token_sha256 == hashlib.sha256(token.encode()).hexdigest()

    again = client.get(url).content.decode()
    assert token not in again and "Van 5 north camera" in again


def test_a_device_needs_a_name(live, personas):
    count = Device.objects.count()
    response = page_client(personas.operator_a).post(f"/deployments/{live.deployment.pk}/live/devices/",
                                                     {"name": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<div class="field field-error" data-field="name">.*?<p class="error-message">', html, re.S)
    assert Device.objects.count() == count


def test_another_force_cannot_register_a_device(live, personas):
    count = Device.objects.count()
    response = page_client(personas.operator_b).post(f"/deployments/{live.deployment.pk}/live/devices/",
                                                     {"name": "Rogue camera"})
    assert response.status_code == 404 and Device.objects.count() == count
