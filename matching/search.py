"""Searches in PostgreSQL with pgvector.

Templates are L2-normalised, so cosine similarity is the inner product; `<#>` (negative inner product)
is pgvector's cheapest operator and orders the same way as cosine distance.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.utils import load_backend

from matching.gallery import PARENT, partition_name


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form of a template. Each number is written in the shortest form that reads back as the same
    double, so the single-precision value stored or compared is the template's own."""
    return str(np.asarray(vector, dtype=np.float64).tolist()).replace(" ", "")


@dataclass(frozen=True)
class Hit:
    probe: int  # index of the probe in the batch
    object_id: int
    similarity: float


def watchlist_best(deployment_id: int, probes: np.ndarray) -> list[Hit | None]:
    """The best watchlist entry for each probe, searched exactly (no approximate index: recall 1.0).

    One round trip for the whole batch: each probe is joined laterally to its nearest templates. Entries
    whose deletion was granted (rule 13; almost always none) are taken out after the scan, not tested on
    every row: each probe takes its 1 + G nearest templates, G being the deployment's granted entries, and
    the best of those that remain is its answer. The distance is computed once a row, as the sort key, not
    again for the result. Together: 2.3 ms down to 1.9 ms in the database at 10,000 templates.
    """
    if len(probes) == 0:
        return []
    sql = """
        WITH granted AS MATERIALIZED (
            SELECT coalesce(array_agg(e.id), '{}') AS ids, count(*) AS n
            FROM deployments_watchlistentry e
            JOIN deployments_watchlist w ON w.id = e.watchlist_id
            WHERE w.deployment_id = %(deployment)s AND e.deletion_status = 'granted')
        SELECT DISTINCT ON (p.ord) p.ord - 1, t.entry_id, -t.distance
        FROM unnest(%(probes)s::vector[]) WITH ORDINALITY AS p(v, ord)
        CROSS JOIN LATERAL (
            SELECT t.entry_id, t.embedding <#> p.v AS distance
            FROM matching_watchlisttemplate t
            WHERE t.deployment_id = %(deployment)s
            ORDER BY distance
            LIMIT 1 + (SELECT n FROM granted)
        ) t
        WHERE t.entry_id <> ALL(ARRAY(SELECT unnest(ids) FROM granted))
        ORDER BY p.ord, t.distance
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"probes": [vector_literal(v) for v in probes], "deployment": deployment_id})
        rows = cursor.fetchall()
    hits: list[Hit | None] = [None] * len(probes)
    for index, entry_id, similarity in rows:
        hits[index] = Hit(index, entry_id, float(similarity))
    return hits


ALERTING_PROBES_PER_SCAN = 64


def watchlist_alerting(deployment_id: int, probes: np.ndarray, *, threshold: float) -> list[Hit | None]:
    """The best watchlist entry at or above `threshold` for each probe (None when no entry reaches it): what the
    live matcher raises alerts from. Exact, like `watchlist_best`: every template is compared with every probe.

    One scan of the deployment's templates serves every probe of the frame: each template row computes its
    distance to each probe (one column a probe) and is kept only when the nearest of them reaches the threshold,
    the few rows that can become alerts; the best kept entry per probe is the answer (ties broken by the lower
    entry id). No pre-filter or approximate index stands between the templates and the comparison, so an entry
    at or above the threshold is never missed, and the best of them is the best entry overall whenever any entry
    reaches the threshold. Entries whose deletion was granted (rule 13) are dropped from the kept rows.

    Joining the probes to the templates instead (a lateral unnest of the probes on every template row) costs a
    function scan per template: at 10,000 templates, 1.1 ms for one probe and 4.9 ms for four, against 0.8 and
    1.2 ms here, measured side by side (README, Ingest).
    """
    if len(probes) == 0:
        return []
    if len(probes) > ALERTING_PROBES_PER_SCAN:  # a crowd: a few scans, each with a bounded number of columns
        return [None if hit is None else Hit(start + hit.probe, hit.object_id, hit.similarity)
                for start in range(0, len(probes), ALERTING_PROBES_PER_SCAN)
                for hit in watchlist_alerting(deployment_id, probes[start:start + ALERTING_PROBES_PER_SCAN],
                                              threshold=threshold)]
    distances = ", ".join(f"t.embedding <#> %(p{i})s::vector AS d{i}" for i in range(len(probes)))
    nearest = f"least({', '.join(f'd{i}' for i in range(len(probes)))})" if len(probes) > 1 else "d0"
    # A read that starts with SELECT: the history middleware puts the request's context in front of every statement
    # that does not, so this one is sent alone (the granted entries are an uncorrelated subquery, evaluated once).
    sql = f"""SELECT s.* FROM (
            SELECT t.entry_id, {distances}
            FROM matching_watchlisttemplate t
            WHERE t.deployment_id = %(deployment)s
        ) s
        WHERE {nearest} <= %(bound)s AND s.entry_id <> ALL(ARRAY(
            SELECT e.id FROM deployments_watchlistentry e
            JOIN deployments_watchlist w ON w.id = e.watchlist_id
            WHERE w.deployment_id = %(deployment)s AND e.deletion_status = 'granted'))
    """
    bound = -float(threshold)
    params = {f"p{i}": vector_literal(v) for i, v in enumerate(probes)}
    params.update(deployment=deployment_id, bound=bound)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    best: list[tuple[float, int] | None] = [None] * len(probes)
    for entry_id, *row in rows:
        for index, distance in enumerate(row):
            if distance <= bound and (best[index] is None or (distance, entry_id) < best[index]):
                best[index] = (distance, entry_id)
    return [None if b is None else Hit(index, b[1], -float(b[0])) for index, b in enumerate(best)]


# ef_search 300 on the gallery's index (m 32, ef_construction 128) finds 0.99 of the exact top 10 in a
# million templates in under a tenth of the exact scan's time (bench/gallery.py; README).
GALLERY_EF_SEARCH = 300
# A national search reads every force's partition, so each branch's pool costs 43 times over. At 2 million images
# over 43 forces, ef_search 80 found 0.995 of the exact top 10 and every candidate at or above the 0.934
# threshold, at a tenth of the exact scan's time (p95); 60 missed one such candidate in 100 searches
# (bench/gallery.py --national; docs/scale.md).
NATIONAL_EF_SEARCH = 80
HNSW_MAX_EF_SEARCH = 1000  # pgvector's upper bound


# Per partition, the planner's most common kinds and their shares, kept until the partition is analysed again:
# reading pg_stats costs a few milliseconds (more than a small partition's index search), its answer changes
# only when ANALYZE runs.
_KIND_STATISTICS: dict[tuple, dict[str, float]] = {}


def _partition_catalogue(force_ids: list[int]) -> dict[str, tuple]:
    """Each force's partition by name: (force id, oid, rows as ANALYZE counted them (-1: never analysed), when it
    was last analysed, when last analysed automatically). Cheap catalogue reads; the rows are seen at once inside
    the analysing transaction, where the time is not yet published."""
    names = {partition_name(force_id): int(force_id) for force_id in force_ids}
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.relname, c.oid::bigint, c.reltuples, pg_stat_get_last_analyze_time(c.oid),
                   pg_stat_get_last_autoanalyze_time(c.oid)
            FROM pg_class c WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace
        """, [list(names)])
        return {name: (names[name], *rest) for name, *rest in cursor.fetchall()}


