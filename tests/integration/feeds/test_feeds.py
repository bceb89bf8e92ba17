"""Partner feeds: real samples land or quarantine every record; hostile files are refused whole."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from feeds.inbox import scan_inbox
from feeds.ingest import ingest_file
from landing.contract import read_manifest
from landing.paths import Paths
from tests.support.paths import mapping_file


def _landed(home: Paths) -> list[dict]:
    rows = []
    for m in read_manifest(home):
        rows.extend(pq.read_table(m["abs_path"]).to_pylist())
    return rows


def test_real_gbk_51job_lands_every_row(home: Paths, real_data: Path) -> None:
    result = ingest_file(real_data / "51job_gbk" / "51job.csv", "job51", mapping=mapping_file("51job-gbk-csv.toml"))
    assert result.status == "landed", result.reason
    assert result.records == 4950  # every data row (README: 4,950 rows; embedded newlines kept)
    rows = _landed(home)
    assert any("上海" in (r["job_location"] or "") for r in rows)
    # list-literal cells are unwrapped
    assert not any((r["title"] or "").startswith("['") for r in rows)


def test_real_indeed_xml_and_greenhouse_json(home: Paths, real_data: Path) -> None:
    xml = ingest_file(real_data / "feeds" / "indeed_example.xml", "indeed_feed",
                      mapping=mapping_file("indeed-xml.toml"))
    assert (xml.status, xml.records, xml.record_errors) == ("landed", 1, 0)
    gh = ingest_file(real_data / "feeds" / "greenhouse_jobs_list.json", "greenhouse",
                     mapping=mapping_file("greenhouse_json.toml"))
    assert gh.status == "landed" and gh.records >= 1
    titles = {r["title"] for r in _landed(home)}
    assert all(titles)


def test_same_file_twice_lands_once(home: Paths, real_data: Path, tmp_path: Path) -> None:
    src = tmp_path / "a.xml"
    shutil.copy(real_data / "feeds" / "indeed_example.xml", src)
    first = ingest_file(src, "indeed_feed", mapping=mapping_file("indeed-xml.toml"))
    second = ingest_file(src, "indeed_feed", mapping=mapping_file("indeed-xml.toml"))
    assert (first.status, second.status) == ("landed", "duplicate")
    assert len(read_manifest(home)) == 1


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<source><job><title>&lol3;</title></job></source>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<source><job><title>&xxe;</title></job></source>"""


GIG_HEADER = "编号,岗位名称,用工单位,工作地点,薪资待遇,用工类型,岗位标签,岗位描述,联系电话,发布日期,截止日期\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_hostile_and_broken_files_quarantined_with_reason(home: Paths, tmp_path: Path) -> None:
    cases = {
        "bomb.xml": (BOMB.encode(), "xml", "hostile XML"),
        "xxe.xml": (XXE.encode(), "xml", "hostile XML"),
        "broken.json": (b'{"jobs": [ {"title": "x"', "json", "invalid JSON"),
        "empty.csv": (b"", "csv", "empty file"),
        "header_only.csv": (GIG_HEADER.encode("gbk"), "csv", "header only"),
        "missing_col.csv": ("编号,岗位名称\n1,收银员\n".encode(), "csv", "not in the file's header"),
    }
    for name, (data, fmt, expected) in cases.items():
        path = _write(tmp_path, name, data)
        mapping = mapping_file("indeed-xml.toml" if fmt == "xml" else "greenhouse_json.toml") \
            if fmt != "csv" else None
        result = ingest_file(path, "gig_station" if fmt == "csv" else "partner", fmt, mapping)
        assert result.status == "quarantined", name
        assert expected in (result.reason or ""), (name, result.reason)
        assert name in result.reason  # the error names the file
        assert Path(result.quarantined_to).exists()
        assert Path(result.quarantined_to + ".reason.json").exists()
    assert read_manifest(home) == []
    assert "root:" not in "".join(str(r) for r in _landed(home))


