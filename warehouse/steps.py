"""The process stage: new landing batches → staging → core → published, as separate steps.

Each step is a transaction on the warehouse and can be rerun: staging tables are rebuilt from
landing, core is only changed by :func:`load` (one transaction that also marks the batches
processed), and :func:`publish` swaps the published tables in one transaction. A run killed at any
point leaves the warehouse as it was, and the next run picks the same batches up again.

The Airflow ``process`` DAG and ``jobpool process`` run all of them in order in one process, through
``jobpool/pipeline.py`` (which adds the 15-minute circle to publish); ``jobpool process --step`` runs one.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from landing.contract import RECORD_SCHEMA, REFERENCE_KINDS, iter_batch_files, read_manifest
from landing.paths import Paths, as_of, paths
from warehouse.db import connect_writer, drop_staging, run_sql

#: per-source expiry windows; JOBPOOL_EXPIRY names another file
EXPIRY_CONFIG = Path(
    os.environ.get("JOBPOOL_EXPIRY", Path(__file__).with_name("expiry.toml")))
#: source trust for survivorship (which copy gives a job's fields); JOBPOOL_SURVIVORSHIP names another file
SURVIVORSHIP_CONFIG = Path(os.environ.get(
    "JOBPOOL_SURVIVORSHIP", Path(__file__).with_name("survivorship.toml")))
STEPS = ("stage", "normalise", "deduplicate", "validate", "load", "publish", "reconcile")


class BatchesHeld(RuntimeError):
    """A run finished but held batches back: names each source, batch and failed check."""


class ReconciliationError(RuntimeError):
    """Landed records and their outcomes do not add up."""
CHUNK = 50_000


@dataclass
class StepResult:
    step: str
    seconds: float
    records: int
    detail: dict[str, Any] = field(default_factory=dict)


def job_batches(root: Paths | None = None) -> list[dict[str, Any]]:
    """Landed batches that become jobs (profiles and stations land too, but are reference data)."""
    return [row for row in read_manifest(root) if row.get("kind") not in REFERENCE_KINDS]


class Laps:
    """Seconds per part of a step, kept in its detail: where the time goes, for the bench and the log."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}
        self._mark = time.monotonic()

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.parts[name] = round(now - self._mark, 2)
        self._mark = now


def new_run_id() -> str:
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def _has_work(con: Any) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'staging' and table_name = 'run_batch'"
    ).fetchone()[0] > 0 and con.execute("select count(*) from staging.run_batch").fetchone()[0] > 0


def stage(root: Paths | None = None, run_id: str | None = None) -> StepResult:
    """Pick the landed batches not yet processed (via the manifest) for this run."""
    root = root or paths()
    started = time.monotonic()
    manifest = job_batches(root)
    with connect_writer(root.warehouse) as con:
        done = {r[0] for r in con.execute("select batch_id from audit.batch").fetchall()}
        pending = [row for row in manifest if row["batch_id"] not in done]
        files = [str(p) for p in iter_batch_files(pending)]  # fails loudly on a missing file
        con.execute("begin")
        drop_staging(con)  # a run never sees another's leftovers
        con.execute(
            "create or replace table staging.run_batch (run_id varchar, batch_id varchar, source varchar,"
            " kind varchar, record_count bigint, batch_started_at timestamptz, path varchar)"
        )
        if pending:
            con.executemany(
                "insert into staging.run_batch values (?, ?, ?, ?, ?, ?, ?)",
                [(run_id or "", r["batch_id"], r["source"], r["kind"], r["record_count"],
                  r["started_at"], p) for r, p in zip(pending, files, strict=True)],
            )
        con.execute("commit")
    records = sum(r["record_count"] for r in pending)
    return StepResult("stage", time.monotonic() - started, records,
                      {"batches": len(pending), "sources": sorted({r["source"] for r in pending})})


