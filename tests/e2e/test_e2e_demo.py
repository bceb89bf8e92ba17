"""``jobpool-demo`` end to end through the real Airflow scheduler, with its first ingest attempts made to
fail (the test-only fault injection), twice on the same JOBPOOL_HOME: a failed first attempt is retried
and the demo succeeds, and a second demo beside the first one's Airflow history succeeds too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from feeds.events import FAULT_ENV
from landing.contract import read_manifest
from landing.paths import Paths
from warehouse.steps import source_summary

pytestmark = pytest.mark.airflow

JOBPOOL_DEMO = Path(sys.executable).parent / "jobpool-demo"


def test_demo_survives_a_failed_first_ingest_attempt_and_runs_again(tmp_path: Path) -> None:
    home = Paths(tmp_path / "home")
    env = {**os.environ, "JOBPOOL_HOME": str(home.home), FAULT_ENV: "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for demo in (1, 2):
        proc = subprocess.run([str(JOBPOOL_DEMO), "--scale", "0.3"], env=env, capture_output=True, text=True,
                              timeout=1500, check=False)
        assert proc.returncode == 0, f"demo {demo}:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
        # every ingest run's first attempt failed on purpose, and its retry recovered
        assert "ingest: success (manual; retried: ingest_files x2)" in proc.stdout, proc.stdout
        assert "MISMATCH" not in proc.stdout

    # the fault really fired, and every first attempt was retried (one may have died of a real start-up
    # fault first: the watcher's run can start while the api-server is not ready yet, the original bug)
    firsts = list((home.home / "airflow" / "logs" / "dag_id=ingest").rglob("attempt=1.log"))
    assert len(firsts) >= 2 and all((p.parent / "attempt=2.log").exists() for p in firsts), firsts
    assert any("InjectedFault" in p.read_text(errors="replace") for p in firsts), firsts
    # each partner file landed once, whichever run (watcher or manual) claimed it, in either demo
    feeds = sorted(m["source"] for m in read_manifest(home) if m["kind"] == "feed")
    assert feeds == ["gig_station", "hr_system"]
    archived = sorted(p.parent.name for p in (home.home / "archive").rglob("*") if p.is_file())
    assert archived == ["gig_station", "gig_station", "hr_system", "hr_system"]  # once per delivery, per demo
    assert not list((home.inbox).rglob("*.csv")) and not list(home.inbox.rglob("*.xml"))
    rows = source_summary(home)
    assert {r["source"] for r in rows} >= {"gig_station", "hr_system", "jsonld_board", "plain_board"}
    assert all(r["balanced"] and r["pending_records"] == 0 for r in rows), rows
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from published.open_jobs").fetchone()[0] > 0
    finally:
        con.close()
