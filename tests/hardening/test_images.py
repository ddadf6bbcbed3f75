"""One image gate for every image the platform takes: refused images are a 4xx that says what is wrong, in
words, and leave nothing behind (no row, no file); good frames in a batch survive a bad one; a request's
pixels and memory are bounded; 16-bit greyscale photos keep their tones."""
from __future__ import annotations

import base64
import html
import tracemalloc
from datetime import date, timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from PIL import Image

from deployments.models import WatchlistEntry
from matching import images
from matching.services import engine, enrolment
from matching.face.decode import DEFAULT_MAX_REQUEST_PIXELS, PixelBudget
from matching.face.errors import ImageRejected
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, CustodyImage, FacesProcessed, OifrCheck, RfrSearch
from oversight.models import AuditEvent
from tests.deployments.factories import JUSTIFICATION, lfr_deployment
from tests.hardening.conftest import EXPECTED, grey16, jpeg, media_files, png, readable

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "image.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def counts() -> dict[str, int]:
    return {"alerts": Alert.objects.count(), "rfr": RfrSearch.objects.count(), "oifr": OifrCheck.objects.count(),
            "gallery": CustodyImage.objects.count(), "entries": WatchlistEntry.objects.count(),
            "audit": AuditEvent.objects.count()}


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the gate itself ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_gate_refuses_each_bad_image_saying_what_is_wrong(nasty, name):
    with pytest.raises(ImageRejected) as refused:
        engine.pipeline().decode(nasty[name])
    assert EXPECTED[name] in str(refused.value) and readable(str(refused.value)), str(refused.value)


def test_a_16_bit_greyscale_png_keeps_its_tones_and_its_face(photos):
    photo = photos[SAME_PERSON[1]]
    eight_bit = np.asarray(Image.open(__import__("io").BytesIO(photo)).convert("L"), dtype=np.float64)
    decoded = engine.pipeline().decode(grey16(photo))
    assert decoded.dtype == np.uint8 and decoded.shape == (*eight_bit.shape, 3)
    assert abs(decoded[..., 0].mean() - eight_bit.mean()) < 1.0  # not "almost white"
    assert decoded[..., 0].mean() < 200
    enrolled = engine.pipeline().enrol(decoded)  # the face is found and is good enough to enrol
    colour = engine.pipeline().enrol(engine.pipeline().decode(photo))
    assert float(np.dot(enrolled.embedding, colour.embedding)) > 0.9


def test_16_bit_greyscale_at_full_range_and_at_8_bit_values_both_decode_as_grey():
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (64, 1))
    decoded = engine.pipeline().decode(png(Image.fromarray(ramp)))
    assert decoded[0, 0, 0] == 0 and decoded[0, -1, 0] == 255 and 120 <= decoded[0, 128, 0] <= 135


def test_the_pixels_of_one_request_are_bounded_even_when_each_image_is_under_its_own_limit():
    budget = PixelBudget(total=1_000_000)
    square = png(Image.new("RGB", (600, 600), (50, 60, 70)))  # 0.36 megapixels each
    engine.pipeline().decode(square, budget=budget)
    engine.pipeline().decode(square, budget=budget)
    with pytest.raises(ImageRejected) as refused:
        engine.pipeline().decode(square, budget=budget)
    assert refused.value.code == "too_large" and "together exceed 1 megapixels" in str(refused.value)


# --- live frames -------------------------------------------------------------------------------------
def test_a_20000_by_2_frame_is_a_400_naming_its_size(live, nasty):
    response = live.send_frames([nasty["strip_20000x2"]])
    assert response.status_code == 400
    assert "20000x2" in response.json()["detail"] and readable(response.json()["detail"])
    assert response.json()["results"][0]["error"]["code"] == "unusable_shape"
    assert FacesProcessed.objects.count() == 0


