"""Process new landing batches whenever one lands (event-driven, no cron), in one task:
stage → normalise → deduplicate → validate → load → publish → reconcile. One run at a time per
warehouse. The run fails, naming source, batch and check, when a batch was held.

One task, not one per step: a task costs a process start, the imports and opening DuckDB (~4 s
each on 2 cores), which bought nothing but retry granularity. Each step is still its own
transaction (warehouse/steps.py), so a crash at any point loses nothing, and a retry reruns the
steps from stage: batches load exactly once (stage skips processed ones) and publish picks up what
an earlier try loaded. Great Expectations' context and suites are built once for the run's process,
and its Data Docs are rendered after the new snapshot is current, off the critical path. The task
returns each step's result (records, seconds, detail) and logs one line per step."""

from __future__ import annotations

import json
import os

from airflow.sdk import dag, task

from jobpool.assets import LANDING, PUBLISHED
from jobpool.dag_defaults import RETRY_ARGS

# Deployments create a 1-slot pool so no other DAG writes the warehouse meanwhile (docs/operations.md).
WAREHOUSE_POOL = os.environ.get("JOBPOOL_WAREHOUSE_POOL", "default_pool")


@dag(dag_id="process", schedule=[LANDING], catchup=False, max_active_runs=1, max_active_tasks=1,
     default_args={"pool": WAREHOUSE_POOL, **RETRY_ARGS}, tags=["jobpool", "warehouse"])
def process() -> None:
    @task(outlets=[PUBLISHED])
    def process(run_id: str | None = None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from jobpool.pipeline import run_all
        from warehouse.steps import BatchesHeld, ReconciliationError

        def log(result) -> None:  # noqa: ANN001
            print(f"{result.step}: {result.records} records in {result.seconds:.2f}s {result.detail}", flush=True)

        try:
            results = run_all(None, (run_id or "").replace(":", "").replace("+", ""), progress=log)
        except (BatchesHeld, ReconciliationError) as exc:  # a verdict on the data: retrying cannot change it
            raise AirflowFailException(str(exc)) from exc
        steps = [{"step": r.step, "records": r.records, "seconds": round(r.seconds, 3), "detail": r.detail}
                 for r in results]
        return json.loads(json.dumps({"steps": steps}, default=str))  # XCom: plain JSON

    process()


process()
