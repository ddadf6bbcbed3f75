"""What the public reads can be kept by browsers and shared caches and revalidated cheaply, so a crowd of
readers costs 304s instead of the threads that cameras and operators need; published files never change."""
from __future__ import annotations

from tests.transparency.helpers import publish


def test_a_public_page_is_cacheable_and_a_repeat_costs_a_304(db, client):
    first = client.get("/transparency/")

    assert first.status_code == 200
    assert "public" in first["Cache-Control"] and "max-age=60" in first["Cache-Control"]
    assert first.has_header("ETag")
    again = client.get("/transparency/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_a_signed_in_reader_gets_a_private_copy(client, personas):
    client.force_login(personas.operator_a)

    response = client.get("/legal-bases/")

    assert response.status_code == 200 and "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_a_published_report_file_is_immutable_and_answers_if_modified_since(world, client):
    report = publish(world)

    for fmt in ("csv", "json", "pdf", "html"):
        url = f"/transparency/reports/{report.pk}/report.{fmt}"
        response = client.get(url)
        assert response.status_code == 200
        assert "public" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    page = client.get(f"/transparency/reports/{report.pk}/")
    assert "immutable" in page["Cache-Control"]


def test_a_draft_is_never_kept_by_a_cache(world, client):
    p = world.personas
    from oversight.transparency import services

    draft = services.transparency_report_prepare(actor=p.admin_a, force=p.force_a, period_start=world.period_start,
                                                 period_end=world.period_end)
    client.force_login(p.admin_a)

    response = client.get(f"/transparency/reports/{draft.pk}/report.csv")

    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_with_the_server_cache_a_crowd_of_readers_is_answered_without_the_database(db, client, settings, personas,
                                                                                   django_assert_num_queries):
    from django.core.cache import cache

    settings.PUBLIC_PAGE_SERVER_CACHE = True
    cache.clear()
    try:
        first = client.get("/legal-bases/")
        with django_assert_num_queries(0):
            again = client.get("/legal-bases/")
        assert again.status_code == 200 and again.content == first.content
        assert "public" in again["Cache-Control"]

        client.force_login(personas.operator_a)  # a signed-in reader is never served the shared copy
        mine = client.get("/legal-bases/")
        assert mine.status_code == 200 and "private" in mine["Cache-Control"]
    finally:
        cache.clear()
