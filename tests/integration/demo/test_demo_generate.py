"""The demo generator is the ground truth for crawl/ingest/dedup tests, so its guarantees are tested:
determinism, formats the spiders and feed loaders rely on, deliberate defects, and the server."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo.generate import (
    CSV_HEADER,
    SOURCES,
    generate_postings,
    generate_records,
    generate_site,
    generate_vacancies,
)
from demo.jining_towns import DISTRICTS, TOWNS
from demo.server import serve

SCRIPT_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo") / "site"
    return out, generate_site(out, seed=7, scale=0.5)


def _truth(out: Path) -> list[dict[str, Any]]:
    return pq.read_table(out / "truth.parquet").to_pylist()


def test_same_seed_same_bytes_other_seed_differs(site: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, _ = site
    again = generate_site(tmp_path / "again", seed=7, scale=0.5)
    assert _digest(out) == _digest(tmp_path / "again")
    assert again["per_source"] == site[1]["per_source"]
    generate_site(tmp_path / "other", seed=8, scale=0.5)
    other = _digest(tmp_path / "other")
    assert other != _digest(out)
    assert other["feeds/gig_station.csv"] != _digest(out)["feeds/gig_station.csv"]


def test_counts_match_summary_and_truth(site: tuple[Path, dict[str, Any]]) -> None:
    out, summary = site
    truth = _truth(out)
    per_source = {s: sum(r["source"] == s for r in truth) for s in SOURCES}
    assert per_source == summary["per_source"]
    assert len(truth) == summary["postings"]
    assert len({(r["source"], r["source_record_id"]) for r in truth}) == len(truth)
    assert len(list((out / "boards/jsonld_board/jobs").glob("*.html"))) == per_source["jsonld_board"]
    assert len(list((out / "boards/plain_board/job").glob("*.html"))) == per_source["plain_board"]
    rows = (out / "feeds/gig_station.csv").read_bytes().decode("gbk")
    assert len(list(csv.reader(io.StringIO(rows)))) - 1 == per_source["gig_station"]
    jobs = ET.parse(out / "feeds/hr_system.xml").getroot().findall("job")
    assert len(jobs) == per_source["hr_system"]
    ratio = summary["postings"] / summary["vacancies"]
    assert 1.6 <= ratio <= 2.4
    assert len({r["vacancy_id"] for r in truth}) == summary["vacancies"]


def test_gbk_csv(site: tuple[Path, dict[str, Any]]) -> None:
    raw = (site[0] / "feeds/gig_station.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("gbk"))))
    assert tuple(rows[0]) == CSV_HEADER
    assert any("\n" in cell for row in rows for cell in row)  # quoted multi-line descriptions
    bad = {r["source_record_id"] for r in _truth(site[0]) if r["malformed"] == "bad_columns"}
    assert bad and {row[0] for row in rows if len(row) != len(CSV_HEADER)} == bad


def test_xml_parses_and_has_a_job_without_title(site: tuple[Path, dict[str, Any]]) -> None:
    out = site[0]
    for path in [out / "feeds/hr_system.xml", out / "boards/jsonld_board/sitemap.xml"]:
        ET.parse(path)
    jobs = ET.parse(out / "feeds/hr_system.xml").getroot().findall("job")
    assert all(j.findtext("referencenumber") for j in jobs)
    assert any(j.find("title") is None for j in jobs)
    assert {j.findtext("city") for j in jobs} == {"济宁市"}


def test_every_jsonld_page_has_a_valid_jobposting(site: tuple[Path, dict[str, Any]]) -> None:
    broken_pages = 0
    for page in (site[0] / "boards/jsonld_board/jobs").glob("*.html"):
        blocks = SCRIPT_LD.findall(page.read_text(encoding="utf-8"))
        parsed, broken = [], 0
        for block in blocks:
            try:
                parsed.append(json.loads(block))
            except ValueError:
                broken += 1
        postings = [p for data in parsed for p in _jobpostings(data)]
        assert postings, page.name
        assert postings[0]["identifier"]["value"] == page.stem
        assert postings[0]["jobLocation"]["address"]["addressLocality"] == "济宁市"
        broken_pages += broken > 0
        assert broken <= 1 and len(blocks) == len(parsed) + broken
    assert broken_pages >= 1


def _jobpostings(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [p for item in node for p in _jobpostings(item)]
    if isinstance(node, dict):
        if node.get("@type") == "JobPosting":
            return [node]
        return _jobpostings(node.get("@graph", []))
    return []


def test_plain_board_pages(site: tuple[Path, dict[str, Any]]) -> None:
    board = site[0] / "boards/plain_board"
    pages = sorted(board.glob("list/*.html"), key=lambda p: int(p.stem))
    linked = []
    for i, page in enumerate(pages, 1):
        html = page.read_text(encoding="utf-8")
        linked += re.findall(r'<a class="job-link" href="/job/([^"]+)\.html">', html)
        assert ('rel="next"' in html) == (i < len(pages))
    assert sorted(linked) == sorted(p.stem for p in board.glob("job/*.html"))
    detail = (board / "job" / f"{linked[0]}.html").read_text(encoding="utf-8")
    for css in ("job-title", "company", "salary", "location", "job-type", "posted", "description", "job-id"):
        assert f'class="{css}"' in detail


def test_hard_negatives_malformed_and_variation() -> None:
    postings = generate_postings(seed=11, n_vacancies=200)
    by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in postings:
        by_key[(p.employer_id, p.title or "")].add(p.vacancy_id)
    assert any(len(v) > 1 for v in by_key.values())
    for source in SOURCES:
        assert any(p.malformed for p in postings if p.source == source), source
    assert 0.02 <= sum(p.malformed is not None for p in postings) / len(postings) <= 0.06
    copies: dict[str, list[Any]] = defaultdict(list)
    for p in postings:
        copies[p.vacancy_id].append(p)
    multi = [c for c in copies.values() if len(c) > 1]
    assert any(len({p.hiring_organization for p in c}) > 1 for c in multi)  # legal vs shop name
    assert any(len({p.base_salary for p in c}) > 1 for c in multi)
    assert {p.district_adcode for p in postings} == set(DISTRICTS)
    phones = [p.contact_phone for p in postings]
    assert all(re.search(r"1[3-9]\d|0537", ph) for ph in phones)
    assert any(re.search(r"\d{17}[\dX]", p.description) for p in postings)
    assert len(TOWNS) > 100


def test_no_two_vacancies_are_one_job() -> None:
    """Hard negatives of one base made the same way (same other store, flipped shift, raised pay) would
    be one job under two vacancy ids; the truth must not count merging them as an error."""
    for seed in (1, 4, 5, 9):
        vacancies = generate_vacancies(random.Random(seed), seed, 300, date(2026, 11, 15))
        keys = [(v.employer.employer_id, v.branch.brand, v.branch.street, v.occ, v.pay, v.shift, v.hours)
                for v in vacancies]
        assert len(set(keys)) == len(keys), seed
        by_employer_occ: dict[tuple[str, str], int] = defaultdict(int)
        for v in vacancies:
            by_employer_occ[(v.employer.employer_id, v.occ)] += 1
        assert max(by_employer_occ.values()) >= 3, seed  # look-alike vacancies are still there


def test_generate_records_fast_path() -> None:
    batches = list(generate_records(seed=5, n_postings=30_000, chunk_size=10_000))
    table = pa.Table.from_batches(batches)
    assert table.num_rows == 30_000
    assert set(table.column("source").to_pylist()) == set(SOURCES)
    again = pa.Table.from_batches(list(generate_records(seed=5, n_postings=30_000, chunk_size=10_000)))
    assert table.equals(again)
    n_vac = len(set(table.column("vacancy_id").to_pylist()))
    assert 1.6 <= table.num_rows / n_vac <= 2.4
    assert table.column("malformed").null_count < table.num_rows


@pytest.mark.http
def test_server_serves_substitutes_and_404s(site: tuple[Path, dict[str, Any]]) -> None:
    with serve(site[0] / "boards" / "jsonld_board") as served:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served.url)
        sitemap = urllib.request.urlopen(f"{served.url}/sitemap.xml", timeout=5).read().decode()
        assert "{BASE}" not in sitemap and f"<loc>{served.url}/jobs/" in sitemap
        robots = urllib.request.urlopen(f"{served.url}/robots.txt", timeout=5).read().decode()
        assert "Disallow: /admin/" in robots and f"Sitemap: {served.url}/sitemap.xml" in robots
        first = re.search(r"<loc>([^<]+)</loc>", sitemap)
        assert first is not None
        page = urllib.request.urlopen(first.group(1), timeout=5)
        assert page.status == 200 and "application/ld+json" in page.read().decode()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{served.url}/jobs/missing.html", timeout=5)
        assert err.value.code == 404
