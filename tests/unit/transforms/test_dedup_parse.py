"""The details deduplication reads out of free text (transforms/dedup/blocking.py), in DuckDB: working
hours in one spelling whatever the board wrote, a named shift, and a text's size from its signature."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from transforms.dedup.blocking import _parsed_sql, minhash
from transforms.dedup.score import BRIEF_TEXT, _clauses_estimate


def _parse(field: str, title: str, description: str) -> str | None:
    con = duckdb.connect()
    try:
        sql = _parsed_sql()[field]
        return con.execute(f"select {sql} from (select ?::varchar as title, ?::varchar as description, "
                           f"null::varchar as address, null::varchar as employer_branch)",
                           [title, description]).fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize(("text", "hours"), [
    ("工作时间：8:00-17:00，月休4天", "8:00-17:00"),
    ("工作时间:8点-17点", "8:00-17:00"),
    ("上班时间 早上8点到下午5点半", "8:00-17:30"),
    ("工作时间：20:00至次日8:00", "20:00-8:00"),
    ("时间 8：30～17：30", "8:30-17:30"),
    ("晚上10点-早上6点", "22:00-6:00"),
    ("9:00-6:00", "9:00-18:00"),  # an end before the start, within 12 hours: the afternoon
    ("年龄18-55周岁，身体健康", None),  # an age range is not working hours
    ("", None),
])
def test_working_hours_in_one_spelling(text: str, hours: str | None) -> None:
    assert _parse("hours", "", text) == hours


@pytest.mark.parametrize(("title", "text", "shift"), [
    ("保安（夜班）", "负责小区巡逻", "夜班"),
    ("保安", "岗位：大夜班，22:00-6:00", "夜班"),
    ("分拣员", "长白班，不倒班", "白班"),
    ("收银员", "两班倒：白班和夜班轮换", None),  # names two shifts: none is the shift
    ("收银员", "负责收银", None),
])
def test_a_named_shift_only_when_one_is_named(title: str, text: str, shift: str | None) -> None:
    assert _parse("shift_name", title, text) == shift


def test_brief_and_full_texts_are_told_apart_by_their_signatures() -> None:
    """The pool keeps a description only as its MinHash; its size is estimated from the minima."""
    rng = np.random.default_rng(3)
    sizes = [3, 5, 7, 24, 30, 40] * 20
    clauses = pa.array([rng.integers(1, 2**62, k).tolist() for k in sizes], type=pa.list_(pa.uint64()))
    estimate = _clauses_estimate(minhash(clauses))
    brief = estimate <= BRIEF_TEXT
    assert brief[np.array(sizes) <= 7].mean() > 0.95
    assert not brief[np.array(sizes) >= 24].any()


def test_minhash_does_not_depend_on_how_postings_are_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signatures are computed in chunks of postings; a posting's signature is the same whatever
    chunk it falls in, and an empty description keeps the all-max signature."""
    import transforms.dedup.blocking as blocking

    rng = np.random.default_rng(5)
    lists = [rng.integers(1, 2**62, int(k)).tolist() for k in rng.integers(0, 40, 300)]
    clauses = pa.array(lists, type=pa.list_(pa.uint64()))
    whole = minhash(clauses)
    monkeypatch.setattr(blocking, "_MINHASH_CHUNK", 7)  # a chunk boundary inside almost every posting
    assert np.array_equal(minhash(clauses), whole)
    one_by_one = np.vstack([minhash(pa.array([x], type=pa.list_(pa.uint64()))) for x in lists])
    assert np.array_equal(one_by_one, whole)
    empty = np.array([len(x) == 0 for x in lists])
    assert empty.any() and (whole[empty] == np.iinfo(np.uint32).max).all()
