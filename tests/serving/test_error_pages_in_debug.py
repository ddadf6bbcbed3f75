"""With debug on, as a demonstration may run, a missing page is still the product's own 404: the public is never
shown Django's debug page listing every URL pattern. The pages name an icon, and a demonstration says it is one."""
from __future__ import annotations

import pytest


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


@pytest.mark.parametrize("address", ["/no/such/page/", "/transparency/forces/no-such-force/",
                                     "/transparency/reports/999999/"])
def test_a_missing_page_with_debug_on_is_the_products_own_404(client, db, debug_on, address):
    response = client.get(address)

    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and "Police facial recognition oversight" in text
    for leak in ("URLconf", "urlpatterns", "transparency/reports/&lt;int:pk&gt;", "Django tried", "DEBUG = True",
                 "No such force"):
        assert leak not in text


def test_a_missing_api_address_with_debug_on_answers_in_json(client, db, debug_on):
    response = client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_address_without_its_slash_is_still_redirected_with_debug_on(client, db, debug_on):
    response = client.get("/transparency")

    assert response.status_code == 301 and response["Location"] == "/transparency/"


def test_a_form_from_another_page_is_refused_with_the_products_own_page(db, personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.operator_a)
    response = client.post("/accounts/logout/")

    assert response.status_code == 403
    text = response.content.decode()
    assert "This form has expired" in text and "Nothing was saved" in text and "CSRF" not in text


def test_every_page_names_the_icon_and_the_old_address_leads_to_it(client, db):
    page = client.get("/transparency/").content.decode()
    assert 'rel="icon"' in page and "favicon" in page

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200


def test_a_demonstration_says_on_every_page_that_its_records_are_made_up(client, db, settings):
    assert "None of it is real" not in client.get("/transparency/").content.decode()

    settings.DEMO_DATA = True
    for address in ("/transparency/", "/legal-bases/", "/accounts/login/", "/no/such/page/"):
        assert "None of it is real" in client.get(address).content.decode(), address
