"""The face pipelines this process runs, one per registered face model, and the registry rows of those models.

Every template is made by one face model (a row of the model register, under one algorithm version). A
deployment's watchlist, its live search and its alerts use the face model of the algorithm it was authorised
for (`face_model_for`); the built-in models are registered at set-up (`manage.py face_model register`), a
force's licensed model with `manage.py model install`."""
from __future__ import annotations

import threading
from pathlib import Path

from django.db import transaction

from matching.face.convert import sha256_file
from matching.face.pipeline import FacePipeline
from oversight.error_responses import ServiceNotReady

ALGORITHM_CODE = "dlib-resnet-v1"
# The built-in algorithms: algorithm version code -> the embedder (template) that runs it. The first is the
# platform's default, used where no deployment says otherwise (the custody gallery, RFR and OIFR searches).
BUILT_IN = {ALGORITHM_CODE: "dlib150", "sface-2021dec": "arcface112"}
_lock = threading.Lock()
_pipeline: FacePipeline | None = None
_pipelines: dict[tuple[str, str], FacePipeline] = {}
_builtin_info: dict[str, dict] = {}


class FaceModelNotRegistered(ServiceNotReady):
    """The face model this process runs has no row in the model register: nothing may be matched with it."""


class FaceModelFileChanged(ServiceNotReady):
    """A registered face model's file is missing or is no longer the file that was registered."""


def pipeline(face_model=None) -> FacePipeline:
    """One pipeline per face model and process: building the onnxruntime sessions costs a few hundred
    milliseconds. Without a model, the platform's default (dlib) pipeline."""
    global _pipeline
    if face_model is None or (not face_model.path and face_model.template == "dlib150"):
        if _pipeline is None:
            with _lock:
                if _pipeline is None:
                    _pipeline = FacePipeline()
        return _pipeline
    key = (face_model.onnx_sha256, face_model.template)  # the same bytes run the same, wherever they are kept
    found = _pipelines.get(key)
    if found is None:
        with _lock:
            found = _pipelines.get(key)
            if found is None:
                path = Path(face_model.path) if face_model.path else None
                if path is not None and (not path.is_file() or sha256_file(path) != face_model.onnx_sha256):
                    raise FaceModelFileChanged(
                        f"the file of face model {face_model.name} ({face_model.version}) at {path} is missing or "
                        "has changed since it was registered; an administrator must install it again")
                found = FacePipeline(path, embedder=face_model.template)
                if found.model_info()["sha256"] != face_model.onnx_sha256:
                    raise FaceModelFileChanged(
                        f"the built-in face model {face_model.name} on this machine is not the file that was "
                        "registered; an administrator must register it again (manage.py face_model register)")
                _pipelines[key] = found
    return found


def face_model_current():
    """The FaceModel row for the default ONNX file this process runs. Reading it never writes: a model is
    registered deliberately, with `manage.py face_model register` (set-up runs it), and until then matching is
    refused."""
    from matching.models import FaceModel

    info = pipeline().model_info()
    model = (FaceModel.objects.select_related("algorithm")
             .filter(onnx_sha256=info["sha256"], algorithm__code=ALGORITHM_CODE).first())
    if model is None:
        raise FaceModelNotRegistered(
            f"the face model this service runs ({info['name']}, file {info['sha256'][:12]}…) is not in the model "
            "register; an administrator must register it (manage.py face_model register) before it is used")
    return model


def face_model_for(algorithm):
    """The face model that makes templates for `algorithm` (an AlgorithmVersion): its newest registered one. An
    algorithm that this installation does not run (a vendor's closed one) has none: the default model enrols,
    and the matcher's rule 16 refuses to match for it."""
    from matching.models import FaceModel

    # A vendor's system has a register row of its own (embedding size 0, no file): it never makes templates here.
    model = (FaceModel.objects.select_related("algorithm").filter(algorithm=algorithm, embedding_size__gt=0)
             .order_by("-registered_at", "-pk").first())
    return model if model is not None else face_model_current()


def face_model_of(deployment):
    return face_model_for(deployment.algorithm_version)


def _register(algorithm_code: str, template: str, *, actor=None):
    from deployments.models import AlgorithmVersion
    from matching.audit_actions import FACE_MODEL_REGISTER
    from matching.models import FaceModel
    from oversight.audit.log import audit_record

    if template == "dlib150":
        info = pipeline().model_info()
    else:  # described once per process: building a pipeline loads its model
        if template not in _builtin_info:
            _builtin_info[template] = FacePipeline(embedder=template).model_info()
        info = dict(_builtin_info[template])
    algorithm = AlgorithmVersion.objects.get(code=algorithm_code)
    thresholds = {f"fmr_{fmr}": threshold for threshold, fmr in algorithm.calibration}
    with transaction.atomic():
        model, created = FaceModel.objects.get_or_create(
            onnx_sha256=info["sha256"], algorithm=algorithm,
            defaults=dict(
                name=info["name"], version=info["version"], template=template,
                detector=f"{info['detector']['name']} {info['detector']['version']}",
                detector_sha256=info["detector"]["sha256"], licence=info["licence"],
                embedding_size=info["embedding_size"], thresholds=thresholds,
            ),
        )
        if created:
            audit_record(actor=actor, action=FACE_MODEL_REGISTER, obj=model,
                         new={"name": model.name, "version": model.version, "onnx_sha256": model.onnx_sha256,
                              "algorithm": algorithm.code, "licence": model.licence, "template": template})
    return model, created


def face_models_register(*, actor=None) -> list[tuple[object, bool]]:
    """Record every built-in face model in the register (audited), each under its algorithm version; the
    existing rows where they are there already. Returns [(model, created)], the default first."""
    return [_register(code, template, actor=actor) for code, template in BUILT_IN.items()]


def face_model_register(*, actor=None):
    """Register the built-in face models (as set-up does); returns the default's (model, created)."""
    return face_models_register(actor=actor)[0]
