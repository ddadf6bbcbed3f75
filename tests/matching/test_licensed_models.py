"""A force brings a licensed face model: `manage.py model install` checks the file, calibrates it on the labelled
set and offers it to authorisations; a bad file is refused and nothing is written. A deployment that switches to
another algorithm is enrolled again with that algorithm's model, and the live API then matches with it.
Everything here runs the real ONNX models on real photos, on the real database."""
from __future__ import annotations

import hashlib
import io
import os
from datetime import timedelta
from pathlib import Path

import numpy as np
import onnx
import pytest
from django.core.management import CommandError, call_command
from onnx import TensorProto, helper

from deployments import services as governance
from deployments.forms import DeploymentForm
from deployments.models import AlgorithmVersion
from deployments.rules import RuleError
from matching.services import engine, enrolment, live as live_matching
from matching.face import sface
from matching.face.evaluate import read_labels
from matching.face.paths import PROJECT_ROOT
from matching.face.samples import OTHER_PERSON, SAME_PERSON
from matching.models import Alert, FaceModel, WatchlistTemplate
from oversight import services as ground
from oversight.models import AuditEvent
from tests import needs
from tests.deployments.factories import documents_in_force, lfr_deployment

FACES_DIR = Path(os.environ.get("FACES_DIR", PROJECT_ROOT.parent / "shared" / "faces"))
PEOPLE = 12  # the first twelve people of the labelled set: a quick, coarse calibration


@pytest.fixture
def installed_dir(settings, tmp_path) -> Path:
    settings.FACE_MODELS_DIR = tmp_path / "licensed"
    return settings.FACE_MODELS_DIR


def _install(path: Path, *extra: str, template: str = "arcface112", version: str = "2021dec-licensed",
             labelled: Path = FACES_DIR) -> str:
    out = io.StringIO()
    call_command("model", "install", str(path), "--template", template, "--name", "Force SFace", "--version",
                 version, "--labelled", str(labelled), "--people", str(PEOPLE), *extra, stdout=out)
    return out.getvalue()


def _writes() -> tuple[int, int, int]:
    return AlgorithmVersion.objects.count(), FaceModel.objects.count(), AuditEvent.objects.count()


def test_installing_the_sface_file_calibrates_it_and_offers_it_to_authorisations(db, installed_dir):
    needs.labelled_face_set(FACES_DIR)
    path = sface.ensure_model()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    out = _install(path)

    algorithm = AlgorithmVersion.objects.get(code="force-sface-2021dec-licensed")
    model = FaceModel.objects.get(algorithm=algorithm)
    assert f"installed: algorithm {algorithm.code}" in out and digest in out
    assert model.onnx_sha256 == digest and model.template == "arcface112"
    stored = Path(model.path)
    assert stored.parent == installed_dir and hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    # Calibrated on the first twelve people: every impostor pair of them, thresholds rising, rates falling.
    rows = read_labels(FACES_DIR, PEOPLE)
    identities = [identity for _, identity in rows]
    impostor = sum(1 for i in range(len(rows)) for j in range(i + 1, len(rows)) if identities[i] != identities[j])
    assert algorithm.calibration_pairs == impostor
    thresholds = [t for t, _ in algorithm.calibration]
    rates = [r for _, r in algorithm.calibration]
    assert thresholds == sorted(thresholds) and rates == sorted(rates, reverse=True) and len(thresholds) >= 2
    assert 0.2 < thresholds[0] < 0.6  # SFace's cosine scale, not dlib's
    assert set(model.thresholds) == {"fmr_1e-2", "fmr_1e-3", "fmr_1e-4"}
    # Audited, and offered beside the built-in algorithms wherever a deployment chooses one.
    install = AuditEvent.objects.get(action="algorithm_version.install", object_id=str(algorithm.pk))
    assert install.new["onnx_sha256"] == digest and install.new["calibration"] == algorithm.calibration
    assert AuditEvent.objects.filter(action="face_model.register", object_id=str(model.pk)).exists()
    offered = dict(DeploymentForm().fields["algorithm_version"].choices)
    assert {"dlib-resnet-v1", "sface-2021dec", algorithm.code} <= set(offered)
    assert engine.face_model_for(algorithm) == model
    # Its pipeline runs the installed bytes on ArcFace chips.
    pipeline = engine.pipeline(model)
    assert pipeline.model_info()["sha256"] == digest and pipeline.embedder.chip_size == 112

    with pytest.raises(CommandError, match="already registered"):
        _install(path)


