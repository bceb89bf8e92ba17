"""Date parsing: every form the sources use, year inference for year-less dates, and real-file samples.

Real files come from ``shared_data_dir()``; a missing folder is a failure, not a skip.
"""

from __future__ import annotations

import ast
import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from landing.paths import shared_data_dir
from transforms.normalise.dates import DEFAULT_VALID_DAYS, SHORT_VALID_DAYS, default_valid_through, parse_date

REF = date(2026, 11, 18)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-18", date(2026, 11, 18)),
        ("2026/11/18", date(2026, 11, 18)),
        ("2026.1.8", date(2026, 1, 8)),
        ("2026年11月18日", date(2026, 11, 18)),
        ("发布于2026年11月18日", date(2026, 11, 18)),
        ("２０２６－１１－１８", date(2026, 11, 18)),  # full-width
        ("2018-08-24 08:52:51", date(2018, 8, 24)),
        ("11-13发布", date(2026, 11, 13)),
        ("09-13", date(2026, 9, 13)),
        ("11-19", date(2026, 11, 19)),  # reference + 1 day is still this year
        ("11-20", date(2025, 11, 20)),  # would be 2 days ahead: last year
        ("12-25发布", date(2025, 12, 25)),
        ("11月13日", date(2026, 11, 13)),
        ("今天", REF),
        ("刚刚", REF),
        ("昨天", date(2026, 11, 17)),
        ("前天", date(2026, 11, 16)),
        ("3天前", date(2026, 11, 15)),
        ("2小时前", REF),
        ("30分钟前", REF),
        ("1周前", date(2026, 11, 11)),
        ("1个月前", date(2026, 10, 18)),
        ("3 days ago", date(2026, 11, 15)),
        ("20220121", date(2022, 1, 21)),
        ("Mon, 15 Jan 2024 10:00:00 GMT", date(2024, 1, 15)),
        ("Tue, 29 Jun 2021 22:49:39 GMT", date(2021, 6, 29)),
        ("Mon, 08 Nov 2021", date(2021, 11, 8)),  # Indeed expirationdate: no time
        ("15 Jan 2024", date(2024, 1, 15)),
        ("2024-01-15T10:00:00Z", date(2024, 1, 15)),
        ("2024-01-15T23:30:00+08:00", date(2024, 1, 15)),  # date as written, not shifted to UTC
        ("2024-01-15T00:30:00-05:00", date(2024, 1, 15)),
        ("19/10/2018", date(2018, 10, 19)),  # day > 12: day first
        ("05/06/2023", date(2023, 5, 6)),  # ambiguous: month first unless dayfirst
    ],
)
def test_forms(text: str, expected: date) -> None:
    assert parse_date(text, REF) == expected


def test_dayfirst() -> None:
    assert parse_date("05/06/2023", REF, dayfirst=True) == date(2023, 6, 5)
    assert parse_date("12/25/2023", REF) == date(2023, 12, 25)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "  ",
        "garbage",
        "薪资面议",
        "2026-02-30",
        "13/13/2020",
        "99-99",
        "abc 12",
        42,
        [1],
        "0001-01-03 00:00:00",
        "2099-12-31",
    ],
)
def test_garbage_is_none(text: object) -> None:
    assert parse_date(text, REF) is None


def test_date_objects_pass_through() -> None:
    assert parse_date(date(2020, 1, 2), REF) == date(2020, 1, 2)
    assert parse_date(datetime(2020, 1, 2, 5, tzinfo=UTC), REF) == date(2020, 1, 2)


def test_year_rollover_in_january() -> None:
    assert parse_date("12-31", date(2027, 1, 2)) == date(2026, 12, 31)
    assert parse_date("01-03", date(2027, 1, 2)) == date(2027, 1, 3)


def test_default_valid_through() -> None:
    posted = date(2026, 11, 18)
    assert default_valid_through(posted, "FULL_TIME") == date(2026, 12, 18)
    assert default_valid_through(posted, None) == posted.fromordinal(posted.toordinal() + DEFAULT_VALID_DAYS)
    assert default_valid_through(posted, "TEMPORARY") == date(2026, 11, 25)
    assert default_valid_through(posted, "per diem") == date(2026, 11, 18 + SHORT_VALID_DAYS)
    assert default_valid_through(posted, ["FULL_TIME", "PER_DIEM"]) == date(2026, 11, 25)


# ------------------------------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def real() -> Path:
    root = shared_data_dir()
    assert root.is_dir(), f"shared real data missing at {root} (set JOBPOOL_SHARED_DATA)"
    return root


def test_real_51job_year_less(real: Path) -> None:
    with (real / "51job" / "51job.csv").open(encoding="utf-8", newline="") as fh:
        rows = [ast.literal_eval(r["标签"])[1] for r in csv.DictReader(fh)]
    tags = [next(t for t in row if t.endswith("发布")) for row in rows]  # list length varies
    assert {parse_date(t, date(2018, 9, 5)) for t in tags} == {date(2018, 9, 3)}
    assert {parse_date(t, date(2019, 1, 10)) for t in tags} == {date(2018, 9, 3)}  # rolled back a year


def test_real_zhaopin_and_indeed(real: Path) -> None:
    objs = json.loads((real / "zhaopin" / "zhaopin_api.json").read_text(encoding="utf-8"))
    for o in objs:
        created = parse_date(o["createDate"], REF)
        end = parse_date(o["endDate"], REF)  # 3 objects carry the sentinel 0001-01-03
        assert created is not None and (end is None or created <= end)
        assert (end is None) == o["endDate"].startswith("0001")
    # Zhaopin's own endDate = createDate + 30 days: the basis of DEFAULT_VALID_DAYS.
    first = objs[0]
    posted = parse_date(first["createDate"], REF)
    assert posted is not None and default_valid_through(posted) == parse_date(first["endDate"], REF)
    with (real / "indeed" / "indeed_jobs.csv").open(encoding="utf-8", newline="") as fh:
        stamps = {row[5] for row in csv.reader(fh)}
    assert {parse_date(s, REF) for s in stamps} == {date(2022, 1, 21)}
