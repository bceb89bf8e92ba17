"""Warehouse: expiry, SCD2 history, published tables, and snapshots apps read while loads run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from jobpool.pipeline import run_all
from landing.contract import BatchWriter
from landing.paths import Paths
from warehouse.snapshot import connect_published, current_dir, snapshot_info

BASE = {"title": "超市理货员", "description": "负责商品上架", "hiring_organization": "济宁鸿远商业连锁有限公司",
        "job_location": "济宁市任城区古槐街道", "base_salary": "4-6千/月", "employment_type": "全职"}


def _land(home: Paths, source: str, records: list[dict]) -> None:
    with BatchWriter(source, root=home) as writer:
        writer.extend(records)


def _q(home: Paths, sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_expiry_by_valid_through_and_by_absence(home: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBPOOL_AS_OF", "2026-11-21T08:00:00+00:00")
    fetched = datetime(2026, 11, 21, 7, tzinfo=UTC)
    _land(home, "board", [
        {**BASE, "source_record_id": "short", "title": "临时促销员", "description": "商场周末促销，日结",
         "date_posted": "2026-11-20",
         "valid_through": "2026-11-25", "fetched_at": fetched},
        {**BASE, "source_record_id": "long", "date_posted": "2026-11-20", "valid_through": "2027-06-30",
         "fetched_at": fetched},
    ])
    _land(home, "gig_station", [{**BASE, "source_record_id": "gig", "title": "保洁员", "description": "小区保洁，早班",
                                 "hiring_organization": "济宁洁美家政服务有限公司", "date_posted": "2026-11-20",
                                 "valid_through": "2027-06-30", "fetched_at": fetched}])
    run_all(home)
    assert _q(home, "select count(*) from published.open_jobs")[0][0] == 3

    monkeypatch.setenv("JOBPOOL_AS_OF", "2026-11-27T08:00:00+00:00")  # validThrough of 'short' passed
    run_all(home)  # no new batch: time alone closes it
    closed = dict(_q(home, "select title, close_reason from core.job where status = 'closed'"))
    assert closed == {"临时促销员": "valid_through_passed"}

    monkeypatch.setenv("JOBPOOL_AS_OF", "2026-12-10T08:00:00+00:00")  # 19 days unseen: board window is 14
    run_all(home)
    status = dict(_q(home, "select title, status || ':' || coalesce(close_reason, '') from core.job"))
    assert status["超市理货员"] == "closed:not_seen"
    assert status["保洁员"] == "open:"  # gig_station's window is 30 days (warehouse/expiry.toml)
    assert [r[0] for r in _q(home, "select title from published.open_jobs")] == ["保洁员"]
    # closed jobs stay in history: open version, then closed version
    versions = _q(home, "select h.version, h.status, h.valid_to is null from core.job_history h "
                        "join core.job j using (job_id) where j.title = '超市理货员' order by version")
    assert versions == [(1, "open", False), (2, "closed", True)]


def test_history_versions_only_on_change(home: Paths) -> None:
    _land(home, "board", [{**BASE, "source_record_id": "a1", "date_posted": "2026-11-20"}])
    run_all(home)
    _land(home, "board", [{**BASE, "source_record_id": "a1", "date_posted": "2026-11-20"}])  # unchanged re-crawl
    run_all(home)
    assert _q(home, "select count(*) from core.job_history")[0][0] == 1
    _land(home, "board", [{**BASE, "source_record_id": "a1", "date_posted": "2026-11-20",
                           "description": "负责商品上架、盘点，周末双休"}])
    run_all(home)
    rows = _q(home, "select version, is_current, valid_to is not null from core.job_history order by version")
    assert rows == [(1, False, True), (2, True, False)]
    run_all(home)  # rerun: nothing changes
    assert _q(home, "select count(*) from core.job_history")[0][0] == 2


def test_published_tables_and_snapshot(home: Paths) -> None:
    _land(home, "board", [
        {**BASE, "source_record_id": "a1", "description": "妈妈岗，9:00-15:00，可接送孩子"},
        {**BASE, "source_record_id": "a2", "title": "夜班保安", "hiring_organization": "山东安泰物业管理有限公司",
         "employment_type": "临时"},
    ])
    run_all(home)
    info = snapshot_info(home)
    con = connect_published(home)
    try:
        assert con.execute("select count(*) from published.open_jobs").fetchone()[0] == info["row_counts"]["open_jobs"]
        assert con.execute("select count(*) from open_jobs").fetchone()[0] == 2
        employers = dict(con.execute("select employer_name, open_jobs from employers").fetchall())
        assert employers["济宁鸿远商业连锁有限公司"] == 1
        groups = dict(con.execute("select job_group, sum(open_jobs)::int from jobs_by_area group by 1").fetchall())
        assert groups["all"] == 2 and groups["mother"] == 1 and groups["night_shift"] == 1
        health = con.execute("select source, landed_records, open_jobs from source_health").fetchall()
        assert health == [("board", 2, 2)]
    finally:
        con.close()
    parquet = duckdb.sql(f"select count(*) from read_parquet('{current_dir(home) / 'open_jobs.parquet'}')")
    assert parquet.fetchall()[0][0] == 2


READER = r"""
import json, sys, time, duckdb
from pathlib import Path
from landing.paths import Paths
from warehouse.snapshot import connect_published
root, deadline = Paths(Path(sys.argv[1])), time.time() + float(sys.argv[2])
seen, slowest, queries = set(), 0.0, 0
while time.time() < deadline:
    t = time.perf_counter()
    con = connect_published(root)
    jobs = con.execute("select count(*) from open_jobs").fetchone()[0]
    links = con.execute("select count(*) from job_sources").fetchone()[0]
    info = con.execute("select open_jobs, job_sources, version from snapshot_info").fetchone()
    con.close()
    slowest = max(slowest, time.perf_counter() - t)
    queries += 1
    assert (jobs, links) == (info[0], info[1]), (jobs, links, info)  # never a half-published state
    seen.add((info[2], jobs))
    time.sleep(0.01)
