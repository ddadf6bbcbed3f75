"""Installing a face model a force holds a licence for: check the file, calibrate it, offer it to authorisations.

`model_install` checks the file before anything else: that it is ONNX, that it runs on the chips of its template (dlib's 150 px or
ArcFace's 112 px alignment) and that it gives a 128-number template per face; measures it on a labelled folder
of photos with the evaluation's own code (thresholds at false-match rates of 1% to 0.01%, and how many impostor
comparisons the rates rest on); and only then writes: a copy of the file under its SHA-256, the algorithm
version that authorisations choose, and the face model row that makes its templates, with audit events. A file
that fails any check writes nothing."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from matching.face.paths import MODELS_DIR
from matching.face.pipeline import EMBEDDERS, EMBEDDING_SIZE


class ModelRejected(ValueError):
    """The file cannot be installed: the message says what is wrong with it, in words an administrator acts on."""


def models_dir() -> Path:
    return Path(getattr(settings, "FACE_MODELS_DIR", MODELS_DIR / "licensed"))


def model_check(path: Path, template: str) -> str:
    """The file's SHA-256 if it is an ONNX model that turns one aligned chip of `template` into 128 numbers;
    ModelRejected saying what is wrong otherwise. Reads the file only."""
    import onnx
    import onnxruntime as ort

    if template not in EMBEDDERS:
        raise ModelRejected(f"unknown template {template!r}; one of {', '.join(EMBEDDERS)}")
    path = Path(path)
    if not path.is_file():
        raise ModelRejected(f"{path} is not a file")
    data = path.read_bytes()
    try:
        onnx.load_model_from_string(data)
        session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnx and onnxruntime raise their own kinds for a file that is not a model
        raise ModelRejected(f"{path.name} is not an ONNX model that can be loaded "
                            f"({type(exc).__name__}: {str(exc)[:160]})") from None
    embedder = EMBEDDERS[template]
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise ModelRejected(f"{path.name} takes {len(inputs)} inputs; a face embedder takes one, the face chip")
    size = embedder.chip_size
    shape = (1, 3, size, size) if embedder.channels_first else (1, size, size, 3)
    try:
        out = session.run(None, {inputs[0].name: np.zeros(shape, np.float32)})[0]
    except Exception as exc:
        raise ModelRejected(f"{path.name} does not accept a {template} face chip of shape {list(shape)} "
                            f"({type(exc).__name__}: {str(exc)[:160]})") from None
    out = np.asarray(out)
    if out.ndim != 2 or out.shape[0] != 1 or out.shape[1] != EMBEDDING_SIZE:
        raise ModelRejected(f"{path.name} gives output of shape {list(out.shape)} for one face; the platform stores "
                            f"templates of {EMBEDDING_SIZE} numbers per face (shape [1, {EMBEDDING_SIZE}])")
    if not np.isfinite(out).all():
        raise ModelRejected(f"{path.name} gives numbers that are not finite for a face chip")
    return hashlib.sha256(data).hexdigest()


def calibration_of(result: dict) -> list[list[float]]:
    """[[threshold, false-match rate], ...] rising, from an evaluation: the measured rate at each operating point
    and at the equal-error threshold. Where no impostor pair reached a threshold the rate is not zero but
    unmeasured: the calibration keeps the upper end of its 95% interval, so that it never promises too little."""
    points = [(p["threshold"], p["fmr"] if p["measured"] else p["fmr_high_95"]) for p in result["operating_points"]]
    eer = result["eer_point"]
    points.append((eer["threshold"], eer["fmr"] if eer["measured"] else eer["fmr_high_95"]))
    calibration: list[list[float]] = []
    for threshold, rate in sorted((round(t, 4), r) for t, r in points):
        if not 0 <= threshold <= 1:
            continue
        rate = float(f"{max(rate, 1e-12):.3g}")
        if calibration and (threshold <= calibration[-1][0]):
            continue
        if calibration and rate > calibration[-1][1]:
            rate = calibration[-1][1]
        calibration.append([threshold, rate])
    return calibration


def model_install(*, actor, path: Path, template: str, name: str, version: str, labelled: Path,
                  vendor: str = "", licence: str = "", people: int | None = None, progress=None):
    """Check, calibrate and register a licensed model; returns (AlgorithmVersion, FaceModel)."""
    from deployments.models import AlgorithmVersion
    from matching.audit_actions import ALGORITHM_INSTALL, FACE_MODEL_REGISTER
    from matching.face.evaluate import evaluate_folder
    from matching.face.pipeline import FacePipeline
    from matching.models import FaceModel
    from oversight.audit.log import audit_record

    if actor is not None:  # at the command line without --as: the installation's own administrator
        from oversight.models import Role
        from oversight.permissions import require_role

        try:
            require_role(actor, [Role.OVERSIGHT_ADMIN, Role.FORCE_ADMIN], "install a face model")
        except PermissionDenied as exc:
            raise ModelRejected(str(exc)) from None
    name, version = (name or "").strip(), (version or "").strip()
    if not name or not version:
        raise ModelRejected("give the model a name and a version (--name, --version)")
    code = slugify(f"{name}-{version}")[:60]
    if not code:
        raise ModelRejected(f"{name!r} {version!r} gives no usable identifier: use letters and digits")
    if AlgorithmVersion.objects.filter(code=code).exists():
        raise ModelRejected(f"an algorithm {code} is already registered; give a new version")
    # The file first: a bad model file gets its own answer, whatever is wrong with the folder as well.
    digest = model_check(path, template)
    labelled = Path(labelled)
    if not (labelled / "labels.csv").is_file():
        raise ModelRejected(f"{labelled} has no labels.csv (columns file,identity): the model cannot be calibrated")
    try:
        result = evaluate_folder(labelled, FacePipeline(Path(path), embedder=template), progress, people=people)
    except ValueError as exc:
        raise ModelRejected(f"the model cannot be calibrated on {labelled}: {exc}") from None
    calibration = calibration_of(result)
    source = (f"measured at installation on {labelled.name} ({result['photos']} photos, "
              f"{result['genuine_pairs']:,} genuine and {result['impostor_pairs']:,} impostor pairs); cosine "
              f"similarity")
    algorithm = AlgorithmVersion(code=code, vendor=(vendor or "licensed by the force").strip()[:120], name=name[:120],
                                 version=version[:40], embedding_size=EMBEDDING_SIZE, calibration=calibration,
                                 calibration_source=source[:300], calibration_pairs=result["impostor_pairs"])
    try:
        algorithm.full_clean()
    except ValidationError as exc:
        raise ModelRejected("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
    target = models_dir() / f"{digest}.onnx"
    target.parent.mkdir(parents=True, exist_ok=True)
    placed = False
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
        os.close(fd)
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        placed = True
    info = FacePipeline(target, embedder=template).model_info()
    try:
        with transaction.atomic():
            algorithm.save()
            model = FaceModel.objects.create(
                algorithm=algorithm, name=name[:120], version=version[:120], onnx_sha256=digest, template=template,
                path=str(target), detector=f"{info['detector']['name']} {info['detector']['version']}",
                detector_sha256=info["detector"]["sha256"], licence=(licence or "force licence")[:80],
                embedding_size=EMBEDDING_SIZE,
                thresholds={f"fmr_{key}": result[f"threshold_at_fmr_{key}"] for key in ("1e-2", "1e-3", "1e-4")})
            audit_record(actor=actor, action=ALGORITHM_INSTALL, obj=algorithm,
                         new={"code": code, "name": algorithm.name, "version": algorithm.version,
                              "onnx_sha256": digest, "template": template, "calibration": calibration,
                              "calibration_pairs": algorithm.calibration_pairs,
                              "tmr_at_fmr_1e-3": result["tmr_at_fmr_1e-3"], "eer": result["eer"]})
            audit_record(actor=actor, action=FACE_MODEL_REGISTER, obj=model,
                         new={"name": model.name, "version": model.version, "onnx_sha256": digest,
                              "algorithm": code, "licence": model.licence, "template": template})
    except BaseException:
        if placed:
            target.unlink(missing_ok=True)
        raise
    return algorithm, model, result
