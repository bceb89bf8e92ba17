"""Temporal duplicates and job merges through the real steps on a real DuckDB file: a re-post weeks
later under a new id, with details updated, joins its job (first seen stays, last seen moves); a later
copy that bridges two jobs of earlier runs merges them and the retired id keeps resolving; and
``jobpool explain`` says why, with the weights the run estimated."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from jobpool.cli import main
from jobpool.pipeline import run_all
from landing.paths import Paths
from tests.integration.transforms.test_dedup import _jobs, _land, description, vacancy

COOK = ("泗水县盛泓颐养中心因业务发展需要，现招聘炒锅厨师5名。负责中餐热菜烹饪；负责菜品的出品质量；"
        "做好厨房卫生及食材管理。要求：两年以上厨师经验，身体健康，持健康证。工作时间：9:00-19:00，包吃住。")
COOK_REPOST = ("泗水县盛泓颐养中心因业务发展需要，现招聘炒锅厨师6名。\n1、负责中餐热菜烹饪\n2、负责菜品的出品质量\n"
               "3、做好厨房卫生及食材管理\n要求：\n1、两年以上厨师经验\n2、身体健康，持健康证\n工作时间：9:00-19:00，包吃住。")


def cook(**overrides: str) -> dict[str, str]:
    base = {"title": "炒锅厨师", "description": COOK, "hiring_organization": "泗水县盛泓颐养中心",
            "job_location": "济宁市泗水县泉林镇", "base_salary": "4500-8000元/月", "employment_type": "全职",
            "date_posted": "2025-05-12"}
    return {**base, **overrides}


def test_repost_weeks_later_joins_its_job_first_seen_stays(home: Paths) -> None:
    _land(home, "board_a", [cook(source_record_id="jp-1")])
    run_all(home)
    first = _jobs(home, "core.posting")
    # 18 days later, a new id on the same board: title shortened, pay without unit, headcount 5→6,
    # text re-wrapped into numbered lines
    _land(home, "board_a", [cook(source_record_id="jp-2", title="厨师", base_salary="4500-8000",
                                 description=COOK_REPOST, date_posted="2025-05-30")])
    run_all(home)
    second = _jobs(home, "core.posting")
    assert second["jp-2"] == second["jp-1"] == first["jp-1"]
    con = duckdb.connect(str(home.warehouse), read_only=True)
    job = con.execute("select date_posted, n_postings, first_seen_at, last_seen_at from core.job").fetchall()
    seen = con.execute("select min(first_seen_at), max(last_seen_at) from core.posting").fetchone()
    con.close()
    assert len(job) == 1
    date_posted, n, first_seen, last_seen = job[0]
    assert str(date_posted) == "2025-05-12" and n == 2  # the job's first date stays the first copy's
    assert (first_seen, last_seen) == seen  # first seen from the first copy, last seen moved to the re-post


def test_a_bridging_copy_merges_two_jobs_and_the_old_id_redirects(home: Paths,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # two copies of one vacancy posted more than 90 days apart: on their own they are two jobs (a
    # vacancy re-opened after that long is a new one) ...
    _land(home, "board_a", [vacancy("鸿远", source_record_id="shop", hiring_organization="鸿远超市（古槐店）",
                                    date_posted="2026-06-01")])
    _land(home, "feed_b", [vacancy("鸿远", source_record_id="legal", date_posted="2026-09-15",
                                   description=description(brand="济宁鸿远商业连锁有限公司", style="board"))])
    run_all(home)
    before = _jobs(home, "core.posting")
    assert before["shop"] != before["legal"], "the test needs two jobs to start from"
    # ... until a copy posted between them shows the vacancy was re-posted all along: one job (it names
    # the shop, as the first copy does, and carries the later copy's text)
    _land(home, "feed_c", [vacancy("鸿远", source_record_id="bridge", hiring_organization="鸿远超市（古槐店）",
                                   date_posted="2026-07-25",
                                   description=description(brand="济宁鸿远商业连锁有限公司", style="board"))])
    run_all(home)
    after = _jobs(home, "core.posting")
    assert after["shop"] == after["legal"] == after["bridge"]
    survivor = after["shop"]
    retired = ({before["shop"], before["legal"]} - {survivor}).pop()
    assert survivor == before["shop"]  # the older job (earliest copy) keeps its id
    con = duckdb.connect(str(home.warehouse), read_only=True)
    redirects = con.execute("select retired_job_id, job_id from published.job_redirects").fetchall()
    jobs = {r[0] for r in con.execute("select job_id from core.job").fetchall()}
    open_ids = {r[0] for r in con.execute("select job_id from published.open_jobs").fetchall()}
    lineage = dict(con.execute("select source_record_id, job_id from published.job_sources").fetchall())
    con.close()
    assert redirects == [(retired, survivor)]
    assert jobs == {survivor} and retired not in open_ids
    assert set(lineage.values()) == {survivor}  # the moved copies are republished with their new job
    # explain: the bridge against each copy, with this run's weights
    capsys.readouterr()
    assert main(["explain", "feed_c:bridge", "--json"]) == 0
    explained = json.loads(capsys.readouterr().out)
    assert {e["second"] for e in explained} == {"board_a:shop", "feed_b:legal"}
    assert all(e["weights_from"].startswith("run ") and e["same_job"] for e in explained)
    assert any(e["would_link"] for e in explained)
    assert main(["explain", "board_a:shop", "feed_b:legal"]) == 0
    text = capsys.readouterr().out
    assert "match weight" in text and "the same job" in text
    # labelled pairs in aggregate: the bridge links the later copy directly; the first and the last copy
    # (106 days apart: a veto on their own) are one job through the bridge
    pairs = home.home / "reviewed.tsv"
    pairs.write_text("label\tfirst\tsecond\nbridge\tfeed_c:bridge\tfeed_b:legal\n"
                     "ends\tboard_a:shop\tfeed_b:legal\n", encoding="utf-8")
    assert main(["explain", "--pairs", str(pairs), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["bridge"]["outcomes"]) == ["one job, linked directly"]
    assert list(report["ends"]["outcomes"]) == ["one job, through other copies"]
    assert report["bridge"]["outcomes"]["one job, linked directly"]["levels"]["employer"] == {"the trade name only": 1}
    pairs.write_text("label\tfirst\tsecond\nbridge\tfeed_c:bridge\n", encoding="utf-8")
    assert main(["explain", "--pairs", str(pairs)]) == 2  # a line without its second posting: said, no traceback
    assert "reviewed.tsv:2" in capsys.readouterr().err


def test_the_same_input_gives_the_same_weights_and_job_ids(tmp_path: Path) -> None:
    """EM runs on every deduplication: two runs over the same input (in two warehouses) estimate the
    same weights and give the same job ids."""
    from warehouse.steps import deduplicate, normalise, stage

    results = []
    for name in ("first", "second"):
        home = Paths(tmp_path / name)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("JOBPOOL_HOME", str(home.home))
            _land(home, "board_a", [cook(source_record_id="jp-1"), vacancy("鸿远", source_record_id="a1"),
                                    vacancy("鸿远", source_record_id="a2", title="收银员")])
            _land(home, "feed_b", [cook(source_record_id="c-9", title="厨师", date_posted="2025-05-20"),
                                   vacancy("鸿远", source_record_id="b1", hiring_organization="鸿远超市（古槐店）")])
            for step in (stage, normalise, deduplicate):
                step(home, "test")
        con = duckdb.connect(str(home.warehouse), read_only=True)
        results.append((con.execute("select model from staging.match_model").fetchone()[0],
                        con.execute("select source_record_id, job_id from staging.posting_matched order by 1")
                        .fetchall()))
        con.close()
    assert results[0] == results[1]
    assert json.loads(results[0][0])["pairs"] > 0


CLEANER = ("鼎家超市因业务发展需要，现招聘保洁员2名。负责卖场及卫生间的日常清洁；负责垃圾清运；服从店长安排。"
           "要求：55岁以下，身体健康，吃苦耐劳。工作时间：7:00-15:00。")
KITCHEN = ("旺源面馆三里屯店招聘帮厨1名。负责择菜、洗菜、切配；协助厨师备餐；保持后厨卫生。要求：手脚麻利，"
           "能吃苦，有健康证优先。工作时间：9:30-20:30，包吃住，月休4天。")


@pytest.mark.parametrize(("first", "second"), [
    # shop name vs legal name, pay stated in one copy only (面议 / 时薪), same street address, same text
    ({"title": "保洁", "hiring_organization": "鼎家超市万达广场店", "base_salary": "面议"},
     {"title": "保洁阿姨", "hiring_organization": "济宁鼎家超市连锁有限责任公司", "base_salary": "时薪21-23元"}),
    # a title with a perk appended, the branch as 店 / 分店, the legal name, pay in 千
    ({"title": "帮厨+包吃住", "hiring_organization": "旺源面馆(三里屯店)", "base_salary": "2500-4500",
      "description": KITCHEN},
     {"title": "帮厨", "hiring_organization": "济宁市任城区旺源餐饮有限公司三里屯分店", "base_salary": "2.5-4.5千/月",
      "description": KITCHEN}),
], ids=["shop_vs_legal_name_pay_in_one_copy", "perk_in_title_branch_suffix"])
def test_the_issues_missed_pairs_are_one_job(home: Paths, first: dict[str, str], second: dict[str, str]) -> None:
    """The typical missed pairs the deduplication issue lists, each landed by two sources into one run."""
    base = {"description": CLEANER, "job_location": "济宁市任城区太白湖新区万达广场北门", "employment_type": "全职",
            "date_posted": "2025-06-02"}
    _land(home, "board_a", [{**base, **first, "source_record_id": "a"}])
    _land(home, "feed_b", [{**base, **second, "source_record_id": "b", "date_posted": "2025-06-04"}])
    run_all(home)
    jobs = _jobs(home, "core.posting")
    assert jobs["a"] == jobs["b"]
