"""Retrospective searches and operator-initiated checks against a force's gallery."""
from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from matching.services import enrolment
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import CustodyImage, OifrCheck, RfrCandidate, RfrSearch
from oversight import services
from oversight.models import Role


def _file(data: bytes, name="probe.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def _gallery(personas, photos):
    obama = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                                    subject_reference="CUST-0001")
    biden = enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[OTHER_PERSON],
                                    subject_reference="CUST-0002")
    enrolment.gallery_enrol(actor=personas.operator_b, force=personas.force_b, data=photos[SAME_PERSON[2]],
                            subject_reference="NW-0001")
    return obama, biden


def test_rfr_returns_a_ranked_candidate_list_from_the_own_forces_gallery(personas, photos):
    obama, _ = _gallery(personas, photos)
    api = personas.api(personas.operator_a)
    response = api.post("/api/rfr/searches/", {"probe": _file(photos[SAME_PERSON[1]]), "crime_reference": "SM/123/26",
                                               "probe_source": "cctv", "candidate_list_length": 5})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["candidates"][0]["custody_image"] == obama.pk and body["candidates"][0]["rank"] == 1
    assert all(c["subject_reference"] != "NW-0001" for c in body["candidates"])
    assert len(body["candidates"]) <= 5
    search = RfrSearch.objects.get(pk=body["id"])
    assert search.crime_reference == "SM/123/26" and search.requested_by == personas.operator_a
    assert search.probe and search.face_model.algorithm.code == "dlib-resnet-v1"


def test_a_candidate_is_an_identification_only_when_corroborated(personas, photos):
    _gallery(personas, photos)
    api = personas.api(personas.operator_a)
    search = api.post("/api/rfr/searches/", {"probe": _file(photos[SAME_PERSON[1]]), "crime_reference": "SM/9/26",
                                             "probe_source": "doorbell"}).json()
    top = search["candidates"][0]["id"]
    assert RfrCandidate.objects.get(pk=top).status == "unreviewed"
    bad = api.post(f"/api/rfr/candidates/{top}/mark/", {"status": "corroborated"}, format="json")
    assert bad.status_code == 400 and "note" in bad.json()
    ok = api.post(f"/api/rfr/candidates/{top}/mark/",
                  {"status": "corroborated", "note": "matches the suspect's tattoo on CCTV"}, format="json")
    assert ok.status_code == 200 and RfrCandidate.objects.get(pk=top).status == "corroborated"


def test_rfr_results_reach_only_their_requester_and_auditors(personas, photos):
    _gallery(personas, photos)
    search = personas.api(personas.operator_a).post(
        "/api/rfr/searches/", {"probe": _file(photos[SAME_PERSON[1]]), "crime_reference": "SM/1/26",
                               "probe_source": "cctv"}).json()
    colleague = services.user_create(actor=None, username="col.league", password=None, role=Role.FORCE_OPERATOR,
                                     force=personas.force_a)
    assert personas.api(colleague).get(f"/api/rfr/searches/{search['id']}/").status_code == 404
    assert personas.api(personas.operator_b).get(f"/api/rfr/searches/{search['id']}/").status_code == 404
    assert personas.api(personas.auditor).get(f"/api/rfr/searches/{search['id']}/").status_code == 200


def test_bad_probes_are_refused_naming_the_problem(personas, photos, bad_images):
    api = personas.api(personas.operator_a)
    for name, words in [("corrupt", "incomplete"), ("text", "Only JPEG and PNG"), ("bomb", "megapixels"),
                        ("blank", "No face")]:
        response = api.post("/api/rfr/searches/", {"probe": _file(bad_images[name]), "crime_reference": "X/1",
                                                   "probe_source": "cctv"})
        assert response.status_code == 400 and words in response.json()["probe"][0], name
    missing = api.post("/api/rfr/searches/", {"probe": _file(photos[SAME_PERSON[1]]), "crime_reference": "",
                                              "probe_source": "telepathy"})
    assert missing.status_code == 400
    assert not RfrSearch.objects.exists()


def test_oifr_finds_the_person_and_keeps_no_photo(personas, photos, settings):
    obama, _ = _gallery(personas, photos)
    api = personas.api(personas.operator_a)
    response = api.post("/api/oifr/checks/", {"photo": _file(photos[SAME_PERSON[2]]), "reason": "refuses",
                                              "subject_category": "wanted", "place_type": "public"})
    assert response.status_code == 201, response.json()
    assert response.json()["matched"] == obama.pk and response.json()["matched_subject_reference"] == "CUST-0001"
    field_names = {f.name for f in OifrCheck._meta.get_fields()}
    assert not field_names & {"photo", "probe", "embedding", "image"}
    assert CustodyImage.objects.count() == 3


def test_oifr_in_a_private_place_needs_a_harm_declaration(personas, photos):
    api = personas.api(personas.operator_a)
    response = api.post("/api/oifr/checks/", {"photo": _file(photos[SAME_PERSON[2]]), "reason": "unconscious",
                                              "subject_category": "at_risk", "place_type": "home"})
    assert response.status_code == 400 and "harm_declaration" in response.json()
    assert not OifrCheck.objects.exists()


def test_oifr_results_reach_only_the_officer_and_auditors(personas, photos):
    _gallery(personas, photos)
    check = personas.api(personas.operator_a).post(
        "/api/oifr/checks/", {"photo": _file(photos[SAME_PERSON[2]]), "reason": "refuses",
                              "subject_category": "wanted", "place_type": "public"}).json()
    assert personas.api(personas.approver_a).get(f"/api/oifr/checks/{check['id']}/").status_code == 404
    assert personas.api(personas.operator_b).get(f"/api/oifr/checks/{check['id']}/").status_code == 404
    assert personas.api(personas.auditor).get(f"/api/oifr/checks/{check['id']}/").status_code == 200
