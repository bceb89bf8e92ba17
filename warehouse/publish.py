"""Materialising the published tables from core: incrementally where the tables are big.

:data:`PUBLISHED` is the one list of the published tables. Each is a *model*: a plain query in a
``published/<name>.sql`` file plus how it is materialised, the way a dbt model has its config —
incremental by key, rebuilt whole, or (``built_by``) rebuilt whole by a feature inside publish, from
the feature's own SQL folder (the circle's four tables: ``circle/sql/published``, after it has
prepared the temp tables they read). The snapshot exports exactly this list. :data:`MODELS` are the
ones this module materialises (``warehouse/sql/published``). The small aggregates (``jobs_by_area``,
``source_health``) are rebuilt whole. The big tables (``open_jobs``, ``job_sources``, ``employers``)
are incremental by a unique key: ``load`` records what it changed in an outbox (``core.job_change``:
jobs rebuilt, opened or closed, with their employer before and after; ``core.posting_change``: source
records merged), and publish deletes and re-inserts just those keys, running the model's query with
its ``{{ scope }}`` placeholder narrowed to them. The outbox is emptied in the same transaction, so a
publish that fails or is killed leaves it for the next one. A batch of 10,000 postings into a pool of
a million so rewrites the few thousand rows it touched, not the million, and the changed keys drive
the rest of publish: the published suite checks those rows (plus whole-table invariants) and the
snapshot copies the previous one and applies the same changes (``warehouse/snapshot.py``).

A model is rebuilt whole when its table does not exist yet, when its query's columns differ from the
table's (the model was edited), when more than :data:`REBUILD_SHARE` of its rows changed (cheaper
then, and it restores the table's order), or on ``jobpool process --full-publish`` (after changing
core by hand, outside load).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import Raw, columns, sql_text

REBUILD_SHARE = 0.3


@dataclass(frozen=True)
class Model:
    name: str
    key: tuple[str, ...] = ()  # unique key of an incremental model; () = rebuilt whole
    order_by: str = "all"  # row order of a whole rebuild
    params: tuple[str, ...] = ()  # {{ placeholders }} of its query
    scope: str = ""  # query of the keys load changed since the last publish (incremental models)
    built_by: str = ""  # the feature that builds it inside publish ("" = this module, by materialise_all)

    @property
    def materialisation(self) -> str:
        """``incremental`` (by :attr:`key`), ``whole`` (rebuilt each publish) or ``built by <feature>``
        (rebuilt whole by that feature)."""
        if self.built_by:
            return f"built by {self.built_by}"
        return "incremental" if self.key else "whole"

    @property
    def table(self) -> str:
        return f"published.{self.name}"

    @property
    def changes(self) -> str:
        """Temp table of the keys an incremental publish rewrote (deleted, then re-inserted if present)."""
        return f"publish_changes_{self.name}"

    def scope_filter(self) -> Raw:
        return Raw(f"({', '.join(self.key)}) in (select {', '.join(self.key)} from {self.changes})")


PUBLISHED = (
    Model("open_jobs", ("job_id",), "job_id", scope="select distinct job_id from core.job_change"),
    Model("job_sources", ("source", "source_record_id"), "job_id, source, source_record_id",
          scope="select distinct source, source_record_id from core.posting_change"),
    Model("employers", ("employer_key",), "employer_key",
          scope="select distinct employer_key from core.job_change where employer_key is not null"),
    Model("job_redirects", order_by="retired_job_id"),
    Model("jobs_by_area", order_by="all"),
    Model("source_health", order_by="source", params=("as_of",)),
    # the 15-minute circle and the job radar (circle/publish.py: publish_circle), in build order
    Model("jobs_near_station", order_by="station_id, mode", built_by="circle"),
    Model("job_matches", order_by="profile_id, rank", built_by="circle"),
    Model("town_coverage", order_by="town_adcode", built_by="circle"),
    Model("station_report", order_by="demand_rank", built_by="circle"),
)
#: the models :func:`materialise_all` builds (the rest are built by their feature)
MODELS = tuple(m for m in PUBLISHED if not m.built_by)


def built_by(feature: str) -> tuple[Model, ...]:
    """The published models ``feature`` builds (in order)."""
    return tuple(m for m in PUBLISHED if m.built_by == feature)


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


def _exists(con: duckdb.DuckDBPyConnection, model: Model) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables() where schema_name = 'published' "
                            "and table_name = ? and not temporary", [model.name]).fetchone()[0])


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"select count(*) from {table}").fetchone()[0])


def rebuild(con: duckdb.DuckDBPyConnection, model: Model, params: dict[str, Any],
            sql_dir: Path | None = None) -> Materialised:
    """``model``'s table rebuilt whole from its query (under ``sql_dir``/published, default warehouse/sql)."""
    name = f"published/{model.name}.sql"
    query = sql_text(sql_dir / name if sql_dir else name, **params, **({"scope": Raw("true")} if model.key else {}))
    con.execute(f"create or replace table {model.table} as select * from ({query}) order by {model.order_by}")
    rows = _count(con, model.table)
    return Materialised(model, "full", rows, rows, rows)


def materialise(con: duckdb.DuckDBPyConnection, model: Model, full: bool = False, **params: Any) -> Materialised:
    """Bring one published table up to date (inside the caller's transaction)."""
    if full or not model.key or not _exists(con, model):
        return rebuild(con, model, params)
    query = sql_text(f"published/{model.name}.sql", **params, scope=model.scope_filter())
    con.execute(f"create or replace temp table {model.changes} as {model.scope}")
    if columns(con, f"({query})") != columns(con, model.table):
        return rebuild(con, model, params)
    changed = _count(con, model.changes)
    before = _count(con, model.table)
    if changed > REBUILD_SHARE * max(before, 1):
        return rebuild(con, model, params)
    inserted = 0
    if changed:
        match = " and ".join(f"t.{k} = c.{k}" for k in model.key)
        con.execute(f"delete from {model.table} as t using {model.changes} as c where {match}")
        inserted = int(con.execute(f"insert into {model.table} {query}").fetchone()[0])
    return Materialised(model, "incremental", _count(con, model.table), changed, inserted)


def materialise_all(con: duckdb.DuckDBPyConnection, full: bool = False, **params: Any) -> dict[str, Materialised]:
    """Every model, in order, then the outbox emptied; ``params`` fill the models' placeholders."""
    done = {}
    for model in MODELS:
        done[model.name] = materialise(con, model, full, **{k: params[k] for k in model.params})
    con.execute("delete from core.job_change; delete from core.posting_change")
    return done
