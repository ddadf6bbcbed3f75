"""The live search (`watchlist_alerting`) is exact: on a seeded watchlist of 10,000 entries, every probe gets the
entry numpy's brute force finds best whenever it reaches the threshold, and nothing when none does; entries whose
deletion was granted are never returned. In the real PostgreSQL with pgvector.

The watchlist is built once for the module (tests/worlds.py) and each test is rolled back to it."""
from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from deployments.models import DeletionStatus, WatchlistEntry
from matching.services import engine
from matching.models import WatchlistTemplate
from matching.search import vector_literal, watchlist_alerting, watchlist_best
from tests.conftest import make_personas
from tests.matching.conftest import make_live
from tests.worlds import world_once

pytestmark = pytest.mark.django_db

SIZE = 10_000
THRESHOLD = 0.94  # the live tests' threshold: photos of one person score 0.95-0.97 with this model


def _clustered(rng: np.random.Generator, n: int) -> np.ndarray:
    """Templates shaped like real embeddings (a strong common direction, people apart, photos of one person
    close), never uniform noise, where every pair would be far below any threshold."""
    mean = rng.standard_normal(128)
    mean *= 0.92 / np.linalg.norm(mean)
    people = mean + rng.standard_normal((n // 3, 128)) * (0.36 / np.sqrt(128))
    vectors = people[rng.integers(0, len(people), n)] + rng.standard_normal((n, 128)) * (0.2 / np.sqrt(128))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _grow(live):
    """The live deployment's watchlist grown to 10,000 entries, each with a template: two statements (fast)."""
    rng = np.random.default_rng(20261207)
    deployment, entry = live.deployment, live.entry
    vectors = _clustered(rng, SIZE - 1)
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO deployments_watchlistentry (watchlist_id, subject_reference, category_id, subject_kind,
                justification, extra_justification, image, image_sha256, image_source_system, image_date,
                quality_check, quality_note, under_18, harm_justification, unconvicted, deletion_status,
                created_by_id, created_at)
            SELECT e.watchlist_id, 'SEED-' || lpad(g::text, 5, '0'), e.category_id, e.subject_kind, e.justification,
                   '', 'seed/none.jpg', repeat('0', 64), 'seed', DATE '2024-01-01', e.quality_check, '', false, '',
                   false, 'none', e.created_by_id, now()
            FROM deployments_watchlistentry e, generate_series(1, %s) g WHERE e.id = %s""", [SIZE - 1, entry.pk])
        cursor.execute("""
            INSERT INTO matching_watchlisttemplate (entry_id, deployment_id, face_model_id, embedding, quality,
                                                    created_at)
            SELECT e.id, %s, %s, (%s::vector[])[substr(e.subject_reference, 6)::int], '{}', now()
            FROM deployments_watchlistentry e WHERE e.watchlist_id = %s AND e.subject_reference LIKE 'SEED-%%'""",
                       [deployment.pk, engine.face_model_current().pk, [vector_literal(v) for v in vectors],
                        entry.watchlist_id])
    rows = list(WatchlistTemplate.objects.filter(deployment=deployment).values_list("entry_id", "embedding"))
    assert len(rows) == SIZE
    ids = np.array([entry_id for entry_id, _ in rows])
    matrix = np.stack([np.asarray(v, dtype=np.float32) for _, v in rows])
    # New photos of watchlisted people (most reach the threshold) and of strangers (none does).
    picks = rng.integers(0, SIZE, 60)
    near = matrix[picks] + rng.standard_normal((60, 128)).astype(np.float32) * (0.2 / np.sqrt(128))
    probes = np.vstack([near / np.linalg.norm(near, axis=1, keepdims=True), _clustered(rng, 20)])
    return deployment, ids, matrix, probes.astype(np.float32)


@pytest.fixture(scope="module")
def built_watchlist(django_db_setup, django_db_blocker, tmp_path_factory, photos):
    """A live deployment (its one photo enrolled by the real matcher) and its 10,000 entries, once for the module."""
    with world_once(lambda: _grow(make_live(make_personas(), photos)), django_db_blocker=django_db_blocker,
                    media=tmp_path_factory.mktemp("live-search-media")) as built:
        yield built


@pytest.fixture
def big_watchlist(built_watchlist, db):
    """The module's watchlist; what a test changes is rolled back when it ends (pytest-django's `db`)."""
    return built_watchlist


def _brute_force(ids, matrix, probes, threshold, *, leave_out=()):
    scores = probes.astype(np.float64) @ matrix.T.astype(np.float64)
    scores[:, np.isin(ids, list(leave_out))] = -np.inf
    best = scores.argmax(axis=1)
    return [(int(ids[b]) if scores[k, b] >= threshold else None) for k, b in enumerate(best)], scores.max(axis=1)


def test_it_finds_every_entry_brute_force_finds_at_or_above_the_threshold(big_watchlist):
    deployment, ids, matrix, probes = big_watchlist
    expected, best_scores = _brute_force(ids, matrix, probes, THRESHOLD)
    assert 20 < sum(e is not None for e in expected) < len(probes)  # both kinds of probe are there

    hits = watchlist_alerting(deployment.pk, probes, threshold=THRESHOLD)
    assert [h.object_id if h else None for h in hits] == expected
    for hit, score in zip(hits, best_scores):
        if hit is not None:
            assert hit.similarity == pytest.approx(score, abs=1e-5)
    # The unfiltered search agrees on the best entry of every probe.
    assert [h.object_id for h in watchlist_best(deployment.pk, probes)] == [
        int(ids[k]) for k in (probes.astype(np.float64) @ matrix.T.astype(np.float64)).argmax(axis=1)]


def test_a_probe_just_above_the_threshold_is_found_and_one_just_below_is_not(big_watchlist):
    deployment, ids, matrix, probes = big_watchlist
    _, best_scores = _brute_force(ids, matrix, probes, THRESHOLD)
    k = int(np.argmax(best_scores))
    score = float(best_scores[k])
    assert watchlist_alerting(deployment.pk, probes[k:k + 1], threshold=score - 1e-4)[0] is not None
    assert watchlist_alerting(deployment.pk, probes[k:k + 1], threshold=score + 1e-4) == [None]


def test_entries_whose_deletion_was_granted_are_left_out(big_watchlist):
    deployment, ids, matrix, probes = big_watchlist
    expected, _ = _brute_force(ids, matrix, probes, THRESHOLD)
    granted = {e for e in expected if e is not None}
    granted = set(list(granted)[:10])
    WatchlistEntry.objects.filter(pk__in=granted).update(deletion_status=DeletionStatus.GRANTED)

    after, _ = _brute_force(ids, matrix, probes, THRESHOLD, leave_out=granted)
    hits = watchlist_alerting(deployment.pk, probes, threshold=THRESHOLD)
    assert [h.object_id if h else None for h in hits] == after
    assert not granted & {h.object_id for h in hits if h}
