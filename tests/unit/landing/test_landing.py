"""The landing contract: atomic batches, one manifest row each, nothing visible after a crash."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from landing.contract import (
    RECORD_SCHEMA,
    BatchWriter,
    LandingError,
    content_hash,
    read_manifest,
    sweep_orphans,
)
from landing.paths import Paths


def _rec(i: int) -> dict:
    return {"source_record_id": f"r{i}", "title": f"收银员{i}", "description": "超市收银",
            "base_salary": "4-6千/月", "extra": {"tags": ["日结"]}}


def test_batch_lands_atomically_with_manifest(home: Paths) -> None:
    with BatchWriter("gig_station", root=home) as writer:
        writer.extend(_rec(i) for i in range(5))
    rows = read_manifest(home)
    assert len(rows) == 1
    row = rows[0]
    assert row["record_count"] == 5 and row["source"] == "gig_station"
    assert row["path"].startswith("source=gig_station/date=")
    table = pq.read_table(row["abs_path"])
    assert table.schema.equals(RECORD_SCHEMA)
    assert table.column("record_index").to_pylist() == [0, 1, 2, 3, 4]
    assert json.loads(table.column("extra")[0].as_py()) == {"tags": ["日结"]}
    assert not list(home.landing.rglob(".*.tmp"))


def test_crash_mid_batch_leaves_nothing_visible(home: Paths) -> None:
    with pytest.raises(RuntimeError), BatchWriter("hr_system", root=home) as writer:
        writer.extend(_rec(i) for i in range(3))
        writer._flush()  # data already on disk in the temp file
        raise RuntimeError("killed")
    assert read_manifest(home) == []
    assert not list(home.landing.rglob("*.parquet"))
    sweep_orphans(home)


def test_content_hash_ignores_provenance_but_not_content() -> None:
    a = {**_rec(1), "url": "http://a", "fetched_at": "x"}
    b = {**_rec(1), "url": "http://b", "fetched_at": "y"}
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({**a, "base_salary": "5-7千/月"})


def test_bad_source_name_and_unknown_field_rejected(home: Paths) -> None:
    with pytest.raises(LandingError):
        BatchWriter("../etc", root=home)
    writer = BatchWriter("ok_source", root=home)
    with pytest.raises(LandingError, match="unknown landing field"):
        writer.add({"salary": "1"})


def test_empty_batch_writes_nothing(home: Paths) -> None:
    with BatchWriter("empty", root=home):
        pass
    assert read_manifest(home) == []
