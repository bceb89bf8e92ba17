"""The columnar normaliser gives exactly the reference (per-row) output, on real files and generated data.

``normalise_rows`` applies the per-value functions one posting at a time; ``normalise_batch`` is the
production path (distinct values, numpy, RE2 pre-filters). Every column of every row must agree.
Real files come from ``shared_data_dir()``; a missing folder fails the test.
"""

from __future__ import annotations

import importlib.util
import random
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pyarrow as pa
import pytest

from tests.support.paths import REPO
from transforms.normalise.columns import normalise_batch
from transforms.normalise.record import NORMALISED_SCHEMA
from transforms.normalise.rows import normalise_rows
from transforms.normalise.run import normalise_batches

FETCHED = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)


@cache
def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("normalise_bench", REPO / "bench" / "normalise_bench.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _landing(source: str, rows: list[dict[str, Any]]) -> pa.RecordBatch:
    return _bench().landing_batch(source, rows)


@cache
def real_batches() -> dict[str, pa.RecordBatch]:
    return _bench().real_batches()


def _fuzz_rows(n: int, seed: int = 5) -> list[dict[str, Any]]:
    """Adversarial combinations: negations, line breaks, phones, coordinates on borders and far away."""
    rnd = random.Random(seed)
    bits = ["夜班", "无夜班", "日结", "不招残疾人", "助残岗", "9:00-15:00", "8点到14点", "50-60岁", "60岁以下", "night",
            " shift", "\n", "temp", " role", "兼职", "全职", "实习", "临时工", "宝妈", "退休返聘", "138 1234 5678",
            "0537-2345678", "a@b.cn", "370811199001011234", "（日结）", "【急招】", "Full-Time", "", "15", ":00"]
    places = [None, "", "济宁市任城区", "嘉祥县", "曲阜 鲁城街道", "南京-栖霞区", "北京·海淀区", "朝阳区",
              "任城区古槐街道12号", "电话13812345678 济宁"]
    employers = [None, "济宁市某某商贸有限公司", "某某超市（太白湖店）", "Acme Inc.\n3.8", "电话0537-2345678"]
    salaries = [None, "4-6千/月", "150元/天", "面议", "-1", "10-15K·13薪"]
    coords = [(None, None), ("35.41", "116.59"), ("116.59", "35.41"), (0, 0), ("35.0", "35.0"), (31.23, 121.47),
              (35.58, 116.99), (34.44, 116.9), ("x", "1"), (32.02, 118.86)]

    def text(k: int) -> str | None:
        s = "".join(rnd.choice(bits) for _ in range(rnd.randint(0, k)))
        return s or rnd.choice([None, ""])

    rows = []
    for _ in range(n):
        lat, lon = rnd.choice(coords)
        rows.append({
            "title": text(3), "description": text(8),
            "employment_type": rnd.choice([None, "", "全职", "PART_TIME", "temp"]),
            "hiring_organization": rnd.choice(employers), "job_location": rnd.choice(places),
            "base_salary": rnd.choice(salaries),
            "date_posted": rnd.choice([None, "3天前", "今天", "09-13发布", "2026-11-18", "garbage"]),
            "valid_through": rnd.choice([None, "2026-12-31", "0001-01-03"]),
            "fetched_at": rnd.choice([FETCHED, datetime(2026, 1, 1, 3, tzinfo=UTC)]),
            "extra": {"latitude": lat, "longitude": lon, "city": rnd.choice([None, "济宁", "南京", 370800]),
                      "district": rnd.choice([None, "", "['南京-栖霞区']", "嘉祥县", ["济宁", "任城区"], 5]),
                      "tags": rnd.sample(["日结", "妈妈岗", "银龄岗", "夜班", "五险一金"], rnd.randint(0, 2)),
                      **rnd.choice([{}, {"salary_currency": "CNY", "salary_min": "4000", "salary_max": "6000",
                                         "salary_unit": "MONTH"}, {"salary_min": "120", "salary_unit": "DAY"}])},
        })
    return rows


def _assert_same(batch: pa.RecordBatch) -> None:
    got = normalise_batch(batch)
    want = pa.RecordBatch.from_pylist(list(normalise_rows(batch.to_pylist())), schema=NORMALISED_SCHEMA)
    assert got.schema == NORMALISED_SCHEMA
    assert got.num_rows == batch.num_rows
    for name in NORMALISED_SCHEMA.names:
        a, b = got.column(name).to_pylist(), want.column(name).to_pylist()
        diff = [(i, x, y) for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        assert not diff, f"{name}: {len(diff)} rows differ, e.g. {diff[:3]}"


@pytest.mark.parametrize("name", ["boss", "51job", "51job_gbk", "lagou", "zhaopin", "glassdoor", "indeed", "schemaorg"])
def test_real_files_same_as_reference(name: str) -> None:
    _assert_same(real_batches()[name])


@cache
def landed_batches() -> dict[str, pa.RecordBatch]:
    return _bench().landed_real_batches()


@pytest.mark.parametrize("name", ["boss", "51job", "51job_gbk", "lagou", "zhaopin"])
def test_feed_landed_files_same_as_reference(name: str) -> None:
    """The records the ingest step lands with the presets (area fields in ``extra``)."""
    _assert_same(landed_batches()[name])


def test_generated_records_same_as_reference() -> None:
    batch = next(_bench().landing_batches(12_000, seed=3, chunk_size=12_000))
    _assert_same(batch)


def test_fuzz_same_as_reference() -> None:
    _assert_same(_landing("fuzz", _fuzz_rows(4_000)))


def test_streaming_with_workers_keeps_order_and_rows() -> None:
    batches = list(_bench().landing_batches(9_000, seed=4, chunk_size=2_500))
    alone = pa.Table.from_batches(list(normalise_batches(batches, chunk_size=2_000, workers=1)))
    pooled = pa.Table.from_batches(list(normalise_batches(batches, chunk_size=2_000, workers=2)))
    assert alone.num_rows == pooled.num_rows == 9_000
    assert alone.equals(pooled)
    assert alone.column("record_index").to_pylist() == list(range(9_000))


def test_structured_salary_wins_and_personal_data_is_masked() -> None:
    batch = _landing("t", [{
        "title": "保洁员 电话13812345678", "base_salary": "4千左右", "job_location": "济宁市任城区 联系0537-2345678",
        "hiring_organization": "济宁某某保洁服务有限公司13812345678",
        "extra": {"salary_currency": "CNY", "salary_min": "3800", "salary_max": "4500", "salary_unit": "MONTH"},
    }])
    row = normalise_batch(batch).to_pylist()[0]
    assert (row["salary_min"], row["salary_max"], row["salary_period"]) == (3800.0, 4500.0, "MONTH")
    assert row["salary_text"] == "4千左右"  # the landed text is kept as it was
    for field in ("title", "address", "employer_name", "employer_key"):
        assert "13812345678" not in row[field] and "2345678" not in row[field], (field, row[field])
    assert row["district_adcode"] == "370811" and row["place_method"].startswith("text")


def test_workers_spill_to_temp_dir_when_shm_is_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks cross to workers as Arrow IPC files; with no room in /dev/shm they go to the temp dir, and
    nothing is left behind either way."""
    import glob
    import shutil
    import tempfile

    import transforms.normalise.run as normalise

    monkeypatch.setattr(normalise, "SPILL_MIN_FREE", 1 << 62)
    probe = normalise._spill_dir()
    shutil.rmtree(probe)
    assert probe.startswith(tempfile.gettempdir())
    batches = list(_bench().landing_batches(5_000, seed=6, chunk_size=2_500))
    before = set(glob.glob(f"{tempfile.gettempdir()}/jobpool-normalise-*"))
    pooled = pa.Table.from_batches(list(normalise_batches(batches, chunk_size=1_500, workers=2)))
    alone = pa.Table.from_batches(list(normalise_batches(batches, chunk_size=1_500, workers=1)))
    assert pooled.equals(alone)
    assert set(glob.glob(f"{tempfile.gettempdir()}/jobpool-normalise-*")) <= before
