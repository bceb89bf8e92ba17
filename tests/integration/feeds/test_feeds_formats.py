"""XLSX workbooks and paged JSON APIs (served in pages by a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import csv
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from feeds.ingest import ingest_file, ingest_url
from landing.contract import read_manifest
from landing.paths import Paths
from tests.support.paths import mapping_file


def _rows(home: Paths) -> list[dict]:
    return [r for m in read_manifest(home) for r in pq.read_table(m["abs_path"]).to_pylist()]


def test_xlsx_lands_like_the_csv_it_was_exported_from(home: Paths, real_data: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("职位")
    with open(real_data / "boss" / "boss.csv", encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):  # includes the header repeated as the last line
            sheet.append(row)
    path = tmp_path / "boss.xlsx"
    book.save(path)
    mapping = tmp_path / "boss_xlsx.toml"
    mapping.write_text((mapping_file("boss-csv.toml")).read_text(encoding="utf-8").replace('format = "csv"',
                                                                                     'format = "xlsx"'))
    result = ingest_file(path, "boss", mapping=mapping)
    assert (result.status, result.records, result.record_errors) == ("landed", 2410, 0), result.reason
    xlsx = _rows(home)
    ingest_file(real_data / "boss" / "boss.csv", "boss_csv", mapping=mapping_file("boss-csv.toml"))
    from_csv = [r for r in _rows(home) if r["source"] == "boss_csv"]
    keys = ("title", "base_salary", "hiring_organization", "job_location", "source_record_id", "extra",
            "content_hash")
    assert [tuple(r[k] for k in keys) for r in xlsx[:2410]] == [tuple(r[k] for k in keys) for r in from_csv]
    assert {r["raw_format"] for r in xlsx} == {"xlsx"}


def test_xlsx_missing_column_and_not_a_workbook_quarantined(home: Paths, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["职位名称", "薪资"])
    book.active.append(["收银员", "4-6千"])
    path = tmp_path / "short.xlsx"
    book.save(path)
    result = ingest_file(path, "boss", "xlsx", mapping_file("boss-csv.toml"))
    assert result.status == "quarantined" and "short.xlsx" in result.reason and "公司名称" in result.reason
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    result = ingest_file(fake, "boss", "xlsx", mapping_file("boss-csv.toml"))
    assert result.status == "quarantined" and "fake.xlsx: not a readable XLSX workbook" in result.reason


class _PagedApi(BaseHTTPRequestHandler):
    jobs: list[dict] = []
    fail_page: int | None = None
    requests: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        type(self).requests.append(self.path)
        if url.path == "/zhaopin":  # page/per_page, Zhaopin's envelope
            page, size = int(q.get("start_page", 1)), int(q.get("pageSize", 90))
            if page == self.fail_page:
                return self._send(500, {"error": "boom"})
            chunk = self.jobs[(page - 1) * size: page * size]
            return self._send(200, {"code": 200, "data": {"numFound": len(self.jobs), "results": chunk}})
        if url.path == "/greenhouse":  # next link in the Link header, Greenhouse Harvest-style
            offset = int(q.get("offset", 0))
            chunk = self.jobs[offset: offset + 20]
            headers = {}
            if offset + 20 < len(self.jobs):
                headers["Link"] = f'</greenhouse?offset={offset + 20}>; rel="next"'
            return self._send(200, {"jobs": chunk, "meta": {"total": len(self.jobs)}}, headers)
        return self._send(404, {"error": "no such endpoint"})


@pytest.fixture
def api(real_data: Path) -> Iterator[str]:
    _PagedApi.jobs = json.loads((real_data / "zhaopin" / "zhaopin_api.json").read_text(encoding="utf-8"))
    _PagedApi.fail_page = None
    _PagedApi.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagedApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _api_mapping(tmp_path: Path, **options: str) -> Path:
    """tests/mappings/zhaopin_api.toml with some top-level options replaced."""
    lines = (mapping_file("zhaopin_api.toml")).read_text(encoding="utf-8").splitlines()
    for key, value in options.items():
        lines = [f"{key} = {json.dumps(value)}" if line.startswith(f"{key} = ") else line for line in lines]
    path = tmp_path / "api.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.http
def test_paged_api_page_per_page(home: Paths, api: str, tmp_path: Path) -> None:
    mapping = mapping_file("zhaopin_api.toml")
    result = ingest_url(f"{api}/zhaopin?city=635", "zhaopin", mapping)
    assert (result.status, result.records, result.record_errors) == ("landed", 60, 0), result.reason
    assert [u.split("?")[1] for u in _PagedApi.requests] == [
        f"city=635&start_page={p}&pageSize=25" for p in (1, 2, 3)]  # 25 + 25 + 10: stops at numFound
    (row,) = read_manifest(home)
    assert row["origin"]["url"].endswith("/zhaopin?city=635") and row["origin"]["pages"] == 3
    rows = _rows(home)
    assert [r["identifier"] for r in rows] == [j["number"] for j in _PagedApi.jobs]  # page order kept
    assert ingest_url(f"{api}/zhaopin?city=635", "zhaopin", mapping).status == "duplicate"  # same content
    assert not list((home.home / "spool").rglob("*.jsonl*"))


@pytest.mark.http
def test_paged_api_next_link(home: Paths, api: str, tmp_path: Path) -> None:
    mapping = _api_mapping(tmp_path, record="jobs", paging="next")
    result = ingest_url(f"{api}/greenhouse", "zhaopin", mapping)
    assert (result.status, result.records) == ("landed", 60), result.reason
    assert len(_PagedApi.requests) == 3 and read_manifest(home)[0]["origin"]["pages"] == 3


@pytest.mark.http
def test_paged_api_failure_mid_pull_lands_nothing(home: Paths, api: str, tmp_path: Path) -> None:
    _PagedApi.fail_page = 2
    result = ingest_url(f"{api}/zhaopin", "zhaopin", mapping_file("zhaopin_api.toml"))
    assert result.status == "quarantined" and "HTTP 500" in result.reason and "start_page=2" in result.reason
    assert read_manifest(home) == []
    assert not [p for p in (home.home / "spool").rglob("*") if p.is_file()]  # no half pull left behind
