"""``jobpool demo``: the whole pipeline on generated Jining data, end to end.

Generates two job boards and two partner feeds, serves the boards on 127.0.0.1, delivers the feeds
to the inbox, then (default) starts a real Airflow scheduler on SQLite and triggers the ``crawl``
and ``ingest`` DAGs; the ``process`` DAG runs because their landing Asset events arrive. With
``--local`` the same functions run in-process instead.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from jobpool.config import Paths, paths

REPO = Path(__file__).resolve().parents[2]
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
    from jobpool.cli import _progress
    from jobpool.feeds.inbox import scan_inbox
    from jobpool.process import run_all

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

    from jobpool.process import job_batches

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


def _run_airflow(root: Paths, env: dict[str, str], timeout: float = 900) -> None:
    from jobpool.airflow_local import AirflowStandalone

    home = root.home / "airflow"
    print(f"starting Airflow (standalone, SQLite metadata in {home}) ...", flush=True)
    with AirflowStandalone(dags_folder=DAGS, home=home, env=env) as airflow:
        print(f"  Airflow UI/API at {airflow.base_url}", flush=True)
        before = {r["run_id"] for r in airflow.dag_runs("process")}
        for dag_id in ("crawl", "ingest"):
            run_id = airflow.trigger(dag_id)
            print(f"  triggered {dag_id} ({run_id})", flush=True)
        for dag_id in ("crawl", "ingest"):
            run = airflow.wait_for_run(dag_id, lambda r: r["state"] in ("success", "failed"), timeout)
            print(f"  {dag_id}: {run['state']}", flush=True)
            if run["state"] != "success":
                raise RuntimeError(f"{dag_id} failed:\n{airflow.task_logs(dag_id, run['run_id'])[-3000:]}")
        deadline = time.monotonic() + timeout
        while True:
            runs = [r for r in airflow.dag_runs("process") if r["run_id"] not in before]
            active = [r for r in runs if r["state"] in ("queued", "running")]
            failed = [r for r in runs if r["state"] == "failed"]
            if failed:
                run = failed[0]
                raise RuntimeError(f"process failed:\n{airflow.task_logs('process', run['run_id'])[-3000:]}")
            if runs and not active and _pending_batches(root) == 0:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"process DAG did not finish in {timeout}s: {runs}")
            time.sleep(2)
        kinds = sorted({r["run_type"] for r in runs})
        print(f"  process: {len(runs)} run(s), all success, triggered by: {', '.join(kinds)}", flush=True)


def run_demo(seed: int = 7, scale: float = 1.0, use_airflow: bool = True) -> bool:
    from jobpool.cli import print_summary
    from jobpool.demo.generate import generate_site
    from jobpool.demo.server import serve
    from jobpool.demo.stations import land_demo_stations

    root = paths()
    site = root.demo / f"site-seed{seed}-scale{scale:g}"
    summary = generate_site(site, seed=seed, scale=scale)
    print(f"generated demo sources in {site}: {summary.get('per_source', summary)}", flush=True)
    stations = land_demo_stations(root)  # the demo opts in: production publishes only stations it is sent
    print(f"demo stations (labelled （演示）): {stations['status']} {stations['batch_id']}", flush=True)
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
    return ok
