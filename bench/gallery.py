"""RFR gallery search: HNSW (`matching.search.gallery_top`) against exact search, at 100k and 1M templates.

    .venv/bin/python bench/gallery.py [--n 100000|1000000] [--ef 40,100,200,400] [--json]
    experiments: [--m M] [--ef-construction EF] [--reuse-index] [--per-force-index]

For each gallery size: loads clustered synthetic templates into `matching_custodyimage` of the scratch
database (binary COPY, once per size; about 10% of rows belong to a second force, so the force filter
matters and HNSW iterative scans are exercised), drops and rebuilds `custody_embedding_hnsw` from the
model's own index definition with maintenance_work_mem = 2GB and max_parallel_maintenance_workers = 1
(timed), then searches with probes that are new photos of people in the gallery:
  - truth: numpy top-10 over the same vectors of the searched force;
  - exact: gallery_top(..., exact=True) (checked against numpy), p50/p95;
  - HNSW: gallery_top at ef_search 100/200/300/400 (300 is the function's default; it widens the pool for
    the share of rows the force and kind filters keep, and the effective value is printed), recall@10, p50/p95.
Last line: RATIOS; with --json a list of {n, recall_at_10, hnsw_p95_ms, exact_p95_ms, speedup_p95, build_s,
...} (the headline at the default ef_search, plus the trade-off curve and the small force).

    .venv/bin/python bench/gallery.py --national --n 2000000 --forces 43 [--probes 100] [--ef 40,100,300]

The national gallery: n templates spread over F forces (force sizes fall off like England and Wales': the
largest holds about a fifth; every photo of a person is in one force), loaded into the gallery partitioned by
force (one partition and one HNSW index a force; scratch database `bench_national`). Times the build of every
partition's index and sums their sizes, then for a local search (the largest force's own partition, the worst
case for a local search) and a national search (`gallery_top_national`: every partition's top 10 merged by
score) measures recall@10 against numpy's exact top 10, and p50/p95 against the exact scan (the same SQL ordered
by an expression no index serves) at each ef_search; the exact scan runs again beside each pass's first 30 probes,
so that every speed-up compares searches made minutes apart at most. Last line: RATIOS; with --json one document.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # keep the numpy truth off the database's core
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench import _common as common  # noqa: E402
from bench.synthetic import clustered_templates, probes_of  # noqa: E402

SEED = 20261102
OTHER_FORCE_SHARE = 0.10
MISSING_SHARE = 0.05
KINDS = ["custody", "missing"]
DEFAULT_EF = 300  # gallery_top's default, matching.search.GALLERY_EF_SEARCH (checked in run_size)
DEFAULT_NATIONAL_EF = 80  # gallery_top_national's, matching.search.NATIONAL_EF_SEARCH (checked in run_national)
THRESHOLD = 0.934  # dlib model's calibrated cosine at a 0.1% false-match rate (matching migration 0002)
K = 10
TARGET_RECALL, TARGET_SPEEDUP, TARGET_N = 0.99, 10.0, 1_000_000


def gallery_rows(n: int):
    templates, owners = clustered_templates(n, seed=SEED)
    rng = np.random.default_rng(SEED + 1)
    other = rng.random(n) < OTHER_FORCE_SHARE
    missing = rng.random(n) < MISSING_SHARE
    return templates, owners, other, missing


def load(out, n: int, main_force, other_force, face_model, templates, other, missing) -> np.ndarray:
    """Row ids of the n gallery rows (index i = template i), loading them unless already there."""
    from django.db import connection

    from matching.models import CustodyImage

    key = f"gallery:{SEED}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM matching_custodyimage")
        low, high, count = cursor.fetchone()
        if common.meta_get(key) == str(n) and count == n and high - low + 1 == n:
            out.say(f"  reusing {n:,} gallery rows")
            return np.arange(low, high + 1)
        started = time.perf_counter()
        cursor.execute("DROP INDEX IF EXISTS custody_embedding_hnsw")  # a COPY into an HNSW index crawls
        cursor.execute("TRUNCATE matching_custodyimage RESTART IDENTITY CASCADE")
    fixed = dict(face_model_id=face_model.pk, source_system="PND", unconvicted=False, deletion_granted=False)
    main_id, other_id = main_force.pk, other_force.pk
    rows = ({"force_id": other_id if other[i] else main_id, "kind": "missing" if missing[i] else "custody",
             "subject_reference": f"G{i:07d}", "embedding": templates[i]} for i in range(n))
    common.copy_rows(CustodyImage, rows, total=n, fixed=fixed, desc="gallery rows")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE matching_custodyimage")
        cursor.execute("SELECT min(id), max(id), count(*) FROM matching_custodyimage")
        low, high, count = cursor.fetchone()
        cursor.execute("SELECT subject_reference FROM matching_custodyimage WHERE id IN (%s, %s) ORDER BY id",
                       [low, high])
        ends = [r[0] for r in cursor.fetchall()]
    if count != n or high - low + 1 != n or ends != ["G0000000", f"G{n - 1:07d}"]:
        raise SystemExit(f"unexpected ids after COPY: {low}..{high}, {count} rows, ends {ends}")
    common.meta_set(key, str(n))
    out.say(f"  loaded {n:,} gallery rows with binary COPY in {time.perf_counter() - started:.1f} s")
    return np.arange(low, high + 1)


def index_exists() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('custody_embedding_hnsw') IS NOT NULL")
        return cursor.fetchone()[0]


def build_index(out, params: tuple[int, int] | None = None) -> tuple[float, list[str]]:
    """Drop and rebuild custody_embedding_hnsw exactly as the model defines it (or, for an experiment, with
    other m and ef_construction); returns (seconds, notices)."""
    from django.db import connection

    from matching.models import CustodyImage

    index = next(i for i in CustodyImage._meta.indexes if i.name == "custody_embedding_hnsw")
    with connection.schema_editor() as editor:
        create = str(index.create_sql(CustodyImage, editor))
    if params is not None:
        m, ef_construction = params
        create = re.sub(r"WITH \(.*\)", f"WITH (m = {m}, ef_construction = {ef_construction})", create)
    notices: list[str] = []
    handler = lambda diag: notices.append(diag.message_primary)  # noqa: E731
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS custody_embedding_hnsw")
        connection.connection.add_notice_handler(handler)  # e.g. "hnsw graph no longer fits into maintenance_work_mem"
        cursor.execute("SET maintenance_work_mem = '2GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        out.say(f"  building: {create}")
        started = time.perf_counter()
        cursor.execute(create)
        seconds = time.perf_counter() - started
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("RESET max_parallel_maintenance_workers")
        # The gallery is partitioned by force: the sizes are the sums over the partitions.
        cursor.execute("SELECT (SELECT coalesce(sum(pg_relation_size(relid)), 0) FROM pg_partition_tree('custody_embedding_hnsw')),"
                       " (SELECT coalesce(sum(pg_relation_size(relid)), 0) FROM pg_partition_tree('matching_custodyimage'))")
        index_bytes, table_bytes = (int(x) for x in cursor.fetchone())
    connection.connection.remove_notice_handler(handler)
    out.say(f"  index build {seconds:.1f} s (index {index_bytes / 2**20:.0f} MB, table {table_bytes / 2**20:.0f} MB)"
            + (f"; notices: {notices}" if notices else ""))
    return seconds, notices


def truth_top(matrix: np.ndarray, ids: np.ndarray, probes: np.ndarray) -> tuple[list[set[int]], list[set[int]], float]:
    """numpy top-10 ids per probe; those of them at or above the operating threshold (the candidates an
    operator would be shown); and the mean similarity gap between the 10th and 11th neighbour."""
    top10, strong, gaps = [], [], []
    for start in range(0, len(probes), 16):
        scores = matrix @ probes[start:start + 16].T
        for column in scores.T:
            top = np.argpartition(-column, K + 1)[:K + 1]
            top = top[np.argsort(-column[top])]
            top10.append(set(ids[top[:K]].tolist()))
            strong.append({int(ids[i]) for i in top[:K] if column[i] >= THRESHOLD})
            gaps.append(column[top[K - 1]] - column[top[K]])
    return top10, strong, float(np.median(gaps))


def search_all(force_id: int, probes: np.ndarray, *, ef: int | None) -> tuple[list[float], list[set[int]]]:
    from matching.search import gallery_top

    samples, answers = [], []
    for probe in probes:
        if ef is None:
            ms, hits = common.timed_ms(gallery_top, force_id, probe, kinds=KINDS, limit=K, exact=True)
        else:
            ms, hits = common.timed_ms(gallery_top, force_id, probe, kinds=KINDS, limit=K, ef_search=ef)
        samples.append(ms)
        answers.append({h.object_id for h in hits})
    return samples, answers


def recall(answers: list[set[int]], truth: list[set[int]]) -> float:
    return float(np.mean([len(a & t) / K for a, t in zip(answers, truth)]))


def strong_recall(answers: list[set[int]], strong: list[set[int]]) -> float:
    """Share of the true top-10 candidates at or above the threshold that the search returned."""
    found = sum(len(a & s) for a, s in zip(answers, strong))
    total = sum(len(s) for s in strong)
    return found / total if total else 1.0


def run_size(out, n: int, efs: list[int], main_force, other_force, face_model, reuse_index: bool = False,
             params: tuple[int, int] | None = None, per_force_study: bool = False) -> dict:
    from matching.search import GALLERY_EF_SEARCH, gallery_ef_search, gallery_top

    assert DEFAULT_EF == GALLERY_EF_SEARCH, "bench/gallery.py's DEFAULT_EF is out of date"

    out.say(f"\nGallery of {n:,} templates ({1 - OTHER_FORCE_SHARE:.0%} force {main_force.code}, "
            f"{OTHER_FORCE_SHARE:.0%} force {other_force.code}; {MISSING_SHARE:.0%} missing-person images)")
    with common.stage(out, "synthetic templates"):
        templates, owners, other, missing = gallery_rows(n)
    ids = load(out, n, main_force, other_force, face_model, templates, other, missing)
    if reuse_index and index_exists():
        build_s, notices = None, []
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'custody_embedding_hnsw'")
            definition = cursor.fetchone()[0]
        out.say(f"  reusing the existing index (--reuse-index: build not timed; it may come from an experiment): "
                f"{definition}")
    else:
        build_s, notices = build_index(out, params)
    searches = {}
    for label, force, mask in (("main", main_force, ~other), ("other", other_force, other)):
        probes = probes_of(templates[mask], owners[mask], 200, seed=SEED + n + (label == "other"))
        truth, strong, gap = truth_top(templates[mask], ids[mask], probes)
        searches[label] = (force, probes, truth, strong)
        if label == "main":
            out.say(f"  truth (numpy): median similarity gap between 10th and 11th neighbour {gap:.4f}; "
                    f"{sum(map(len, strong)) / len(strong):.2f} of the top 10 at or above {THRESHOLD} per probe")
    force, probes, truth, strong = searches["main"]
    for probe in probes[:10]:  # warm the page cache
        gallery_top(force.pk, probe, kinds=KINDS, limit=K, ef_search=DEFAULT_EF)
    exact_count = 20 if n >= 500_000 else 50
    gallery_top(force.pk, probes[0], kinds=KINDS, limit=K, exact=True)
    exact_ms, exact_answers = search_all(force.pk, probes[:exact_count], ef=None)
    exact_recall = recall(exact_answers, truth[:exact_count])
    out.say(f"  exact (enable_indexscan off), {exact_count} probes: p50 {common.p50(exact_ms):.1f} ms "
            f"p95 {common.p95(exact_ms):.1f} ms; agrees with numpy top-10: {exact_recall:.4f}")
    curve = []
    for ef in efs:
        ms, answers = search_all(force.pk, probes, ef=ef)
        point = {"ef_search": ef, "ef_search_effective": gallery_ef_search(force.pk, KINDS, ef_search=ef, limit=K),
                 "recall_at_10": round(recall(answers, truth), 4),
                 "recall_above_threshold": round(strong_recall(answers, strong), 4),
                 "hnsw_p50_ms": round(common.p50(ms), 2), "hnsw_p95_ms": round(common.p95(ms), 2),
                 "speedup_p95": round(common.p95(exact_ms) / common.p95(ms), 1)}
        curve.append(point)
        out.say(f"  HNSW ef_search={ef:<4} (effective {point['ef_search_effective']:<4}) {len(probes)} probes: recall@10 {point['recall_at_10']:.4f}  "
                f"(above {THRESHOLD}: {point['recall_above_threshold']:.4f})  "
                f"p50 {point['hnsw_p50_ms']:7.2f} ms  p95 {point['hnsw_p95_ms']:7.2f} ms  "
                f"speed-up (p95) {point['speedup_p95']:6.1f}x")
    small_force, small_probes, small_truth, small_strong = searches["other"]
    small = []
    for ef in (40, DEFAULT_EF):
        ms, answers = search_all(small_force.pk, small_probes, ef=ef)
        small.append({"ef_search": ef,
                      "ef_search_effective": gallery_ef_search(small_force.pk, KINDS, ef_search=ef, limit=K),
                      "recall_at_10": round(recall(answers, small_truth), 4),
                      "recall_above_threshold": round(strong_recall(answers, small_strong), 4),
                      "hnsw_p95_ms": round(common.p95(ms), 2)})
        out.say(f"  small force ({OTHER_FORCE_SHARE:.0%} of rows), ef_search={ef} "
                f"(effective {small[-1]['ef_search_effective']}): recall@10 "
                f"{small[-1]['recall_at_10']:.4f} (above {THRESHOLD}: {small[-1]['recall_above_threshold']:.4f})  "
                f"p95 {small[-1]['hnsw_p95_ms']:.2f} ms")
    per_force = per_force_index(out, small_force, small_probes, small_truth, small_strong) if per_force_study else None
    headline = next((p for p in curve if p["ef_search"] == DEFAULT_EF), curve[-1])
    return {
        "n": n, "recall_at_10": headline["recall_at_10"],
        "recall_above_threshold": headline["recall_above_threshold"], "hnsw_p95_ms": headline["hnsw_p95_ms"],
        "exact_p95_ms": round(common.p95(exact_ms), 2), "speedup_p95": headline["speedup_p95"],
        "build_s": None if build_s is None else round(build_s, 1), "ef_search": headline["ef_search"],
        "hnsw_p50_ms": headline["hnsw_p50_ms"], "exact_p50_ms": round(common.p50(exact_ms), 2),
        "exact_agrees_with_numpy": round(exact_recall, 4), "build_notices": notices,
        "tradeoff": curve, "small_force": small, **({"small_force_own_index": per_force} if per_force else {}),
    }


def per_force_index(out, force, probes, truth, strong) -> dict:
    """Experiment: a partial HNSW index holding only the small force's rows (as per-force partial indexes or
    partitions would give every force), searched with the same gallery_top; dropped afterwards."""
    from django.db import connection

    name = f"bench_custody_hnsw_force_{force.pk}"
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '2GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        started = time.perf_counter()
        cursor.execute(f"CREATE INDEX {name} ON matching_custodyimage USING hnsw (embedding vector_ip_ops) "
                       f"WITH (m = 16, ef_construction = 64) WHERE force_id = {int(force.pk)}")
        seconds = time.perf_counter() - started
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("RESET max_parallel_maintenance_workers")
    result = {"build_s": round(seconds, 1), "points": []}
    try:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN SELECT id FROM matching_custodyimage WHERE force_id = %s AND kind = ANY(%s) "
                           "AND NOT deletion_granted ORDER BY embedding <#> %s::vector LIMIT 10",
                           [force.pk, KINDS, "[" + ",".join(["0.088"] * 128) + "]"])
            used = any(name in row[0] for row in cursor.fetchall())
        result["index_used"] = used
        for ef in (40, DEFAULT_EF):
            ms, answers = search_all(force.pk, probes, ef=ef)
            result["points"].append({"ef_search": ef, "recall_at_10": round(recall(answers, truth), 4),
                                     "recall_above_threshold": round(strong_recall(answers, strong), 4),
                                     "hnsw_p95_ms": round(common.p95(ms), 2)})
            out.say(f"  small force, own partial index ({seconds:.0f} s to build, used: {used}), ef_search={ef}: "
                    f"recall@10 {result['points'][-1]['recall_at_10']:.4f}  p95 {result['points'][-1]['hnsw_p95_ms']:.2f} ms")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    return result


NATIONAL_DB = "bench_national"


def force_sizes(n: int, forces: int) -> np.ndarray:
    """Rows per force: a fall-off like the 43 forces of England and Wales (the largest about a fifth)."""
    weights = 1.0 / np.arange(1, forces + 1) ** 0.9
    weights /= weights.sum()
    return weights


def load_national(out, n: int, force_objs: list, face_model, templates, owners, missing) -> tuple[np.ndarray, np.ndarray]:
    """(row id of template i, force id of template i), loading the rows unless already there."""
    from django.db import connection

    from matching.models import CustodyImage

    rng = np.random.default_rng(SEED + 7)
    people = int(owners.max()) + 1
    person_force = rng.choice(len(force_objs), size=people, p=force_sizes(n, len(force_objs)))
    force_ids = np.array([f.pk for f in force_objs])[person_force[owners]]
    key = f"gallery-national:{SEED}:{len(force_objs)}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM matching_custodyimage")
        low, high, count = cursor.fetchone()
        if common.meta_get(key) == str(n) and count == n and high - low + 1 == n:
            out.say(f"  reusing {n:,} gallery rows")
            return np.arange(low, high + 1), force_ids
        started = time.perf_counter()
        cursor.execute("DROP INDEX IF EXISTS custody_embedding_hnsw")
        cursor.execute("TRUNCATE matching_custodyimage RESTART IDENTITY CASCADE")
    fixed = dict(face_model_id=face_model.pk, source_system="PND", unconvicted=False, deletion_granted=False)
    rows = ({"force_id": int(force_ids[i]), "kind": "missing" if missing[i] else "custody",
             "subject_reference": f"G{i:07d}", "embedding": templates[i]} for i in range(n))
    common.copy_rows(CustodyImage, rows, total=n, fixed=fixed, desc="gallery rows")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE matching_custodyimage")
        cursor.execute("SELECT min(id), max(id), count(*) FROM matching_custodyimage")
        low, high, count = cursor.fetchone()
    if count != n or high - low + 1 != n:
        raise SystemExit(f"unexpected ids after COPY: {low}..{high}, {count} rows")
    common.meta_set(key, str(n))
    out.say(f"  loaded {n:,} gallery rows with binary COPY in {time.perf_counter() - started:.1f} s")
    return np.arange(low, high + 1), force_ids


def build_national_index(out) -> tuple[float, int, int]:
    """Build the HNSW index of every partition from the model's definition: (seconds, index bytes, table bytes)."""
    from django.db import connection

    from matching.models import CustodyImage

    index = next(i for i in CustodyImage._meta.indexes if i.name == "custody_embedding_hnsw")
    with connection.schema_editor() as editor:
        create = str(index.create_sql(CustodyImage, editor))
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS custody_embedding_hnsw")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        out.say(f"  building every partition's index: {create}")
        started = time.perf_counter()
        cursor.execute(create)
        seconds = time.perf_counter() - started
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("RESET max_parallel_maintenance_workers")
        cursor.execute("SELECT coalesce(sum(pg_relation_size(relid)), 0) FROM pg_partition_tree('custody_embedding_hnsw')")
        index_bytes = int(cursor.fetchone()[0])
        cursor.execute("SELECT coalesce(sum(pg_relation_size(relid)), 0) FROM pg_partition_tree('matching_custodyimage')")
        table_bytes = int(cursor.fetchone()[0])
    out.say(f"  index build {seconds:.1f} s (indexes {index_bytes / 2**20:.0f} MB, tables {table_bytes / 2**20:.0f} MB)")
    return seconds, index_bytes, table_bytes


