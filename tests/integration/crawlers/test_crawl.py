"""Scrapy really crawls the demo boards over HTTP on 127.0.0.1 and lands every posting."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawlers.registry import CrawlSource
from crawlers.run import run_crawl
from demo.generate import generate_site
from demo.server import serve
from landing.contract import read_manifest
from landing.paths import Paths

pytestmark = pytest.mark.http


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("site")
    return out, generate_site(out, seed=11, scale=0.5)


def _truth(site_dir: Path, source: str) -> list[dict]:
    return [r for r in pq.read_table(site_dir / "truth.parquet").to_pylist() if r["source"] == source]


FAST = {"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}


def test_jsonld_board_via_sitemap(home: Paths, site: tuple[Path, dict]) -> None:
    site_dir, _ = site
    truth = _truth(site_dir, "jsonld_board")
    with serve(site_dir / "boards" / "jsonld_board") as board:
        result = run_crawl(CrawlSource("jsonld_board", "jobposting", sitemap=f"{board.url}/sitemap.xml"), FAST)
    batch = result["batch"]
    assert batch["record_count"] == len(truth)
    rows = pq.read_table(read_manifest(home)[0]["abs_path"]).to_pylist()
    assert {r["source_record_id"] for r in rows} == {t["source_record_id"] for t in truth}
    broken = {t["source_record_id"] for t in truth if t["malformed"] == "broken_jsonld"}
    # a page with an invalid JSON-LD block next to a valid one still lands its posting, cleanly
    assert broken and all(r["title"] for r in rows if r["source_record_id"] in broken)
    missing = {t["source_record_id"] for t in truth if t["malformed"] == "missing_title"}
    assert all("title" in (r["ingest_error"] or "") for r in rows if r["source_record_id"] in missing)
    assert result["stats"]["items_invalid"] >= len(missing)


def test_plain_board_listing_pagination_detail(home: Paths, site: tuple[Path, dict]) -> None:
    site_dir, _ = site
    truth = _truth(site_dir, "plain_board")
    with serve(site_dir / "boards" / "plain_board") as board:
        result = run_crawl(CrawlSource("plain_board", "plain_board", url=f"{board.url}/list/1.html"), FAST)
    assert result["batch"]["record_count"] == len(truth)
    rows = pq.read_table(read_manifest(home)[0]["abs_path"]).to_pylist()
    assert {r["source_record_id"] for r in rows} == {t["source_record_id"] for t in truth}
    clean = [r for r in rows if not r["ingest_error"]]
    assert all(r["title"] and r["description"] and r["base_salary"] is not None for r in clean[:20])
    assert all(r["raw_payload"].lstrip().lower().startswith("<!doctype") or "<html" in r["raw_payload"]
               for r in rows)


def test_robots_txt_is_obeyed(home: Paths, tmp_path: Path) -> None:
    (tmp_path / "admin").mkdir()
    (tmp_path / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n")
    page = ('<html><script type="application/ld+json">{"@type": "JobPosting", "title": "t", '
            '"description": "d"}</script></html>')
    (tmp_path / "admin" / "job.html").write_text(page)
    (tmp_path / "job.html").write_text(page)
    with serve(tmp_path) as board:
        result = run_crawl(CrawlSource("robots", "jobposting", url=f"{board.url}/admin/job.html,{board.url}/job.html"),
                           FAST)
    assert result["batch"]["record_count"] == 1
    assert result["batch"]["origin"]["start"].endswith("job.html")


def test_every_schemaorg_jsonld_example_extracts(real_data: Path) -> None:
    from crawlers.jobposting import extract_postings

    for path in sorted((real_data / "schemaorg_jobposting").glob("*.jsonld")):
        html = f'<html><script type="application/ld+json">{path.read_text(encoding="utf-8")}</script></html>'
        records, errors = extract_postings(html, f"http://127.0.0.1/{path.name}")
        assert not errors and len(records) == 1, path.name
        assert records[0]["title"], path.name
