"""An active LFR deployment of South Mercia on an external algorithm (NEC NeoFace V4, run in the vendor's system),
its watchlist exported as a signed package and a vendor camera's token; and one of North Wessex on the same
algorithm with its own camera. Built once for the folder (tests/worlds.py), every test rolled back to it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from deployments.models import Deployment
from matching.services import live, vendor
from matching.models import VendorPackage
from tests.conftest import make_personas
from tests.deployments.factories import lfr_deployment
from tests.worlds import world_once
from tools.vendor_client import DjangoClientTransport, VendorSystem

LATITUDE, LONGITUDE = 52.4778, -1.8990  # the factory's place (radius 300 m)


@dataclass
class World:
    personas: object
    deployment: Deployment
    package: VendorPackage
    token: str
    other: Deployment
    other_token: str
    pinned_key: str
    media: Path | None = None

    def system(self, *, token: str | None = None, deployment: int | None = None) -> VendorSystem:
        return VendorSystem(DjangoClientTransport(APIClient()), deployment=deployment or self.deployment.pk,
                            token=token or self.token, pinned_key=self.pinned_key, algorithm="nec-neoface-v4",
                            latitude=LATITUDE, longitude=LONGITUDE)


def build_world() -> World:
    p = make_personas()
    deployment = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, stage="active",
                                entries=2, starts_in=timedelta(minutes=-30), hours=6, algorithm="nec-neoface-v4",
                                title="Foregate Street, vendor van")
    package = vendor.package_export(actor=p.operator_a, deployment=deployment)
    _, token = live.device_create(actor=p.operator_a, deployment=deployment, name="NEC van 2 camera 1")
    other = lfr_deployment(force=p.force_b, operator=p.operator_b, approver=p.approver_b, stage="active", entries=1,
                           starts_in=timedelta(minutes=-30), hours=6, algorithm="nec-neoface-v4",
                           title="North Wessex market day")
    vendor.package_export(actor=p.operator_b, deployment=other)
    _, other_token = live.device_create(actor=p.operator_b, deployment=other, name="North Wessex camera")
    return World(p, deployment, package, token, other, other_token, vendor.package_public_key())


@pytest.fixture(scope="package")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("vendor-world-media")
    with world_once(build_world, django_db_blocker=django_db_blocker, media=media) as world:
        world.media = media
        yield world


@pytest.fixture
def world(built_world, db, settings) -> World:
    settings.MEDIA_ROOT = built_world.media
    return built_world
