"""Materialising the published tables from core: incrementally where the tables are big.

Each file of ``warehouse/sql/published`` named in :data:`MODELS` is a *model*: a plain query plus how
it is materialised, the way a dbt model has its config. The small aggregates (``jobs_by_area``,
``source_health``) are rebuilt whole. The big tables (``open_jobs``, ``job_sources``, ``employers``)
are incremental by a unique key: every row of the query is hashed and compared with the hash of the
row already published under that key, and only the keys whose row appeared, changed or disappeared
are deleted and re-inserted. So a batch of 10,000 postings into a pool of a million rewrites the few
thousand rows it touched, not the million, and the changed keys drive the rest of publish: the
published suite checks those rows (plus whole-table invariants) and the snapshot copies the previous
one and applies the same changes (``warehouse/snapshot.py``).

The comparison is against the published table itself, not a stored watermark, so whatever changed
core (a load, expiry, a manual fix) is picked up, and a publish that was rolled back leaves nothing
to reconcile. A model is rebuilt whole when its table does not exist yet, when its query's columns
differ from the table's (the model was edited), or when more than :data:`REBUILD_SHARE` of its rows
changed (cheaper then, and it restores the table's order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from warehouse.db import sql_text

REBUILD_SHARE = 0.3


@dataclass(frozen=True)
class Model:
    name: str
    key: tuple[str, ...] = ()  # unique key of an incremental model; () = rebuilt whole
    order_by: str = "all"  # row order of a whole rebuild
    params: tuple[str, ...] = ()  # {{ placeholders }} of its query

    @property
    def table(self) -> str:
        return f"published.{self.name}"

    @property
    def changes(self) -> str:
        """Temp table of the keys an incremental publish rewrote (deleted, then re-inserted if present)."""
        return f"publish_changes_{self.name}"


MODELS = (
    Model("open_jobs", ("job_id",), "job_id"),
    Model("job_sources", ("source", "source_record_id"), "job_id, source, source_record_id"),
    Model("employers", ("employer_key",), "employer_key"),
    Model("jobs_by_area", order_by="all"),
    Model("source_health", order_by="source", params=("as_of",)),
)


@dataclass
class Materialised:
    model: Model
    mode: str  # "full" | "incremental"
    rows: int  # rows in the table afterwards
    changed_keys: int  # keys rewritten (every row when full)
    inserted: int  # rows written

    @property
    def incremental(self) -> bool:
        return self.mode == "incremental"

    def summary(self) -> dict[str, Any]:
        return {"mode": self.mode, "rows": self.rows, "changed_keys": self.changed_keys, "inserted": self.inserted}


def _columns(con: duckdb.DuckDBPyConnection, select_sql: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"describe {select_sql}").fetchall()]


def _exists(con: duckdb.DuckDBPyConnection, model: Model) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables() where schema_name = 'published' "
                            "and table_name = ? and not temporary", [model.name]).fetchone()[0])


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"select count(*) from {table}").fetchone()[0])


def rebuild(con: duckdb.DuckDBPyConnection, model: Model, query: str) -> Materialised:
    con.execute(f"create or replace table {model.table} as select * from ({query}) order by {model.order_by}")
    rows = _count(con, model.table)
    return Materialised(model, "full", rows, rows, rows)


def materialise(con: duckdb.DuckDBPyConnection, model: Model, full: bool = False, **params: Any) -> Materialised:
    """Bring one published table up to date with its query (inside the caller's transaction)."""
    query = sql_text(f"published/{model.name}.sql", **params)
    if full or not model.key or not _exists(con, model):
        return rebuild(con, model, query)
    if _columns(con, f"select * from ({query})") != _columns(con, f"select * from {model.table}"):
        return rebuild(con, model, query)
    keys = ", ".join(model.key)
    con.execute(f"""
        create or replace temp table {model.changes} as
        select {keys}
        from (select {keys}, hash(q) as row_hash from ({query}) as q) as now
        full outer join (select {keys}, hash(t) as row_hash from {model.table} as t) as before using ({keys})
        where now.row_hash is distinct from before.row_hash""")
    changed = _count(con, model.changes)
    before = _count(con, model.table)
    if changed > REBUILD_SHARE * max(before, 1):
        return rebuild(con, model, query)
    inserted = 0
    if changed:
        match = " and ".join(f"t.{k} = c.{k}" for k in model.key)
        con.execute(f"delete from {model.table} as t using {model.changes} as c where {match}")
        inserted = int(con.execute(f"insert into {model.table} select q.* from ({query}) as q "
                                   f"semi join {model.changes} using ({keys})").fetchone()[0])
    return Materialised(model, "incremental", _count(con, model.table), changed, inserted)


def materialise_all(con: duckdb.DuckDBPyConnection, full: bool = False, **params: Any) -> dict[str, Materialised]:
    """Every model, in order; ``params`` fill the models' placeholders (e.g. ``as_of``)."""
    done = {}
    for model in MODELS:
        done[model.name] = materialise(con, model, full, **{k: params[k] for k in model.params})
    return done