def _tiny_model(tmp_path: Path, outputs: int) -> Path:
    """A real ONNX model taking an ArcFace chip and giving `outputs` numbers per face."""
    data = helper.make_tensor_value_info("data", TensorProto.FLOAT, ["batch", 3, 112, 112])
    out = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", outputs])
    weight = helper.make_tensor("w", TensorProto.FLOAT, [3, outputs], np.ones(3 * outputs, np.float32).tolist())
    nodes = [helper.make_node("GlobalAveragePool", ["data"], ["pooled"]),
             helper.make_node("Flatten", ["pooled"], ["flat"]),
             helper.make_node("MatMul", ["flat", "w"], ["out"])]
    model = helper.make_model(helper.make_graph(nodes, "tiny", [data], [out], [weight]),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / f"tiny-{outputs}.onnx"
    onnx.save(model, str(path))
    return path


def test_a_model_of_the_wrong_output_size_is_refused_and_nothing_is_written(db, installed_dir, tmp_path):
    before = _writes()
    with pytest.raises(CommandError, match=r"output of shape \[1, 64\].*templates of 128 numbers"):
        _install(_tiny_model(tmp_path, 64))
    assert _writes() == before and not installed_dir.exists()


def test_a_file_that_is_not_onnx_is_refused_and_nothing_is_written(db, installed_dir, tmp_path):
    path = tmp_path / "licensed.onnx"
    path.write_bytes(b"PK\x03\x04 this is a zip of a vendor's installer, not a model")
    before = _writes()
    with pytest.raises(CommandError, match="licensed.onnx is not an ONNX model"):
        _install(path)
    assert _writes() == before and not installed_dir.exists()


@pytest.mark.parametrize("bad_file, says", [
    ("missing", r"missing\.onnx is not a file"),
    ("not_onnx", r"licensed\.onnx is not an ONNX model"),
    ("wrong_size", r"output of shape \[1, 64\]"),
])
def test_a_bad_model_file_is_named_before_a_bad_labelled_folder(db, installed_dir, tmp_path, bad_file, says):
    """The file is checked first: a bad model file gets its own answer even when the folder is wrong too."""
    no_labels = tmp_path / "not-a-labelled-set"
    no_labels.mkdir()
    if bad_file == "missing":
        path = tmp_path / "missing.onnx"
    elif bad_file == "not_onnx":
        path = tmp_path / "licensed.onnx"
        path.write_bytes(b"PK\x03\x04 this is a zip of a vendor's installer, not a model")
    else:
        path = _tiny_model(tmp_path, 64)
    before = _writes()
    with pytest.raises(CommandError, match=says) as refused:
        _install(path, labelled=no_labels)
    assert "labels.csv" not in str(refused.value)
    assert _writes() == before and not installed_dir.exists()


def test_a_good_model_file_with_a_bad_labelled_folder_is_refused_for_the_folder(db, installed_dir, tmp_path):
    no_labels = tmp_path / "not-a-labelled-set"
    no_labels.mkdir()
    before = _writes()
    with pytest.raises(CommandError, match="has no labels.csv"):
        _install(_tiny_model(tmp_path, 128), labelled=no_labels)
    assert _writes() == before and not installed_dir.exists()


def test_only_an_administrator_installs_a_model(personas, installed_dir, tmp_path):
    before = _writes()
    with pytest.raises(CommandError, match="only a .*administrator may install a face model"):
        _install(_tiny_model(tmp_path, 128), "--as", personas.operator_a.username)
    assert _writes() == before


def test_a_model_for_another_template_is_refused(db, installed_dir, tmp_path):
    before = _writes()
    with pytest.raises(CommandError, match="does not accept a dlib150 face chip"):
        _install(_tiny_model(tmp_path, 128), template="dlib150")
    assert _writes() == before


def test_the_right_size_is_accepted_by_the_check(tmp_path):
    from matching.services.install import model_check

    path = _tiny_model(tmp_path, 128)
    assert model_check(path, "arcface112") == hashlib.sha256(path.read_bytes()).hexdigest()


SFACE_THRESHOLD = 0.40  # above SFace's 0.1% false-match threshold (0.372); one person's photos score far higher


def test_switching_the_algorithm_enrols_again_and_the_live_api_matches_with_the_new_model(personas, photos):
    from rest_framework.test import APIClient

    deployment = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="authorised", images=[photos[SAME_PERSON[0]]], starts_in=timedelta(minutes=-1),
                                hours=6, algorithm="dlib-resnet-v1", threshold=0.94)
    enrolment.watchlist_enrol(actor=personas.operator_a, deployment=deployment)
    entry = deployment.watchlist.entries.get()
    assert WatchlistTemplate.objects.get(entry=entry).face_model.algorithm.code == "dlib-resnet-v1"
    sface_algorithm = AlgorithmVersion.objects.get(code="sface-2021dec")

    # Before the oversight body sets a floor for SFace, the approver may not switch to it; nothing changes.
    with pytest.raises(RuleError) as refused:
        enrolment.deployment_algorithm_switch(actor=personas.approver_a, deployment=deployment,
                                              algorithm="sface-2021dec", threshold=SFACE_THRESHOLD,
                                              reason="The force's licensed SFace matcher is more accurate.")
    assert {"R05-documents-in-force", "R06-threshold-floor"} <= set(refused.value.rule_ids)
    deployment.refresh_from_db()
    assert deployment.algorithm_version.code == "dlib-resnet-v1" and deployment.threshold == 0.94
    assert WatchlistTemplate.objects.get(entry=entry).face_model.algorithm.code == "dlib-resnet-v1"
    # An operator may not change what an approver authorised.
    with pytest.raises(Exception, match="(?i)permission|may not|not allowed"):
        enrolment.deployment_algorithm_switch(actor=personas.operator_a, deployment=deployment,
                                              algorithm="sface-2021dec", threshold=SFACE_THRESHOLD,
                                              reason="The force's licensed SFace matcher is more accurate.")

    floor = dict(ground_floor(), **{"sface-2021dec": 0.372})
    ground.policy_setting_version_add(actor=personas.oversight_admin, key="matching.threshold_floor", value=floor,
                                      reason="floor for SFace at its 0.1% false-match rate")
    documents_in_force(force=personas.force_a, approver=personas.approver_a, algorithm="sface-2021dec",
                       threshold=SFACE_THRESHOLD)
    deployment, report = enrolment.deployment_algorithm_switch(
        actor=personas.approver_a, deployment=deployment, algorithm="sface-2021dec", threshold=SFACE_THRESHOLD,
        reason="The force's licensed SFace matcher is more accurate.")

    assert deployment.algorithm_version == sface_algorithm and deployment.threshold == SFACE_THRESHOLD
    assert report.enrolled == [entry.pk] and report.rejected == []
    template = WatchlistTemplate.objects.get(entry=entry)
    model = engine.face_model_for(sface_algorithm)
    assert template.face_model == model and model.template == "arcface112"
    expected = engine.pipeline(model).enrol(engine.pipeline(model).decode(photos[SAME_PERSON[0]])).embedding
    assert np.allclose(np.array(template.embedding), expected, atol=1e-5)
    event = AuditEvent.objects.get(action="deployment.algorithm_switch", object_id=str(deployment.pk))
    assert event.old["algorithm_version"] == "dlib-resnet-v1" and event.new["algorithm_version"] == "sface-2021dec"
    assert event.actor_id == personas.approver_a.pk

    governance.deployment_activate(actor=personas.operator_a, deployment=deployment)
    _, token = live_matching.device_create(actor=personas.operator_a, deployment=deployment, name="Van 3 camera 1")
    client = APIClient()
    url = f"/api/live/{deployment.pk}/frames/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    def send(photo):
        return client.post(url, {"frame": [SimpleUploadedFile("f.jpg", photo, content_type="image/jpeg")]},
                           HTTP_AUTHORIZATION=f"Device {token}")

    response = send(photos[SAME_PERSON[1]])
    assert response.status_code == 200, response.content[:300]
    alert = Alert.objects.get(deployment=deployment)
    assert alert.face_model == model and alert.entry_id == entry.pk and alert.similarity >= SFACE_THRESHOLD
    assert alert.similarity < 0.9  # SFace's scale: dlib would score this pair about 0.95
    assert send(photos[OTHER_PERSON]).status_code == 200 and Alert.objects.filter(deployment=deployment).count() == 1

    # Active now: the algorithm can no longer change.
    with pytest.raises(Exception, match="only before it is active"):
        enrolment.deployment_algorithm_switch(actor=personas.approver_a, deployment=deployment,
                                              algorithm="dlib-resnet-v1", threshold=0.94,
                                              reason="Back to the platform's own matcher.")


def ground_floor() -> dict:
    from oversight.policy import policy_value

    return dict(policy_value("matching.threshold_floor"))
