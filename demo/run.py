"""``jobpool-demo``: the whole pipeline on generated Jining data, end to end.

Generates two job boards and two partner feeds, serves the boards on 127.0.0.1, delivers the feeds
to the inbox, then (default) starts a real Airflow scheduler on SQLite and triggers the ``crawl``
and ``ingest`` DAGs; the ``process`` DAG runs because their landing Asset events arrive. With
``--local`` the same functions run in-process instead. Demo stations and job seekers (with the special
groups) are landed first, so the run publishes the job radar; it ends with a tour (demo/tour.py).
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landing.paths import Paths, paths

if TYPE_CHECKING:
    from demo.airflow_local import AirflowStandalone

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
FEEDS = {"gig_station": "gig_station.csv", "hr_system": "hr_system.xml"}


def deliver_feeds(site: Path, root: Paths) -> list[Path]:
    """Drop the partner files into the inbox the way a partner should: write, then rename."""
    delivered = []
    for source, name in FEEDS.items():
        dest = root.inbox / source / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(name + ".part")
        shutil.copyfile(site / "feeds" / name, tmp)
        os.replace(tmp, dest)
        delivered.append(dest)
    return delivered


def _run_local() -> None:
    from crawlers.registry import load_sources
    from crawlers.run import run_crawl
    from feeds.inbox import scan_inbox
    from jobpool.cli import _progress
    from jobpool.pipeline import run_all

    for name, source in load_sources().items():
        result = run_crawl(source)
        batch = result.get("batch")
        print(f"  crawl {name}: {batch['record_count'] if batch else 0} records landed", flush=True)
    for r in scan_inbox(settle_seconds=0):
        print(f"  ingest {r.source}/{r.file}: {r.status} {r.records} records", flush=True)
    print("process:", flush=True)
    run_all(progress=_progress)


def _pending_batches(root: Paths) -> int | None:
    """Landed batches not yet processed; None while the warehouse is locked by a writer."""
    import duckdb

    from warehouse.steps import job_batches

    if not root.warehouse.exists():
        return len(job_batches(root))
    try:
        con = duckdb.connect(str(root.warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        done = {r[0] for r in con.execute("select batch_id from audit.batch").fetchall()}
    except duckdb.Error:
        return None
    finally:
        con.close()
    return sum(1 for r in job_batches(root) if r["batch_id"] not in done)


DAG_IDS = ("crawl", "ingest", "process")
TERMINAL = ("success", "failed")
#: Seconds without an active run before the demo judges the outcome, so a run the scheduler is about to
#: create for a just-emitted event is waited for instead of cut off by the shutdown.
QUIET_SECONDS = 4.0


def _retried_tasks(airflow: AirflowStandalone, dag_id: str, run_id: str) -> list[str]:
    """Tasks of a run that needed more than one attempt (shown, so a recovered fault is not invisible)."""
    path = f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances"
    tis = airflow.api("GET", path, params={"limit": 1000})["task_instances"]
    return sorted(f"{t['task_id']} x{t['try_number']}" for t in tis if (t.get("try_number") or 0) > 1)


def _failure(airflow: AirflowStandalone, dag_id: str, run: dict[str, Any]) -> RuntimeError:
    return RuntimeError(f"{dag_id} run {run['run_id']} failed:\n"
                        f"{airflow.task_logs(dag_id, run['run_id'])[-3000:]}")


def _run_airflow(root: Paths, env: dict[str, str], timeout: float = 900) -> None:
    """Trigger crawl and ingest, then wait until every run this demo caused has finished and every landed
    batch is processed. The demo judges those runs and that outcome, not the Airflow history: a run
    that failed in an earlier demo (or here, before a later run recovered) does not fail it."""
    from demo.airflow_local import AirflowStandalone

    home = root.home / "airflow"
    print(f"starting Airflow (standalone, SQLite metadata in {home}) ...", flush=True)
    with AirflowStandalone(dags_folder=DAGS, home=home, env=env, expect_dag_ids=set(DAG_IDS)) as airflow:
        print(f"  Airflow UI/API at {airflow.base_url}", flush=True)
        # History: runs already over. A run still going (the inbox watcher may fire while Airflow
        # starts, on the feeds this demo delivered) is this demo's, waited for and judged with the rest.
        before = {d: {r["run_id"] for r in airflow.dag_runs(d) if r["state"] in TERMINAL} for d in DAG_IDS}
        ours = {}
        for dag_id in ("crawl", "ingest"):
            ours[dag_id] = airflow.trigger(dag_id)
            print(f"  triggered {dag_id} ({ours[dag_id]})", flush=True)
        deadline = time.monotonic() + timeout
        reported: set[str] = set()
        nudged = False
        quiet_since = time.monotonic()
        while True:
            new = {d: [r for r in airflow.dag_runs(d) if r["run_id"] not in before[d]] for d in DAG_IDS}
            for dag_id, runs in new.items():
                for run in runs:
                    if run["state"] in TERMINAL and run["run_id"] not in reported:
                        reported.add(run["run_id"])
                        retried = _retried_tasks(airflow, dag_id, run["run_id"])
                        note = f"; retried: {', '.join(retried)}" if retried else ""
                        print(f"  {dag_id}: {run['state']} ({run['run_type']}{note})", flush=True)
                        if run["run_id"] == ours.get(dag_id) and run["state"] != "success":
                            raise _failure(airflow, dag_id, run)  # failed after all its retries
            last_process = new["process"][-1] if new["process"] else None
            active = any(r["state"] not in TERMINAL for runs in new.values() for r in runs)  # ours included
            # Read the warehouse only while no run is active: even a read-only DuckDB connection locks the
            # file, and a process task opening it for writing meanwhile fails ("Could not set lock").
            pending = None if active else _pending_batches(root)
            if pending is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_SECONDS:
                if pending == 0:
                    break
                if last_process is not None and last_process["state"] == "failed":
                    raise _failure(airflow, "process", last_process)  # nothing else will process them
                if nudged:
                    raise RuntimeError(f"{pending} landed batch(es) still unprocessed after the process DAG ran")
                # Batches landed, but no event will come for them (an earlier demo stopped before
                # processing them): one landing event lets the process DAG pick them up.
                airflow.post_asset_event("jobpool_landing", {"reason": "jobpool-demo: unprocessed batches"})
                print(f"  {pending} landed batch(es) were never processed: sent a landing event", flush=True)
                nudged, quiet_since = True, time.monotonic()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the demo's runs did not finish in {timeout:.0f}s: {new}")
            time.sleep(2)
        if last_process is not None and last_process["state"] != "success":
            raise _failure(airflow, "process", last_process)
        failed = [f"{d} {r['run_id']}" for d, runs in new.items() for r in runs if r["state"] != "success"]
        if failed:
            print(f"  recovered: a later run did the work of {len(failed)} failed run(s): {failed}", flush=True)
        kinds = sorted({r["run_type"] for r in new["process"]})
        print(f"  process: {len(new['process'])} run(s), triggered by: {', '.join(kinds) or '-'}; "
              f"every landed batch processed", flush=True)


def land_demo_profiles(root: Paths, seed: int = 7, n: int = 200) -> dict[str, Any]:
    """Land the demo's job seekers so the process run publishes their matches (published.job_matches)."""
    from demo.profiles import write_demo_profiles
    from feeds.reference import ingest_reference

    path = write_demo_profiles(root.demo / f"profiles-seed{seed}-n{n}.csv", seed, n)
    return ingest_reference(path, "profile_demo", root=root)


