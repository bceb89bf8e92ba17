"""Single writer under parallel workers: two ``jobpool process`` started at once on the same landed
batches load every batch exactly once, reconcile, and neither fails (one waits for the other)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from demo.generate import generate_site
from demo.run import deliver_feeds
from feeds.inbox import scan_inbox
from landing.contract import read_manifest
from landing.paths import paths
from warehouse.steps import source_summary

JOBPOOL = Path(sys.executable).parent / "jobpool"


def test_two_concurrent_process_runs_load_each_batch_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBPOOL_HOME", str(tmp_path / "home"))
    root = paths()
    site = tmp_path / "site"
    generate_site(site, seed=3, scale=0.3)
    deliver_feeds(site, root)
    landed = [r for r in scan_inbox(settle_seconds=0) if r.status == "landed"]
    assert len(landed) == 2
    batches = {r["batch_id"]: r for r in read_manifest(root)}

    procs = [subprocess.Popen([str(JOBPOOL), "process"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, f"{out}\n{err}"
        assert "Traceback" not in err, err

    con = duckdb.connect(str(root.warehouse), read_only=True)
    try:
        loaded = con.execute("select batch_id, count(*) from audit.batch group by 1").fetchall()
        postings = con.execute(
            "select count(*), count(distinct (source, source_record_id)) from core.posting").fetchone()
        run_ids = {r[0] for r in con.execute("select distinct run_id from audit.batch").fetchall()}
    finally:
        con.close()
    assert dict(loaded) == dict.fromkeys(batches, 1)
    assert len(run_ids) == 1  # one run loaded everything; the other found nothing left to do
    assert postings[0] == postings[1]
    for row in source_summary(root):
        assert row["pending_records"] == 0
        assert row["balanced"], row
        assert row["landed"] == sum(b["record_count"] for b in batches.values() if b["source"] == row["source"])
