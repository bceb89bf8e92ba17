"""Published snapshots: how apps read the pool while the pipeline writes.

DuckDB allows one writing process per database file, and a reader of the writer's file waits on (or
fails at) its lock. So apps never open the warehouse. Each publish writes an immutable snapshot
folder::

    published/<version>/published.duckdb     the published tables (catalog "published")
    published/<version>/<table>.parquet      the same tables for non-DuckDB readers
    published/<version>/snapshot.json        version, run, time, row counts
    published/current -> <version>           swapped atomically (symlink + rename) after all is written

A reader resolves ``current`` once and reads that version to the end: it never sees a half-written
snapshot and never waits on a lock, because nobody writes a published file after it is renamed into
place. Old versions are removed after a grace period; a reader holding one open keeps reading it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from landing.paths import Paths, paths
from warehouse.db import columns
from warehouse.publish import PUBLISHED

TABLES = tuple(m.name for m in PUBLISHED)  # every published model, whoever builds it
KEEP_VERSIONS = 5
COMPACT_SHARE = 0.5
GRACE_SECONDS = 600


def current_dir(root: Paths | None = None) -> Path:
    """The latest published snapshot folder (resolved once: stable for the caller)."""
    root = root or paths()
    link = root.published / "current"
    if not link.exists():
        raise FileNotFoundError(f"nothing published yet under {root.published}: run `jobpool process`")
    return link.resolve()


def connect_published(root: Paths | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the latest snapshot: ``select * from published.open_jobs`` (or the
    bare table name) works as in the warehouse."""
    con = duckdb.connect(str(current_dir(root) / "published.duckdb"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


def _previous(root: Paths) -> tuple[Path, dict[str, Any]] | None:
    try:
        prev = current_dir(root)
        info = json.loads((prev / "snapshot.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return (prev, info) if (prev / "published.duckdb").exists() else None


def export_snapshot(con: duckdb.DuckDBPyConnection, run_id: str, root: Paths | None = None,
                    changes: Mapping[str, tuple[str, tuple[str, ...]]] | None = None) -> Path:
    """Write the warehouse's published tables as a new snapshot and make it current.

    ``changes`` names, per table the publish updated incrementally, the temp table of its changed keys
    and the key columns (``warehouse.publish``). Then the new snapshot starts as a copy of the current
    one and only those keys are deleted and re-inserted in it, so the cost follows the change, not the
    pool; tables not named are re-exported whole (the small aggregates). When the changes applied to a
    copy since the last whole export exceed COMPACT_SHARE of a table's rows, the snapshot is written
    whole again (a fresh file, without the space deleted rows left behind)."""
    root = root or paths()
    root.published.mkdir(parents=True, exist_ok=True)
    version = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    staging = root.published / f".{version}.tmp"
    staging.mkdir()
    previous = _previous(root) if changes else None
    drift: dict[str, int] = {}
    changed = {table: int(con.execute(f"select count(*) from {keys_table}").fetchone()[0])
               for table, (keys_table, _) in (changes or {}).items()}
    unchanged: set[str] = set()  # tables whose Parquet file the previous snapshot can share
    if previous is not None:
        drift = dict(previous[1].get("changed_since_whole", {}))
        for table, n in changed.items():
            drift[table] = drift.get(table, 0) + n
        rows_before = previous[1].get("row_counts", {})
        if any(n > COMPACT_SHARE * max(rows_before.get(t, 0), 1) for t, n in drift.items()):
            previous, drift = None, {}
    try:
        counts: dict[str, int] = {}
        db_file = staging / "published.duckdb"
        if previous is not None:
            shutil.copyfile(previous[0] / "published.duckdb", db_file)
        con.execute(f"attach '{db_file}' as snapshot_db")
        try:
            for table in TABLES:
                change = (changes or {}).get(table) if previous is not None else None
                if change and columns(con, f"snapshot_db.{table}") == columns(con, f"published.{table}"):
                    keys_table, key = change
                    match = " and ".join(f"t.{k} = c.{k}" for k in key)
                    con.execute(f"delete from snapshot_db.{table} as t using {keys_table} as c where {match}")
                    con.execute(f"insert into snapshot_db.{table} select t.* from published.{table} as t "
                                f"semi join {keys_table} using ({', '.join(key)})")
                    if changed[table] == 0:
                        unchanged.add(table)
                else:
                    con.execute(f"create or replace table snapshot_db.{table} as select * from published.{table}")
                    drift.pop(table, None)
                counts[table] = con.execute(f"select count(*) from snapshot_db.{table}").fetchone()[0]
            info = {"version": version, "run_id": run_id, "published_at": datetime.now(UTC).isoformat(),
                    "row_counts": counts, "changed_since_whole": drift,
                    "written": "incremental" if previous is not None else "whole"}
            con.execute("create or replace table snapshot_db.snapshot_info as select ? as version, ? as run_id, "
                        "?::timestamptz as published_at, ? as open_jobs, ? as job_sources",
                        [version, run_id, info["published_at"], counts["open_jobs"], counts["job_sources"]])
            con.execute("checkpoint snapshot_db")  # all in the file: readers open it read-only, no log beside it
        finally:
            con.execute("detach snapshot_db")
        for table in TABLES:
            target = staging / (table + ".parquet")
            if previous is not None and table in unchanged and (previous[0] / target.name).exists():
                os.link(previous[0] / target.name, target)  # immutable files: both versions share it
            else:
                con.execute(f"copy published.{table} to '{target}' "
                            "(format parquet, compression zstd, compression_level 1)")
        (staging / "snapshot.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
        final = root.published / version
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    link_tmp = root.published / f".current-{uuid.uuid4().hex}"
    os.symlink(version, link_tmp)
    os.replace(link_tmp, root.published / "current")  # the atomic swap readers rely on
    prune(root)
    return final


def prune(root: Paths | None = None) -> list[Path]:
    """Drop old snapshots: keep the newest few, and any younger than the grace period."""
    root = root or paths()
    current = current_dir(root)
    versions = sorted(p for p in root.published.iterdir() if p.is_dir() and not p.name.startswith("."))
    removed = []
    for stale in root.published.glob(".*.tmp"):  # a publish killed while writing its snapshot
        if time.time() - stale.stat().st_mtime > GRACE_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
    for old in versions[:-KEEP_VERSIONS]:
        if old != current and time.time() - old.stat().st_mtime > GRACE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed


def snapshot_info(root: Paths | None = None) -> dict[str, Any]:
    return json.loads((current_dir(root) / "snapshot.json").read_text(encoding="utf-8"))
