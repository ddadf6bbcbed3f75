"""Bad input through the API: a 400 whose body names the field (and the rule, where a rule says no)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deployments.models import Deployment, WatchlistEntry
from tests.deployments.factories import JUSTIFICATION, face, png
from tests.deployments.helpers import database_state


def deployment_body(**changes):
    starts = timezone.now() + timedelta(hours=3)
    body = {"title": "Market square", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=6)).isoformat(),
            "algorithm_version": "nec-neoface-v4", "threshold": 0.64, "location_name": "Market square",
            "latitude": 52.48, "longitude": -1.9, "radius_m": 200}
    return body | changes


@pytest.mark.parametrize("changes,field,rule", [
    ({"ends_at": (timezone.now() + timedelta(hours=1)).isoformat()}, "ends_at", "R03-authorised-window"),
    ({"ends_at": (timezone.now() + timedelta(hours=40)).isoformat()}, "ends_at", "R03-authorised-window"),
    ({"threshold": 0.6}, "threshold", "R06-threshold-floor"),
    ({"latitude": 91.5}, "latitude", None),
    ({"longitude": -181}, "longitude", None),
    ({"latitude": None, "longitude": None, "radius_m": None, "polygon": [[-1.9, 52.4], [-1.8, 95.0], [-1.7, 52.4]]},
     "polygon", None),
    ({"radius_m": None}, "radius_m", None),
    ({"algorithm_version": "no-such-model"}, "algorithm_version", None),
    ({"covert": True}, "covert", "R07-covert-refused"),
], ids=["end-before-start", "window-too-long", "threshold-below-floor", "latitude-out-of-range",
        "longitude-out-of-range", "polygon-out-of-range", "half-a-place", "unknown-algorithm", "covert"])
def test_a_bad_deployment_is_refused_naming_the_field(personas, changes, field, rule):
    response = personas.api(personas.operator_a).post("/api/deployments/", deployment_body(**changes), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    if rule:
        assert rule in response.json()["rules"]
    assert not Deployment.objects.exists()


def test_a_good_deployment_is_created(personas):
    response = personas.api(personas.operator_a).post("/api/deployments/", deployment_body(assets=["lfr-van-02"]),
                                                      format="json")
    assert response.status_code == 201, response.content
    assert response.json()["force"] == "south-mercia" and response.json()["status"] == "draft"
    assert [b["asset"] for b in response.json()["bookings"]] == ["lfr-van-02"]


def entry_body(watchlist, **changes):
    body = {"watchlist": watchlist.pk, "subject_reference": "SUBJ-9001", "category": "wanted-by-court",
            "legal_bases": ["PACE-S64A-CUSTODY"], "subject_kind": "wanted", "justification": JUSTIFICATION,
            "image": SimpleUploadedFile("f.jpg", face(), content_type="image/jpeg"), "image_source_system": "PND",
            "image_date": "2025-06-01", "quality_check": "passed"}
    return {k: v for k, v in (body | changes).items() if v is not None}


@pytest.mark.parametrize("changes,field,rule", [
    ({"category": "persons-of-interest"}, "category", "R08-closed-category"),
    ({"category": "of-interest"}, "category", "R08-closed-category"),
    ({"category": "known-associates"}, "category", "R08-closed-category"),
    ({"justification": None}, "justification", "R09-entry-provenance"),
    ({"justification": "wanted"}, "justification", "R09-entry-provenance"),
    ({"legal_bases": ["RIPA-COVERT"]}, "legal_bases", "R07-covert-refused"),
    ({"image": SimpleUploadedFile("f.png", b"GIF89a not a face", content_type="image/png")}, "image", None),
    ({"subject_reference": "John Smith"}, "subject_reference", None),
], ids=["of-interest-name", "of-interest-code", "unknown-category", "no-justification", "trivial-justification",
        "covert-basis", "not-an-image", "a-name-not-a-pseudonym"])
def test_a_bad_watchlist_entry_is_refused_naming_the_field(personas, draft, changes, field, rule):
    before = database_state()
    response = personas.api(personas.operator_a).post("/api/watchlist-entries/", entry_body(draft.watchlist, **changes),
                                                      format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    if rule:
        assert rule in response.json()["rules"]
    assert database_state() == before


def test_an_oversized_image_is_refused(personas, draft, settings):
    from deployments import files

    big = png() + b"\0" * (files.MAX_IMAGE_BYTES + 1)
    response = personas.api(personas.operator_a).post(
        "/api/watchlist-entries/", entry_body(draft.watchlist, image=SimpleUploadedFile("f.png", big)),
        format="multipart")
    assert response.status_code == 400 and "limit" in response.json()["image"][0]


def test_a_good_entry_is_added_with_its_image_stored_under_media_root(personas, draft, settings):
    response = personas.api(personas.operator_a).post("/api/watchlist-entries/", entry_body(draft.watchlist),
                                                      format="multipart")
    assert response.status_code == 201, response.content
    entry = WatchlistEntry.objects.get(pk=response.json()["id"])
    assert entry.image.path.startswith(str(settings.MEDIA_ROOT))
    assert "SUBJ" not in entry.image.name  # the file name says nothing about the person
    image = personas.api(personas.operator_a).get(f"/api/watchlist-entries/{entry.pk}/image/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_an_assessment_needs_an_article_8_aim(personas, draft):
    body = {"legitimate_aim": "PACE-S64A-CUSTODY", "strict_necessity": "x", "alternatives_considered": "x",
            "expected_faces": 100, "community_impact": "x", "collateral_intrusion": "x", "conclusion": "x"}
    response = personas.api(personas.operator_a).put(f"/api/deployments/{draft.pk}/assessment/", body, format="json")
    assert response.status_code == 400 and "legitimate_aim" in response.json()
