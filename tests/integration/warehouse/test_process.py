"""The process stage on a real DuckDB file: accounting, merging across sources, idempotency, crashes."""

from __future__ import annotations

import duckdb
import pytest

import warehouse.db
from jobpool.pipeline import run_all
from landing.contract import BatchWriter
from landing.paths import Paths
from warehouse.steps import source_summary

VACANCY = {
    "title": "超市理货员",
    "description": "负责商品上架、整理货架。联系电话13812345678，身份证号370811199001011234。",
    "hiring_organization": "济宁鸿远商业连锁有限公司",
    "job_location": "济宁市任城区古槐街道建设路88号",
    "base_salary": "4-6千/月",
    "employment_type": "全职",
    "date_posted": "2026-11-20",
}


def _land(home: Paths, source: str, records: list[dict]) -> str:
    with BatchWriter(source, root=home) as writer:
        writer.extend(records)
    return writer.batch_id


def _tables(home: Paths) -> dict[str, list]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return {
            "jobs": con.execute("select * exclude (first_seen_at) from published.open_jobs order by job_id").fetchall(),
            "links": con.execute(
                "select source, source_record_id, job_id from published.job_sources order by all").fetchall(),
            "quarantine": con.execute(
                "select batch_id, record_index, check_name from audit.quarantine order by all").fetchall(),
        }
    finally:
        con.close()


@pytest.fixture
def landed(home: Paths) -> Paths:
    _land(home, "board_a", [
        {**VACANCY, "source_record_id": "a1"},
        {**VACANCY, "source_record_id": "a2", "title": "收银员", "base_salary": "150元/天",
         "employment_type": "兼职"},
        {"source_record_id": "a3", "title": None, "description": "no title"},  # quarantined
    ])
    _land(home, "feed_b", [
        # the same vacancy as a1: decorated title, salary in another unit
        {**VACANCY, "source_record_id": "b1", "title": "【急招】超市理货员", "base_salary": "4000-6000元"},
        {**VACANCY, "source_record_id": "b2", "ingest_error": "feed.csv line 3: expected 11 columns, got 4"},
    ])
    return home


def test_accounting_merging_and_masking(landed: Paths) -> None:
    run_all(landed)
    summary = {r["source"]: r for r in source_summary(landed)}
    assert all(r["balanced"] for r in summary.values())
    assert (summary["board_a"]["landed"], summary["board_a"]["quarantined"]) == (3, 1)
    assert (summary["feed_b"]["new_jobs"], summary["feed_b"]["merged_duplicates"],
            summary["feed_b"]["quarantined"]) == (0, 1, 1)
    tables = _tables(landed)
    links = {(s, r): j for s, r, j in tables["links"]}
    assert links[("board_a", "a1")] == links[("feed_b", "b1")]  # merged across silos
    assert links[("board_a", "a2")] != links[("board_a", "a1")]
    assert len(tables["jobs"]) == 2
    con = duckdb.connect(str(landed.warehouse), read_only=True)
    descriptions = [r[0] for r in con.execute("select description from published.open_jobs").fetchall()]
    reasons = dict(con.execute("select source_record_id, reason from audit.quarantine").fetchall())
    con.close()
    assert not any("13812345678" in d or "370811199001011234" in d for d in descriptions)
    assert "expected 11 columns" in reasons["b2"] and "title" in reasons["a3"]


def test_rerun_and_recrawl_are_idempotent(landed: Paths) -> None:
    run_all(landed)
    first = _tables(landed)
    run_all(landed)  # nothing new
    assert _tables(landed) == first
    # the same records crawled again land as a new batch: merged as exact duplicates, nothing doubles
    _land(landed, "board_a", [{**VACANCY, "source_record_id": "a1"}])
    run_all(landed)
    assert _tables(landed) == first
    summary = {r["source"]: r for r in source_summary(landed)}
    assert summary["board_a"]["landed"] == 4 and summary["board_a"]["balanced"]


def test_crash_during_load_leaves_warehouse_unchanged(landed: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    real = warehouse.db.run_sql

    def crash_on_job(con, name, **params):  # noqa: ANN001
        if name == "core/job.sql":
            raise RuntimeError("killed mid-load")
        return real(con, name, **params)

    monkeypatch.setattr("warehouse.steps.run_sql", crash_on_job)
    with pytest.raises(RuntimeError, match="killed"):
        run_all(landed)
    con = duckdb.connect(str(landed.warehouse), read_only=True)
    counts = [con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("core.posting", "core.job", "audit.batch", "audit.quarantine")]
    con.close()
    assert counts == [0, 0, 0, 0]
    monkeypatch.setattr("warehouse.steps.run_sql", real)
    run_all(landed)  # the retry processes the same batches, once
    assert all(r["balanced"] for r in source_summary(landed))
    assert len(_tables(landed)["jobs"]) == 2
