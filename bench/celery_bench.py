"""1 vs 2 Celery workers on the demo: the production topology (scheduler, dag-processor, triggerer,
api-server, N Celery workers) on the real PostgreSQL and Redis, timing crawl + ingest + the
asset-triggered process runs. Usage: ``python bench/celery_bench.py --scale 2.0 --workers 1 --workers 2``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from demo.airflow_celery import AirflowCelery
from demo.generate import generate_site
from demo.run import DAGS, _pending_batches, deliver_feeds
from demo.server import serve
from landing.paths import Paths

WAIT = 1800


def run_once(workers: int, seed: int, scale: float, concurrency: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"celery-bench-{workers}w-") as tmp:
        tmp_path = Path(tmp)
        home = Paths(tmp_path / "home")
        os.environ["JOBPOOL_HOME"] = str(home.home)
        site = tmp_path / "site"
        summary = generate_site(site, seed=seed, scale=scale)
        with serve(site / "boards" / "jsonld_board") as jsonld, serve(site / "boards" / "plain_board") as plain:
            env = {"JOBPOOL_HOME": str(home.home), "JOBPOOL_DEMO_JSONLD_URL": jsonld.url,
                   "JOBPOOL_DEMO_PLAIN_URL": plain.url}
            os.environ.update(env)
            deliver_feeds(site, home)
            boot = time.monotonic()
            with AirflowCelery(DAGS, tmp_path / "airflow", env=env, expect_dag_ids={"crawl", "ingest", "process"},
                               workers=workers, concurrency=concurrency) as airflow:
                up = time.monotonic() - boot
                started = time.monotonic()
                for dag_id in ("crawl", "ingest"):
                    airflow.trigger(dag_id)
                landing = {}
                for dag_id in ("crawl", "ingest"):
                    run = airflow.wait_for_run(dag_id, lambda r: r["state"] in ("success", "failed"), WAIT)
                    landing[dag_id] = round(time.monotonic() - started, 1)
                    assert run["state"] == "success", dag_id
                deadline = time.monotonic() + WAIT
                while True:
                    runs = airflow.dag_runs("process")
                    assert not [r for r in runs if r["state"] == "failed"], "process failed"
                    if runs and not [r for r in runs if r["state"] in ("queued", "running")] \
                            and _pending_batches(home) == 0:
                        break
                    assert time.monotonic() < deadline, "process did not finish"
                    time.sleep(2)
                done = time.monotonic() - started
        return {"workers": workers, "concurrency": concurrency, "postings": sum(summary["per_source"].values()),
                "deployment_up_s": round(up, 1), "crawl_done_s": landing["crawl"], "ingest_done_s": landing["ingest"],
                "all_done_s": round(done, 1), "process_runs": len(runs),
                "load_average_after": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, action="append", help="repeatable; default 1 and 2")
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=2, help="task slots per worker")
    args = parser.parse_args()
    results = []
    for workers in args.workers or [1, 2]:
        print(f"load average before: {os.getloadavg()}", flush=True)
        result = run_once(workers, args.seed, args.scale, args.concurrency)
        print(json.dumps(result), flush=True)
        results.append(result)
    out = Path("bench/results/celery.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
