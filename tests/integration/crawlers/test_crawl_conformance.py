"""The conformance pages (tests/support/jobposting.py) served on 127.0.0.1 and crawled by the generic
spider, and a whole-pipeline crawl of a board whose identifiers are schema.org PropertyValues.

Why: Google gives ``identifier`` as ``{"@type": "PropertyValue", "name": <employer>, "value": <id>}``.
Taking the ``name`` as the record key made every posting of such a site one record (467 postings
became one job, the rest counted as exact copies). The extraction itself is checked property by
property in tests/unit/crawlers/test_jobposting_conformance.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from crawlers.registry import CrawlSource
from crawlers.run import run_crawl
from demo.testserver import Page, board_server
from jobpool.pipeline import run_all
from landing.contract import read_manifest
from landing.paths import Paths
from tests.support.jobposting import GOOGLE, page, posting
from warehouse.steps import source_summary

pytestmark = pytest.mark.http

FAST = {"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}


# ------------------------------------------------------------------------- crawled over HTTP, in a batch

def test_conformance_pages_crawled_land_with_distinct_keys(home: Paths) -> None:
    """The fixtures above served on 127.0.0.1 and crawled by the generic spider: one batch, one key each."""
    pages = {
        "/google.html": page(GOOGLE),
        "/range.html": page(posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "2"},
                                      title="Data Engineer", baseSalary={
                                          "@type": "MonetaryAmount", "currency": "USD", "value": {
                                              "@type": "QuantitativeValue", "minValue": 40, "maxValue": 50,
                                              "unitText": "HOUR"}})),
        "/text-id.html": page(posting(identifier="JOB-3", title="Designer")),
        "/number-id.html": page(posting(identifier=4, title="Writer")),
        "/remote.html": page(posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "5"},
                                       title="Remote Support", jobLocation=None, jobLocationType="TELECOMMUTE",
                                       applicantLocationRequirements={"@type": "Country", "name": "USA"})),
        "/two.html": page(posting(identifier=None, title="Cook"), posting(identifier=None, title="Waiter")),
        "/graph.html": page({"@context": "https://schema.org", "@graph": [
            posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "7"}, title="Driver"),
            posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "8"}, title="Porter")]}),
    }
    with board_server({p: Page(body) for p, body in pages.items()}) as srv:
        result = run_crawl(CrawlSource("conformance", "jobposting", url=",".join(srv.url + p for p in pages)), FAST)
    assert result["batch"]["record_count"] == 9
    rows = pq.read_table(read_manifest(home)[0]["abs_path"]).to_pylist()
    keys = sorted(r["source_record_id"] for r in rows)
    assert len(set(keys)) == 9
    assert {"1234567", "2", "JOB-3", "4", "5", "7", "8"} <= set(keys)
    assert {k.rsplit("/", 1)[-1] for k in keys if k.startswith("http")} == {"two.html#1", "two.html#2"}


# --------------------------------------------------------------------------- the whole pipeline, 500 jobs

N_BOARD = 500
_ROLES = ("理货员", "收银员", "保洁员", "仓库管理员", "厨师", "配送员", "电工", "焊工", "保安", "客服专员")
_TOWNS = ("任城区古槐街道", "任城区南苑街道", "兖州区鼓楼街道", "曲阜市鲁城街道", "邹城市钢山街道")


def _board_posting(i: int, today: date) -> dict[str, Any]:
    """One distinct posting of a board that gives every identifier Google's way, with one name."""
    role, town = _ROLES[i % len(_ROLES)], _TOWNS[i % len(_TOWNS)]
    return {
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": f"{role}（{i}号岗）",
        "description": f"济宁第{i}号门店招聘{role}，负责日常工作，岗位编号{i:05d}。五险一金，包吃住。",
        "identifier": {"@type": "PropertyValue", "name": "济宁人才网", "value": f"JN{i:05d}"},
        "datePosted": (today - timedelta(days=i % 10)).isoformat(),
        "validThrough": f"{(today + timedelta(days=30)).isoformat()}T23:59:59+08:00",
        "employmentType": "FULL_TIME",
        "hiringOrganization": {"@type": "Organization", "name": f"济宁{i:04d}号商贸有限公司",
                               "sameAs": f"https://example.com/org/{i}"},
        "jobLocation": {"@type": "Place", "address": {
            "@type": "PostalAddress", "streetAddress": f"{town}建设路{i}号", "addressLocality": "济宁市",
            "addressRegion": "山东省", "addressCountry": "CN"}},
        "baseSalary": {"@type": "MonetaryAmount", "currency": "CNY", "value": {
            "@type": "QuantitativeValue", "minValue": 4000 + i, "maxValue": 6000 + i, "unitText": "MONTH"}},
    }


def test_property_value_board_of_500_gives_500_postings(home: Paths) -> None:
    """A sitemap board of 500 JSON-LD postings whose identifiers all share one PropertyValue name:
    crawled over HTTP, processed through every step, it is 500 postings and 500 jobs, none held."""
    today = datetime.now(UTC).date()
    pages = {f"/jobs/{i}.html": page(_board_posting(i, today)) for i in range(N_BOARD)}

    def route(path: str) -> Page | None:
        body = pages.get(path)
        return Page(body) if body is not None else None

    with board_server(fallback=route) as srv:
        sitemap = ('<?xml version="1.0" encoding="UTF-8"?>'
                   '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                   + "".join(f"<url><loc>{srv.url}{p}</loc></url>" for p in pages) + "</urlset>")
        srv.server.routes["/sitemap.xml"] = Page(sitemap, content_type="application/xml")
        result = run_crawl(CrawlSource("pv_board", "jobposting", sitemap=f"{srv.url}/sitemap.xml"), FAST)
    assert result["batch"]["record_count"] == N_BOARD
    rows = pq.read_table(read_manifest(home)[0]["abs_path"]).to_pylist()
    assert {r["source_record_id"] for r in rows} == {f"JN{i:05d}" for i in range(N_BOARD)}

    run_all(home)  # raises BatchesHeld if any batch was held
    summary = {r["source"]: r for r in source_summary(home)}["pv_board"]
    assert summary["balanced"] and summary["landed"] == N_BOARD and summary["held"] == 0
    assert summary["quarantined"] == 0 and summary["merged_duplicates"] == 0
    assert summary["new_jobs"] == N_BOARD
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        postings, keys, jobs = con.execute(
            "select count(*), count(distinct source_record_id), count(distinct job_id) from core.posting "
            "where source = 'pv_board'").fetchone()
        copies = con.execute("select count(*) from core.posting where match_rule = 'exact_copy_in_run'").fetchone()[0]
    finally:
        con.close()
    assert (postings, keys, jobs, copies) == (N_BOARD, N_BOARD, N_BOARD, 0)