def run_national(out, n: int, forces: int, efs: list[int], probes_count: int, reuse_index: bool = False) -> dict:
    from django.db import connection

    from matching.gallery import partition_name, partitions
    from matching.search import GALLERY_EF_SEARCH, NATIONAL_EF_SEARCH, gallery_top, gallery_top_national

    force_objs = [common.bench_force(f"bench-national-{k:02d}", f"Benchmark force {k:02d}") for k in range(forces)]
    face_model = common.bench_face_model()
    have = partitions()
    missing_partitions = [f.code for f in force_objs if f.pk not in have]
    if missing_partitions:
        raise SystemExit(f"forces without a partition: {missing_partitions}")
    out.say(f"\nNational gallery of {n:,} templates over {forces} forces, each its own partition and HNSW index")
    with common.stage(out, "synthetic templates"):
        templates, owners = clustered_templates(n, seed=SEED)
        missing = np.random.default_rng(SEED + 1).random(n) < MISSING_SHARE
    ids, force_ids = load_national(out, n, force_objs, face_model, templates, owners, missing)
    sizes = np.array([int((force_ids == f.pk).sum()) for f in force_objs])
    out.say(f"  rows per force: largest {sizes.max():,}, median {int(np.median(sizes)):,}, smallest {sizes.min():,}")
    if reuse_index and index_exists():
        from django.db import connection as conn

        with conn.cursor() as cursor:
            cursor.execute("SELECT coalesce(sum(pg_relation_size(relid)), 0) FROM pg_partition_tree('custody_embedding_hnsw')")
            index_bytes = int(cursor.fetchone()[0])
            cursor.execute("SELECT coalesce(sum(pg_relation_size(relid)), 0) FROM pg_partition_tree('matching_custodyimage')")
            table_bytes = int(cursor.fetchone()[0])
        build_s = float("nan")
        out.say(f"  reusing the existing indexes (--reuse-index: build not timed; indexes {index_bytes / 2**20:.0f} MB)")
    else:
        build_s, index_bytes, table_bytes = build_national_index(out)
    with connection.cursor() as cursor:
        # The steady state of a national service: the gallery's indexes and tables in PostgreSQL's cache, when
        # they fit (docs/scale.md sizes the memory). Both the exact scan and the index searches read from it.
        cursor.execute("SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'")
        shared = int(cursor.fetchone()[0])
        started = time.perf_counter()
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute("""SELECT coalesce(sum(pg_prewarm(relid)), 0) FROM (
                              SELECT relid FROM pg_partition_tree('custody_embedding_hnsw') WHERE isleaf
                              UNION ALL SELECT relid FROM pg_partition_tree('matching_custodyimage') WHERE isleaf) r""")
        pages = int(cursor.fetchone()[0])
    out.say(f"  shared buffers {shared / 2**20:,.0f} MB for indexes {index_bytes / 2**20:,.0f} MB and tables "
            f"{table_bytes / 2**20:,.0f} MB: {pages * 8192 / 2**20:,.0f} MB read into the cache in "
            f"{time.perf_counter() - started:.1f} s" + ("" if index_bytes + table_bytes <= shared else
                                                        " (they do not all fit: searches read from the system's cache)"))
    all_ids = [f.pk for f in force_objs]
    largest = force_objs[int(sizes.argmax())].pk
    results = {"n": n, "forces": forces, "build_s": round(build_s, 1) if build_s == build_s else None,
               "build_s_per_million": round(build_s * 1e6 / n, 1) if build_s == build_s else None,
               "index_mb": round(index_bytes / 2**20, 1), "index_mb_per_million": round(index_bytes / 2**20 * 1e6 / n, 1),
               "table_mb": round(table_bytes / 2**20, 1), "largest_force_rows": int(sizes.max()),
               "median_force_rows": int(np.median(sizes)), "shared_buffers_mb": round(shared / 2**20)}
    searches = {
        "local": (lambda probe, **kw: gallery_top(largest, probe, kinds=KINDS, limit=K, **kw), force_ids == largest),
        "national": (lambda probe, **kw: gallery_top_national(probe, kinds=KINDS, limit=K, force_ids=all_ids, **kw),
                     np.ones(n, bool)),
    }
    literal = "[" + ",".join(["0.088"] * 128) + "]"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT id FROM matching_custodyimage WHERE force_id = %s AND kind = ANY(%s) "
                       "ORDER BY embedding <#> %s::vector LIMIT 10", [largest, KINDS, literal])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    touched = sorted({name for name in (partition_name(f) for f in all_ids) if f" on {name} " in plan + " "})
    out.say(f"  a local search's plan reads {len(touched)} partition(s): {touched}")
    results["local_partitions_read"] = len(touched)
    assert (DEFAULT_EF, DEFAULT_NATIONAL_EF) == (GALLERY_EF_SEARCH, NATIONAL_EF_SEARCH), "DEFAULT_EF is out of date"
    product_ef = {"local": GALLERY_EF_SEARCH, "national": NATIONAL_EF_SEARCH}
    for label, (search, mask) in searches.items():
        probes = probes_of(templates[mask], owners[mask], probes_count, seed=SEED + n + (label == "national"))
        truth, strong, gap = truth_top(templates[mask], ids[mask], probes)
        for probe in probes[:5]:
            search(probe)  # warm the page cache
        exact_count = min(len(probes), 30)
        exact_ms, exact_answers = [], []
        for probe in probes[:exact_count]:
            ms, hits = common.timed_ms(search, probe, exact=True)
            exact_ms.append(ms)
            exact_answers.append({h.object_id for h in hits})
        agree = recall(exact_answers, truth[:exact_count])
        out.say(f"  {label}: exact, {exact_count} probes: p50 {common.p50(exact_ms):.1f} ms p95 {common.p95(exact_ms):.1f} ms;"
                f" agrees with numpy top-10: {agree:.4f}")
        curve = []
        for ef in efs:
            # The exact search runs again beside the first probes of every pass, each just before the same probe's
            # index search: the machine's speed drifts over minutes, and each ratio compares searches made together.
            samples, answers, beside = [], [], []
            for k, probe in enumerate(probes):
                if k < exact_count:
                    beside.append(common.timed_ms(search, probe, exact=True)[0])
                ms, hits = common.timed_ms(search, probe, ef_search=ef)
                samples.append(ms)
                answers.append({h.object_id for h in hits})
            point = {"ef_search": ef, "recall_at_10": round(recall(answers, truth), 4),
                     "recall_above_threshold": round(strong_recall(answers, strong), 4),
                     "hnsw_p50_ms": round(common.p50(samples), 2), "hnsw_p95_ms": round(common.p95(samples), 2),
                     "exact_p95_ms": round(common.p95(beside), 2),
                     "speedup_p95": round(common.p95(beside) / common.p95(samples), 1)}
            curve.append(point)
            out.say(f"  {label}: HNSW ef_search={ef:<4} {len(probes)} probes: recall@10 {point['recall_at_10']:.4f} "
                    f"(above {THRESHOLD}: {point['recall_above_threshold']:.4f})  p50 {point['hnsw_p50_ms']:7.2f} ms  "
                    f"p95 {point['hnsw_p95_ms']:7.2f} ms  speed-up (p95) {point['speedup_p95']:6.1f}x "
                    f"(exact beside it: p95 {point['exact_p95_ms']:.1f} ms)")
        setting = product_ef[label]
        headline = next((p for p in curve if p["ef_search"] == setting), curve[-1])
        results[label] = {**headline, "exact_p50_ms": round(common.p50(exact_ms), 2),
                          "exact_p95_first_pass_ms": round(common.p95(exact_ms), 2),
                          "exact_agrees_with_numpy": round(agree, 4), "tradeoff": curve}
        met = headline["recall_at_10"] >= TARGET_RECALL and headline["speedup_p95"] >= TARGET_SPEEDUP
        best = max((p for p in curve if p["recall_at_10"] >= TARGET_RECALL), key=lambda p: p["speedup_p95"],
                   default=None)
        out.say(f"  {label} target (recall@10 >= {TARGET_RECALL}, >= {TARGET_SPEEDUP:.0f}x faster than exact at p95) "
                f"at n={n:,}, at the product's ef_search {setting}: {'met' if met else 'missed'}"
                + ("" if best is None else f"; fastest point with the recall: ef_search {best['ef_search']}, "
                                           f"{best['speedup_p95']}x"))
    return results


