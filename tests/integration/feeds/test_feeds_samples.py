"""Every real sample lands with its mapping (a preset in feeds/presets/, or tests/mappings/): every row is a landed
record, or an error record with its reason, or the whole file is quarantined with its reason. The
expected counts come from the facts documented in shared/data/real/README.md."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from feeds.ingest import ingest_file
from landing.contract import read_manifest
from landing.paths import Paths
from tests.support.paths import mapping_file

# sample, source, mapping, records, error records, distinct content hashes (README: exact duplicates)
SAMPLES = [
    ("boss/boss.csv", "boss", "boss-csv.toml", 2410, 0, 2410 - 3),  # + header, repeated as the last line
    ("51job/51job.csv", "job51", "51job-csv.toml", 500, 0, 500),
    ("51job_gbk/51job.csv", "job51", "51job-gbk-csv.toml", 4950, 0, 4950 - 28),  # GBK, list literals
    ("lagou/lagou.csv", "lagou", "lagou-csv.toml", 1829, 0, 1829 - 26),  # UTF-8 with BOM
    ("glassdoor/glassdoor_jobs.csv", "glassdoor", "glassdoor.toml", 956, 0, 956),  # index column differs
    ("indeed/indeed_jobs.csv", "indeed_csv", "indeed_csv.toml", 50, 0, 50),  # no header row
    ("zhaopin/zhaopin_api.json", "zhaopin", "zhaopin-json.toml", 60, 0, 60),
    ("feeds/greenhouse_jobs_list.json", "greenhouse", "greenhouse_json.toml", 1, 0, 1),
    ("feeds/greenhouse_jobs_list_content.json", "greenhouse", "greenhouse-json.toml", 1, 0, 1),
    ("feeds/indeed_example.xml", "indeed_xml", "indeed-xml.toml", 1, 0, 1),
    ("feeds/hrxml_positionopening.xml", "hrxml", "hr-xml.toml", 1, 0, 1),
    ("feeds/jobrapido_example.xml", "jobrapido", "jobrapido_xml.toml", 4, 3, 2),  # 3 identical placeholders
    ("feeds/linkedin_example.xml", "linkedin", "linkedin_xml.toml", 2, 1, 2),  # 1 placeholder
    ("feeds/adzuna_example.xml", "adzuna", "adzuna_xml.toml", 2, 2, 1),  # 2 placeholders, nothing else
]


def _batch(home: Paths) -> list[dict]:
    (row,) = read_manifest(home)
    return pq.read_table(row["abs_path"]).to_pylist()


@pytest.mark.parametrize(("sample", "source", "mapping", "records", "errors", "distinct"), SAMPLES,
                         ids=[s[0] for s in SAMPLES])
def test_real_sample_every_row_accounted_for(home: Paths, real_data: Path, sample: str, source: str, mapping: str,
                                             records: int, errors: int, distinct: int) -> None:
    path = real_data / sample
    result = ingest_file(path, source, mapping=mapping_file(mapping))
    assert result.status == "landed", result.reason
    assert (result.records, result.record_errors) == (records, errors)
    rows = _batch(home)
    assert [r["record_index"] for r in rows] == list(range(records))
    assert len({r["content_hash"] for r in rows}) == distinct
    for r in rows:
        if r["ingest_error"]:
            assert r["ingest_error"].startswith(path.name) and "missing title" in r["ingest_error"]
            assert r["raw_payload"]  # the placeholder itself is kept, for the quarantine report
        else:  # (a CSV row with a blank title still lands; validation quarantines it, with the check)
            assert r["raw_payload"] and r["source_record_id"]


def test_real_sample_values_mapped(home: Paths, real_data: Path) -> None:
    """Spot checks that the mappings read the right cells (and list literals are unwrapped)."""
    ingest_file(real_data / "boss" / "boss.csv", "boss", mapping=mapping_file("boss-csv.toml"))
    boss = _batch(home)
    assert boss[0]["title"] == "Python 工程师" and boss[0]["base_salary"] == "12-18K"
    assert boss[0]["source_record_id"].startswith("https://www.zhipin.com/job_detail/")
    assert not any(r["title"] == "职位名称" for r in boss)  # the repeated header is not a record


@pytest.mark.parametrize(("sample", "mapping", "reason"), [
    ("feeds/indeed_fragment_description.xml", "indeed-xml.toml", "no <job> records"),
    ("feeds/indeed_fragment_remote_us.txt", "indeed-xml.toml", "malformed XML"),
    ("feeds/indeed_fragment_remote_covid_az.txt", "indeed-xml.toml", "malformed XML"),
])
def test_real_fragments_quarantined_with_reason(home: Paths, real_data: Path, sample: str, mapping: str,
                                                reason: str) -> None:
    path = real_data / sample
    result = ingest_file(path, "indeed_xml", "xml", mapping_file(mapping))
    assert result.status == "quarantined" and reason in result.reason and path.name in result.reason
    assert Path(result.quarantined_to + ".reason.json").exists()
    assert read_manifest(home) == []
    assert path.exists()  # the CLI/test path quarantines a copy; the caller's file is left alone