def test_wrong_declared_encoding_and_bad_rows(home: Paths, tmp_path: Path) -> None:
    header = GIG_HEADER
    good = "1,收银员,鸿远超市,任城区,4-6千/月,全职,日结,超市收银,13800000000,2026-11-20,2026-12-20\n"
    short = "2,理货员,鸿远超市\n"
    path = _write(tmp_path, "gig.csv", (header + good + header + short).encode("gbk"))
    result = ingest_file(path, "gig_station")
    assert result.status == "landed" and result.records == 2 and result.record_errors == 1
    errors = [r["ingest_error"] for r in _landed(home) if r["ingest_error"]]
    assert errors and "gig.csv line" in errors[0] and "expected 11 columns" in errors[0]
    declared = tmp_path / "utf8.csv"
    declared.write_bytes((header + good).encode("utf-8"))
    mapping = tmp_path / "m.toml"
    mapping.write_text((Path("feeds/partners.toml").read_text(encoding="utf-8")
                        .replace('encoding = "auto"\nid = "编号"', 'encoding = "ascii"\nid = "编号"')),
                       encoding="utf-8")
    bad = ingest_file(declared, "gig_station", mapping=mapping)
    assert bad.status == "quarantined" and "not valid ascii" in bad.reason


def test_inbox_skips_partial_files_and_archives(home: Paths, real_data: Path, tmp_path: Path,
                                               monkeypatch) -> None:
    registry = tmp_path / "partners.toml"
    body = (mapping_file("indeed-xml.toml")).read_text(encoding="utf-8")
    body = body.replace("[fields]", "[indeed_feed.fields]").replace("[extra]", "[indeed_feed.extra]")
    registry.write_text("[indeed_feed]\n" + body, encoding="utf-8")
    monkeypatch.setenv("JOBPOOL_PARTNERS", str(registry))
    inbox = home.inbox / "indeed_feed"
    inbox.mkdir(parents=True)
    shutil.copy(real_data / "feeds" / "indeed_example.xml", inbox / "feed.xml.part")
    assert scan_inbox(home, settle_seconds=0) == []  # still being uploaded
    (inbox / "feed.xml.part").rename(inbox / "feed.xml")
    results = scan_inbox(home, settle_seconds=0)
    assert [r.status for r in results] == ["landed"]
    assert not (inbox / "feed.xml").exists()
    assert (home.home / "archive" / "indeed_feed" / "feed.xml").exists()
    # the same file delivered again is recognised and archived, not landed twice
    shutil.copy(home.home / "archive" / "indeed_feed" / "feed.xml", inbox / "again.xml")
    assert [r.status for r in scan_inbox(home, settle_seconds=0)] == ["duplicate"]
    assert len(read_manifest(home)) == 1


# -- bad input: each a clear error naming the file (and line/record), the file quarantined -----------
def test_truncated_csv_quarantined_naming_the_line(home: Paths, real_data: Path, tmp_path: Path) -> None:
    data = (real_data / "boss" / "boss.csv").read_bytes()
    cut = data[: data.index(b"\n", 200_000) + 40]  # an upload cut off 40 bytes into a row
    path = _write(tmp_path, "boss_cut.csv", cut)
    result = ingest_file(path, "boss", mapping=mapping_file("boss-csv.toml"))
    assert result.status == "quarantined", result
    assert result.reason.startswith("boss_cut.csv line ") and "truncated" in result.reason
    assert read_manifest(home) == []


def test_encoding_error_past_the_sniffed_sample_names_the_line(home: Paths, tmp_path: Path) -> None:
    good = "1,收银员,鸿远超市,任城区,4-6千/月,全职,日结,超市收银,13800000000,2026-11-20,2026-12-20\n"
    body = (GIG_HEADER + good * 3000).encode("utf-8") + "2,理货员,鸿远超市".encode("gbk") + b",x,x,x,x,x,x,x,x\n"
    path = _write(tmp_path, "mixed.csv", body)  # valid UTF-8 for the first 256 KiB, then GBK bytes
    result = ingest_file(path, "gig_station")
    assert result.status == "quarantined"
    assert result.reason.startswith("mixed.csv line 3002 (byte 321139): not valid utf-8"), result.reason


