"""With debug off, as the demo and production run, errors are the product's own pages; a refusal is logged in
one line, without a traceback."""
from __future__ import annotations

import io
import logging

from django.test import RequestFactory
from django.views import defaults

from config.log_filters import ForbiddenInOneLine


def test_a_missing_page_is_the_products_own_404(client, settings):
    assert settings.DEBUG is False

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and "Police facial recognition oversight" in text
    assert "URLconf" not in text and "urlpatterns" not in text  # not Django's debug page


def test_a_refusal_is_the_products_own_403_logged_in_one_line(client, personas):
    client.force_login(personas.operator_a)
    console = next(h for h in logging.getLogger().handlers if any(isinstance(f, ForbiddenInOneLine) for f in h.filters))
    written = io.StringIO()
    earlier = console.setStream(written)
    try:
        response = client.get("/oversight/")
    finally:
        console.setStream(earlier)

    assert response.status_code == 403
    assert "You may not do that" in response.content.decode()
    logged = written.getvalue()
    assert "Forbidden" in logged and "/oversight/" in logged
    assert "Traceback" not in logged


def test_a_server_error_is_the_products_own_500_page():
    response = defaults.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong" in text and "nothing was half-written" in text