def test_every_bad_frame_in_a_batch_is_reported_and_no_good_frame_is_lost(live, photos, nasty):
    names = ["strip_20000x2", "jpeg_truncated", "png_header_only", "png_broken_checksum", "bomb_20000x20000",
             "one_pixel", "gif"]
    frames = [photos[SAME_PERSON[1]], *[nasty[n] for n in names], photos[SAME_PERSON[2]], photos[OTHER_PERSON]]
    response = live.send_frames(frames)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["processed"] + ["rejected"] * len(names) + ["processed"] * 2
    for name, result in zip(names, results[1:]):
        assert EXPECTED[name] in result["error"]["message"] and readable(result["error"]["message"]), name
    assert [len(r["alerts"]) for r in results[:1] + results[-2:]] == [1, 1, 0]
    assert Alert.objects.filter(deployment=live.deployment).count() == 2
    counted = FacesProcessed.objects.get(deployment=live.deployment)
    assert (counted.faces, counted.alerts, counted.discarded) == (3, 2, 1)


def test_a_frame_over_the_upload_limit_is_refused_unread_and_the_rest_processed(live, photos):
    big = photos[SAME_PERSON[1]] + b"\0" * (images.MAX_UPLOAD_BYTES + 1)
    response = live.send_frames([big, photos[SAME_PERSON[2]]])
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["error"]["code"] == "too_large" and "MB" in first["error"]["message"]
    assert len(second["alerts"]) == 1


def _big_png(side: int, shade: int) -> bytes:
    return png(Image.new("RGB", (side, side), (shade, shade, shade)))


def test_a_batch_of_large_frames_holds_three_decoded_frames_at_most_and_stops_at_the_request_budget(live):
    from matching.services import live as live_matching

    side = 4000  # 16 megapixels, under the 40 per image; thirteen of them exceed the 200 per request
    count = 13
    frames = [_big_png(side, 15 * (i + 1)) for i in range(count)]
    one_frame = side * side * 3
    tracemalloc.start()
    try:
        results = live_matching.frames_ingest(device=live.deployment.devices.get(), frames=frames)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    processed = DEFAULT_MAX_REQUEST_PIXELS // (side * side)
    assert processed == count - 1
    assert [r.status for r in results] == ["processed"] * processed + ["rejected"] * (count - processed)
    assert "together exceed" in results[-1].error["message"]
    # Every decoded frame kept until the end would be 12 x 46 MB; the frame being matched and the next two being
    # decoded stay near three frames, whatever the batch.
    assert peak < 4.5 * one_frame, f"peak {peak / 2**20:.0f} MB for frames of {one_frame / 2**20:.0f} MB"


# --- probes, checks, gallery: the same gate, nothing left behind -------------------------------------
BAD_FOR_EVERY_ENDPOINT = ["strip_20000x2", "jpeg_truncated", "png_header_only", "text", "bomb_20000x20000"]


@pytest.mark.parametrize("name", BAD_FOR_EVERY_ENDPOINT)
def test_rfr_oifr_and_gallery_refuse_a_bad_image_naming_the_field_and_keep_nothing(personas, nasty, settings, name):
    api = personas.api(personas.operator_a)
    before, files = counts(), media_files(settings.MEDIA_ROOT)
    answers = {
        "probe": api.post("/api/rfr/searches/", {"probe": upload(nasty[name]), "crime_reference": "SM/1/26",
                                                 "probe_source": "cctv"}),
        "photo": api.post("/api/oifr/checks/", {"photo": upload(nasty[name]), "reason": "refuses",
                                                "subject_category": "wanted", "place_type": "public"}),
        "image": api.post("/api/gallery/", {"image": upload(nasty[name]), "subject_reference": "CUST-9"}),
    }
    for field, response in answers.items():
        assert response.status_code == 400, (field, response.content)
        message = response.json()[field][0]
        assert EXPECTED[name] in message and readable(message), (field, message)
    assert counts() == before and media_files(settings.MEDIA_ROOT) == files


