"""Built-in presets for the standard formats partners send (feeds/presets/): each lands its real
sample by name alone (`jobpool ingest FILE --source x --format NAME`), and works from partners.toml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from feeds.base import FeedError, load_spec, preset_names
from feeds.ingest import ingest_file
from landing.paths import Paths
from tests.support.paths import REPO

# preset, sample, records landed (README of shared/data/real), a title in the sample
PRESETS = [
    ("indeed-xml", "feeds/indeed_example.xml", 1),
    ("hr-xml", "feeds/hrxml_positionopening.xml", 1),
    ("greenhouse-json", "feeds/greenhouse_jobs_list.json", 1),
    ("greenhouse-json", "feeds/greenhouse_jobs_list_content.json", 1),
    ("schemaorg-json", "schemaorg_jobposting/eg-0028.jsonld", 1),
    ("schemaorg-json", "schemaorg_jobposting/eg-0251.jsonld", 1),  # `name`, not `title`
    ("boss-csv", "boss/boss.csv", 2410),
    ("51job-csv", "51job/51job.csv", 500),
    ("51job-gbk-csv", "51job_gbk/51job.csv", 4950),
    ("lagou-csv", "lagou/lagou.csv", 1829),
    ("zhaopin-json", "zhaopin/zhaopin_api.json", 60),
]


def test_every_preset_has_a_sample() -> None:
    assert {p for p, *_ in PRESETS} == set(preset_names())


@pytest.mark.parametrize(("preset", "sample", "records"), PRESETS, ids=[f"{p}:{s}" for p, s, _ in PRESETS])
def test_preset_lands_its_sample(home: Paths, real_data: Path, preset: str, sample: str, records: int) -> None:
    result = ingest_file(real_data / sample, "x", preset)
    assert result.status == "landed", result.reason
    assert result.records == records and result.record_errors == 0


def test_cli_ingest_with_preset(home: Paths, real_data: Path) -> None:
    env = {**os.environ, "JOBPOOL_HOME": str(home.home)}
    out = subprocess.run([sys.executable, "-m", "jobpool.cli", "ingest", str(real_data / "feeds/indeed_example.xml"),
                          "--source", "x", "--format", "indeed-xml"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "landed" in out.stdout


def test_schemaorg_values(real_data: Path) -> None:
    from feeds.json_feed import read_json

    (rec,) = read_json(real_data / "schemaorg_jobposting/eg-0028.jsonld", load_spec("x", "schemaorg-json"))
    assert rec["title"] == "Software Engineer" and rec["job_location"] == "Kirkland"
    assert rec["base_salary"] == "100000" and rec["employment_type"] == "Full-time"


def test_partners_toml_preset_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = tmp_path / "partners.toml"
    registry.write_text('[acme]\npreset = "indeed-xml"\nencoding = "utf-8"\n\n[acme.extra]\nbrand = "brand"\n',
                        encoding="utf-8")
    monkeypatch.setenv("JOBPOOL_PARTNERS", str(registry))
    spec = load_spec("acme")
    assert spec.format == "xml" and spec.record == "job" and spec.encoding == "utf-8"
    assert spec.fields["title"] == ["title"] and spec.extra["brand"] == ["brand"] and "url" in spec.extra
    # a mapping file overrides the preset named by --format; plain formats still need a mapping
    mapping = tmp_path / "m.toml"
    mapping.write_text('format = "csv"\n[fields]\ntitle = "T"\n', encoding="utf-8")
    assert load_spec("acme", "indeed-xml", mapping).format == "csv"
    assert load_spec("acme", "xml").fields["title"] == ["title"]
    with pytest.raises(FeedError, match="unknown feed format"):
        load_spec("acme", "nope-xml")