def _kind_shares(force_ids: list[int], kinds: list[str],
                 catalogue: dict[str, tuple] | None = None) -> dict[int, float]:
    """Share of each force's gallery rows whose kind is one of `kinds`, from the planner's statistics of the
    force's partition (pg_stats' most common values, the same estimate the planner uses). A force without
    statistics (a small or new partition) or without a partition of its own is left out. `catalogue` is
    `_partition_catalogue(force_ids)` when the caller has read it already."""
    if catalogue is None:
        catalogue = _partition_catalogue(force_ids)
    names = {name: entry[0] for name, entry in catalogue.items()}
    with connection.cursor() as cursor:
        # When each partition was last analysed, and the rows ANALYZE counted: the key of the cache.
        versions = {name: (connection.settings_dict["NAME"], name, *entry[1:]) for name, entry in catalogue.items()}
        stale = [name for name, key in versions.items() if key not in _KIND_STATISTICS]
        if stale:
            cursor.execute("""
                SELECT s.tablename, v.val, v.freq
                FROM pg_stats s
                CROSS JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(val, freq)
                WHERE s.schemaname = current_schema() AND s.tablename = ANY(%s) AND s.attname = 'kind'
            """, [stale])
            found: dict[str, dict[str, float]] = {name: {} for name in stale}
            for name, value, freq in cursor.fetchall():
                found[name][value] = float(freq)
            for name in stale:
                for old in [key for key in _KIND_STATISTICS if key[:2] == versions[name][:2]]:
                    del _KIND_STATISTICS[old]  # an earlier analysis of the same partition
                _KIND_STATISTICS[versions[name]] = found[name]
    shares = {}
    for name, key in versions.items():
        frequencies = _KIND_STATISTICS[key]
        if frequencies:  # no statistics: the partition was never analysed (small or new)
            shares[names[name]] = sum(frequencies.get(kind, 0.0) for kind in kinds)
    return shares