def test_the_rfr_and_oifr_pages_refuse_a_20000_by_2_image_next_to_the_field(personas, nasty):
    client = page_client(personas.operator_a)
    before = counts()
    rfr = client.post("/rfr/", {"probe": upload(nasty["strip_20000x2"]), "crime_reference": "SM/1/26",
                                "probe_source": "cctv", "candidate_list_length": 5})
    oifr = client.post("/oifr/", {"photo": upload(nasty["strip_20000x2"]), "reason": "refuses",
                                  "subject_category": "wanted", "place_type": "public"})
    for response in (rfr, oifr):
        assert response.status_code == 400
        assert "20000x2" in html.unescape(response.content.decode())
    assert counts() == before


def test_an_rfr_crime_reference_over_the_field_length_is_a_400_and_leaves_no_probe_on_disk(personas, photos,
                                                                                          settings):
    api = personas.api(personas.operator_a)
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-0001")
    before, files = counts(), media_files(settings.MEDIA_ROOT)
    for reference in ("X" * 61, "SM/" + "9" * 200):
        response = api.post("/api/rfr/searches/", {"probe": upload(photos[SAME_PERSON[1]], "p.jpg"),
                                                   "crime_reference": reference, "probe_source": "cctv"})
        assert response.status_code == 400 and "crime_reference" in response.json()
        assert "60" in response.json()["crime_reference"][0]
    # The service refuses it too, before anything is written (the page and other callers go through it).
    from django.core.exceptions import ValidationError

    from matching.services import rfr

    with pytest.raises(ValidationError) as refused:
        rfr.rfr_search_run(actor=personas.operator_a, probe=photos[SAME_PERSON[1]], crime_reference="Y" * 61,
                           probe_source="cctv")
    assert "crime_reference" in refused.value.message_dict
    assert counts() == before and media_files(settings.MEDIA_ROOT) == files


def test_a_good_rfr_search_still_keeps_its_probe(personas, photos, settings):
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-0001")
    response = personas.api(personas.operator_a).post(
        "/api/rfr/searches/", {"probe": upload(photos[SAME_PERSON[1]], "p.jpg"), "crime_reference": "X" * 60,
                               "probe_source": "cctv"})
    assert response.status_code == 201
    assert RfrSearch.objects.get().probe.name in media_files(settings.MEDIA_ROOT)


