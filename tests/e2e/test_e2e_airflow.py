"""End to end through a real Airflow scheduler (standalone, SQLite, LocalExecutor): a partner file
and a crawl each land a batch, and the ``process`` DAG runs *because of* the landing Asset event."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from demo.airflow_local import AirflowStandalone
from demo.generate import generate_site
from demo.server import serve
from landing.contract import read_manifest
from landing.paths import Paths
from tests.support.paths import DAGS
from warehouse.steps import source_summary

pytestmark = [pytest.mark.airflow, pytest.mark.http]

WAIT = 420


def _published(home: Paths) -> tuple[int, int]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return (con.execute("select count(*) from published.open_jobs").fetchone()[0],
                con.execute("select count(*) from published.job_sources").fetchone()[0])
    finally:
        con.close()


def _upstream_dags(airflow: AirflowStandalone, run_id: str) -> set[str]:
    events = airflow.api("GET", f"/api/v2/dags/process/dagRuns/{run_id}/upstreamAssetEvents")
    return {e.get("source_dag_id") for e in events["asset_events"]}


def test_landing_events_trigger_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Paths(tmp_path / "home")
    monkeypatch.setenv("JOBPOOL_HOME", str(home.home))
    site = tmp_path / "site"
    generate_site(site, seed=5, scale=0.3)
    with serve(site / "boards" / "jsonld_board") as jsonld, serve(site / "boards" / "plain_board") as plain:
        env = {"JOBPOOL_HOME": str(home.home), "JOBPOOL_DEMO_JSONLD_URL": jsonld.url,
               "JOBPOOL_DEMO_PLAIN_URL": plain.url}
        with AirflowStandalone(DAGS, tmp_path / "airflow", env=env,
                               expect_dag_ids={"crawl", "ingest", "process"}) as airflow:
            assert airflow.dag_runs("process") == []

            # 1. a partner drops a file in the inbox; ingest lands it; process follows the event
            inbox = home.inbox / "gig_station"
            inbox.mkdir(parents=True)
            shutil.copy(site / "feeds" / "gig_station.csv", inbox / "gig.csv.part")
            os.replace(inbox / "gig.csv.part", inbox / "gig.csv")
            airflow.trigger("ingest")
            first = airflow.wait_for_run(
                "process", lambda r: r["state"] in ("success", "failed"), WAIT)
            assert first["state"] == "success", airflow.task_logs("process", first["run_id"])[-4000:]
            assert first["run_type"] == "asset_triggered"
            assert _upstream_dags(airflow, first["run_id"]) == {"ingest"}
            jobs_after_feed, links_after_feed = _published(home)
            assert jobs_after_feed > 0

            # 2. a crawl of both boards lands two batches; process runs again, on their events
            airflow.trigger("crawl")
            crawl = airflow.wait_for_run("crawl", lambda r: r["state"] in ("success", "failed"), WAIT)
            assert crawl["state"] == "success", airflow.task_logs("crawl", crawl["run_id"])[-4000:]

            def crawl_processed(run: dict) -> bool:
                return (run["run_id"] != first["run_id"] and run["state"] in ("success", "failed")
                        and "crawl" in _upstream_dags(airflow, run["run_id"]))

            second = airflow.wait_for_run("process", crawl_processed, WAIT)
            assert second["state"] == "success" and second["run_type"] == "asset_triggered"
            # a run may still be pending for the second crawl task's event: let it finish
            airflow.wait_for_run("process", lambda r: r["state"] in ("success", "failed"), WAIT)
            for run in airflow.dag_runs("process"):
                if run["state"] in ("queued", "running"):
                    airflow.wait_for_run(
                        "process", lambda r, rid=run["run_id"]: r["run_id"] == rid
                        and r["state"] in ("success", "failed"), WAIT)

    jobs, links = _published(home)
    assert jobs > jobs_after_feed and links > links_after_feed
    sources = {r["source"]: r for r in source_summary(home)}
    assert set(sources) == {"gig_station", "jsonld_board", "plain_board"}
    assert all(r["balanced"] and r["pending_records"] == 0 for r in sources.values())
    assert sum(r["landed"] for r in sources.values()) == sum(m["record_count"] for m in read_manifest(home))
