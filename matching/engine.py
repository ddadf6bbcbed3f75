"""The process-wide face pipeline and the registry row of the model it runs."""
from __future__ import annotations

import threading

from django.db import transaction

from matching.face.pipeline import FacePipeline

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


def face_model_current():
    """The FaceModel row for the ONNX file this process runs, registered (and audited) on first use."""
    from deployments.models import AlgorithmVersion
    from matching.audit_actions import FACE_MODEL_REGISTER
    from matching.models import FaceModel
    from oversight.audit.log import audit_record

    info = pipeline().model_info()
    existing = FaceModel.objects.filter(onnx_sha256=info["sha256"]).first()
    if existing is not None:
        return existing
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
            audit_record(actor=None, action=FACE_MODEL_REGISTER, obj=model,
                         new={"name": model.name, "version": model.version, "onnx_sha256": model.onnx_sha256,
                              "algorithm": algorithm.code, "licence": model.licence})
    return model
