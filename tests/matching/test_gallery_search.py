"""The custody gallery search: each force's own partition and HNSW index, its pool widened for the kind filter."""
from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from matching.gallery import partition_name
from matching.models import CustodyImage
from matching.search import GALLERY_EF_SEARCH, HNSW_MAX_EF_SEARCH, gallery_ef_search, gallery_top
from tests.matching.conftest import seed_gallery

KINDS = ["custody", "missing"]


@pytest.fixture
def gallery(personas):
    """900 images of force A and 100 of force B, people scattered around a common direction like real faces."""
    vectors, images = seed_gallery([(personas.force_a, 900), (personas.force_b, 100)], seed=7,
                                   model_sha256="f" * 64, reference="G")
    return vectors, np.array([image.force_id for image in images])


def _analyze():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE matching_custodyimage")


def test_without_statistics_the_pool_is_the_setting(personas, gallery):
    assert gallery_ef_search(personas.force_b.pk, KINDS) == GALLERY_EF_SEARCH


def test_a_small_force_is_not_penalised_and_only_the_kind_filter_widens_the_pool(personas, gallery):
    # A tenth of force B's images are of missing people.
    CustodyImage.objects.filter(subject_reference__in=[f"G-{i}" for i in range(900, 910)]).update(kind="missing")
    _analyze()
    # Each force's partition holds its own rows only: a force with a tenth of the gallery needs no wider pool.
    assert gallery_ef_search(personas.force_a.pk, KINDS) == GALLERY_EF_SEARCH
    assert gallery_ef_search(personas.force_b.pk, KINDS) == GALLERY_EF_SEARCH
    custody_only = gallery_ef_search(personas.force_b.pk, ["custody"])
    assert GALLERY_EF_SEARCH < custody_only < GALLERY_EF_SEARCH * 1.25  # 90% of the partition passes
    assert gallery_ef_search(personas.force_b.pk, ["missing"]) == HNSW_MAX_EF_SEARCH  # 300 / 0.1 is past the bound
    assert gallery_ef_search(personas.force_b.pk, ["missing"], ef_search=40) == pytest.approx(400, rel=0.25)


def test_the_index_search_of_a_small_force_returns_its_own_exact_top_ten(personas, gallery):
    vectors, owners = gallery
    _analyze()
    small = personas.force_b.pk
    probes = vectors[owners == small][:5] + np.random.default_rng(8).standard_normal((5, 128)) * 0.02
    with connection.cursor() as cursor:
        # At this size the planner would read the force's rows by its B-tree index and sort them.
        cursor.execute("SET enable_seqscan = off; SET enable_sort = off; SET enable_bitmapscan = off")
        try:
            cursor.execute("EXPLAIN SELECT id FROM matching_custodyimage WHERE force_id = %s "
                           "ORDER BY embedding <#> %s::vector LIMIT 10", [small, str(probes[0].tolist())])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"Index Scan using {partition_name(small)}_embedding_idx on {partition_name(small)}" in plan
            for probe in probes:
                probe = probe / np.linalg.norm(probe)
                approximate = gallery_top(small, probe, kinds=KINDS, limit=10)
                exact = gallery_top(small, probe, kinds=KINDS, limit=10, exact=True)
                assert len(approximate) == 10
                assert [h.object_id for h in approximate] == [h.object_id for h in exact]
                assert set(CustodyImage.objects.filter(pk__in=[h.object_id for h in approximate])
                           .values_list("force_id", flat=True)) == {small}
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_sort; RESET enable_bitmapscan")


def test_the_exact_search_compares_every_row_even_where_the_planner_prefers_the_index(personas, gallery):
    """The reference every recall figure is measured against: no index may stand in for it. Turning index scans
    off did not keep PostgreSQL 18 from running the HNSW scan, so the exact search orders by an expression no
    index serves; here the planner is pushed towards the index (sequential scans, bitmap scans and sorts off)
    and must still read and sort every row of the partitions rather than ask their HNSW indexes."""
    from django.test.utils import CaptureQueriesContext

    from matching.search import gallery_top_national

    vectors, owners = gallery
    _analyze()
    pk_of = dict(CustodyImage.objects.values_list("subject_reference", "pk"))
    ids_by_row = np.array([pk_of[f"G-{i}"] for i in range(len(vectors))])
    probe = vectors[3] + np.random.default_rng(9).standard_normal(128) * 0.02
    probe /= np.linalg.norm(probe)
    scores = vectors @ probe
    for search, rows in ((lambda **kw: gallery_top(personas.force_a.pk, probe, kinds=KINDS, limit=10, **kw),
                          owners == personas.force_a.pk),
                         (lambda **kw: gallery_top_national(probe, kinds=KINDS, limit=10, **kw),
                          np.ones(len(vectors), bool))):
        truth = ids_by_row[rows][np.argsort(-scores[rows])[:10]]
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off")
            try:
                with CaptureQueriesContext(connection) as executed:
                    exact = search(exact=True)
                statement = next(q["sql"] for q in executed.captured_queries if "<#>" in q["sql"])
                cursor.execute("EXPLAIN " + statement)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            finally:
                cursor.execute("RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort")
        assert "embedding_idx" not in plan and "Sort Key" in plan, plan  # every row of the partitions sorted
        assert [h.object_id for h in exact] == truth.tolist()
        assert search(exact=False)[0].object_id == truth[0]