def run_demo(seed: int = 7, scale: float = 1.0, use_airflow: bool = True, tour: bool = True) -> bool:
    from demo.generate import generate_site
    from demo.server import serve
    from demo.stations import land_demo_stations
    from jobpool.cli import print_summary

    root = paths()
    site = root.demo / f"site-seed{seed}-scale{scale:g}"
    summary = generate_site(site, seed=seed, scale=scale)
    print(f"generated demo sources in {site}: {summary.get('per_source', summary)}", flush=True)
    stations = land_demo_stations(root)  # the demo opts in: production publishes only stations it is sent
    print(f"demo stations (labelled （演示）): {stations['status']} {stations['batch_id']}", flush=True)
    seekers = land_demo_profiles(root, seed)  # 求职画像 (宝妈, 银龄, 残疾 among them): the job radar's input
    print(f"demo job seekers: {seekers['status']} {seekers['records']} profiles {seekers['batch_id']}", flush=True)
    with serve(site / "boards" / "jsonld_board") as jsonld, serve(site / "boards" / "plain_board") as plain:
        env = {
            "JOBPOOL_HOME": str(root.home),
            "JOBPOOL_DEMO_JSONLD_URL": jsonld.url,
            "JOBPOOL_DEMO_PLAIN_URL": plain.url,
        }
        os.environ.update(env)
        print(f"serving jsonld_board at {jsonld.url}, plain_board at {plain.url}", flush=True)
        deliver_feeds(site, root)
        if use_airflow:
            _run_airflow(root, env)
        else:
            _run_local()
    print()
    ok = print_summary()
    from warehouse.db import connect_reader

    con = connect_reader(root.warehouse)
    try:
        jobs = con.execute("select count(*) from published.open_jobs").fetchone()[0]
        links = con.execute("select count(*) from published.job_sources").fetchone()[0]
        multi = con.execute("select count(*) from published.open_jobs where n_sources > 1").fetchone()[0]
        n_stations = con.execute("select count(*) from published.station_report").fetchone()[0]
    finally:
        con.close()
    print(f"\npublished.open_jobs: {jobs} jobs ({multi} seen on more than one source); "
          f"published.job_sources: {links} source records; published.station_report: {n_stations} stations")
    print('try: jobpool sql "select district_adcode, count(*) from published.open_jobs group by 1"')
    if not jobs:
        print("FAILED: nothing was published", flush=True)
    elif tour:
        from demo.tour import print_tour

        print_tour(root)
    return ok and jobs > 0  # the demo's promise: published jobs, every source balanced