def normalise(root: Paths | None = None, run_id: str | None = None) -> StepResult:
    """Landing text → typed fields (transforms.normalise.run), streamed in chunks."""
    import pyarrow as pa
    import pyarrow.dataset as ds  # imports pandas: only the steps that need it pay for it

    from transforms.normalise.record import NORMALISED_SCHEMA
    from transforms.normalise.run import normalise_batches

    root = root or paths()
    started = time.monotonic()
    with connect_writer(root.warehouse) as con:
        if not _has_work(con):
            return StepResult("normalise", time.monotonic() - started, 0)
        files = [r[0] for r in con.execute("select path from staging.run_batch").fetchall()]
        columns = [n for n in RECORD_SCHEMA.names if n not in ("raw_payload", "raw_format")]
        dataset = ds.dataset(files, format="parquet", schema=RECORD_SCHEMA)
        source_batches = dataset.to_batches(columns=columns, batch_size=CHUNK)
        # DuckDB reads `reader` by name (replacement scan) and streams it into the table.
        reader = pa.RecordBatchReader.from_batches(NORMALISED_SCHEMA, normalise_batches(source_batches))  # noqa: F841
        con.execute("begin")
        con.execute(
            "create or replace table staging.posting_normalised as "
            "select n.*, b.batch_started_at from reader as n join staging.run_batch as b using (batch_id)"
        )
        count = con.execute("select count(*) from staging.posting_normalised").fetchone()[0]
        expected = con.execute("select sum(record_count) from staging.run_batch").fetchone()[0]
        if count != expected:
            con.execute("rollback")
            raise RuntimeError(f"normalise read {count} records but the manifest lists {expected}")
        con.execute("commit")
    return StepResult("normalise", time.monotonic() - started, count)


def deduplicate(root: Paths | None = None, run_id: str | None = None) -> StepResult:
    """Match this run's postings to each other and to the pool (transforms.dedup.run); writes staging only."""
    from transforms.dedup.run import link_postings

    root = root or paths()
    started = time.monotonic()
    with connect_writer(root.warehouse) as con:
        if not _has_work(con):
            return StepResult("deduplicate", time.monotonic() - started, 0)
        con.execute("begin")
        try:
            link_postings(con)  # registers `dedup_assignment`, read by the SQL below
            drop_staging(con, "posting_matched")  # a view now; a warehouse from before holds a table
            run_sql(con, "staging/stg_posting_matched.sql")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        rows = con.execute(
            "select match_rule, count(*) from staging.posting_matched group by all order by all"
        ).fetchall()
    return StepResult("deduplicate", time.monotonic() - started, sum(n for _, n in rows), dict(rows))


def validate(root: Paths | None = None, run_id: str | None = None) -> StepResult:
    """Great Expectations on the normalised postings; failing records become quarantine checks."""
    from warehouse.validation import validate_postings

    root = root or paths()
    started = time.monotonic()
    with connect_writer(root.warehouse) as con:
        if not _has_work(con):
            return StepResult("validate", time.monotonic() - started, 0)
        summary = validate_postings(con, run_id or "adhoc", as_of=as_of().date())
    for hold in summary["held_batches"]:
        print(f"HELD batch {hold['batch_id']} of source {hold['source']}: {hold['checks']}: {hold['reason']}")
    print(f"Great Expectations Data Docs (rendered after publish): {summary['data_docs']}")
    return StepResult("validate", time.monotonic() - started, summary["records"], summary)


