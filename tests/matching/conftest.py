"""Fixtures of the matcher tests: real sample photos, bad images, and an active LFR deployment with a device."""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from deployments.models import AlgorithmVersion, Deployment, WatchlistEntry
from matching.models import CustodyImage, FaceModel
from matching.services import enrolment, live as live_matching
from matching.face.samples import SAME_PERSON
from tests.deployments.factories import lfr_deployment

THRESHOLD = 0.94  # above the dlib floor (0.934); photos of one person score 0.95-0.97, others 0.82-0.85


def _png_with_declared_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height: a decompression bomb for anything that decodes first."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


@pytest.fixture(scope="session")
def bad_images(photos) -> dict[str, bytes]:
    blank = io.BytesIO()
    Image.new("RGB", (320, 240), (128, 128, 128)).save(blank, format="JPEG")
    good = photos[SAME_PERSON[0]]
    return {
        "corrupt": good[: len(good) // 3],
        "text": b"This is not an image, it is a note about a suspect.\n",
        "bomb": _png_with_declared_size(20000, 20000),
        "blank": blank.getvalue(),
    }


@dataclass
class Live:
    deployment: Deployment
    entry: WatchlistEntry
    token: str
    operator: object
    client: APIClient

    @property
    def frames_url(self) -> str:
        return f"/api/live/{self.deployment.pk}/frames/"

    @property
    def templates_url(self) -> str:
        return f"/api/live/{self.deployment.pk}/templates/"

    def send_frames(self, frames: list[bytes]):
        uploads = [SimpleUploadedFile(f"frame{i}.jpg", data, content_type="image/jpeg") for i, data in enumerate(frames)]
        return self.client.post(self.frames_url, {"frame": uploads}, HTTP_AUTHORIZATION=f"Device {self.token}")

    def send_templates(self, templates: list):
        return self.client.post(self.templates_url, {"templates": templates}, format="json",
                                HTTP_AUTHORIZATION=f"Device {self.token}")


def make_live(personas, photos, *, force=None, operator=None, approver=None, photo=SAME_PERSON[0]) -> Live:
    force, operator = force or personas.force_a, operator or personas.operator_a
    approver = approver or personas.approver_a
    deployment = lfr_deployment(force=force, operator=operator, approver=approver, stage="active",
                                images=[photos[photo]], starts_in=timedelta(minutes=-1), hours=6,
                                algorithm="dlib-resnet-v1", threshold=THRESHOLD)
    report = enrolment.watchlist_enrol(actor=operator, deployment=deployment)
    assert report.rejected == [], report.rejected
    _, token = live_matching.device_create(actor=operator, deployment=deployment, name="Van 3 camera 1")
    return Live(deployment, deployment.watchlist.entries.get(), token, operator, APIClient())


@pytest.fixture
def live(personas, photos) -> Live:
    return make_live(personas, photos)


@pytest.fixture
def other_live(personas, photos, live) -> Live:
    return make_live(personas, photos, force=personas.force_b, operator=personas.operator_b,
                     approver=personas.approver_b)


def seed_gallery(counts: list, *, seed: int, model_sha256: str, reference: str):
    """Custody images of a test face model, `count` for each `(force, count)` in order, people scattered around a
    common direction like real faces: (their templates, the images in the same order). References are
    `{reference}-{i}`."""
    rng = np.random.default_rng(seed)
    model = FaceModel.objects.create(
        algorithm=AlgorithmVersion.objects.get(code="dlib-resnet-v1"), name="test templates", version="1",
        onnx_sha256=model_sha256, detector="none", detector_sha256="0" * 64, licence="n/a", embedding_size=128,
        thresholds={})
    forces = [force for force, count in counts for _ in range(count)]
    mean = rng.standard_normal(128)
    vectors = mean / np.linalg.norm(mean) * 0.9 + rng.standard_normal((len(forces), 128)) * 0.04
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    images = CustodyImage.objects.bulk_create([
        CustodyImage(force=force, subject_reference=f"{reference}-{i}", face_model=model, embedding=vector.tolist())
        for i, (force, vector) in enumerate(zip(forces, vectors))])
    return vectors, images