# --- OIFR: the photo never touches the disk ------------------------------------------------------------
@pytest.fixture
def temporary_uploads(monkeypatch, settings, tmp_path):
    """Every temporary upload file Django creates during the test. A photo under 2.5 MB stays in memory with
    Django's defaults anyway, so the threshold is lowered to make the default spill to disk at once."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    created: list[str] = []
    original = TemporaryUploadedFile.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        created.append(self.temporary_file_path())

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", spy)
    return created


def test_an_oifr_photo_is_held_in_memory_only_through_the_api_and_the_page(personas, photos, temporary_uploads):
    enrolment.gallery_enrol(actor=personas.operator_a, force=personas.force_a, data=photos[SAME_PERSON[0]],
                            subject_reference="CUST-0001")
    body = {"reason": "refuses", "subject_category": "wanted", "place_type": "public"}
    api = personas.api(personas.operator_a)
    response = api.post("/api/oifr/checks/", body | {"photo": upload(photos[SAME_PERSON[1]], "p.jpg")})
    assert response.status_code == 201, response.content
    page = page_client(personas.operator_a).post("/oifr/", body | {"photo": upload(photos[SAME_PERSON[2]], "p.jpg")})
    assert page.status_code == 200
    assert temporary_uploads == []
    assert OifrCheck.objects.count() == 2
    # The same upload to an endpoint with Django's default handlers does create one: the spy sees it.
    api.post("/api/gallery/", {"image": upload(photos[OTHER_PERSON], "g.jpg"), "subject_reference": "CUST-2"})
    assert len(temporary_uploads) == 1


def test_an_oifr_photo_over_the_limit_is_a_400_naming_the_photo(personas, temporary_uploads):
    api = personas.api(personas.operator_a)
    response = api.post("/api/oifr/checks/", {"photo": upload(b"\xff\xd8\xff" + b"\0" * (images.MAX_UPLOAD_BYTES + 2**17)),
                                              "reason": "refuses", "subject_category": "wanted",
                                              "place_type": "public"})
    assert response.status_code == 400 and "too large" in response.json()["photo"][0]
    assert temporary_uploads == [] and OifrCheck.objects.count() == 0


# --- watchlist photos are checked in full at upload -----------------------------------------------------
def _entry_body(watchlist, image: bytes, reference: str = "SUBJ-9001") -> dict:
    return {"watchlist": watchlist.pk, "subject_reference": reference, "category": "wanted-by-court",
            "legal_bases": ["PACE-S64A-CUSTODY"], "subject_kind": "wanted", "justification": JUSTIFICATION,
            "image": upload(image, "face.jpg"), "image_source_system": "PND",
            "image_date": (date.today() - timedelta(days=100)).isoformat(), "quality_check": "passed"}


@pytest.fixture
def draft(personas):
    return lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                          stage="draft", entries=1)


WATCHLIST_REFUSALS = {  # nasty or faceless image -> words of the answer
    "strip_20000x2": "20000x2", "jpeg_truncated": "incomplete", "png_header_only": "incomplete",
    "png_broken_checksum": "damaged", "one_pixel": "1x1",
    "no face": "No face", "31 faces": "31 faces", "two faces": "2 faces",
}


def test_a_watchlist_photo_that_cannot_be_enrolled_is_refused_at_upload_through_the_api(personas, draft, nasty,
                                                                                       faceless, settings):
    api = personas.api(personas.operator_a)
    before, files = counts(), media_files(settings.MEDIA_ROOT)
    for name, words in WATCHLIST_REFUSALS.items():
        image = nasty.get(name) or faceless[name]
        response = api.post("/api/watchlist-entries/", _entry_body(draft.watchlist, image), format="multipart")
        assert response.status_code == 400, (name, response.content)
        message = response.json()["image"][0]
        assert words in message and readable(message), (name, message)
    assert counts() == before and media_files(settings.MEDIA_ROOT) == files


def test_a_watchlist_photo_that_cannot_be_enrolled_is_refused_on_the_page(personas, draft, faceless, nasty):
    client = page_client(personas.operator_a)
    before = counts()
    for name in ("31 faces", "strip_20000x2"):
        body = _entry_body(draft.watchlist, nasty.get(name) or faceless[name]) | {"deletion_status": "none"}
        body.pop("watchlist")
        body["legal_bases"] = ["PACE-S64A-CUSTODY", "COURT-WARRANT"]
        response = client.post(f"/deployments/{draft.pk}/watchlist/", body)
        assert response.status_code == 400
        assert WATCHLIST_REFUSALS[name] in html.unescape(response.content.decode()), name
    assert counts() == before


def test_a_16_bit_greyscale_watchlist_photo_is_accepted_and_enrols(personas, draft, photos):
    api = personas.api(personas.operator_a)
    response = api.post("/api/watchlist-entries/", _entry_body(draft.watchlist, grey16(photos[OTHER_PERSON])),
                        format="multipart")
    assert response.status_code == 201, response.content


# --- crops sent with templates pass the gate --------------------------------------------------------------
def test_a_crop_sent_with_a_template_passes_the_same_gate(live, photos, nasty):
    vector = engine.pipeline().enrol(engine.pipeline().decode(photos[SAME_PERSON[1]])).embedding.tolist()
    for name in ("strip_20000x2", "jpeg_truncated", "text"):
        crop = base64.b64encode(nasty[name]).decode()
        response = live.client.post(live.templates_url, {"templates": [vector], "crops": [crop]}, format="json",
                                    HTTP_AUTHORIZATION=f"Device {live.token}")
        assert response.status_code == 400, name
        assert "crops[0]" in response.json()["detail"] and EXPECTED[name] in response.json()["detail"]
    assert Alert.objects.count() == 0 and FacesProcessed.objects.count() == 0
    good = base64.b64encode(jpeg(Image.new("RGB", (120, 120), (200, 180, 160)))).decode()
    response = live.client.post(live.templates_url, {"templates": [vector], "crops": [good]}, format="json",
                                HTTP_AUTHORIZATION=f"Device {live.token}")
    assert response.status_code == 200 and Alert.objects.get().crop
