"""Deduplication on real DuckDB files through the real steps: each near-duplicate variation the
issue lists merges, each hard negative stays apart, later batches join existing jobs with stable
ids, and a vague posting cannot bridge two existing jobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import numpy as np
import pytest

from jobpool.pipeline import run_all
from landing.contract import BatchWriter
from landing.paths import Paths
from transforms.dedup.blocking import block_keys_sql, candidate_pairs_sql, minhash
from transforms.dedup.cluster import cluster
from transforms.dedup.evaluate import quality
from transforms.dedup.score import CODED, Nodes
from warehouse.steps import deduplicate, normalise, stage

DUTIES = "负责商品上架、补货、陈列及价签核对；做好货架及库区的清洁卫生；协助盘点，及时反馈临期和缺货商品"
REQS = "身体健康，吃苦耐劳；有超市工作经验者优先"


def description(*, brand: str, hours: str = "8:00-17:00", salary: str = "4000-6000元/月",
                style: str = "plain") -> str:
    intro = f"{brand}因业务发展需要，现招聘超市理货员2名。"
    duties, reqs = f"岗位职责：{DUTIES}。", f"任职要求：{REQS}。"
    tail = f"工作时间：{hours}\n薪资待遇：{salary}\n联系电话：13812345678（王经理）"
    if style == "plain":
        return "\n".join([intro, duties, reqs, tail])
    # re-ordered, one duty trimmed, re-punctuated, wrapped in a board's boilerplate
    trimmed = "【岗位职责】\n1、" + "\n2、".join(DUTIES.split("；")[:2])
    text = "\n\n".join([reqs.replace("任职要求：", "【任职要求】\n"), trimmed, intro, tail])
    return "【济宁人才网】" + text.replace("，", ",").replace("：", ":") + "\n求职提醒：凡收取押金的招聘均涉嫌违法。"


def vacancy(stem: str, **overrides: Any) -> dict[str, Any]:
    record = {
        "title": "超市理货员",
        "description": description(brand=f"{stem}超市（古槐店）"),
        "hiring_organization": f"济宁{stem}商业连锁有限公司",
        "job_location": "济宁市任城区古槐街道建设路88号",
        "base_salary": "4-6千/月",
        "employment_type": "全职",
        "date_posted": "2026-10-10",
    }
    return {**record, **overrides}


# case → (base posting on board_a, variant on feed_b); every case has its own employer
SAME = {
    "decorated_title": ("鸿远", {"title": "【急招】超市理货员（日结）"}),
    "title_synonym": ("金泰", {"title": "理货员"}),
    "legal_vs_brand_name": ("孔乡", {"hiring_organization": "孔乡超市（古槐店）"}),
    "salary_in_other_unit": ("鲁源", {"base_salary": "4000-6000元"}),
    "description_reworded": ("润达", {"description": description(brand="润达超市（古槐店）", style="board")}),
    "address_granularity": ("祥和", {"job_location": "济宁市任城区"}),
    "date_days_off": ("聚福", {"date_posted": "2026-10-13"}),
    "reposted_weeks_later": ("宏润", {"date_posted": "2026-10-31", "title": "【急招】超市理货员（长期招聘）"}),
}
APART = {
    "other_branch": ("瑞丰", {"hiring_organization": "瑞丰超市（南池店）",
                            "description": description(brand="瑞丰超市（南池店）")},
                     {"hiring_organization": "瑞丰超市（古槐店）"}),
    "other_site": ("嘉禾", {"job_location": "济宁市任城区古槐街道建设路120号"}, {}),
    "other_district": ("福满", {"job_location": "济宁市兖州区鼓楼街道建设东路88号"}, {}),
    "other_shift": ("恒信", {"title": "超市理货员（夜班）",
                           "description": description(brand="恒信超市（古槐店）", hours="20:00-次日8:00（夜班）")},
                    {"title": "超市理货员（白班）"}),
    "other_salary": ("佳和", {"base_salary": "4.5-6.5千/月",
                            "description": description(brand="佳和超市（古槐店）", salary="4500-6500元/月")}, {}),
}


def _land(home: Paths, source: str, records: list[dict]) -> None:
    with BatchWriter(source, root=home) as writer:
        writer.extend(records)


def _jobs(home: Paths, table: str = "staging.posting_matched") -> dict[str, str]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return dict(con.execute(f"select source_record_id, job_id from {table}").fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = Paths(tmp_path_factory.mktemp("dedup") / "home")
    base, variant = [], []
    for case, (stem, change) in SAME.items():
        base.append(vacancy(stem, source_record_id=f"{case}:a"))
        variant.append({**vacancy(stem), **change, "source_record_id": f"{case}:b"})
    for case, (stem, change, base_change) in APART.items():
        base.append({**vacancy(stem), **base_change, "source_record_id": f"{case}:a"})
        variant.append({**vacancy(stem), **change, "source_record_id": f"{case}:b"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOBPOOL_HOME", str(home.home))
        _land(home, "board_a", base)
        _land(home, "feed_b", variant)
        for step in (stage, normalise, deduplicate):
            step(home, "test")
    yield _jobs(home)


@pytest.mark.parametrize("case", sorted(SAME))
def test_near_duplicate_variation_merges(pairs: dict[str, str], case: str) -> None:
    assert pairs[f"{case}:a"] == pairs[f"{case}:b"]


@pytest.mark.parametrize("case", sorted(APART))
def test_hard_negative_stays_a_separate_job(pairs: dict[str, str], case: str) -> None:
    assert pairs[f"{case}:a"] != pairs[f"{case}:b"]


def test_cases_do_not_leak_into_each_other(pairs: dict[str, str]) -> None:
    jobs_per_case: dict[str, set[str]] = {}
    for record, job in pairs.items():
        jobs_per_case.setdefault(record.split(":")[0], set()).add(job)
    all_jobs = [job for jobs in jobs_per_case.values() for job in jobs]
    assert len(all_jobs) == len(set(all_jobs)) == len(SAME) + 2 * len(APART)


def test_copies_stating_only_a_ceiling_compare_on_it(home: Paths) -> None:
    """An open-ended salary has one bound (最高8000: no minimum, not 8000 copied into it): a reworded copy
    under a synonym title with the same ceiling in another unit still joins the job, and another ceiling
    keeps two otherwise equal copies apart (the cluster check compares each bound on its own)."""
    reworded = {"title": "理货员", "description": description(brand="和顺超市（古槐店）", style="board")}
    _land(home, "board_a", [vacancy("和顺", source_record_id="same:a", base_salary="最高8000元/月"),
                            vacancy("安康", source_record_id="other:a", base_salary="最高8000元/月")])
    _land(home, "feed_b", [vacancy("和顺", source_record_id="same:b", base_salary="月薪最高8千", **reworded),
                           vacancy("安康", source_record_id="other:b", base_salary="最高6000元/月")])
    for step in (stage, normalise, deduplicate):
        step(home, "test")
    jobs = _jobs(home)
    assert jobs["same:a"] == jobs["same:b"]
    assert jobs["other:a"] != jobs["other:b"]


def test_later_batch_joins_existing_job_and_ids_stay(home: Paths) -> None:
    _land(home, "board_a", [vacancy("鸿远", source_record_id="a1")])
    run_all(home)
    first = _jobs(home, "core.posting")
    _land(home, "feed_b", [vacancy("鸿远", source_record_id="b1", title="【急招】理货员", base_salary="4000-6000元",
                                   hiring_organization="鸿远超市（古槐店）", job_location="济宁市任城区")])
    run_all(home)
    second = _jobs(home, "core.posting")
    assert second["a1"] == first["a1"] and second["b1"] == first["a1"]
    con = duckdb.connect(str(home.warehouse), read_only=True)
    lineage = con.execute(
        "select source_record_id, match_rule, match_score from published.job_sources order by 1").fetchall()
    n_jobs = con.execute("select count(*) from core.job").fetchone()[0]
    con.close()
    assert n_jobs == 1
    rules = {r: (rule, score) for r, rule, score in lineage}
    assert rules["b1"][0] == "near_duplicate" and 0.5 < rules["b1"][1] <= 1.0


def test_vague_posting_cannot_bridge_two_existing_jobs(home: Paths) -> None:
    # two stores of one employer: two jobs
    _land(home, "board_a", [
        vacancy("金泰", source_record_id="north", hiring_organization="金泰超市（北湖店）",
                description=description(brand="金泰超市（北湖店）")),
        vacancy("金泰", source_record_id="south", hiring_organization="金泰超市（南池店）",
                description=description(brand="金泰超市（南池店）")),
    ])
    run_all(home)
    before = _jobs(home, "core.posting")
    assert before["north"] != before["south"]
    # the legal name with a district-level address fits both stores equally: it never merges them, and
    # since which store it copies is not in the posting, it joins neither (ambiguous → a job of its own)
    _land(home, "feed_b", [vacancy("金泰", source_record_id="vague", job_location="济宁市任城区",
                                   description=description(brand="济宁金泰商业连锁有限公司"))])
    run_all(home)
    after = _jobs(home, "core.posting")
    assert after["north"] == before["north"] and after["south"] == before["south"]
    assert after["vague"] not in (before["north"], before["south"])


def test_new_posting_joins_a_job_only_if_no_copy_of_it_conflicts(home: Paths) -> None:
    # one job: a copy naming the store and a vague copy (legal name, district-level address)
    _land(home, "board_a", [vacancy("金泰", source_record_id="north", hiring_organization="金泰超市（北湖店）",
                                    description=description(brand="金泰超市（北湖店）"))])
    _land(home, "feed_b", [vacancy("金泰", source_record_id="vague", job_location="济宁市任城区",
                                   description=description(brand="济宁金泰商业连锁有限公司"))])
    run_all(home)
    before = _jobs(home, "core.posting")
    assert before["north"] == before["vague"]
    # a later posting of another store matches the vague copy closely, but the job it would join
    # is at 北湖店: it is another job (the job's copies count, not just the one it resembles)
    _land(home, "feed_c", [vacancy("金泰", source_record_id="south", hiring_organization="金泰超市（南池店）",
                                   description=description(brand="金泰超市（南池店）"))])
    run_all(home)
    after = _jobs(home, "core.posting")
    assert after["north"] == after["vague"] == before["north"]
    assert after["south"] != before["north"]


def test_stated_hours_or_contact_bring_copies_into_one_block() -> None:
    """Legal vs shop name, 安保员 vs 保安, 5833 vs 5800: no title, pay or employer key is shared, and in a
    later run no third copy bridges them; the stated working hours and contact person still do."""
    con = duckdb.connect()
    con.execute("""create table f as select * from (values
        (0, '370800', '370811', '运泰保安', '安保员', 5833.0, 9800, '8:00-17:00', '王店长'),
        (1, '370800', '370811', '运泰保安服务有限公司', '保安', 5800.0, 9801, '8:00-17:00', null),
        (2, '370800', null, '运泰保安服务有限公司', '保安', 5800.0, 9801, null, '王店长'),
        (3, '370800', '370811', '鸿远超市', '保安', 5800.0, 9801, '8:00-17:00', '王店长'),
        (4, '370800', '370812', '运泰保安服务有限公司', '保安', 5800.0, 9801, '8:00-17:00', null))
        t(node, city, district, emp_core, title_norm, sal_min, day, hours, contact)""")
    con.execute("create table t as select node, null::bigint as mh0 from f")
    pairs = set(con.execute(candidate_pairs_sql(f"({block_keys_sql('f', 't')})")).fetchall())
    assert (0, 1) in pairs and (0, 2) in pairs  # 2 names no district: it meets 任城区's copies
    assert (0, 3) not in pairs  # another trade name: never in one block
    assert (1, 4) not in pairs and (2, 4) in pairs  # two named districts never meet; a vague copy meets both
    con.close()


def test_equally_strong_edges_give_the_same_jobs_in_any_order() -> None:
    """Pairs come from SQL in no fixed order; a posting between two stores it matches equally well
    must land in the same job whichever edge arrives first (a rerun is idempotent)."""
    n = 3
    cols = {f"{name}_code": np.full(n, -1, np.int64) for name in CODED}
    cols["branch_code"] = np.array([1, -1, 2])  # store 1, not stated, store 2
    cols["road_no_code"] = np.array([-1, 7, -1])  # the middle one states a street number: not vague
    for name in ("lat", "lon", "sal_min", "sal_max", "shift", "hours_start", "hours_end"):
        cols[name] = np.full(n, np.nan)
    cols["day"] = np.full(n, -1)
    nodes = Nodes(cols, np.zeros((n, 16), np.uint32))
    job = np.full(n, -1, np.int64)
    score = np.array([0.9, 0.9])
    roots = {tuple(cluster(nodes, np.array(a), np.array(b), score, job)[0])
             for a, b in (([0, 1], [1, 2]), ([1, 0], [2, 1]))}
    assert len(roots) == 1, roots
    assert len(set(next(iter(roots)))) == 2  # the two stores stay apart


def test_survivorship_takes_each_field_group_from_its_best_copy(home: Paths) -> None:
    # a board copy: decorated title, shop name, street address, posted later
    board = vacancy("鸿远", source_record_id="board", title="【急招】超市理货员（日结）",
                    hiring_organization="鸿远超市（古槐店）", date_posted="2026-10-12")
    # the employer's HR feed (trusted, warehouse/survivorship.toml): plain title, legal name,
    # district-level place, the same pay in another wording
    feed = vacancy("鸿远", source_record_id="feed", job_location="济宁市任城区", base_salary="4000-6000元/月")
    _land(home, "plain_board", [board])
    _land(home, "hr_system", [feed])
    run_all(home)
    con = duckdb.connect(str(home.warehouse), read_only=True)
    job = con.execute("select title, employer_name, employer_branch, address, town, salary_text, field_sources, "
                      "n_postings from core.job").fetchall()
    con.close()
    assert len(job) == 1
    title, employer, branch, address, town, salary, sources, n = job[0]
    assert n == 2
    assert title == "超市理货员" and sources["title"] == "hr_system:feed"  # undecorated
    assert employer == "济宁鸿远商业连锁有限公司" and sources["employer"] == "hr_system:feed"  # legal name
    assert branch == "古槐店" and sources["branch"] == "plain_board:board"  # the copy naming it
    assert "建设路88号" in address and town and sources["place"] == "plain_board:board"  # most precise
    assert salary == "4000-6000元/月" and sources["salary"] == "hr_system:feed"  # both stated: trust wins


def test_quality_measures_count_pairs_and_bcubed() -> None:
    q = quality(["j1", "j1", "j1", "j2"], ["v1", "v1", "v2", "v2"])
    assert (q.true_pairs, q.predicted_pairs) == (2, 3)
    assert q.precision == pytest.approx(1 / 3) and q.recall == pytest.approx(1 / 2)
    assert q.bcubed_precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    perfect = quality(["a", "a", "b"], ["x", "x", "y"])
    assert perfect.f1 == perfect.bcubed_f1 == 1.0


def test_minhash_agrees_with_jaccard() -> None:
    import pyarrow as pa

    a = list(range(100))
    b = list(range(50, 150))  # Jaccard 50/150
    sig = minhash(pa.array([a, b, []], pa.list_(pa.uint64())), num_perm=256)
    assert abs((sig[0] == sig[1]).mean() - 1 / 3) < 0.1
    assert (sig[2] == np.iinfo(np.uint32).max).all()  # no text: no signature to collide on


def test_pool_fields_are_stored_and_rows_without_them_still_match(home: Paths) -> None:
    # the parsed comparison fields and employer core are stored with the posting, so a later run reads
    # the pool without re-parsing its text
    _land(home, "board_a", [
        vacancy("鸿远", source_record_id="a1"),
        vacancy("瑞丰", source_record_id="c1", hiring_organization="瑞丰超市（南池店）",
                description=description(brand="瑞丰超市（南池店）")),
    ])
    run_all(home)
    con = duckdb.connect(str(home.warehouse))
    stored = dict(con.execute("select source_record_id, match_branch from core.posting").fetchall())
    assert stored["c1"] == "南池店" and stored["a1"] is not None
    assert con.execute("select count(*) from core.posting where match_employer is null").fetchall()[0][0] == 0
    # a pool loaded before the fields existed (nulls) is parsed from its text instead, with the same result
    con.execute("update core.posting set match_branch = null, match_road_no = null, match_hours = null, "
                "match_headcount = null, match_contact = null, match_employer = null, match_shift_name = null")
    con.close()
    first = _jobs(home, "core.posting")
    _land(home, "feed_b", [
        vacancy("鸿远", source_record_id="b1", hiring_organization="鸿远超市（古槐店）", job_location="济宁市任城区"),
        vacancy("瑞丰", source_record_id="d1", hiring_organization="瑞丰超市（古槐店）",
                description=description(brand="瑞丰超市（古槐店）")),
    ])
    run_all(home)
    second = _jobs(home, "core.posting")
    assert second["b1"] == first["a1"]
    assert second["d1"] != first["c1"]  # another branch: the legacy row's branch was parsed from its text


def test_signatures_stored_with_another_length_are_recomputed(home: Paths) -> None:
    """A pool deduplicated when signatures had 16 values (NUM_PERM was 16) still matches: its text is read."""
    _land(home, "board_a", [vacancy("鸿远", source_record_id="a1")])
    run_all(home)
    con = duckdb.connect(str(home.warehouse))
    con.execute("update core.posting set text_signature = text_signature[1:16]")
    con.close()
    first = _jobs(home, "core.posting")
    _land(home, "feed_b", [vacancy("鸿远", source_record_id="b1", hiring_organization="鸿远超市（古槐店）",
                                   job_location="济宁市任城区")])
    run_all(home)
    assert _jobs(home, "core.posting")["b1"] == first["a1"]
