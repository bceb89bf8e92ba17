"""Salary parser: unit cases per form, a hand/rule-labelled set from the real boards, and real-file coverage.

The real files are read from ``shared_data_dir()``; a missing folder is a failure, not a skip, because
these tests are the evidence that the parser works on real job-board text.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest

from landing.paths import Paths, shared_data_dir
from tests.support.paths import DATA
from transforms.normalise.salary import (
    DAYS_PER_MONTH,
    HOURS_PER_MONTH,
    WEEKS_PER_MONTH,
    Salary,
    parse_salary,
    register_duckdb,
    salary_from_structured,
    salary_to_dict,
)

LABELLED = DATA / "salary_labelled.csv"
# Distinct strings in the real files that are deliberately not salaries: header row repeated as data
# (boss), campus-hire marker without an amount (zhaopin), and the missing-value sentinels.
KNOWN_UNPARSEABLE = frozenset({"薪资", "校招", "-1", "[]"})


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# --- (a) unit cases -----------------------------------------------------------------------------------

CASES: list[tuple[str, tuple[str | None, str | None, float | None, float | None, int, bool]]] = [
    ("10-15K", ("CNY", "MONTH", 10_000, 15_000, 12, False)),
    ("15-30K·13薪", ("CNY", "MONTH", 15_000, 30_000, 13, False)),
    ("15-16K·24薪", ("CNY", "MONTH", 15_000, 16_000, 24, False)),
    ("15k-30k", ("CNY", "MONTH", 15_000, 30_000, 12, False)),
    ("4K-7.5K", ("CNY", "MONTH", 4_000, 7_500, 12, False)),
    ("4K以上", ("CNY", "MONTH", 4_000, None, 12, False)),
    ("4-6千/月", ("CNY", "MONTH", 4_000, 6_000, 12, False)),
    ("0.6-1万/月", ("CNY", "MONTH", 6_000, 10_000, 12, False)),
    ("1.1-1.3万/月", ("CNY", "MONTH", 11_000, 13_000, 12, False)),
    ("['0.6-1万/月']", ("CNY", "MONTH", 6_000, 10_000, 12, False)),
    ("20-30万/年", ("CNY", "YEAR", 200_000, 300_000, 12, False)),
    ("年薪6-8万", ("CNY", "YEAR", 60_000, 80_000, 12, False)),
    ("100万以上/年", ("CNY", "YEAR", 1_000_000, None, 12, False)),
    ("2万以下/年", ("CNY", "YEAR", None, 20_000, 12, False)),
    ("150元/天", ("CNY", "DAY", 150, 150, 12, False)),
    ("150-200元/天", ("CNY", "DAY", 150, 200, 12, False)),
    ("日薪200元", ("CNY", "DAY", 200, 200, 12, False)),
    ("日结150元", ("CNY", "DAY", 150, 150, 12, False)),
    ("时薪20元", ("CNY", "HOUR", 20, 20, 12, False)),
    ("20元/小时", ("CNY", "HOUR", 20, 20, 12, False)),
    ("100-120元/时", ("CNY", "HOUR", 100, 120, 12, False)),
    ("3000-10000元/月", ("CNY", "MONTH", 3_000, 10_000, 12, False)),
    ("3500元以上", ("CNY", "MONTH", 3_500, None, 12, False)),
    ("4000-6000元", ("CNY", "MONTH", 4_000, 6_000, 12, False)),
    ("底薪3000+提成", ("CNY", "MONTH", 3_000, None, 12, False)),
    ("包吃住 4-6千/月 五险一金 税前", ("CNY", "MONTH", 4_000, 6_000, 12, False)),
    ("５０００～８０００元", ("CNY", "MONTH", 5_000, 8_000, 12, False)),
    ("１０－１５Ｋ·１３薪", ("CNY", "MONTH", 10_000, 15_000, 13, False)),
    ("5000至8000元", ("CNY", "MONTH", 5_000, 8_000, 12, False)),
    ("5000到8000元", ("CNY", "MONTH", 5_000, 8_000, 12, False)),
    ("8~10K", ("CNY", "MONTH", 8_000, 10_000, 12, False)),
    ("8—10K", ("CNY", "MONTH", 8_000, 10_000, 12, False)),
    ("8–10K", ("CNY", "MONTH", 8_000, 10_000, 12, False)),
    ("2-3千/周", ("CNY", "WEEK", 2_000, 3_000, 12, False)),
    ("面议", ("CNY", None, None, None, 12, True)),
    ("薪资面议", ("CNY", None, None, None, 12, True)),
    ("保密", ("CNY", None, None, None, 12, True)),
    ("6-8K 面议", ("CNY", "MONTH", 6_000, 8_000, 12, True)),
    ("Negotiable", (None, None, None, None, 12, True)),
    ("$53K-$91K (Glassdoor est.)", ("USD", "YEAR", 53_000, 91_000, 12, False)),
    ("$21-$34 Per Hour(Glassdoor est.)", ("USD", "HOUR", 21, 34, 12, False)),
    ("Employer Provided Salary:$25-$28 Per Hour", ("USD", "HOUR", 25, 28, 12, False)),
    ("Employer Provided Salary:$100K-$140K", ("USD", "YEAR", 100_000, 140_000, 12, False)),
    ("$190K-$220K(Employer est.)", ("USD", "YEAR", 190_000, 220_000, 12, False)),
    ("$120,000+", ("USD", "YEAR", 120_000, None, 12, False)),
    ("$50,000 - $60,000 a year", ("USD", "YEAR", 50_000, 60_000, 12, False)),
    ("£25 an hour", ("GBP", "HOUR", 25, 25, 12, False)),
    # open-ended: a minimum and no maximum (never the minimum copied into the maximum) ...
    ("120元/天起", ("CNY", "DAY", 120, None, 12, False)),
    ("日结150元起", ("CNY", "DAY", 150, None, 12, False)),
    ("3000元以上", ("CNY", "MONTH", 3_000, None, 12, False)),
    ("3000元/月以上", ("CNY", "MONTH", 3_000, None, 12, False)),
    ("3000元/月起", ("CNY", "MONTH", 3_000, None, 12, False)),
    ("5000+", ("CNY", "MONTH", 5_000, None, 12, False)),
    ("5000+/月", ("CNY", "MONTH", 5_000, None, 12, False)),
    ("月薪4000起", ("CNY", "MONTH", 4_000, None, 12, False)),
    ("最低3000", ("CNY", "MONTH", 3_000, None, 12, False)),
    ("月薪不低于4000元", ("CNY", "MONTH", 4_000, None, 12, False)),
    ("保底3000元/月", ("CNY", "MONTH", 3_000, None, 12, False)),
    # ... and a maximum with no minimum
    ("3000元以下", ("CNY", "MONTH", None, 3_000, 12, False)),
    ("3000元/月以下", ("CNY", "MONTH", None, 3_000, 12, False)),
    ("最高8000", ("CNY", "MONTH", None, 8_000, 12, False)),
    ("月薪最高可达8000元", ("CNY", "MONTH", None, 8_000, 12, False)),
    ("不超过5000元/月", ("CNY", "MONTH", None, 5_000, 12, False)),
    ("200元/天封顶", ("CNY", "DAY", None, 200, 12, False)),
    ("up to $30 an hour", ("USD", "HOUR", None, 30, 12, False)),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_forms(text: str, expected: tuple[str | None, str | None, float | None, float | None, int, bool]) -> None:
    s = parse_salary(text)
    assert s is not None
    cur, per, lo, hi, months, neg = expected
    assert (s.currency, s.period, s.months_per_year, s.negotiable) == (cur, per, months, neg)
    assert _close(s.min_amount, lo) and _close(s.max_amount, hi), s


@pytest.mark.parametrize("text", [None, "", "   ", "-1", "[]", "校招", "薪资", "包吃住", "五险一金", "150元", "abc"])
def test_none(text: str | None) -> None:
    assert parse_salary(text) is None


def test_monthly_conventions() -> None:
    s = parse_salary("200元/天")
    assert s is not None and _close(s.monthly_min, round(200 * DAYS_PER_MONTH, 2))
    h = parse_salary("20元/小时")
    assert h is not None and _close(h.monthly_min, 20 * HOURS_PER_MONTH) and HOURS_PER_MONTH == 174
    w = parse_salary("2千/周")
    assert w is not None and _close(w.monthly_min, round(2000 * WEEKS_PER_MONTH, 2))
    y = parse_salary("12-24万/年")
    assert y is not None and (y.monthly_min, y.monthly_max) == (10_000, 20_000)
    # N薪 raises the monthly equivalent (annualised / 12): 12K × 13 / 12 = 13K; 12薪 leaves it alone.
    m = parse_salary("12-24K·13薪")
    assert m is not None and (m.monthly_min, m.monthly_max) == (13_000, 26_000)
    assert parse_salary("12-24K").monthly_min == 12_000  # type: ignore[union-attr]


def test_open_ended_monthly_equivalents() -> None:
    """An open end stays open in the monthly equivalent too: filters on monthly_max must not see a cap."""
    daily = parse_salary("120元/天起")
    assert daily is not None
    assert (daily.monthly_min, daily.monthly_max) == (round(120 * DAYS_PER_MONTH, 2), None)
    capped = parse_salary("最高8000")
    assert capped is not None and (capped.monthly_min, capped.monthly_max) == (None, 8000.0)


def test_salary_to_dict_is_json() -> None:
    d = salary_to_dict(parse_salary("10-15K·13薪"))
    assert d is not None and json.loads(json.dumps(d))["months_per_year"] == 13
    assert salary_to_dict(None) is None
    assert isinstance(parse_salary("10-15K"), Salary)


def test_duckdb_udf() -> None:
    con = duckdb.connect()
    register_duckdb(con)
    con.execute("CREATE TABLE t(s VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [["10-15K·13薪"], [None], ["-1"], ["['150元/天']"], ["面议"]])
    rows = con.execute(
        "SELECT s, parse_salary(s) AS p, typeof(parse_salary(s)) FROM t ORDER BY s NULLS FIRST"
    ).fetchall()
    by_text = {r[0]: r[1] for r in rows}
    assert by_text[None] is None and by_text["-1"] is None
    assert by_text["10-15K·13薪"]["min_amount"] == 10_000 and by_text["10-15K·13薪"]["months_per_year"] == 13
    assert by_text["['150元/天']"]["period"] == "DAY"
    assert by_text["面议"]["negotiable"] is True and by_text["面议"]["min_amount"] is None
    assert rows[0][2].startswith("STRUCT(currency VARCHAR, period VARCHAR, min_amount DOUBLE")
    assert con.execute("SELECT parse_salary(s).period FROM t WHERE s = '10-15K·13薪'").fetchone() == ("MONTH",)


# --- (b) labelled set ---------------------------------------------------------------------------------


def _opt_float(v: str) -> float | None:
    return float(v) if v != "" else None


def test_labelled_set_accuracy() -> None:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts) >= 300
    failures: list[str] = []
    for r in rows:
        got = parse_salary(r["text"])
        if r["currency"] == "" and r["period"] == "" and r["negotiable"] == "":
            ok = got is None
        else:
            ok = (
                got is not None
                and (got.currency or "") == r["currency"]
                and (got.period or "") == r["period"]
                and _close(got.min_amount, _opt_float(r["min_amount"]))
                and _close(got.max_amount, _opt_float(r["max_amount"]))
                and got.months_per_year == int(r["months_per_year"])
                and got.negotiable == (r["negotiable"] == "true")
            )
        if not ok:
            failures.append(f"{r['text']!r}: expected {r}, got {got}")
    accuracy = 1 - len(failures) / len(rows)
    print(f"\nlabelled salary set: {len(rows) - len(failures)}/{len(rows)} exact ({accuracy:.2%})")
    for line in failures:
        print("  FAIL", line)
    assert accuracy >= 0.99


# --- (c) real-file coverage ---------------------------------------------------------------------------


def real_salary_columns() -> Iterator[tuple[str, pd.Series]]:
    """(file label, salary column) for every real board file that carries a salary string."""
    root = shared_data_dir()
    assert root.is_dir(), f"real data folder missing: {root}"
    yield "boss/boss.csv 薪资", pd.read_csv(root / "boss" / "boss.csv", dtype=str)["薪资"]
    yield "51job/51job.csv 薪酬", pd.read_csv(root / "51job" / "51job.csv", dtype=str)["薪酬"]
    yield (
        "51job_gbk/51job.csv 薪资",
        pd.read_csv(root / "51job_gbk" / "51job.csv", dtype=str, encoding="gbk")["薪资"],
    )
    yield (
        "lagou/lagou.csv salary",
        pd.read_csv(root / "lagou" / "lagou.csv", dtype=str, encoding="utf-8-sig")["salary"],
    )
    objs = json.loads((root / "zhaopin" / "zhaopin_api.json").read_text(encoding="utf-8"))
    yield "zhaopin/zhaopin_api.json salary", pd.Series([o.get("salary") for o in objs], dtype=object)
    yield (
        "glassdoor/glassdoor_jobs.csv Salary Estimate",
        pd.read_csv(root / "glassdoor" / "glassdoor_jobs.csv", dtype=str)["Salary Estimate"],
    )


def test_every_real_salary_parses_or_is_known() -> None:
    unexpected: list[str] = []
    print()
    for label, col in real_salary_columns():
        distinct = [t for t in col.dropna().unique() if str(t).strip()]
        blanks = int(col.isna().sum() + (col.fillna("x").str.strip() == "").sum())
        parsed = [t for t in distinct if parse_salary(t) is not None]
        known = [t for t in distinct if parse_salary(t) is None and t.strip() in KNOWN_UNPARSEABLE]
        bad = [t for t in distinct if parse_salary(t) is None and t.strip() not in KNOWN_UNPARSEABLE]
        rows_ok = int(col.map(lambda t: isinstance(t, str) and parse_salary(t) is not None).sum())
        print(
            f"  {label}: distinct parsed {len(parsed)}/{len(distinct)} ({len(parsed) / len(distinct):.1%}),"
            f" rows parsed {rows_ok}/{len(col)} ({rows_ok / len(col):.1%}); known-unparseable {known};"
            f" blank rows {blanks}"
        )
        unexpected += [f"{label}: {t!r}" for t in bad]
    assert not unexpected, unexpected


def test_throughput_on_distinct_strings() -> None:
    """Uncached parse cost on every distinct real string; a generous floor guards against regex blow-ups."""
    distinct = sorted({t for _, col in real_salary_columns() for t in col.dropna().unique()})
    raw = parse_salary.__wrapped__
    reps = max(1, 20_000 // len(distinct))
    t0 = time.perf_counter()
    for _ in range(reps):
        for t in distinct:
            raw(t)
    rate = reps * len(distinct) / (time.perf_counter() - t0)
    print(f"\nparse_salary uncached: {rate:,.0f} distinct strings/s over {len(distinct)} strings")
    assert rate > 5_000


# --- (d) analysts: the same parser in `jobpool sql` and `jobpool parse salary` ---------------------------


def test_jobpool_sql_has_parse_salary(home: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    from jobpool.cli import main
    from warehouse.db import connect_writer

    with connect_writer(home.warehouse):
        pass  # an empty warehouse, as after the first `jobpool process`
    sql = "select parse_salary('4-6千/月').monthly_min as lo, parse_salary('150元/天').monthly_max as hi"
    assert main(["sql", sql, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"lo": 4000.0, "hi": round(150 * DAYS_PER_MONTH, 2)}]
    assert main(["parse", "salary", "10-15K·13薪"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert (parsed["min_amount"], parsed["months_per_year"], parsed["period"]) == (10_000.0, 13, "MONTH")
    for text, lo, hi in (("3000元以上", 3000.0, None), ("120元/天起", 120.0, None), ("最高8000", None, 8000.0)):
        assert main(["parse", "salary", text]) == 0
        parsed = json.loads(capsys.readouterr().out)
        assert (parsed["min_amount"], parsed["max_amount"], parsed["monthly_max"] is None) == (lo, hi, hi is None)


def test_structured_figures_beat_the_text() -> None:
    text = parse_salary("4千左右")
    s = salary_from_structured("CNY", "MONTH", "3800", "4500", text_salary=text)
    assert (s.min_amount, s.max_amount, s.monthly_max) == (3800.0, 4500.0, 4500.0)
    day = salary_from_structured("RMB", "day", "120", None)
    assert (day.currency, day.period, day.min_amount, day.max_amount) == ("CNY", "DAY", 120.0, None)
    # a bare baseSalary number (no unitText, no maximum) is an exact amount; the period comes from the text
    bare = salary_from_structured("USD", None, "100000", None, text_salary=parse_salary("USD 100000"))
    assert (bare.period, bare.min_amount, bare.max_amount) == ("YEAR", 100000.0, 100000.0)
    assert salary_from_structured("CNY", "PIECE", "3", "5") is None  # unknown unit: fall back to the text
    assert salary_from_structured("CNY", "MONTH", "n/a", "") is None
