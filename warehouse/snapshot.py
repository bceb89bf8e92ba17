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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from jobpool.config import Paths, paths

TABLES = ("open_jobs", "job_sources", "employers", "jobs_by_area", "source_health",
          "jobs_near_station", "job_matches", "town_coverage", "station_report")
KEEP_VERSIONS = 5
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


def export_snapshot(con: duckdb.DuckDBPyConnection, run_id: str, root: Paths | None = None) -> Path:
    """Copy the warehouse's published tables into a new snapshot and make it current."""
    root = root or paths()
    root.published.mkdir(parents=True, exist_ok=True)
    version = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    staging = root.published / f".{version}.tmp"
    staging.mkdir()
    try:
        counts: dict[str, int] = {}
        db_file = staging / "published.duckdb"
        con.execute(f"attach '{db_file}' as snapshot_db")
        try:
            for table in TABLES:
                con.execute(f"create table snapshot_db.{table} as select * from published.{table}")
                counts[table] = con.execute(f"select count(*) from snapshot_db.{table}").fetchone()[0]
            info = {"version": version, "run_id": run_id, "published_at": datetime.now(UTC).isoformat(),
                    "row_counts": counts}
            con.execute("create table snapshot_db.snapshot_info as select ? as version, ? as run_id, "
                        "?::timestamptz as published_at, ? as open_jobs, ? as job_sources",
                        [version, run_id, info["published_at"], counts["open_jobs"], counts["job_sources"]])
        finally:
            con.execute("detach snapshot_db")
        for table in TABLES:
            con.execute(f"copy published.{table} to '{staging / (table + '.parquet')}' "
                        "(format parquet, compression zstd)")
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
    for old in versions[:-KEEP_VERSIONS]:
        if old != current and time.time() - old.stat().st_mtime > GRACE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed


def snapshot_info(root: Paths | None = None) -> dict[str, Any]:
    return json.loads((current_dir(root) / "snapshot.json").read_text(encoding="utf-8"))