def load(root: Paths | None = None, run_id: str | None = None) -> StepResult:
    """One transaction: outcomes, core.posting, core.job, audit tables, batches marked processed."""
    root = root or paths()
    run_id = run_id or new_run_id()
    started = time.monotonic()
    with connect_writer(root.warehouse, defer_checkpoint=True) as con:  # publish checkpoints
        if not _has_work(con):
            # no new batches, but time passes: jobs expire and history records it
            con.execute("begin")
            try:
                _refresh_status_and_history(con)
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
            return StepResult("load", time.monotonic() - started, 0)
        lap = Laps()
        con.execute("begin")
        try:
            for ddl in ("create table if not exists staging.job_merge (retired_job_id varchar, job_id varchar)",
                        "create table if not exists staging.match_model (model varchar)"):
                con.execute(ddl)  # a run deduplicated by an older version made neither
            run_sql(con, "staging/stg_posting_outcome.sql")
            lap("outcome")
            con.execute(
                "create or replace temp table core_posting_before as "
                "select p.source, p.source_record_id, p.job_id from core.posting as p "
                "semi join staging.posting_outcome as o using (source, source_record_id)"
            )
            run_sql(con, "core/posting.sql")
            run_sql(con, "core/posting_change.sql")
            run_sql(con, "core/job_merge.sql", run_id=run_id)
            lap("posting")
            run_sql(con, "core/job.sql", **_trust())
            lap("job")
            _refresh_status_and_history(con)
            lap("status_history")
            run_sql(con, "audit/quarantine.sql")
            run_sql(con, "audit/batch.sql", run_id=run_id)
            lap("audit")
            unbalanced = con.execute(
                "select r.batch_id, r.source, r.record_count, a.new_jobs, a.merged_duplicates, a.quarantined,"
                " a.held from staging.run_batch as r left join audit.batch as a using (batch_id)"
                " where a.batch_id is null or"
                " r.record_count <> a.new_jobs + a.merged_duplicates + a.quarantined + a.held"
            ).fetchall()
            if unbalanced:
                raise ReconciliationError(
                    f"landed records do not reconcile (batch, source, landed, new, merged, quarantined, held):"
                    f" {unbalanced}")
            counts = dict(con.execute(
                "select outcome, count(*) from staging.posting_outcome group by all"
            ).fetchall())
            con.execute(
                "insert or replace into audit.process_run values (?, ?, now(), ?, ?, ?, ?, ?)",
                [run_id, datetime.now(UTC),
                 con.execute("select count(*) from staging.run_batch").fetchone()[0],
                 sum(counts.values()), counts.get("new_job", 0), counts.get("merged_duplicate", 0),
                 counts.get("quarantined", 0)],
            )
            con.execute("insert or replace into audit.match_model select ?, now(), model from staging.match_model",
                        [run_id])
            con.execute("drop table staging.run_batch")
            lap("reconcile")
            con.execute("commit")
            lap("commit")
        except Exception:
            con.execute("rollback")
            raise
    return StepResult("load", time.monotonic() - started, sum(counts.values()), {**counts, "parts": lap.parts})


def _trust() -> dict[str, Any]:
    """Source trust for survivorship (warehouse/survivorship.toml) as core/job.sql's parameters."""
    import tomllib

    with open(SURVIVORSHIP_CONFIG, "rb") as fh:
        config = tomllib.load(fh)
    trust = config.get("trust", {})
    return {"trust_sources": list(trust), "trust_values": [int(v) for v in trust.values()],
            "default_trust": int(config.get("default_trust", 1))}


def _refresh_status_and_history(con: Any) -> None:
    """Expiry (core/job_status.sql, windows from warehouse/expiry.toml) then SCD2 history."""
    import tomllib

    with open(EXPIRY_CONFIG, "rb") as fh:
        expiry = tomllib.load(fh)
    windows = expiry.get("sources", {})
    now = as_of().isoformat()
    run_sql(con, "core/job_status.sql", as_of=now, default_not_seen_days=int(expiry["default_not_seen_days"]),
            window_sources=list(windows), window_days=[int(v) for v in windows.values()])
    run_sql(con, "core/job_history.sql", as_of=now)


def publish(root: Paths | None = None, run_id: str | None = None, full: bool = False,
            features: Sequence[Callable[[Any, Paths], Any]] = ()) -> StepResult:
    """Bring the published tables up to date with core in one transaction (incrementally: only rows that
    changed, warehouse/publish.py), validated by the published suite before the commit; then write the
    new immutable snapshot apps read (warehouse/snapshot.py). ``full`` rebuilds every table whole.

    ``features`` build their own published tables from core in the same transaction, before validation
    (the 15-minute circle: jobpool/pipeline.py passes it; the warehouse does not know it)."""
    from warehouse.publish import materialise_all
    from warehouse.snapshot import export_snapshot
    from warehouse.validation import validate_published

    root = root or paths()
    started = time.monotonic()
    lap = Laps()
    with connect_writer(root.warehouse, defer_checkpoint=True) as con:
        con.execute("begin")
        try:
            done = materialise_all(con, full=full, as_of=as_of().isoformat())
            lap("tables")
            for feature in features:  # the circle: stations/profiles batches, 15-minute circle, job radar
                feature(con, root)
            lap("features")
            incremental = done["open_jobs"].incremental and done["job_sources"].incremental
            changed_jobs = (f"select job_id from {done['open_jobs'].model.changes} union "
                            f"select s.job_id from published.job_sources as s "
                            f"semi join {done['job_sources'].model.changes} using (source, source_record_id)"
                            ) if incremental else None
            checked = validate_published(con, run_id or "adhoc", changed_jobs)
            lap("validate")
            if not checked["success"]:
                raise RuntimeError(f"published tables failed validation, nothing published: "
                                   f"{checked['failed_expectations']}")
            con.execute("commit")
            lap("commit")
        except Exception:
            con.execute("rollback")
            raise
        open_jobs = done["open_jobs"].rows
        changes = {name: (m.model.changes, m.model.key) for name, m in done.items() if m.incremental}
        snapshot = export_snapshot(con, run_id or "adhoc", root, changes)
        lap("snapshot")  # apps read the new data from here on
        con.execute("checkpoint")  # load's and publish's changes into the warehouse file, once
        lap("checkpoint")
    return StepResult("publish", time.monotonic() - started, open_jobs,
                      {"snapshot": str(snapshot), "parts": lap.parts,
                       "tables": {name: m.summary() for name, m in done.items()},
                       "validated_rows": checked["records"]})


