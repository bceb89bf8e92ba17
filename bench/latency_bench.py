"""Event → published latency through the real scheduler (``airflow standalone``, dags/ as shipped).

Builds a pool of ``--pool`` generated jobs (demo.bench.land_generated + jobpool.pipeline.run_all on
one JOBPOOL_HOME; ``--base DIR`` keeps it and reuses it on the next call), starts
``demo.airflow_local.AirflowStandalone`` on a copy of it, then drops ``--drops`` partner files of
``--rows`` rows each into ``inbox/gig_station/`` the way a partner does (write ``*.part``, then
rename) and times each one until ``published/current`` points at a new snapshot. Between drops it
waits until every run the drop caused has finished, so drops do not overlap.

Reports p50/p95 event → published over the measured drops (``--warmup`` drops first, not counted:
the first one pays the triggerer's and the workers' start-up), and per drop where the time went,
from the task instances of the ``ingest`` and ``process`` runs (Airflow REST API): seconds from the
event to each task's queueing, start and end, and each task's duration. The ``process`` task's
return value (its XCom) adds the seconds of each step when the steps run in one task.

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python bench/latency_bench.py --base /tmp/latency-pool

To measure older code with the same script: ``git worktree add /tmp/old <commit>`` and run this file
with ``PYTHONPATH=/tmp/old`` (the DAGs and the code Airflow runs are then taken from there).
Results go to ``bench/results/latency.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

SOURCE = "gig_station"
DAG_IDS = {"crawl", "ingest", "process"}


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None


def build_pool(home: Path, n: int, base_date: date) -> None:
    from demo.bench import land_generated
    from jobpool.pipeline import run_all
    from landing.paths import Paths

    os.environ["JOBPOOL_HOME"] = str(home)
    started = time.monotonic()
    landed = land_generated(Paths(home), n, seed=1, base_date=base_date)
    print(f"pool: landed {landed:,} postings in {time.monotonic() - started:.1f}s", flush=True)
    started = time.monotonic()
    run_all(Paths(home))
    print(f"pool: processed in {time.monotonic() - started:.1f}s", flush=True)


def partner_files(rows: int, count: int, base_date: date) -> list[bytes]:
    """``count`` gig-station CSVs (GBK, the demo's format) of ``rows`` new postings each."""
    import random

    from demo.generate import _render_csv, generate_postings

    n_vac, postings = rows, []
    while len(postings) < rows * count:
        n_vac *= 2
        postings = [p for p in generate_postings(77, n_vac, base_date) if p.source == SOURCE]
    rng = random.Random(77)
    files = []
    for i in range(count):
        chunk = [dataclasses.replace(p, source_record_id=f"D{i:02d}-{p.source_record_id}")
                 for p in postings[i * rows:(i + 1) * rows]]
        files.append(_render_csv(rng, chunk))
    return files


def _current(home: Path) -> str | None:
    try:
        return os.readlink(home / "published" / "current")
    except OSError:
        return None


def _runs_since(airflow: Any, dag_id: str, since: float) -> list[dict[str, Any]]:
    return [r for r in airflow.dag_runs(dag_id) if (_ts(r.get("queued_at")) or 0) >= since - 1]


def _task_rows(airflow: Any, dag_id: str, run: dict[str, Any], t0: float) -> list[dict[str, Any]]:
    from urllib.parse import quote

    path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run['run_id'], safe='')}/taskInstances"
    rows = []
    for ti in sorted(airflow.api("GET", path)["task_instances"], key=lambda t: t.get("start_date") or ""):
        def rel(key: str, ti: dict[str, Any] = ti) -> float | None:
            stamp = _ts(ti.get(key))
            return round(stamp - t0, 2) if stamp else None
        row = {"dag": dag_id, "task": ti["task_id"], "state": ti["state"], "try": ti.get("try_number"),
               "queued_at": rel("queued_when"), "start": rel("start_date"), "end": rel("end_date"),
               "seconds": round(ti["duration"], 2) if ti.get("duration") is not None else None}
        if dag_id == "process" and ti["task_id"] == "process" and ti["state"] == "success":
            try:
                xcom = airflow.api("GET", f"{path}/process/xcomEntries/return_value")
                value = xcom.get("value")
                value = json.loads(value) if isinstance(value, str) else value
                row["steps"] = {s["step"]: s["seconds"] for s in value.get("steps", [])}
            except Exception as exc:  # noqa: BLE001 (the breakdown is best effort)
                row["steps"] = f"unavailable: {exc}"
        rows.append(row)
    return rows


