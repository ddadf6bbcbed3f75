"""Searches in PostgreSQL with pgvector.

Templates are L2-normalised, so cosine similarity is the inner product; `<#>` (negative inner product)
is pgvector's cheapest operator and orders the same way as cosine distance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.8g}" for x in vector) + "]"


@dataclass(frozen=True)
class Hit:
    probe: int  # index of the probe in the batch
    object_id: int
    similarity: float


def watchlist_best(deployment_id: int, probes: np.ndarray) -> list[Hit | None]:
    """The best watchlist entry for each probe, searched exactly (no approximate index: recall 1.0).

    One round trip for the whole batch: each probe is joined laterally to its nearest template. Entries
    whose deletion was granted are looked up once per statement (an init plan, on a partial index of granted
    entries), not joined per probe: the join made the planner scan the whole entries table, every
    deployment's, for each probe.
    """
    if len(probes) == 0:
        return []
    sql = """
        SELECT p.ord - 1, t.entry_id, t.similarity
        FROM unnest(%s::vector[]) WITH ORDINALITY AS p(v, ord)
        CROSS JOIN LATERAL (
            SELECT t.entry_id, -(t.embedding <#> p.v) AS similarity
            FROM matching_watchlisttemplate t
            WHERE t.deployment_id = %s
              AND t.entry_id <> ALL(ARRAY(
                  SELECT e.id FROM deployments_watchlistentry e
                  JOIN deployments_watchlist w ON w.id = e.watchlist_id
                  WHERE w.deployment_id = %s AND e.deletion_status = 'granted'))
            ORDER BY t.embedding <#> p.v
            LIMIT 1
        ) t
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [[vector_literal(v) for v in probes], deployment_id, deployment_id])
        rows = cursor.fetchall()
    hits: list[Hit | None] = [None] * len(probes)
    for index, entry_id, similarity in rows:
        hits[index] = Hit(index, entry_id, float(similarity))
    return hits


def gallery_top(force_id: int, probe: np.ndarray, *, kinds: list[str], limit: int, ef_search: int = 200,
                exact: bool = False) -> list[Hit]:
    """Top `limit` gallery images of one force: HNSW with iterative scans (the filter is applied after
    the index scan, so without them a force that holds a tenth of the rows would get a tenth of the results)."""
    sql = """
        SELECT id, -(embedding <#> %s::vector) AS similarity
        FROM matching_custodyimage
        WHERE force_id = %s AND kind = ANY(%s) AND NOT deletion_granted
        ORDER BY embedding <#> %s::vector
        LIMIT %s
    """
    literal = vector_literal(probe)
    # The settings are transaction-local, so the search runs in its own transaction (or savepoint).
    with transaction.atomic(), connection.cursor() as cursor:
        if exact:
            cursor.execute("SET LOCAL enable_indexscan = off")
        else:
            cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(max(ef_search, limit))])
            cursor.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
        cursor.execute(sql, [literal, force_id, kinds, literal, limit])
        rows = cursor.fetchall()
    # relaxed_order may return neighbours slightly out of order: rank them exactly here.
    rows.sort(key=lambda row: -row[1])
    return [Hit(0, object_id, float(similarity)) for object_id, similarity in rows]