def main_national(args, efs: list[int]) -> int:
    started = time.perf_counter()
    out = common.start("gallery-national", args.json, db_name=NATIONAL_DB)
    out.say(f"machine: {common.machine()}")
    results = [run_national(out, n, args.forces, efs, args.probes, args.reuse_index) for n in (args.n or [200_000])]
    out.say(f"total {time.perf_counter() - started:.0f} s")
    ratios = " ".join(f"n={r['n']}:local={r['local']['speedup_p95']}x,recall@10={r['local']['recall_at_10']};"
                      f"national={r['national']['speedup_p95']}x,recall@10={r['national']['recall_at_10']};"
                      f"build={r['build_s']}s" for r in results)
    out.finish(f"RATIOS (exact p95 / HNSW p95 at the product's ef_search: local {DEFAULT_EF}, national "
               f"{DEFAULT_NATIONAL_EF}) {ratios}", results)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=lambda s: int(s.replace("_", "")), action="append",
                        help="gallery size (repeatable); default 100000 then 1000000")
    parser.add_argument("--ef", default="100,200,300,400", help="ef_search values for the trade-off curve")
    parser.add_argument("--json", action="store_true", help="print one JSON document (list of results) on stdout")
    parser.add_argument("--m", type=int, help="experiment: build with this m instead of the model's")
    parser.add_argument("--ef-construction", type=int, help="experiment: build with this ef_construction")
    parser.add_argument("--per-force-index", action="store_true",
                        help="experiment: also search the small force through a partial HNSW index of its own rows")
    parser.add_argument("--reuse-index", action="store_true",
                        help="keep an existing index instead of rebuilding it (for ef_search studies; build not timed)")
    parser.add_argument("--national", action="store_true",
                        help="the national gallery: --forces partitions, local and national searches")
    parser.add_argument("--forces", type=int, default=43, help="with --national: how many forces (default 43)")
    parser.add_argument("--probes", type=int, default=100, help="with --national: probes per search (default 100)")
    args = parser.parse_args(argv)
    sizes = args.n or [100_000, 1_000_000]
    efs = [int(e) for e in args.ef.split(",")]
    for setting in (DEFAULT_EF, DEFAULT_NATIONAL_EF) if args.national else (DEFAULT_EF,):
        if setting not in efs:
            efs.append(setting)
    if args.national:
        return main_national(args, efs)
    started = time.perf_counter()
    out = common.start("gallery", args.json)
    main_force = common.bench_force("bench-gallery-main", "Benchmark gallery force")
    other_force = common.bench_force("bench-gallery-other", "Benchmark other force")
    face_model = common.bench_face_model()
    params = None
    if args.m or args.ef_construction:
        params = (args.m or 16, args.ef_construction or 64)
        out.say(f"EXPERIMENT: index built with m={params[0]}, ef_construction={params[1]} (not the model's)")
    results = [run_size(out, n, efs, main_force, other_force, face_model, args.reuse_index, params, args.per_force_index)
               for n in sizes]
    if params:
        for r in results:
            r["index_params"] = {"m": params[0], "ef_construction": params[1]}
    for r in results:
        if r["n"] == TARGET_N:
            met = r["recall_at_10"] >= TARGET_RECALL and r["speedup_p95"] >= TARGET_SPEEDUP
            out.say(f"target at {TARGET_N:,} (recall@10 >= {TARGET_RECALL}, >= {TARGET_SPEEDUP:.0f}x faster than "
                    f"exact at p95): {'met' if met else 'missed'}")
    out.say(f"total {time.perf_counter() - started:.0f} s")
    ratios = " ".join(f"n={r['n']}:speedup_p95={r['speedup_p95']}x,recall@10={r['recall_at_10']},"
                      f"build={r['build_s']}s" for r in results)
    out.finish(f"RATIOS (exact p95 / HNSW p95 at ef_search {DEFAULT_EF}) {ratios}", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
