"""The source registry, the crawl DAG's task function and the ``jobpool crawl`` command, against a
real server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.registry import load_sources
from crawlers.run import crawl_source
from demo.testserver import Page, board_server
from jobpool.cli import main
from landing.contract import read_manifest
from landing.paths import Paths

pytestmark = pytest.mark.http


def _page(job_id: str, title: str) -> Page:
    obj = {"@type": "JobPosting", "identifier": job_id, "title": title, "description": "负责门店日常运营。"}
    return Page(f'<html><script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'
                f'<a href="/jobs/{job_id}-next.html">next</a></html>')


ROUTES = {
    "/index.html": Page('<html><a href="/jobs/1.html">1</a> <a href="/jobs/2.html">2</a>'
                        '<a href="http://elsewhere.invalid/x.html">off-site</a></html>'),
    "/jobs/1.html": _page("J1", "店长"),
    "/jobs/2.html": _page("J2", "收银员"),
    "/sitemap.xml": Page('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                         "<url><loc>{BASE}/jobs/1.html</loc></url></urlset>", content_type="application/xml"),
}


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[followed]\nspider = "jobposting"\nurl = ["${TEST_BOARD_URL}/index.html"]\nschedule = "@daily"\n'
        '[followed.args]\nfollow = 1\n'
        '[followed.settings]\nAUTOTHROTTLE_ENABLED = false\nCONCURRENT_REQUESTS_PER_DOMAIN = 2\n'
        '[listed]\nspider = "jobposting"\nurl = "${TEST_BOARD_URL}/jobs/1.html,${TEST_BOARD_URL}/jobs/2.html"\n',
        encoding="utf-8")
    monkeypatch.setenv("JOBPOOL_SOURCES", str(path))
    return path


def test_registry_entries(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = load_sources()
    monkeypatch.setenv("TEST_BOARD_URL", "http://127.0.0.1:9/")
    followed = sources["followed"].resolved()
    assert followed.url == "http://127.0.0.1:9/index.html" and followed.args == {"follow": 1}
    assert followed.schedule == "@daily" and followed.settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert sources["listed"].resolved().url.count(",") == 1
    monkeypatch.delenv("TEST_BOARD_URL")
    with pytest.raises(KeyError, match="TEST_BOARD_URL"):
        sources["listed"].resolved()


def test_dag_task_lands_once_then_skips(home: Paths, registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start URL + follow: the index leads to both postings (not off-site, not 2 levels deep).
    The second run lands nothing, so the DAG task would skip and emit no landing event."""
    with board_server(ROUTES) as srv:
        monkeypatch.setenv("TEST_BOARD_URL", srv.url)
        first = crawl_source("followed", {"LOG_LEVEL": "WARNING"})
        second = crawl_source("followed", {"LOG_LEVEL": "WARNING"})
        assert not [p for p, _, _ in srv.log if p.endswith("-next.html")]
    assert first["batch_id"] and first["records"] == 2 and first["not_seen"] == 0
    assert second == {**second, "batch_id": None, "records": 0, "unchanged": 2, "not_seen": 0}
    assert len(read_manifest(home)) == 1


def test_cli_crawl_source_url_and_sitemap(home: Paths, registry: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    routes = dict(ROUTES)
    with board_server(routes) as srv:
        routes_sitemap = ROUTES["/sitemap.xml"].payload().replace(b"{BASE}", srv.url.encode())
        srv.server.routes["/sitemap.xml"] = Page(routes_sitemap, content_type="application/xml")
        monkeypatch.setenv("TEST_BOARD_URL", srv.url)
        assert main(["crawl", "--source", "listed"]) == 0
        assert main(["crawl", "--sitemap", f"{srv.url}/sitemap.xml", "--source", "adhoc"]) == 0
        assert main(["crawl", "--url", f"{srv.url}/jobs/2.html", "--source", "adhoc2"]) == 0
        assert main(["crawl", "--source", "nope"]) == 2
    out = capsys.readouterr().out
    assert out.count("landed ") == 3
    assert {m["source"]: m["record_count"] for m in read_manifest(home)} == {"listed": 2, "adhoc": 1, "adhoc2": 1}
