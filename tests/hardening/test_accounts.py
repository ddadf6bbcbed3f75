"""Guessing passwords gets nowhere: after a few wrong ones an account (and the address trying it) is locked for a
while, on the site's sign-in page and the admin's, with a page that says so in plain words; the API throttles
requests per address and per person; a person with no role yet is told so; a superuser is named as one."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from oversight import services
from oversight.models import AuditEvent, Role, User

from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    settings.AXES_FAILURE_LIMIT = 5
    cache.clear()  # throttle history lives in the cache
    yield
    cache.clear()


def _sign_in(client: Client, path: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_after_five_wrong_passwords_the_right_one_is_refused_with_a_plain_page(personas, path):
    user = personas.approver_a
    if path.startswith("/admin/"):
        User.objects.filter(pk=user.pk).update(is_staff=True)
    client = Client()
    for attempt in range(5):
        response = _sign_in(client, path, user.username, f"wrong guess {attempt}")
        assert response.status_code in (200, 429)
    response = _sign_in(client, path, user.username, PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Sign-in paused" in body and "30 minutes" in body and "administrator" in body
    assert "axes" not in body.lower() and "AXES" not in body
    assert not _signed_in(client)


def test_the_lock_holds_for_the_account_whatever_address_the_guesses_come_from(personas):
    client = Client()
    for n in range(5):
        _sign_in(client, "/accounts/login/", personas.operator_a.username, "wrong", address=f"10.0.1.{n}")
    response = _sign_in(Client(), "/accounts/login/", personas.operator_a.username, PASSWORD, address="10.9.9.9")
    assert response.status_code == 429 and not _signed_in(client)


def test_an_address_guessing_many_accounts_is_locked_too(personas):
    client = Client()
    for user in [personas.operator_a, personas.approver_a, personas.admin_a, personas.operator_b,
                 personas.approver_b]:
        _sign_in(client, "/accounts/login/", user.username, "wrong", address="10.0.2.1")
    response = _sign_in(client, "/accounts/login/", personas.auditor.username, PASSWORD, address="10.0.2.1")
    assert response.status_code == 429 and not _signed_in(client)


def test_a_few_mistakes_then_the_right_password_signs_in_and_clears_the_count(personas):
    client = Client()
    for _ in range(4):
        _sign_in(client, "/accounts/login/", personas.operator_a.username, "wrong")
    assert _sign_in(client, "/accounts/login/", personas.operator_a.username, PASSWORD).status_code == 302
    assert _signed_in(client)
    other = Client()
    for _ in range(4):
        _sign_in(other, "/accounts/login/", personas.operator_a.username, "wrong")
    assert _sign_in(other, "/accounts/login/", personas.operator_a.username, PASSWORD).status_code == 302


def test_the_api_throttles_anonymous_requests_per_address(settings, db):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/minute"}}
    client = APIClient(REMOTE_ADDR="10.0.3.1")
    assert [client.get("/api/legal-bases/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/legal-bases/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()
    assert APIClient(REMOTE_ADDR="10.0.3.2").get("/api/legal-bases/").status_code == 200


def test_the_api_throttles_each_signed_in_person(settings, personas):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/minute"}}
    api = personas.api(personas.operator_a)
    assert [api.get("/api/deployments/").status_code for _ in range(3)] == [200, 200, 429]
    assert personas.api(personas.operator_b).get("/api/deployments/").status_code == 200


def test_a_bad_rate_setting_stops_start_up_naming_the_variable(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_rate

    monkeypatch.setenv("APP_API_ANON_RATE", "lots")
    with pytest.raises(ImproperlyConfigured, match="APP_API_ANON_RATE"):
        env_rate("APP_API_ANON_RATE", "300/minute")


def test_a_person_with_no_role_yet_is_told_so(personas):
    newcomer = User.objects.create_user(username="nia.new", password=PASSWORD)  # as `createsuperuser` or the admin make one
    client = Client()
    client.force_login(newcomer)
    response = client.get("/")
    assert response.status_code == 200
    assert "You have no role yet" in response.content.decode()


def test_a_superusers_change_is_logged_as_a_system_administrators_not_the_oversight_bodys(personas):
    root = User.objects.create_superuser(username="root.admin", password=PASSWORD, role=Role.OVERSIGHT_ADMIN)
    services.force_create(actor=root, code="east-anglia", name="East Anglia Police")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.actor == root
    assert event.actor_label == "root.admin (system administrator, superuser)"
    assert "Oversight" not in event.actor_label
