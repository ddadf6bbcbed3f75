"""A national gallery search spread over connections of its own finds exactly what the single statement finds,
and what numpy finds; it reads committed rows only, so inside a transaction the single statement runs instead."""
from __future__ import annotations

import numpy as np
import pytest
from django.db import connection, transaction

from matching import search
from matching.models import CustodyImage, FaceModel
from matching.search import gallery_top_national
from tests.conftest import make_personas
from tests.matching.conftest import seed_gallery

KINDS = ["custody", "missing"]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_db")]


def _gallery():
    personas = make_personas()
    vectors, images = seed_gallery([(personas.force_a, 600), (personas.force_b, 300)], seed=11,
                                   model_sha256="e" * 64, reference="N")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE matching_custodyimage")
    return personas, vectors, np.array([image.pk for image in images])


def test_the_search_spread_over_two_connections_equals_one_statement_and_numpy(settings):
    personas, vectors, ids = _gallery()
    settings.GALLERY_SEARCH_CONNECTIONS = 2
    forces = [personas.force_a.pk, personas.force_b.pk]
    groups = search._split(forces, 2, search._partition_catalogue(forces))
    assert sorted(map(sorted, groups)) == [[personas.force_a.pk], [personas.force_b.pk]]
    probes = vectors[::90] + np.random.default_rng(12).standard_normal((10, 128)) * 0.02
    for probe in probes:
        statements = []
        with connection.execute_wrapper(lambda execute, sql, *rest: statements.append(sql) or execute(sql, *rest)):
            spread = gallery_top_national(probe, kinds=KINDS, limit=10, force_ids=forces, ef_search=400)
        # This connection only read the planner's figures: the branches ran on the two others.
        assert statements and not any("UNION ALL" in sql or "ORDER BY embedding" in sql for sql in statements)
        with transaction.atomic():  # inside a transaction: one statement on this connection
            statements.clear()
            with connection.execute_wrapper(lambda execute, sql, *rest: statements.append(sql) or execute(sql, *rest)):
                single = gallery_top_national(probe, kinds=KINDS, limit=10, force_ids=forces, ef_search=400)
            assert any("UNION ALL" in sql for sql in statements)
        truth = ids[np.argsort(-(vectors @ probe), kind="stable")[:10]]
        assert [hit.object_id for hit in spread] == [hit.object_id for hit in single]
        assert {hit.object_id for hit in spread} == set(truth.tolist())
        scores = [hit.similarity for hit in spread]
        assert scores == sorted(scores, reverse=True)


def test_inside_a_transaction_its_own_new_images_are_found(settings):
    personas, vectors, ids = _gallery()
    settings.GALLERY_SEARCH_CONNECTIONS = 2
    model = FaceModel.objects.get(onnx_sha256="e" * 64)
    probe = -vectors[0]  # far from every image in the gallery
    with transaction.atomic():
        new = CustodyImage.objects.create(force=personas.force_b, subject_reference="N-new", face_model=model,
                                          embedding=probe.tolist())
        found = gallery_top_national(probe, kinds=KINDS, limit=1,
                                     force_ids=[personas.force_a.pk, personas.force_b.pk])
        assert [hit.object_id for hit in found] == [new.pk]
        transaction.set_rollback(True)


def test_a_search_connection_the_server_dropped_is_replaced_and_the_search_answers(settings):
    personas, vectors, ids = _gallery()
    settings.GALLERY_SEARCH_CONNECTIONS = 2
    forces = [personas.force_a.pk, personas.force_b.pk]
    first = gallery_top_national(vectors[5], kinds=KINDS, limit=10, force_ids=forces)
    backends = [wrapper.connection.info.backend_pid for wrapper in search._IDLE]
    assert len(backends) == 2  # kept for the next search
    with connection.cursor() as cursor:  # as a restarted server or a DBA would
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [backends])
    again = gallery_top_national(vectors[5], kinds=KINDS, limit=10, force_ids=forces)
    assert [hit.object_id for hit in again] == [hit.object_id for hit in first]
    assert not {wrapper.connection.info.backend_pid for wrapper in search._IDLE} & set(backends)
