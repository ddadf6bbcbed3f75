"""The face model is registered deliberately and audited (`manage.py face_model register`, run by set-up); reading
the current model never writes, and a service whose model is not registered refuses to match with a 503 that
says what an administrator must do."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from matching.services import engine
from matching.models import FaceModel
from oversight.models import AuditEvent


@pytest.fixture
def unregistered(db):
    FaceModel.objects.all().delete()  # inside the test's transaction: back again after it


def test_reading_the_current_model_writes_nothing_and_refuses_an_unregistered_one(unregistered):
    events = AuditEvent.objects.count()
    with pytest.raises(engine.FaceModelNotRegistered, match="manage.py face_model register"):
        engine.face_model_current()
    assert FaceModel.objects.count() == 0 and AuditEvent.objects.count() == events


def test_a_search_with_an_unregistered_model_is_a_503_naming_what_to_do(personas, photos, unregistered):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from matching.face.samples import SAME_PERSON

    api = personas.api(personas.operator_a)
    response = api.post("/api/rfr/searches/", {
        "probe": SimpleUploadedFile("probe.jpg", photos[SAME_PERSON[1]], content_type="image/jpeg"),
        "crime_reference": "SM/1/26", "probe_source": "cctv"})
    assert response.status_code == 503, response.content[:300]
    assert "face_model register" in response.json()["detail"] and int(response["Retry-After"]) > 0


def test_the_command_registers_once_and_audits_it(unregistered):
    out = io.StringIO()
    call_command("face_model", "register", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("registered:")
    # Both built-in algorithms, each with its own face model: dlib (the default) and SFace.
    assert sorted(FaceModel.objects.values_list("algorithm__code", "template")) == [
        ("dlib-resnet-v1", "dlib150"), ("sface-2021dec", "arcface112")]
    model = FaceModel.objects.get(algorithm__code=engine.ALGORITHM_CODE)
    assert model.onnx_sha256 == engine.pipeline().model_info()["sha256"]
    sface = FaceModel.objects.get(algorithm__code="sface-2021dec")
    assert sface.onnx_sha256 == engine.pipeline(sface).model_info()["sha256"] != model.onnx_sha256
    for registered in (model, sface):
        event = AuditEvent.objects.get(action="face_model.register", object_id=str(registered.pk))
        assert event.new["onnx_sha256"] == registered.onnx_sha256

    out = io.StringIO()
    call_command("face_model", "register", stdout=out)
    assert all(line.startswith("already registered:") for line in out.getvalue().splitlines())
    assert FaceModel.objects.count() == 2
    assert AuditEvent.objects.filter(action="face_model.register", object_id=str(model.pk)).count() == 1
    out = io.StringIO()
    call_command("face_model", "show", stdout=out)
    assert model.onnx_sha256 in out.getvalue()
