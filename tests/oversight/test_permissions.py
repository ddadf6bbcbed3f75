"""Object permissions: a force never sees another force's records; auditors read all and change nothing."""
from __future__ import annotations

import pytest
from django.test import Client

from oversight.models import AuditEvent


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def force_b_objects(p):
    event_b = AuditEvent.objects.filter(force=p.force_b).first()
    return {
        "api": [f"/api/forces/{p.force_b.code}/", f"/api/people/{p.operator_b.pk}/",
                f"/api/people/{p.approver_b.pk}/", f"/api/audit/events/{event_b.seq}/",
                f"/api/audit/events/{event_b.seq}/proof/"],
        "pages": [f"/forces/{p.force_b.code}/", f"/people/{p.operator_b.pk}/", f"/people/{p.approver_b.pk}/"],
        "admin": [f"/admin/oversight/force/{p.force_b.pk}/change/", f"/admin/oversight/user/{p.operator_b.pk}/change/",
                  f"/admin/oversight/auditevent/{event_b.pk}/change/"],
    }


def test_an_operator_of_force_a_gets_404_for_every_force_b_object(personas):
    objects = force_b_objects(personas)
    api = personas.api(personas.operator_a)
    for url in objects["api"]:
        assert api.get(url).status_code == 404, url
    pages = page_client(personas.operator_a)
    for url in objects["pages"] + objects["admin"]:
        response = pages.get(url)
        assert response.status_code == 404, url
        assert b"North Wessex" not in response.content


def test_force_b_appears_in_no_list_that_force_a_sees(personas):
    api = personas.api(personas.operator_a)
    assert [f["code"] for f in api.get("/api/forces/").json()["results"]] == ["south-mercia"]
    people = api.get("/api/people/").json()["results"]
    assert people and {p["force"] for p in people} == {"south-mercia"}
    events = api.get("/api/audit/events/?limit=1000").json()["results"]
    assert events and all(e["force"] == personas.force_a.pk for e in events)
    pages = page_client(personas.operator_a)
    for url in ["/", "/people/", "/audit/", "/admin/oversight/user/", "/admin/oversight/force/"]:
        body = pages.get(url).content.decode()
        assert "North Wessex" not in body and "ben.operator" not in body, url


def test_an_auditor_reads_both_forces(personas):
    api = personas.api(personas.auditor)
    codes = {f["code"] for f in api.get("/api/forces/").json()["results"]}
    assert codes == {"south-mercia", "north-wessex"}
    assert api.get(f"/api/people/{personas.operator_b.pk}/").status_code == 200
    assert api.get(f"/api/people/{personas.operator_a.pk}/").status_code == 200
    pages = page_client(personas.auditor)
    assert pages.get(f"/forces/{personas.force_b.code}/").status_code == 200
    assert pages.get(f"/forces/{personas.force_a.code}/").status_code == 200


def test_an_auditor_changes_nothing(personas):
    api = personas.api(personas.auditor)
    before = AuditEvent.objects.count()
    response = api.post("/api/policy-settings/", {"key": "review.post_deployment_days", "value": 7,
                                                   "reason": "faster"}, format="json")
    assert response.status_code == 403
    response = api.post("/api/legal-bases/", {"code": "NEW-CODE", "title": "t", "meaning": "m", "kind": "power",
                                              "reason": "r"}, format="json")
    assert response.status_code == 403
    assert api.put(f"/api/forces/{personas.force_a.code}/", {"name": "x"}, format="json").status_code == 405
    assert api.delete(f"/api/people/{personas.operator_a.pk}/").status_code == 405
    admin = page_client(personas.auditor)
    assert admin.post(f"/admin/oversight/force/{personas.force_a.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("url", ["/api/forces/", "/api/people/", "/api/audit/events/", "/api/policy-settings/"])
def test_the_public_gets_nothing_unpublished_from_the_api(personas, url):
    response = personas.api(None).get(url)
    assert response.status_code in (401, 403)


def test_the_public_sees_only_published_pages(personas):
    public = Client()
    home = public.get("/")
    assert home.status_code == 200 and b"South Mercia Police" in home.content
    assert b"olu.operator" not in home.content
    for url in ["/forces/", f"/forces/{personas.force_a.code}/", "/people/", "/audit/", "/policy/"]:
        response = public.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert public.get("/admin/oversight/auditevent/").status_code == 302
    register = public.get("/legal-bases/")
    assert register.status_code == 200 and b"RIPA-COVERT" in register.content
    assert personas.api(None).get("/api/legal-bases/").status_code == 200
    assert personas.api(None).get("/api/audit/checkpoints/").status_code == 200


def test_the_login_page_signs_a_person_in(personas):
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b"Sign in" in page.content
    response = client.post("/accounts/login/", {"username": "olu.operator", "password": "wrong"})
    assert response.status_code == 200 and b"Please enter a correct username and password" in response.content
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": "olu.operator", "password": PASSWORD})
    assert response.status_code == 302
    assert b"South Mercia Police" in client.get("/", follow=True).content


def test_token_authentication_reaches_the_api(personas):
    from oversight import services

    token = services.api_token_issue(actor=personas.operator_a, user=personas.operator_a)
    api = personas.api(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/forces/").json()["results"][0]["code"] == "south-mercia"
    assert AuditEvent.objects.filter(action="api_token.issue", actor=personas.operator_a).exists()


def test_a_force_admin_cannot_add_people_to_another_force(personas):
    from django.core.exceptions import PermissionDenied

    from oversight import services
    from oversight.models import Role

    with pytest.raises(PermissionDenied):
        services.user_create(actor=personas.admin_a, username="x.y", password=None, role=Role.FORCE_OPERATOR,
                             force=personas.force_b)
    person = services.user_create(actor=personas.admin_a, username="new.officer", password=None,
                                  role=Role.FORCE_OPERATOR, force=personas.force_a)
    assert person.force == personas.force_a


def test_the_openapi_schema_and_swagger_ui_are_served_without_the_internet(personas):
    client = Client()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/audit/events/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


def test_each_persona_lands_on_what_they_need(personas):
    from tests.deployments.factories import lfr_deployment

    submitted = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                               stage="submitted", title="Awaiting: Broad Street, Saturday night")
    other = lfr_deployment(force=personas.force_b, operator=personas.operator_b, approver=personas.approver_b,
                           stage="submitted", title="Another force's submission")
    landings = {personas.auditor: "/oversight/", personas.oversight_admin: "/oversight/",
                personas.approver_a: "/deployments/", personas.admin_a: "/deployments/",
                personas.operator_a: "/live/"}
    for user, url in landings.items():
        client = Client()
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == url, user.username
    client = Client()
    client.force_login(personas.approver_a)
    page = client.get("/deployments/").content.decode()
    awaiting = page.split('id="awaiting"')[1].split("All deployments")[0]
    assert submitted.title in awaiting and other.title not in page