def _widened(share: float, *, ef_search: int, limit: int) -> int:
    # A value missing from the most-common list (share 0) is rarer than any on it: the floor gives it the
    # largest pool, and keeps the division finite.
    share = max(share, ef_search / HNSW_MAX_EF_SEARCH)
    return int(min(HNSW_MAX_EF_SEARCH, max(limit, round(ef_search / share))))


def gallery_ef_search(force_id: int, kinds: list[str], *, ef_search: int = GALLERY_EF_SEARCH, limit: int = 10) -> int:
    """The ef_search that gives a filtered search the candidate pool `ef_search` gives an unfiltered one.

    The gallery is partitioned by force, so a force's search reads only its own rows and its own index; the
    kind filter is still applied to what the index scan returns, so a search for custody images alone in a
    partition where a tenth are missing-person images widens the pool by a ninth. Without statistics the
    partition is small and the setting is kept.
    """
    share = _kind_shares([force_id], kinds).get(int(force_id), 1.0)
    return _widened(share, ef_search=ef_search, limit=limit)


_GALLERY_BRANCH = """
        (SELECT id, embedding <#> %s::vector AS distance
         FROM matching_custodyimage
         WHERE force_id = %s AND kind = ANY(%s) AND NOT deletion_granted
               AND (%s::bigint IS NULL OR face_model_id = %s)
         ORDER BY embedding <#> %s::vector
         LIMIT %s)"""

# The exact search orders by an expression no index serves, so every row of the partition is compared. Turning
# index scans off is not enough: PostgreSQL 18 still chose the HNSW scan, marked disabled, for the gallery's
# partitions (bench/gallery.py measured "exact" searches that found 0.96 of the true top 10).
_GALLERY_BRANCH_EXACT = _GALLERY_BRANCH.replace("ORDER BY embedding <#> %s::vector",
                                                "ORDER BY (embedding <#> %s::vector) + 0")


def _search_rows(cursor, sql: str, params: list, *, ef_search: int, exact: bool) -> list[tuple[int, float]]:
    """Run a gallery search on `cursor`, inside the caller's transaction (the settings are transaction-local):
    (id, similarity), best first."""
    if not exact:
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)])
        cursor.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    # relaxed_order may return neighbours slightly out of order: rank them exactly here.
    return sorted(((object_id, -float(distance)) for object_id, distance in rows), key=lambda row: -row[1])


