"""The columnar normaliser gives exactly the reference (per-row) output, on real files and generated data.

``normalise_rows`` applies the per-value functions one posting at a time; ``normalise_batch`` is the
production path (distinct values, numpy, RE2 pre-filters). Every column of every row must agree.
Real files come from ``shared_data_dir()``; a missing folder fails the test.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from crawlers.jobposting import posting_to_fields
from jobpool.config import shared_data_dir
from transforms.normalise import NORMALISED_SCHEMA, normalise_batch, normalise_batches, normalise_rows

ROOT = Path(__file__).resolve().parents[1]
FETCHED = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 01:30 on the 21st in Jining: local date matters


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("normalise_bench", ROOT / "bench" / "normalise_bench.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _cell(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _landing(source: str, rows: list[dict[str, Any]]) -> pa.RecordBatch:
    schema = _bench().LANDING_SCHEMA
    out = []
    for i, r in enumerate(rows):
        extra = {k: v for k, v in (r.get("extra") or {}).items() if _cell(v) is not None}
        out.append({
            "source": source, "batch_id": f"{source}-b", "record_index": i, "source_record_id": f"{source}-{i}",
            "url": None, "fetched_at": r.get("fetched_at", FETCHED), "content_hash": f"h{i}",
            **{k: _cell(r.get(k)) for k in ("title", "description", "hiring_organization", "job_location",
                                           "base_salary", "employment_type", "date_posted", "valid_through")},
            "identifier": None,
            "extra": json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None,
            "ingest_error": None,
        })
    return pa.RecordBatch.from_pylist(out, schema=schema)


def real_batches() -> dict[str, pa.RecordBatch]:
    """Every real posting file mapped to landing fields (as the feeds/crawlers would land them)."""
    root = shared_data_dir()
    assert root.is_dir(), f"real data folder missing: {root}"

    def csv(path: str, **kw: Any) -> list[dict[str, Any]]:
        return pd.read_csv(root / path, dtype=str, **kw).astype(object).to_dict("records")

    out = {}
    out["boss"] = [{"title": r["职位名称"], "job_location": r["职位地址"], "base_salary": r["薪资"],
                    "hiring_organization": r["公司名称"], "description": r["公司福利"]} for r in csv("boss/boss.csv")]
    job51 = []
    for r in csv("51job/51job.csv"):
        tags = r["标签"] if isinstance(r["标签"], str) else ""
        job51.append({"title": r["职位"], "hiring_organization": r["公司"], "job_location": r["地址"],
                      "base_salary": r["薪酬"], "date_posted": tags.rsplit("'", 2)[-2] if "发布" in tags else None,
                      "description": tags})
    out["51job"] = job51
    out["51job_gbk"] = [{"title": r["职位"], "base_salary": r["薪资"], "hiring_organization": r["公司"],
                         "job_location": r["地区"], "date_posted": r["时间"], "description": r["岗位信息"],
                         "extra": {"address": r["公司地址"]}} for r in csv("51job_gbk/51job.csv", encoding="gbk")]
    for r, row in zip(csv("51job_gbk/51job.csv", encoding="gbk"), out["51job_gbk"], strict=True):
        address = r["公司地址"]
        row["job_location"] = address if isinstance(address, str) and "电话" not in address else r["地区"]
    out["lagou"] = [{"title": r["positionName"], "base_salary": r["salary"], "employment_type": r["jobNature"],
                     "hiring_organization": r["companyFullName"], "job_location": r["district"],
                     "description": r["positionAdvantage"],
                     "extra": {"city": r["city"], "latitude": r["latitude"], "longitude": r["longitude"]}}
                    for r in csv("lagou/lagou.csv", encoding="utf-8-sig")]
    objs = json.loads((root / "zhaopin" / "zhaopin_api.json").read_text(encoding="utf-8"))
    out["zhaopin"] = [{"title": o["jobName"], "base_salary": o["salary"], "employment_type": o.get("emplType"),
                       "hiring_organization": o["company"]["name"], "job_location": o["city"]["display"],
                       "date_posted": o.get("createDate"), "valid_through": o.get("endDate"),
                       "extra": {"latitude": (o.get("geo") or {}).get("lat"),
                                 "longitude": (o.get("geo") or {}).get("lon"), "tags": o.get("welfare")}}
                      for o in objs]
    out["glassdoor"] = [{"title": r["Job Title"], "description": r["Job Description"],
                         "hiring_organization": r["Company Name"], "job_location": r["Location"],
                         "base_salary": r["Salary Estimate"]} for r in csv("glassdoor/glassdoor_jobs.csv")]
    indeed = pd.read_csv(root / "indeed" / "indeed_jobs.csv", header=None, dtype=str).astype(object)
    out["indeed"] = [{"title": r[1], "hiring_organization": r[2], "description": r[3], "date_posted": r[5]}
                     for r in indeed.to_dict("records")]
    out["schemaorg"] = [posting_to_fields(json.loads(p.read_text(encoding="utf-8")))
                        for p in sorted((root / "schemaorg_jobposting").glob("*.jsonld"))]
    return {name: _landing(name, rows) for name, rows in out.items()}


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
