"""Incremental re-crawl against a real server: unchanged pages land nothing (304 where the server
supports ETag/Last-Modified, content hash otherwise), changed pages land again, and postings gone
from the board are reported as not seen."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from crawlers.registry import CrawlSource
from crawlers.run import CrawlError, run_crawl
from crawlers.state import read_state
from demo.testserver import Flaky, Page, board_server
from landing.contract import read_manifest
from landing.paths import Paths

pytestmark = pytest.mark.http

FAST = {"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING", "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.05}


def _page(job_id: str, title: str, chrome: str = "", validators: bool = False) -> Page:
    obj = {"@context": "https://schema.org", "@type": "JobPosting", "identifier": job_id, "title": title,
           "description": f"{title}：负责日常工作。"}
    return Page(f"<html><head><script type=\"application/ld+json\">{json.dumps(obj, ensure_ascii=False)}"
                f"</script></head><body><footer>{chrome}</footer></body></html>", validators=validators)


def _sitemap(paths: list[str], base: str) -> Page:
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return Page(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
                content_type="application/xml")


def test_recrawl_lands_only_what_changed_and_reports_what_is_gone(home: Paths) -> None:
    routes = {f"/etag/{i}.html": _page(f"E{i}", f"电工{i}", validators=True) for i in range(3)}
    routes |= {f"/plain/{i}.html": _page(f"P{i}", f"保安{i}") for i in range(3)}
    with board_server(routes) as srv:
        srv.server.routes["/sitemap.xml"] = _sitemap(list(routes), srv.url)
        source = CrawlSource("incr", "jobposting", sitemap=f"{srv.url}/sitemap.xml")

        first = run_crawl(source, FAST)
        assert first["batch"]["record_count"] == 6 and first["stats"]["not_seen"] == []

        # 2nd crawl, nothing changed except page chrome: no batch at all (so no landing event)
        srv.server.routes["/plain/0.html"] = _page("P0", "保安0", chrome="© 2027 new footer")
        n_log = len(srv.log)
        second = run_crawl(source, FAST)
        assert second["batch"] is None
        assert second["stats"]["pages_unchanged"] == 3  # 304s for the ETag pages
        assert second["stats"]["items_unchanged"] == 3  # same content hash for the others
        etag_requests = [h for p, h, _ in srv.log[n_log:] if p.startswith("/etag/")]
        assert len(etag_requests) == 3 and all(h.get("if-none-match") and h.get("if-modified-since")
                                               for h in etag_requests)
        sitemap_requests = [h for p, h, _ in srv.log[n_log:] if p == "/sitemap.xml"]
        assert sitemap_requests and not any("if-none-match" in h for h in sitemap_requests)

        # 3rd crawl: one posting changed on each kind of page, one removed from the board, and one
        # page failing (its posting is unknown this time, not gone)
        srv.server.routes["/etag/1.html"] = _page("E1", "高级电工1", validators=True)
        srv.server.routes["/plain/1.html"] = _page("P1", "保安队长1")
        srv.server.routes["/plain/0.html"] = Flaky([500] * 5, Page("down"))
        del srv.server.routes["/etag/2.html"]
        srv.server.routes["/sitemap.xml"] = _sitemap([p for p in routes if p != "/etag/2.html"], srv.url)
        third = run_crawl(source, FAST)

    assert third["batch"]["record_count"] == 2
    assert third["stats"]["not_seen"] == ["E2"]
    manifest = read_manifest(home)
    assert [m["record_count"] for m in manifest] == [6, 2]
    assert manifest[-1]["stats"]["not_seen"] == ["E2"]  # in the manifest row, for expiry
    rows = pq.read_table(manifest[-1]["abs_path"]).to_pylist()
    assert {(r["source_record_id"], r["title"]) for r in rows} == {("E1", "高级电工1"), ("P1", "保安队长1")}

    state = read_state("incr", home)
    missing = {r["source_record_id"]: r["missing_since"] for r in state["records"]}
    assert missing["E2"] is not None and missing["P0"] is None and missing["E0"] is None
    assert [r["landed"] for r in state["runs"]] == [6, 0, 2]
    assert state["runs"][-1]["not_seen"] == ["E2"]


def test_incremental_can_be_switched_off(home: Paths) -> None:
    routes = {"/a.html": _page("A", "厨师", validators=True)}
    with board_server(routes) as srv:
        source = CrawlSource("full", "jobposting", url=f"{srv.url}/a.html",
                             settings={"JOBPOOL_INCREMENTAL": False})
        assert run_crawl(source, FAST)["batch"]["record_count"] == 1
        assert run_crawl(source, FAST)["batch"]["record_count"] == 1
        assert not any("if-none-match" in h for _, h, _ in srv.log)


def test_state_is_not_committed_when_the_crawl_dies(home: Paths) -> None:
    """A crawl whose batch cannot land leaves the state untouched, so the next crawl lands the same
    postings instead of skipping them as "unchanged"."""
    routes = {"/a.html": _page("A", "厨师")}
    home.home.mkdir(parents=True, exist_ok=True)
    home.landing.write_text("not a directory: the batch cannot be written")
    with board_server(routes) as srv:
        source = CrawlSource("dies", "jobposting", url=f"{srv.url}/a.html")
        with pytest.raises(CrawlError):
            run_crawl(source, FAST)
        assert read_state("dies", home)["records"] == []
        home.landing.unlink()
        assert run_crawl(source, FAST)["batch"]["record_count"] == 1
        assert [r["source_record_id"] for r in read_state("dies", home)["records"]] == ["A"]
