"""The production topology on real services: scheduler, dag-processor, triggerer, api-server and two
Celery workers on PostgreSQL + Redis run the demo; tasks spread over both workers and the published
tables equal an in-process replay of the same landed batches, processed in the same runs."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest

from demo.airflow_celery import WAREHOUSE_POOL, AirflowCelery
from demo.generate import generate_site
from demo.run import DAGS, _pending_batches, deliver_feeds
from demo.server import serve
from jobpool.pipeline import run_all
from landing.contract import read_manifest
from landing.paths import Paths, paths

pytestmark = [pytest.mark.airflow, pytest.mark.services, pytest.mark.http]

SEED, SCALE = 11, 0.3
WAIT = 600


def _published(home: Paths) -> tuple[set[str], set[tuple[str, str, str]]]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        jobs = {r[0] for r in con.execute("select job_id from published.open_jobs").fetchall()}
        links = {tuple(r) for r in con.execute(
            "select source, source_record_id, job_id from published.job_sources").fetchall()}
    finally:
        con.close()
    return jobs, links


def _jobs_as_record_sets(links: set[tuple[str, str, str]]) -> set[frozenset[tuple[str, str]]]:
    """Each published job as the set of (source, source_record_id) it groups: the dedup outcome sans ids."""
    jobs: dict[str, set[tuple[str, str]]] = {}
    for source, record_id, job_id in links:
        jobs.setdefault(job_id, set()).add((source, record_id))
    return {frozenset(records) for records in jobs.values()}


def _replay(home: Paths, ref: Paths) -> int:
    """The in-process reference: the deployment's landed batches, processed by ``run_all`` in the same
    runs and order (from audit.batch). Deduplication is incremental, so which batches share a run
    decides a few borderline groupings (and the ids minted); timing decides that on a deployment (the
    crawl or the ingest finishing first), so the reference follows the deployment's grouping."""
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        runs = con.execute("select list(batch_id order by batch_id) from audit.batch "
                           "group by run_id order by min(processed_at)").fetchall()
    finally:
        con.close()
    manifest = {row["batch_id"]: row for row in read_manifest(home)}
    for (batch_ids,) in runs:
        for batch_id in batch_ids:
            row = manifest[batch_id]
            target = ref.landing / row["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(row["abs_path"], target)
            ref.manifest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(home.manifest / f"{batch_id}.json", ref.manifest / f"{batch_id}.json")
        run_all(ref)
    return len(runs)


def _wait_for_process(airflow: AirflowCelery, home: Paths) -> list[dict]:
    """All asset-triggered process runs, once none is active and every landed batch is loaded."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        runs = airflow.dag_runs("process")
        failed = [r for r in runs if r["state"] == "failed"]
        assert not failed, airflow.task_logs("process", failed[0]["run_id"])[-4000:]
        if runs and not [r for r in runs if r["state"] in ("queued", "running")] and _pending_batches(home) == 0:
            return runs
        time.sleep(2)
    raise AssertionError(f"process runs not done in {WAIT}s: {airflow.dag_runs('process')}\n{airflow.diagnostics()}")


def test_celery_two_workers_match_local_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBPOOL_HOME", str(tmp_path / "celery"))
    home = paths()
    site = tmp_path / "site"
    generate_site(site, seed=SEED, scale=SCALE)
    with serve(site / "boards" / "jsonld_board") as jsonld, serve(site / "boards" / "plain_board") as plain:
        env = {"JOBPOOL_HOME": str(home.home), "JOBPOOL_DEMO_JSONLD_URL": jsonld.url,
               "JOBPOOL_DEMO_PLAIN_URL": plain.url}
        # the local reference ran with the same env names; the demo reads them at crawl time
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        deliver_feeds(site, home)
        boot = time.monotonic()
        with AirflowCelery(DAGS, tmp_path / "airflow", env=env, expect_dag_ids={"crawl", "ingest", "process"},
                           workers=2, concurrency=2) as airflow:
            print(f"celery: deployment up in {time.monotonic() - boot:.1f}s")
            started = time.monotonic()
            triggered = {dag_id: airflow.trigger(dag_id) for dag_id in ("crawl", "ingest")}
            for dag_id in triggered:
                run = airflow.wait_for_run(dag_id, lambda r: r["state"] in ("success", "failed"), WAIT)
                assert run["state"] == "success", airflow.task_logs(dag_id, run["run_id"])[-4000:]
            runs = _wait_for_process(airflow, home)
            print(f"celery: crawl+ingest+process done in {time.monotonic() - started:.1f}s, "
                  f"{len(runs)} process run(s)")
            assert {r["run_type"] for r in runs} == {"asset_triggered"}

            hosts: dict[str, set[str]] = {}
            for dag_id, run_ids in (("crawl", [triggered["crawl"]]), ("ingest", [triggered["ingest"]]),
                                    ("process", [r["run_id"] for r in runs])):
                for run_id in run_ids:
                    for ti in airflow.task_instances(dag_id, run_id):
                        if ti["state"] == "success":
                            hosts.setdefault(ti["hostname"], set()).add(f"{dag_id}.{ti['task_id']}")
                            if dag_id == "process":
                                assert ti["pool"] == WAREHOUSE_POOL
            assert set(hosts) == set(airflow.worker_names), hosts

    jobs, links = _published(home)
    assert jobs and links
    monkeypatch.setenv("JOBPOOL_HOME", str(tmp_path / "replay"))
    assert 1 <= _replay(home, paths()) <= len(runs)
    expected_jobs, expected_links = _published(paths())
    assert jobs == expected_jobs
    assert links == expected_links  # same records, same jobs, same ids
    assert _jobs_as_record_sets(links) == _jobs_as_record_sets(expected_links)