def _run_gallery_sql(sql: str, params: list, *, ef_search: int, exact: bool) -> list[tuple[int, float]]:
    # The search runs in its own transaction (or savepoint) on this thread's connection.
    with transaction.atomic(), connection.cursor() as cursor:
        return _search_rows(cursor, sql, params, ef_search=ef_search, exact=exact)


def gallery_top(force_id: int, probe: np.ndarray, *, kinds: list[str], limit: int,
                ef_search: int = GALLERY_EF_SEARCH, exact: bool = False, face_model_id: int | None = None) -> list[Hit]:
    """Top `limit` gallery images of one force, from its own partition: HNSW with iterative scans, the pool
    widened by `gallery_ef_search` for the share of rows the kind filter keeps. The force is a constant of the
    query, so the planner reads that force's partition and no other (a test checks the plan). With
    `face_model_id`, only images whose templates that face model made (a probe is comparable with no other)."""
    literal = vector_literal(probe)
    if not exact:
        ef_search = gallery_ef_search(force_id, kinds, ef_search=ef_search, limit=limit)
    branch = _GALLERY_BRANCH_EXACT if exact else _GALLERY_BRANCH
    rows = _run_gallery_sql(branch, [literal, int(force_id), kinds, face_model_id, face_model_id, literal,
                                              limit], ef_search=ef_search, exact=exact)
    return [Hit(0, object_id, similarity) for object_id, similarity in rows]


def gallery_forces() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM oversight_force ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _national_sql(force_ids: list[int], literal: str, *, kinds: list[str], limit: int, exact: bool,
                  face_model_id: int | None) -> tuple[str, list]:
    branch = _GALLERY_BRANCH_EXACT if exact else _GALLERY_BRANCH
    sql = ("SELECT id, distance FROM (" + " UNION ALL ".join([branch] * len(force_ids))
           + ") AS branches ORDER BY distance LIMIT %s")
    params: list = []
    for force_id in force_ids:
        params += [literal, force_id, kinds, face_model_id, face_model_id, literal, limit]
    return sql, params + [limit]


def _split(force_ids: list[int], parts: int, catalogue: dict[str, tuple]) -> list[list[int]]:
    """The forces in `parts` groups of about equal rows (largest first, each to the lightest group so far), the
    rows as ANALYZE last counted them in `_partition_catalogue(force_ids)` (none when never analysed)."""
    rows = {entry[0]: max(float(entry[2]), 0.0) for entry in catalogue.values()}
    groups: list[list[int]] = [[] for _ in range(min(parts, len(force_ids)))]
    weights = [0.0] * len(groups)
    for force_id in sorted(force_ids, key=lambda f: -rows.get(f, 0.0)):
        lightest = weights.index(min(weights))
        groups[lightest].append(force_id)
        weights[lightest] += rows.get(force_id, 0.0) + 1.0  # + 1: a branch costs something however small
    return groups


_SEARCH_POOL: ThreadPoolExecutor | None = None
_SEARCH_LOCK = threading.Lock()
_IDLE: list = []  # the national search's own connections not in use, each kept for the next search
_OPEN: list = []


def _search_pool(size: int) -> ThreadPoolExecutor:
    global _SEARCH_POOL
    with _SEARCH_LOCK:
        if _SEARCH_POOL is None or _SEARCH_POOL._max_workers < size:
            _SEARCH_POOL = ThreadPoolExecutor(max_workers=size, thread_name_prefix="gallery-search")
        return _SEARCH_POOL


def _borrow():
    """A connection of the national search's own (made like the process's, kept between searches like it): a new
    backend must read the catalogue of every partition and index it plans for, which costs more than the search."""
    with _SEARCH_LOCK:
        if _IDLE:
            return _IDLE.pop()
        # Kept for as long as it works, whatever the process's own connections' age limit: a national search
        # may come once in minutes, and it is then that a backend with the catalogue already read pays.
        settings_dict = {**connections.settings[DEFAULT_DB_ALIAS], "CONN_MAX_AGE": None, "CONN_HEALTH_CHECKS": True}
        wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)
        wrapper.inc_thread_sharing()  # used by one search at a time, from whichever pool thread runs it
        _OPEN.append(wrapper)
        return wrapper