print(json.dumps({"versions": sorted(seen), "slowest": slowest, "queries": queries}))
"""


def test_reader_never_blocked_during_loads(home: Paths, tmp_path: Path) -> None:
    _land(home, "board", [{**BASE, "source_record_id": "seed"}])
    run_all(home)
    script = tmp_path / "reader.py"
    script.write_text(READER, encoding="utf-8")
    reader = subprocess.Popen([sys.executable, str(script), str(home.home), "25"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    completed = [1]
    try:
        for i in range(4):
            _land(home, "board", [{**BASE, "source_record_id": f"r{i}-{k}", "title": f"岗位{i}-{k}",
                                   "hiring_organization": f"济宁第{i}-{k}号商贸有限公司",
                                   "description": f"第{i}批第{k}个岗位的职责"} for k in range(25)])
            run_all(home)
            completed.append(_q(home, "select count(*) from published.open_jobs")[0][0])
            time.sleep(0.5)
    finally:
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    report = json.loads(out)
    counts_seen = {jobs for _, jobs in report["versions"]}
    assert counts_seen <= set(completed)  # only states of completed runs
    assert len(report["versions"]) >= 3  # it really read while loads went on
    assert report["slowest"] < 2.0, report  # no lock waits
    assert report["queries"] > 50


def _published_rows(con: duckdb.DuckDBPyConnection, schema: str = "published") -> dict[str, list[tuple]]:
    from warehouse.publish import MODELS

    return {m.name: con.execute(f"select * from {schema}.{m.name} order by all").fetchall() for m in MODELS}


def test_incremental_publish_equals_whole_rebuild(home: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishing only what load changed gives the same tables, and the same snapshot, as rebuilding
    everything: across new postings, duplicates joining existing jobs, and jobs closed by time."""
    from demo.bench import LANDING_KEYS, land_generated
    from jobpool.pipeline import publish

    # postings dated by today's calendar: a fixed generator date would have every job closed by time
    # weeks later, and then nothing is left to close incrementally (or too much, and publish rebuilds whole)
    today = datetime.now(UTC).date() - timedelta(days=5)
    land_generated(home, 4000, seed=1, base_date=today)
    run_all(home)
    land_generated(home, 250, seed=2, id_prefix="inc-", base_date=today)
    # copies of postings already in the pool, under new ids on another source: they join existing jobs
    again = duckdb.sql(f"select * from read_parquet('{home.landing}/source=*/*/*.parquet', union_by_name = true) "
                       "using sample 150 rows (reservoir, 7)").fetchdf()
    _land(home, "partner_copy", [{"source_record_id": f"again-{r.source_record_id}",
                                  **{k: r[k] for k in LANDING_KEYS}, "extra": r.extra}
                                 for _, r in again.iterrows()])
    results = {r.step: r for r in run_all(home)}
    tables = results["publish"].detail["tables"]
    for name in ("open_jobs", "job_sources", "employers"):
        assert tables[name]["mode"] == "incremental", tables
        assert 0 < tables[name]["changed_keys"] < tables[name]["rows"]
    merged = _q(home, "select count(*) from core.posting where source = 'partner_copy' and job_id in "
                      "(select job_id from core.posting where source_record_id not similar to '(again|inc)-.*')")[0][0]
    assert merged > 0  # the second batch really joined existing jobs
    later = datetime.now(UTC) + timedelta(days=20)  # not seen for 20 days: some sources' jobs close
    monkeypatch.setenv("JOBPOOL_AS_OF", later.isoformat())
    closing = run_all(home)[-2]
    assert closing.step == "publish" and closing.detail["tables"]["open_jobs"]["changed_keys"] > 0

    con = duckdb.connect(str(home.warehouse), read_only=True)
    incremental = _published_rows(con)
    con.close()
    snapshot = connect_published(home)
    assert _published_rows(snapshot, "main") == incremental  # the copied-and-patched snapshot
    snapshot.close()
    assert snapshot_info(home)["written"] == "incremental"
    parquet = duckdb.sql(f"select count(*) from read_parquet('{current_dir(home) / 'open_jobs.parquet'}')")
    assert parquet.fetchall()[0][0] == len(incremental["open_jobs"])

    publish(home, "whole", full=True)
    con = duckdb.connect(str(home.warehouse), read_only=True)
    whole = _published_rows(con)
    con.close()
    for name, rows in whole.items():
        assert incremental[name] == rows, name
