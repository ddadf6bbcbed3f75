"""Retrospective searches and identity checks run at a policy threshold per algorithm, never below its floor."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from matching.services import enrolment
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import OifrCheck, RfrSearch
from oversight import services
from oversight.models import AuditEvent


def _file(data: bytes):
    return SimpleUploadedFile("probe.jpg", data, content_type="image/jpeg")


@pytest.fixture
def gallery(personas, photos):
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-0001")
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                            subject_reference="CUST-0002")


def _search(personas, photos, **extra):
    return personas.api(personas.operator_a).post("/api/rfr/searches/", {
        "probe": _file(photos[SAME_PERSON[1]]), "crime_reference": "SM/404/26", "probe_source": "cctv", **extra})


def test_an_rfr_search_runs_at_the_policy_threshold_by_default(personas, photos, gallery):
    response = _search(personas, photos)
    assert response.status_code == 201, response.json()
    search = RfrSearch.objects.get(pk=response.json()["id"])
    assert search.threshold == 0.934
    assert all(c.similarity >= 0.934 for c in search.candidates.all())


def test_an_rfr_search_cannot_use_a_threshold_below_the_floor(personas, photos, gallery):
    events = AuditEvent.objects.count()
    response = _search(personas, photos, threshold=0.9)
    assert response.status_code == 400
    body = response.json()
    [message] = body["threshold"]
    assert message.startswith("a threshold of 0.9 is below the floor of 0.934 for ")
    assert message.endswith(": a retrospective search may not use it")
    assert body["rules"] == ["R19-rfr-record"]
    assert not RfrSearch.objects.exists() and AuditEvent.objects.count() == events
    assert _search(personas, photos, threshold=0.95).status_code == 201


def test_the_policy_threshold_of_searches_cannot_be_set_below_the_floor(personas):
    for key in ("rfr.threshold", "oifr.threshold"):
        with pytest.raises(ValidationError) as info:
            services.policy_setting_version_add(actor=personas.oversight_admin, key=key,
                                                value={"dlib-resnet-v1": 0.9}, reason="more candidates")
        assert "below that algorithm's floor of 0.934" in info.value.message_dict["value"][0]


def test_the_floor_cannot_be_raised_above_a_search_threshold_in_force(personas):
    with pytest.raises(ValidationError) as info:
        services.policy_setting_version_add(actor=personas.oversight_admin, key="matching.threshold_floor",
                                            value={"nec-neoface-v4": 0.64, "dlib-resnet-v1": 0.95},
                                            reason="new bias test")
    assert "the retrospective search threshold in force (0.934): raise that first" in \
        info.value.message_dict["value"][0]
    api = personas.api(personas.oversight_admin)
    response = api.post("/api/policy-settings/", {"key": "rfr.threshold", "value": {"dlib-resnet-v1": 0.5},
                                                   "reason": "x"}, format="json")
    assert response.status_code == 400 and "below that algorithm's floor" in response.json()["value"][0]


def test_an_identity_check_runs_at_the_oifr_threshold(personas, photos, gallery):
    services.policy_setting_version_add(actor=personas.oversight_admin, key="oifr.threshold",
                                        value={"dlib-resnet-v1": 0.95}, reason="stricter on the street")
    response = personas.api(personas.operator_a).post("/api/oifr/checks/", {
        "photo": _file(photos[SAME_PERSON[1]]), "reason": "refuses", "subject_category": "wanted",
        "place_type": "public"})
    assert response.status_code == 201, response.json()
    assert OifrCheck.objects.get(pk=response.json()["id"]).threshold == 0.95