def drop(airflow: Any, home: Path, name: str, data: bytes, timeout: float) -> dict[str, Any]:
    inbox = home / "inbox" / SOURCE
    inbox.mkdir(parents=True, exist_ok=True)
    before = _current(home)
    part = inbox / f"{name}.csv.part"
    part.write_bytes(data)
    os.replace(part, inbox / f"{name}.csv")  # the event: the file is complete under its name
    t0 = time.time()
    deadline = time.monotonic() + timeout
    while _current(home) == before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name}: nothing published within {timeout:.0f}s\n{airflow.diagnostics()}")
        time.sleep(0.05)
    published = time.time() - t0
    # let every run this drop caused finish (reconcile, the checkpoint) before the next drop
    while True:
        runs = {d: _runs_since(airflow, d, t0) for d in ("ingest", "process")}
        if runs["process"] and all(r["state"] in ("success", "failed")
                                   for rs in runs.values() for r in rs) and not any(inbox.iterdir()):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name}: runs still going after {timeout:.0f}s: {runs}")
        time.sleep(0.5)
    tasks = [row for d, rs in runs.items() for r in rs for row in _task_rows(airflow, d, r, t0)]
    states = {d: [r["state"] for r in rs] for d, rs in runs.items()}
    return {"drop": name, "event_to_published_s": round(published, 2), "runs": states, "tasks": tasks}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool", type=int, default=100_000, help="jobs in the pool before the drops")
    parser.add_argument("--rows", type=int, default=1_000, help="rows per partner file")
    parser.add_argument("--drops", type=int, default=5, help="measured drops (at least 5 for a p95)")
    parser.add_argument("--warmup", type=int, default=1, help="drops before the measured ones")
    parser.add_argument("--base", type=Path, help="keep the built pool here and reuse it next time")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one drop may take")
    parser.add_argument("--out", type=Path, default=Path("bench/results/latency.json"))
    args = parser.parse_args(argv)

    import demo
    from demo.airflow_local import AirflowStandalone
    from landing.paths import as_of

    code = Path(demo.__file__).resolve().parents[1]  # the tree under test (PYTHONPATH may name another)
    base_date = as_of().date()
    with tempfile.TemporaryDirectory(prefix="jobpool-latency-") as tmp:
        home = Path(tmp) / "home"
        marker = args.base / "latency-base.json" if args.base else None
        key = [args.pool, base_date.isoformat()]
        if marker is not None and marker.exists() and json.loads(marker.read_text()).get("key") == key:
            print(f"pool: reusing {args.base}", flush=True)
        else:
            target = args.base or home
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            build_pool(target, args.pool, base_date)
            if marker is not None:
                marker.write_text(json.dumps({"key": key}), encoding="utf-8")
        if args.base:
            shutil.copytree(args.base, home, symlinks=True)
        os.environ["JOBPOOL_HOME"] = str(home)
        files = partner_files(args.rows, args.warmup + args.drops, base_date)
        env = {"JOBPOOL_HOME": str(home), "PYTHONPATH": str(code)}
        results = []
        boot = time.monotonic()
        with AirflowStandalone(code / "dags", Path(tmp) / "airflow", env=env, expect_dag_ids=DAG_IDS) as airflow:
            print(f"airflow standalone up in {time.monotonic() - boot:.1f}s (code: {code})", flush=True)
            for i, data in enumerate(files):
                name = f"drop-{i:02d}"
                result = drop(airflow, home, name, data, args.timeout)
                result["warmup"] = i < args.warmup
                results.append(result)
                busy = ", ".join(f"{t['dag']}.{t['task']} {t['seconds']}s" for t in result["tasks"])
                print(f"{name}{' (warm-up)' if result['warmup'] else ''}: event → published "
                      f"{result['event_to_published_s']:.1f}s  [{busy}]", flush=True)
    measured = [r["event_to_published_s"] for r in results if not r["warmup"]]
    per_task: dict[str, list[float]] = {}
    for r in results:
        if r["warmup"]:
            continue
        for t in r["tasks"]:
            if t["seconds"] is not None and t["state"] == "success":
                per_task.setdefault(f"{t['dag']}.{t['task']}", []).append(t["seconds"])
            for step, seconds in (t.get("steps") or {}).items() if isinstance(t.get("steps"), dict) else ():
                per_task.setdefault(f"  step {step}", []).append(seconds)
    report = {
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "code": str(code), "pool": args.pool, "rows": args.rows,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
        "event_to_published_s": {"p50": _pct(measured, 0.5), "p95": _pct(measured, 0.95),
                                 "min": min(measured), "max": max(measured), "each": measured},
        "task_median_s": {k: round(statistics.median(v), 2) for k, v in per_task.items()},
        "drops": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"event → published over {len(measured)} drops: p50 {report['event_to_published_s']['p50']}s, "
          f"p95 {report['event_to_published_s']['p95']}s (each: {measured})")
    for name, seconds in report["task_median_s"].items():
        print(f"  {name:<28} median {seconds:6.2f}s")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
