"""Open-ended salaries through the real pipeline on a DuckDB warehouse (the parser itself:
tests/unit/transforms/test_salary.py)."""

from __future__ import annotations

import duckdb

from landing.paths import Paths
from transforms.normalise.salary import DAYS_PER_MONTH


def test_open_ended_salaries_through_the_pipeline(home: Paths) -> None:
    """Downstream takes a missing bound: validation does not quarantine it (min ≤ max is checked only
    when both are there), core and published keep it null, matching still has a monthly pay, and
    survivorship counts a ceiling alone ("最高8000") as a stated salary, over a copy that states none."""
    from circle.radar import job_features_sql
    from jobpool.pipeline import run_all
    from landing.contract import BatchWriter

    jobs = {  # id: (title, employer, address, salary)
        "o1": ("收银员", "济宁鸿远商业连锁有限公司", "济宁市任城区古槐街道建设路88号", "120元/天起"),
        "o2": ("电焊工", "兖州华通机械制造有限公司", "济宁市兖州区鼓楼街道九州大道15号", "3000元以下"),
        "o3": ("保洁员", "曲阜明德物业管理有限公司", "济宁市曲阜市鲁城街道静轩路3号", "最高8000"),
        "o4": ("面点师", "邹城华宇餐饮有限公司", "济宁市邹城市钢山街道太平东路120号", "月薪4000起"),
    }

    def record(rid: str, salary: str | None) -> dict[str, str | None]:
        title, employer, address, _ = jobs[rid]
        return {"source_record_id": rid, "title": title, "base_salary": salary, "description": f"招{title}",
                "hiring_organization": employer, "job_location": address, "date_posted": "2026-11-20"}

    with BatchWriter("a_board", root=home) as writer:  # the same 保洁员 vacancy without a salary, first;
        writer.add(record("o3", None))                   # the 电焊工 with another ceiling: another vacancy
        writer.add({**record("o2", "最高8000"), "source_record_id": "o2-other"})
    with BatchWriter("b_board", root=home) as writer:
        writer.extend(record(rid, job[3]) for rid, job in jobs.items())
    run_all(home)
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        assert not con.execute("select count(*) from audit.quarantine").fetchone()[0]
        rows = con.execute("select title, [salary_min, salary_max, salary_monthly_max] from published.open_jobs "
                           "order by all").fetchall()
        pays = con.execute(f"select title, monthly_pay from ({job_features_sql('select * from core.job')}) "
                           "order by all").fetchall()
    finally:
        con.close()
    assert rows == sorted([("收银员", [120.0, None, None]), ("电焊工", [None, 3000.0, 3000.0]),
                           ("电焊工", [None, 8000.0, 8000.0]), ("保洁员", [None, 8000.0, 8000.0]),
                           ("面点师", [4000.0, None, None])])
    assert pays == sorted([("收银员", round(120 * DAYS_PER_MONTH, 2)), ("电焊工", 3000.0), ("电焊工", 8000.0),
                           ("保洁员", 8000.0), ("面点师", 4000.0)])