def reconcile(root: Paths | None = None, run_id: str | None = None) -> StepResult:
    """The run's last word: every landed record accounted for, and no batch held back silently."""
    root = root or paths()
    started = time.monotonic()
    rows = source_summary(root)
    bad = [r for r in rows if not r["balanced"]]
    if bad:
        raise ReconciliationError(f"sources do not reconcile with the manifest: {bad}")
    from warehouse.db import connect_reader

    con = connect_reader(root.warehouse)
    try:
        held = con.execute(
            "select source, batch_id, hold_reason from audit.batch where status = 'held' and run_id = ?",
            [run_id or ""]).fetchall()
    finally:
        con.close()
    if held:
        lines = "; ".join(f"source {s} batch {b}: {r}" for s, b, r in held)
        raise BatchesHeld(f"{len(held)} batch(es) held, not published: {lines}. "
                          f"Inspect, then `jobpool release BATCH_ID` and run process again.")
    return StepResult("reconcile", time.monotonic() - started, sum(r["landed"] for r in rows),
                      {r["source"]: f"balanced, {r['held']} held" if r["held"] else "balanced" for r in rows})


def release(batch_id: str, note: str | None = None, root: Paths | None = None) -> dict[str, Any]:
    """Release a held batch after inspection: the next process run loads it, exempt from batch
    health checks (row-level checks still apply)."""
    import getpass

    root = root or paths()
    with connect_writer(root.warehouse) as con:
        row = con.execute("select source, status, hold_reason from audit.batch where batch_id = ?",
                          [batch_id]).fetchone()
        if row is None or row[1] != "held":
            raise ValueError(f"batch {batch_id} is not held (status: {row[1] if row else 'unknown'})")
        con.execute("begin")
        con.execute("insert or replace into audit.batch_release values (?, now(), ?, ?)",
                    [batch_id, getpass.getuser(), note])
        con.execute("delete from audit.batch where batch_id = ?", [batch_id])
        con.execute("commit")
    return {"batch_id": batch_id, "source": row[0], "was_held_for": row[2]}


def source_summary(root: Paths | None = None) -> list[dict[str, Any]]:
    """Per source, all time: records landed (counted from the manifest, for processed batches)
    against their outcomes (new jobs and merged duplicates from audit.batch, quarantined counted
    row by row in audit.quarantine): two independent sides of the reconciliation."""
    from warehouse.db import connect_reader

    root = root or paths()
    manifest = job_batches(root)
    con = connect_reader(root.warehouse)
    try:
        processed = {r[0] for r in con.execute("select batch_id from audit.batch").fetchall()}
        outcomes = con.execute(
            "select source, count(*), sum(new_jobs), sum(merged_duplicates), sum(held) from audit.batch "
            "group by source order by source"
        ).fetchall()
        quarantined = dict(con.execute(
            "select source, count(*) from audit.quarantine group by source"
        ).fetchall())
    finally:
        con.close()
    landed: dict[str, int] = {}
    pending: dict[str, int] = {}
    for row in manifest:
        bucket = landed if row["batch_id"] in processed else pending
        bucket[row["source"]] = bucket.get(row["source"], 0) + row["record_count"]
    out = []
    for source, batches, new, merged, held in outcomes:
        q = int(quarantined.get(source, 0))
        out.append({
            "source": source, "batches": batches, "landed": landed.get(source, 0),
            "new_jobs": int(new), "merged_duplicates": int(merged), "quarantined": q, "held": int(held),
            "pending_records": pending.get(source, 0),
            "balanced": landed.get(source, 0) == int(new) + int(merged) + q + int(held),
        })
    return out
