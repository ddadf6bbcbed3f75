"""The national custody gallery: one table partitioned by the force that owns each image.

Every force's custody images live in `matching_custodyimage`, a PostgreSQL table partitioned by list on
`force_id`: one partition a force (`matching_custodyimage_f<id>`), each with its own HNSW index, and a default
partition that holds the images of a force whose partition is not made yet. A force's own search names its
force, so the planner reads its partition alone; a national search asks each partition for its best
candidates and merges them by score (`matching.search.gallery_top_national`).

Partitions are made by the database's owner: when a force is created (when the connection may create tables),
and after every migration for any force without one (its images move out of the default partition then).
"""
from __future__ import annotations

from django.db import connection, transaction

PARENT = "matching_custodyimage"
DEFAULT = "matching_custodyimage_default"


def partition_name(force_id: int) -> str:
    return f"{PARENT}_f{int(force_id)}"


def partitioned() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = cursor.fetchone()
    return bool(row and row[0])


def partitions() -> dict[int, str]:
    """Force id -> partition name, for every force that has a partition of its own."""
    sql = """
        SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass(%s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [PARENT])
        rows = cursor.fetchall()
    found = {}
    for name, bound in rows:
        if name.startswith(f"{PARENT}_f") and name[len(PARENT) + 2:].isdigit():
            found[int(name[len(PARENT) + 2:])] = name
    return found


def partition_add(force_id: int) -> bool:
    """Give a force its own partition (with the parent's indexes), moving any of its images out of the default
    partition. Returns False when it already had one. Needs the right to create tables."""
    name = partition_name(force_id)
    force_id = int(force_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE force_id = %s)", [force_id])
        if not cursor.fetchone()[0]:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {PARENT} FOR VALUES IN ({force_id})")
            return True
        # Rows of this force wait in the default partition: move them into a table of their own, then attach
        # it (attaching checks the default partition holds none of the force's rows any more).
        cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(f"WITH moved AS (DELETE FROM {DEFAULT} WHERE force_id = %s RETURNING *) "
                       f"INSERT INTO {name} SELECT * FROM moved", [force_id])
        cursor.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES IN ({force_id})")
    return True


def partition_add_if_permitted(force_id: int) -> bool:
    """At a force's creation: make its partition when this connection may create tables (the owner, a test
    database); otherwise its images go to the default partition until the next migration makes it."""
    if not partitioned():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_schema_privilege(current_schema(), 'CREATE') "
                       "AND pg_has_role((SELECT relowner FROM pg_class WHERE oid = to_regclass(%s)), 'USAGE')",
                       [PARENT])
        if not cursor.fetchone()[0]:
            return False
    return partition_add(force_id)


def partitions_for_every_force() -> list[int]:
    """Make the partitions missing for existing forces (after a migration, as the owner)."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM oversight_force ORDER BY id")
        forces = [row[0] for row in cursor.fetchall()]
    return [force_id for force_id in forces if partition_add(force_id)]
