"""Each force has a published closed list of categories; no 'of interest' category can ever exist."""
from __future__ import annotations

from deployments import selectors, services
from deployments.models import WatchlistCategory
from oversight import services as ground
from tests.deployments.helpers import refused_by

FIVE = ["wanted-by-court", "suspected-offence", "conditions-breach", "missing-at-risk", "risk-of-harm"]


def test_every_force_starts_with_the_five_published_categories(personas):
    for force in (personas.force_a, personas.force_b):
        assert list(selectors.watchlist_category_list_published(force=force).values_list("code", flat=True)) == FIVE
    new = ground.force_create(actor=personas.oversight_admin, code="east-anglia", name="East Anglia Police")
    assert WatchlistCategory.objects.filter(force=new).count() == 5


def test_an_of_interest_category_cannot_be_created(personas):
    with refused_by("R08-closed-category", "name"):
        services.watchlist_category_create(actor=personas.admin_a, force=personas.force_a, code="poi",
                                           name="Persons of Interest", public_description="Anyone of interest.")
    with refused_by("R08-closed-category", "code"):
        services.watchlist_category_create(actor=personas.admin_a, force=personas.force_a, code="of-interest",
                                           name="Others", public_description="x")
    response = personas.api(personas.admin_a).post("/api/watchlist-categories/", {
        "code": "subjects-of-interest", "name": "Subjects", "public_description": "x"}, format="json")
    assert response.status_code == 400 and "R08-closed-category" in response.json()["rules"]
    assert WatchlistCategory.objects.filter(force=personas.force_a).count() == 5


def test_a_force_administrator_may_add_a_lawful_category_to_their_own_list_only(personas):
    response = personas.api(personas.admin_a).post("/api/watchlist-categories/", {
        "code": "football-banning-order", "name": "Subject to a football banning order",
        "public_description": "People whose banning order forbids them to be at the ground."}, format="json")
    assert response.status_code == 201 and response.json()["force"] == "south-mercia"
    other = personas.api(personas.admin_a).post("/api/watchlist-categories/", {
        "force": "north-wessex", "code": "x", "name": "x", "public_description": "x"}, format="json")
    assert other.status_code == 400 and "force" in other.json()
    assert personas.api(personas.operator_a).post("/api/watchlist-categories/", {
        "code": "y", "name": "y", "public_description": "y"}, format="json").status_code == 403
