"""Bad input and faults, against a real server on 127.0.0.1: one crawl of a board where every page
misbehaves differently. The crawl must finish, land what is good, and report each fault by type in
the manifest's crawl stats."""

from __future__ import annotations

import json
from typing import Any

import pyarrow.parquet as pq
import pytest

from crawlers.registry import CrawlSource
from crawlers.run import run_crawl
from demo.testserver import Flaky, Hang, Huge, Page, Redirect, board_server
from landing.contract import read_manifest
from landing.paths import Paths

pytestmark = pytest.mark.http

SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_TIMES": 2,
    "RETRY_BACKOFF_BASE": 0.2,
    "RETRY_BACKOFF_MAX": 5,
    "REDIRECT_MAX_TIMES": 4,
    "DOWNLOAD_MAXSIZE": 5 * 1024 * 1024,
}
MB = 1024 * 1024


def _jsonld(title: str, description: str = "岗位职责：按时完成工作。", **more: Any) -> str:
    obj = {"@context": "https://schema.org", "@type": "JobPosting", "title": title,
           "description": description, "hiringOrganization": {"@type": "Organization", "name": "济宁示例公司"},
           **more}
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


GBK_TITLE = "叉车司机（任城区）"
ROUTES = {
    "/robots.txt": Page("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
    "/private/job.html": Page(f"<html><head>{_jsonld('不应抓取')}</head></html>"),
    "/flaky.html": Flaky([500, 503], Page(f"<html><head>{_jsonld('仓库管理员')}</head></html>")),
    "/limited.html": Flaky([429], Page(f"<html><head>{_jsonld('电工')}</head></html>"), retry_after="1"),
    "/down.html": Flaky([500] * 10, Page("never reached")),
    "/hang.html": Hang(),
    "/loop-a": Redirect("/loop-b"),
    "/loop-b": Redirect("/loop-a"),
    "/chain/0": Redirect("/chain/1"),  # /chain/N → /chain/N+1 → … (the fallback below)
    "/malformed.html": Page("<html><head>" + _jsonld("焊工") + "<body><div><p>unclosed <b>tags <table><tr><td>"
                            "cell</div></span>&nbsp &copy no-semicolon <p <<>> </html"),
    "/mixed.html": Page("<html><head><script type=\"application/ld+json\">{\"@type\": \"JobPosting\", "
                        "\"title\": \"broken\",}</script>" + _jsonld("保洁员") + "</head></html>"),
    "/huge.html": Huge(20 * MB),
    "/huge-chunked.html": Huge(20 * MB, declare_length=False),
    "/gbk-header.html": Page(f"<html><head>{_jsonld(GBK_TITLE, '负责厂区内叉车作业，持证上岗。')}</head></html>",
                             content_type="text/html; charset=gbk", encoding="gbk"),
    "/gbk-meta.html": Page('<html><head><meta charset="gbk">' + _jsonld("面点师傅", "早班，月休四天，包住。")
                           + "</head></html>", content_type="text/html", encoding="gbk"),
    "/missing.html": None,  # 404
}
NOT_STARTED = {"/robots.txt", "/loop-b"}
GOOD = {"仓库管理员", "电工", "焊工", "保洁员", GBK_TITLE, "面点师傅"}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = Paths(tmp_path_factory.mktemp("home"))
    mp = pytest.MonkeyPatch()
    mp.setenv("JOBPOOL_HOME", str(home.home))
    routes = {k: v for k, v in ROUTES.items() if v is not None}
    try:
        chain = lambda p: Redirect(f"/chain/{int(p.rsplit('/', 1)[1]) + 1}") if p.startswith("/chain/") else None  # noqa: E731
        with board_server(routes, fallback=chain) as srv:
            urls = ",".join(srv.url + p for p in ROUTES if p not in NOT_STARTED)
            result = run_crawl(CrawlSource("faulty", "jobposting", url=urls), SETTINGS)
            log = list(srv.log)
    finally:
        mp.undo()
    manifest = read_manifest(home)
    assert len(manifest) == 1
    rows = pq.read_table(manifest[0]["abs_path"]).to_pylist()
    return {"result": result, "manifest": manifest[0], "rows": rows, "log": log}


def _failed(crawl: dict[str, Any], kind: str) -> set[str]:
    return {f["url"].rsplit("/", 1)[1] for f in crawl["manifest"]["stats"]["failed"] if f["error"] == kind}


def test_lands_every_good_posting_and_nothing_else(crawl: dict[str, Any]) -> None:
    assert {r["title"] for r in crawl["rows"]} == GOOD
    assert all(not r["ingest_error"] for r in crawl["rows"])
    assert crawl["manifest"]["stats"]["finish_reason"] == "finished"


def test_500_and_429_then_recovery_with_backoff(crawl: dict[str, Any]) -> None:
    stats = crawl["manifest"]["stats"]
    assert stats["faults_observed"]["http_500"] >= 2 and stats["faults_observed"]["http_429"] == 1
    hits = [t for p, _, t in crawl["log"] if p == "/flaky.html"]
    assert len(hits) == 3 and hits[1] - hits[0] >= 0.15 and hits[2] - hits[1] >= 0.3  # 0.2 s, then 0.4 s ± 20 %
    limited = [t for p, _, t in crawl["log"] if p == "/limited.html"]
    assert len(limited) == 2 and limited[1] - limited[0] >= 0.9  # Retry-After: 1 honoured
    # a page that keeps failing is given up after RETRY_TIMES retries and reported
    assert len([p for p, _, _ in crawl["log"] if p == "/down.html"]) == SETTINGS["RETRY_TIMES"] + 1
    assert "down.html" in _failed(crawl, "http_500")
    assert stats["retries"] >= 2 + 1 + 2


def test_page_that_never_answers_times_out(crawl: dict[str, Any]) -> None:
    assert _failed(crawl, "timeout") == {"hang.html"}
    assert crawl["manifest"]["stats"]["errors"]["timeout"] == 1


def test_redirect_loop_is_cut(crawl: dict[str, Any]) -> None:
    """A cycle (a → b → a) and an endless chain (/chain/0 → /chain/1 → …) both end and are reported."""
    assert _failed(crawl, "redirect_loop") == {"loop-a", "0"}
    assert len([p for p, _, _ in crawl["log"] if p.startswith("/loop-")]) == 2
    assert len([p for p, _, _ in crawl["log"] if p.startswith("/chain/")]) == SETTINGS["REDIRECT_MAX_TIMES"] + 1


def test_malformed_html_and_invalid_jsonld_beside_valid(crawl: dict[str, Any]) -> None:
    titles = {r["url"].rsplit("/", 1)[1]: r["title"] for r in crawl["rows"]}
    assert titles["malformed.html"] == "焊工" and titles["mixed.html"] == "保洁员"
    assert crawl["manifest"]["stats"]["errors"]["invalid_jsonld"] == 1


def test_pages_over_max_size_are_skipped_and_reported(crawl: dict[str, Any]) -> None:
    assert _failed(crawl, "too_large") == {"huge.html", "huge-chunked.html"}
    assert crawl["manifest"]["stats"]["bytes"] < 2 * SETTINGS["DOWNLOAD_MAXSIZE"]


def test_gbk_pages_decode(crawl: dict[str, Any]) -> None:
    by_page = {r["url"].rsplit("/", 1)[1]: r for r in crawl["rows"]}
    assert by_page["gbk-header.html"]["title"] == GBK_TITLE
    assert by_page["gbk-header.html"]["description"] == "负责厂区内叉车作业，持证上岗。"
    assert by_page["gbk-meta.html"]["title"] == "面点师傅"
    assert by_page["gbk-header.html"]["hiring_organization"] == "济宁示例公司"


def test_robots_txt_disallow_is_obeyed_and_reported(crawl: dict[str, Any]) -> None:
    assert not [p for p, _, _ in crawl["log"] if p.startswith("/private/")]
    assert _failed(crawl, "robots_disallowed") == {"job.html"}


def test_every_fault_type_is_in_the_manifest(crawl: dict[str, Any]) -> None:
    errors = crawl["manifest"]["stats"]["errors"]
    for kind in ("timeout", "redirect_loop", "too_large", "robots_disallowed", "http_500", "http_404",
                 "invalid_jsonld"):
        assert errors.get(kind), (kind, errors)
    assert crawl["result"]["stats"]["errors"] == errors


def test_crawl_deadline_lands_what_was_crawled(home: Paths) -> None:
    """CLOSESPIDER_TIMEOUT cuts a crawl short: what was crawled lands, nothing is called gone."""
    routes = {"/ok.html": Page(f"<html><head>{_jsonld('厨师')}</head></html>"), "/hang.html": Hang()}
    with board_server(routes) as srv:
        result = run_crawl(CrawlSource("deadline", "jobposting", url=f"{srv.url}/ok.html,{srv.url}/hang.html"),
                           {**SETTINGS, "DOWNLOAD_TIMEOUT": 5, "RETRY_ENABLED": False, "CLOSESPIDER_TIMEOUT": 1})
    assert result["batch"]["record_count"] == 1
    assert result["stats"]["finish_reason"] == "closespider_timeout"
    assert result["stats"]["not_seen"] is None
