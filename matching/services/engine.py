"""The process-wide face pipeline and the registry row of the model it runs."""
from __future__ import annotations

import threading

from django.db import transaction

from matching.face.pipeline import FacePipeline
from oversight.error_responses import ServiceNotReady

ALGORITHM_CODE = "dlib-resnet-v1"
_lock = threading.Lock()
_pipeline: FacePipeline | None = None


def pipeline() -> FacePipeline:
    """One pipeline per process: building the onnxruntime sessions costs a few hundred milliseconds."""
    global _pipeline
    if _pipeline is None:
        with _lock:
            if _pipeline is None:
                _pipeline = FacePipeline()
    return _pipeline


class FaceModelNotRegistered(ServiceNotReady):
    """The face model this process runs has no row in the model register: nothing may be matched with it."""


def face_model_current():
    """The FaceModel row for the ONNX file this process runs. Reading it never writes: a model is registered
    deliberately, with `manage.py face_model register` (set-up runs it), and until then matching is refused."""
    from matching.models import FaceModel

    info = pipeline().model_info()
    model = FaceModel.objects.select_related("algorithm").filter(onnx_sha256=info["sha256"]).first()
    if model is None:
        raise FaceModelNotRegistered(
            f"the face model this service runs ({info['name']}, file {info['sha256'][:12]}…) is not in the model "
            "register; an administrator must register it (manage.py face_model register) before it is used")
    return model


def face_model_register(*, actor=None):
    """Record the face model this process runs in the register (audited), under its algorithm version; the
    existing row if it is there already. Returns (model, created)."""
    from deployments.models import AlgorithmVersion
    from matching.audit_actions import FACE_MODEL_REGISTER
    from matching.models import FaceModel
    from oversight.audit.log import audit_record

    info = pipeline().model_info()
    algorithm = AlgorithmVersion.objects.get(code=ALGORITHM_CODE)
    thresholds = {f"fmr_{fmr}": threshold for threshold, fmr in algorithm.calibration}
    with transaction.atomic():
        model, created = FaceModel.objects.get_or_create(
            onnx_sha256=info["sha256"],
            defaults=dict(
                algorithm=algorithm, name=info["name"], version=info["version"],
                detector=f"{info['detector']['name']} {info['detector']['version']}",
                detector_sha256=info["detector"]["sha256"], licence=info["licence"],
                embedding_size=info["embedding_size"], thresholds=thresholds,
            ),
        )
        if created:
            audit_record(actor=actor, action=FACE_MODEL_REGISTER, obj=model,
                         new={"name": model.name, "version": model.version, "onnx_sha256": model.onnx_sha256,
                              "algorithm": algorithm.code, "licence": model.licence})
    return model, created
