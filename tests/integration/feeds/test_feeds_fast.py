"""The CSV fast path lands exactly what the row path lands (every column but fetched_at), on the
real samples and on hostile edge cases, and declines (falling back to the row path) when it cannot."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from feeds.csv_fast import content_hash_blobs, extra_json, json_escape
from feeds.ingest import ingest_file
from landing.contract import POSTING_FIELDS, content_hash, read_manifest
from landing.paths import Paths
from tests.support.paths import mapping_file

REAL_CSV = [("boss/boss.csv", "boss-csv.toml"), ("51job/51job.csv", "51job-csv.toml"),
            ("51job_gbk/51job.csv", "51job-gbk-csv.toml"), ("lagou/lagou.csv", "lagou-csv.toml"),
            ("glassdoor/glassdoor_jobs.csv", "glassdoor.toml"), ("indeed/indeed_jobs.csv", "indeed_csv.toml")]


def _land(path: Path, mapping: Path, fast: bool) -> tuple[str | None, list[dict]]:
    home = Paths(Path(tempfile.mkdtemp()) / "home")
    result = ingest_file(path, "partner", mapping=mapping, root=home, fast=fast)
    assert result.status == "landed", result.reason
    (row,) = read_manifest(home)
    return result.path, pq.read_table(row["abs_path"]).drop(["fetched_at"]).to_pylist()


@pytest.mark.parametrize(("sample", "mapping"), REAL_CSV, ids=[s for s, _ in REAL_CSV])
def test_fast_path_equals_row_path_on_real_samples(real_data: Path, sample: str, mapping: str) -> None:
    how, fast = _land(real_data / sample, mapping_file(mapping), fast=True)
    _, rows = _land(real_data / sample, mapping_file(mapping), fast=False)
    assert how == "csv-fast"
    assert fast == rows


EDGE_MAPPING = """format = "csv"
id = "id"
[fields]
title = "title"
description = ["desc", "title"]
job_location = "place"
[extra]
tags = "tags"
"note \\"q\\"" = "desc"
"""

EDGE_ROWS = [
    ["1", "收银员", "plain", "任城区", "['日结', '包吃']"],
    ["", "a,b", 'say "hi"\nnext line', "  \u3000兖州区\u3000 ", "[]"],  # no id: hashed row id
    ["3", " \x1c title with odd space \x85", "ctl \x01\x07 tab\t back\\slash \b\f end", "", "[ 'x' , \"y\" ]"],
    ["4", "emoji 😀", "", "", "not [a list"],
    ["", "", "", "", ""],  # blank: not a record
    ["id", "title", "desc", "place", "tags"],  # the header again: not a record
    ["5", "[ ]", "['nested', ['list']]", "曲阜市", "['\\u4e2d']"],
    ["6", "x" * 20, "y" * 1_000_050, "z", "t"],  # description over MAX_RECORD_CHARS: truncated
]


def _write_edge(tmp_path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    import csv

    path = tmp_path / ("edge.tsv" if delimiter == "\t" else "edge.csv")
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(["id", "title", "desc", "place", "tags"])
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8", ","), ("utf-8-sig", ","), ("gb18030", "\t")])
def test_fast_path_equals_row_path_on_edge_cases(tmp_path: Path, encoding: str, delimiter: str) -> None:
    rows = EDGE_ROWS if encoding != "gb18030" else [r for r in EDGE_ROWS if "😀" not in r[1]] + [
        ["7", "制冷工", "GB18030 四字节字符 𠀀", "邹城市", "['叉车']"]]
    path = _write_edge(tmp_path, rows, encoding, delimiter)
    mapping = tmp_path / "m.toml"
    mapping.write_text(EDGE_MAPPING, encoding="utf-8")
    how, fast = _land(path, mapping, fast=True)
    _, slow = _land(path, mapping, fast=False)
    assert how == "csv-fast"
    assert len(slow) == len(rows) - 2  # blank and repeated header rows are not records
    assert fast == slow
    assert max(len(r["description"] or "") for r in slow) == 1_000_000  # truncated alike


def test_fast_path_declines_irregular_rows_and_row_path_lands_them(tmp_path: Path) -> None:
    path = _write_edge(tmp_path, [EDGE_ROWS[0], ["2", "too", "few"], EDGE_ROWS[3]])
    mapping = tmp_path / "m.toml"
    mapping.write_text(EDGE_MAPPING, encoding="utf-8")
    home = Paths(tmp_path / "home")
    result = ingest_file(path, "partner", mapping=mapping, root=home)
    assert (result.status, result.path, result.records, result.record_errors) == ("landed", "csv-rows", 3, 1)
    (row,) = read_manifest(home)
    assert "fast_path_declined" in row["stats"]  # visible in the manifest, for operators
    errors = [r["ingest_error"] for r in pq.read_table(row["abs_path"]).to_pylist() if r["ingest_error"]]
    assert errors == ["edge.csv line 3: expected 5 columns, got 3"]


def test_vectorised_json_and_hash_match_python() -> None:
    values = ["plain", 'q"uote', "back\\slash", "nl\ncr\rtab\t", "ctl\x00\x01\x1f\x7f", "中文 😀", "\u2028", None]
    assert json_escape(pa.array(values)).to_pylist() == [
        None if v is None else json.dumps(v, ensure_ascii=False)[1:-1] for v in values]
    extra = extra_json({"b": pa.array(values), "a": pa.array([None] * len(values), pa.string())}, len(values))
    assert extra.to_pylist() == [None if v is None else json.dumps({"b": v}, ensure_ascii=False, sort_keys=True)
                                 for v in values]
    records = [{f: (v if i % 2 else None) for i, f in enumerate(POSTING_FIELDS)} | {"extra": e, "source_record_id": v}
               for v, e in zip(values, extra.to_pylist(), strict=True)]
    keys = (*POSTING_FIELDS, "extra", "source_record_id")
    columns = {k: pa.array([r[k] for r in records], pa.string()) for k in keys}
    got = [hashlib.sha256(b.encode()).hexdigest() for b in content_hash_blobs(columns).to_pylist()]
    assert got == [content_hash(r) for r in records]