def test_bad_files_in_the_inbox_are_quarantined_and_the_others_go_on(home: Paths, real_data: Path,
                                                                     tmp_path: Path, monkeypatch) -> None:
    registry = tmp_path / "partners.toml"
    body = (mapping_file("indeed-xml.toml")).read_text(encoding="utf-8")
    registry.write_text("[indeed_feed]\n" + body.replace("[fields]", "[indeed_feed.fields]")
                        .replace("[extra]", "[indeed_feed.extra]"), encoding="utf-8")
    monkeypatch.setenv("JOBPOOL_PARTNERS", str(registry))
    inbox = home.inbox / "indeed_feed"
    inbox.mkdir(parents=True)
    (inbox / "a_bomb.xml").write_text(BOMB)
    (inbox / "b_empty.xml").write_bytes(b"")
    shutil.copy(real_data / "feeds" / "indeed_example.xml", inbox / "c_good.xml")
    (inbox / "d_xxe.xml").write_text(XXE)
    results = scan_inbox(home, settle_seconds=0)
    assert [(r.file, r.status) for r in results] == [("a_bomb.xml", "quarantined"), ("b_empty.xml", "quarantined"),
                                                     ("c_good.xml", "landed"), ("d_xxe.xml", "quarantined")]
    assert list(inbox.iterdir()) == []  # each file moved: archive/ or quarantine/
    notes = (home.quarantine / "indeed_feed").glob("*.reason.json")
    reasons = sorted(json.loads(p.read_text())["reason"] for p in notes)
    assert [r.split(":")[0] for r in reasons] == ["a_bomb.xml", "b_empty.xml", "d_xxe.xml"]
    assert "root:" not in json.dumps(_landed(home), default=str)  # the external entity was never expanded


def test_recently_modified_file_waits_to_settle(home: Paths, real_data: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JOBPOOL_PARTNERS", str(_registry(tmp_path)))
    inbox = home.inbox / "indeed_feed"
    inbox.mkdir(parents=True)
    shutil.copy(real_data / "feeds" / "indeed_example.xml", inbox / "feed.xml")  # no partial name, just written
    assert scan_inbox(home, settle_seconds=60) == []
    old = time.time() - 120
    os.utime(inbox / "feed.xml", (old, old))
    assert [r.status for r in scan_inbox(home, settle_seconds=60)] == ["landed"]


def _registry(tmp_path: Path) -> Path:
    registry = tmp_path / "partners.toml"
    body = (mapping_file("indeed-xml.toml")).read_text(encoding="utf-8")
    registry.write_text("[indeed_feed]\n" + body.replace("[fields]", "[indeed_feed.fields]")
                        .replace("[extra]", "[indeed_feed.extra]"), encoding="utf-8")
    return registry


# -- exactly once under a crash, and constant memory ------------------------------------------------------
def _generate_csv(path: Path, rows: int) -> Path:
    line = ("{i},收银员{m},鸿远超市,任城区,4-6千/月,全职,\"['日结', '包吃']\",\"超市收银，\"\"能吃苦\"\"\n周末双休\","
            "138{i:08d},2026-11-20,2026-12-20\n")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(GIG_HEADER)
        for start in range(0, rows, 10_000):
            fh.write("".join(line.format(i=i, m=i % 97) for i in range(start, min(rows, start + 10_000))))
    return path


CHILD = """
import json, resource, sys
from pathlib import Path
from landing.paths import Paths
from feeds.ingest import ingest_file
r = ingest_file(Path(sys.argv[1]), "gig_station", root=Paths(Path(sys.argv[2])))
print(json.dumps({"status": r.status, "records": r.records, "path": r.path,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def test_crash_mid_ingest_leaves_no_half_batch_and_the_retry_lands_it(home: Paths, tmp_path: Path) -> None:
    rows = 400_000
    path = _generate_csv(tmp_path / "big.csv", rows)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(home.home)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while not list(home.landing.rglob(".*.parquet.tmp")):  # the batch is being written
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert list(home.landing.rglob(".*.parquet.tmp"))  # killed mid-write: a temp file, nothing more
    assert read_manifest(home) == [] and not list(home.landing.rglob("*.parquet"))

    retry = ingest_file(path, "gig_station")
    assert (retry.status, retry.records, retry.record_errors) == ("landed", rows, 0)
    (batch,) = read_manifest(home)
    assert pq.ParquetFile(batch["abs_path"]).metadata.num_rows == rows
    assert not list(home.landing.rglob(".*.tmp"))  # the retry wrote over the orphan
    assert ingest_file(path, "gig_station").status == "duplicate"
    assert len(read_manifest(home)) == 1


def test_peak_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    peaks = {}
    for rows in (50_000, 600_000):
        path = _generate_csv(tmp_path / f"gig-{rows}.csv", rows)
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(tmp_path / f"home-{rows}")],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        assert (result["status"], result["records"], result["path"]) == ("landed", rows, "csv-fast")
        peaks[rows] = result["peak_rss_mb"]
        path.unlink()
    # 12x the rows (~80 MB of CSV): the peak grows by at most the one row group being assembled
    assert peaks[600_000] < peaks[50_000] + 120 and peaks[600_000] < 1024, peaks