def _give_back(wrapper, *, usable: bool) -> None:
    with _SEARCH_LOCK:
        if usable:
            _IDLE.append(wrapper)
        else:
            _OPEN.remove(wrapper)
    if not usable:
        wrapper.close()


def close_search_connections() -> None:
    """Close the national search's own connections (a test run ends, a database is dropped)."""
    with _SEARCH_LOCK:
        wrappers = list(_OPEN)
        _OPEN.clear()
        _IDLE.clear()
    for wrapper in wrappers:
        wrapper.close()


def _run_on_own_connection(sql: str, params: list, *, ef_search: int) -> list[tuple[int, float]]:
    """One group's branches, in a transaction of their own on a connection of the search's own."""
    wrapper = _borrow()
    usable = False
    try:
        wrapper.close_if_unusable_or_obsolete()  # broken by an error in the last search: replaced
        # Dropped by the server since (a restart): replaced. Asked with a round trip, which is nothing beside a
        # national search, not by the look at the socket that serves requests: the server's notice may be on
        # its way.
        if wrapper.connection is not None and not wrapper.is_usable():
            wrapper.close()
        wrapper.ensure_connection()
        with wrapper.connection.transaction(), wrapper.cursor() as cursor:
            rows = _search_rows(cursor, sql, params, ef_search=ef_search, exact=False)
        usable = True
    finally:
        _give_back(wrapper, usable=usable)
    return rows


def gallery_top_national(probe: np.ndarray, *, kinds: list[str], limit: int, ef_search: int = NATIONAL_EF_SEARCH,
                         exact: bool = False, force_ids: list[int] | None = None,
                         face_model_id: int | None = None) -> list[Hit]:
    """Top `limit` images of every force's gallery: each force's partition gives its own top `limit` (the
    same search as `gallery_top`, one branch a force), and the branches are merged exactly by score. The merge
    loses nothing: an image in the overall top `limit` is in its own force's top `limit`. One ef_search serves
    every branch: the widest any partition needs for its share of the kinds asked for.

    The branches run side by side: split into `GALLERY_SEARCH_CONNECTIONS` groups of about equal rows, each group
    one statement on a connection of the search's own (so a backend, a core, of its own; kept for the next
    search, as the process keeps its own connection), merged here. That reads what is
    committed, like a search on a read replica (docs/scale.md), so inside a transaction, whose own changes only
    its connection sees, and for the exact scan, which already spreads over PostgreSQL's parallel workers, the
    branches run in one statement on this connection."""
    force_ids = gallery_forces() if force_ids is None else [int(f) for f in force_ids]
    if not force_ids:
        return []
    literal = vector_literal(probe)
    catalogue = {} if exact else _partition_catalogue(force_ids)
    if not exact:
        shares = _kind_shares(force_ids, kinds, catalogue)
        ef_search = max(_widened(shares.get(f, 1.0), ef_search=ef_search, limit=limit) for f in force_ids)
    among = dict(kinds=kinds, limit=limit, exact=exact, face_model_id=face_model_id)
    parts = settings.GALLERY_SEARCH_CONNECTIONS
    if exact or parts < 2 or len(force_ids) < 2 or connection.in_atomic_block:
        rows = _run_gallery_sql(*_national_sql(force_ids, literal, **among), ef_search=ef_search, exact=exact)
    else:
        pool = _search_pool(parts)
        searches = [pool.submit(_run_on_own_connection, *_national_sql(group, literal, **among), ef_search=ef_search)
                    for group in _split(force_ids, parts, catalogue)]
        rows = sorted((row for search in searches for row in search.result()), key=lambda row: -row[1])[:limit]
    return [Hit(0, object_id, similarity) for object_id, similarity in rows]
