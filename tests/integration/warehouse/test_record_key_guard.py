"""The broken-key batch health check: records sharing a source_record_id within one batch but differing
in URL or content are not copies of one record; the batch is held with a reason naming the key.

Why: deduplication treats records with one key in a run as copies of one record (exact_copy_in_run).
A source whose key is not unique (a crawler reading a PropertyValue's name, a partner's constant
column) collapsed 467 postings into one job while reconciliation said "balanced"."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from feeds.ingest import ingest_file
from jobpool.cli import main as cli
from jobpool.pipeline import run_all
from landing.contract import BatchWriter
from landing.paths import Paths
from warehouse.steps import BatchesHeld, release, source_summary

ROLES = ("理货员", "收银员", "保洁员", "厨师", "电工", "焊工", "保安", "配送员", "客服专员", "仓库管理员")
SHOPS = ("鸿远", "佳和", "银座", "贵和", "华联", "大润", "永辉", "万达", "新华", "福泰")


def _record(i: int, key: str, url: str | None = None) -> dict[str, object]:
    """A posting distinct from every other i (role, employer, address, pay), so none is a near duplicate."""
    role, shop = ROLES[i % 10], SHOPS[(i // 10) % 10] + SHOPS[i % 10]
    return {"source_record_id": key, "url": url or f"https://board.example/jobs/{i}.html", "title": role,
            "description": f"{shop}招聘{role}，第{i}号岗位", "hiring_organization": f"济宁{shop}商贸有限公司",
            "job_location": f"济宁市任城区建设路{i + 1}号", "base_salary": f"{4000 + 100 * i}-{6000 + 100 * i}元/月",
            "date_posted": "2026-11-20"}


def _land(home: Paths, source: str, records: list[dict[str, object]]) -> str:
    with BatchWriter(source, root=home) as writer:
        writer.extend(records)
    return writer.batch_id


def _jobs(home: Paths, source: str) -> int:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return con.execute("select count(distinct job_id) from core.posting where source = ?", [source]).fetchone()[0]
    finally:
        con.close()


def test_one_key_for_many_postings_holds_the_batch(home: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    good = _land(home, "good_board", [_record(i, f"g{i}") for i in range(20)])
    broken = _land(home, "pv_board", [_record(i, "Google") for i in range(30)])
    with pytest.raises(BatchesHeld) as err:
        run_all(home)
    message = str(err.value)
    assert broken in message and good not in message
    assert "broken_record_key" in message and "'Google'" in message
    assert "https://board.example/jobs/0.html" in message  # a few of the URLs, to look at
    summary = {r["source"]: r for r in source_summary(home)}
    assert (summary["pv_board"]["held"], summary["pv_board"]["new_jobs"], summary["pv_board"]["merged_duplicates"]
            ) == (30, 0, 0)
    assert summary["good_board"]["new_jobs"] == 20 and summary["good_board"]["held"] == 0

    capsys.readouterr()
    cli(["status"])
    out = capsys.readouterr().out
    held_lines = [line for line in out.splitlines() if line.startswith("HELD")]
    assert len(held_lines) == 1 and broken in held_lines[0] and "broken_record_key" in held_lines[0]
    assert "'Google'" in held_lines[0] and "jobs/0.html" in held_lines[0]
    row = next(line for line in out.splitlines() if line.startswith("pv_board"))
    assert "30 held, not loaded" in row  # the sum balances, and the row says what it hides

    release(broken, note="checked: the board really reuses one id")  # a person looked: it loads as sent
    run_all(home)
    assert {r["source"]: r for r in source_summary(home)}["pv_board"]["held"] == 0


def test_identical_copies_of_one_record_are_fine(home: Paths) -> None:
    """The same record seen twice in one batch (same key, URL and content) is an exact copy, not a broken key."""
    _land(home, "board", [_record(1, "a1"), _record(1, "a1"), _record(2, "a2")])
    run_all(home)
    summary = {r["source"]: r for r in source_summary(home)}["board"]
    assert (summary["new_jobs"], summary["merged_duplicates"], summary["held"]) == (2, 1, 0)


def test_same_key_at_another_url_or_with_other_content_holds(home: Paths) -> None:
    other_url = _land(home, "by_url", [_record(1, "k1"), _record(1, "k1", url="https://board.example/other.html"),
                                      _record(2, "k2")])
    other_content = _land(home, "by_content", [_record(1, "k1"), {**_record(1, "k1"), "title": "店长"},
                                              _record(2, "k2")])
    with pytest.raises(BatchesHeld) as err:
        run_all(home)
    message = str(err.value)
    assert other_url in message and other_content in message and "'k1'" in message
    assert "other.html" in message


def test_an_update_in_a_later_batch_is_not_a_broken_key(home: Paths) -> None:
    """One key with new content in a later batch of the same run is the record updated, not a collision."""
    _land(home, "board", [_record(1, "a1"), _record(2, "a2")])
    _land(home, "board", [{**_record(1, "a1"), "base_salary": "5-7千/月"}])
    run_all(home)
    summary = {r["source"]: r for r in source_summary(home)}["board"]
    assert summary["held"] == 0 and _jobs(home, "board") == 2


def test_partner_feed_with_a_constant_id_column_is_held(home: Paths, tmp_path: Path) -> None:
    """Partner feeds have keys too: a CSV whose id column repeats one value holds its batch."""
    feed = tmp_path / "feed.csv"
    lines = ["编号,岗位名称,用工单位,工作地点,薪资待遇,岗位描述,发布日期"]
    lines += [f"JN,理货员{i},鸿远超市{i},济宁市任城区建设路{i}号,4-6千/月,超市理货第{i}号岗位,2026-11-20"
              for i in range(12)]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = tmp_path / "feed.toml"
    mapping.write_text('format = "csv"\nid = "编号"\n[fields]\ntitle = "岗位名称"\nhiring_organization = "用工单位"\n'
                       'job_location = "工作地点"\nbase_salary = "薪资待遇"\ndescription = "岗位描述"\n'
                       'date_posted = "发布日期"\n', encoding="utf-8")
    result = ingest_file(feed, "partner", mapping=mapping)
    assert result.status == "landed", result.reason
    with pytest.raises(BatchesHeld, match=r"source partner .*broken_record_key.*'JN'"):
        run_all(home)
    assert {r["source"]: r for r in source_summary(home)}["partner"]["held"] == 12
