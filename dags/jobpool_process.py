"""Process new landing batches whenever one lands (event-driven, no cron):
stage → normalise → deduplicate → validate → load → publish → reconcile. One run at a time per
warehouse. ``reconcile`` fails the run, naming source, batch and check, when a batch was held."""

from __future__ import annotations

import os

from airflow.sdk import dag, task

from jobpool.assets import LANDING, PUBLISHED
from jobpool.dag_defaults import RETRY_ARGS

# Deployments create a 1-slot pool so no other DAG writes the warehouse meanwhile (docs/operations.md).
WAREHOUSE_POOL = os.environ.get("JOBPOOL_WAREHOUSE_POOL", "default_pool")


def _step(name: str, run_id: str) -> dict:
    from airflow.sdk.exceptions import AirflowFailException

    from jobpool.pipeline import STEP_FUNCTIONS
    from warehouse.steps import BatchesHeld, ReconciliationError

    try:
        result = STEP_FUNCTIONS[name](None, run_id.replace(":", "").replace("+", ""))
    except (BatchesHeld, ReconciliationError) as exc:  # a verdict on the data: retrying cannot change it
        raise AirflowFailException(str(exc)) from exc
    print(f"{name}: {result.records} records in {result.seconds:.2f}s {result.detail}")
    return {"records": result.records, "seconds": round(result.seconds, 3), "detail": result.detail}


@dag(dag_id="process", schedule=[LANDING], catchup=False, max_active_runs=1, max_active_tasks=1,
     default_args={"pool": WAREHOUSE_POOL, **RETRY_ARGS}, tags=["jobpool", "warehouse"])
def process() -> None:
    @task
    def stage(run_id: str | None = None) -> dict:
        return _step("stage", run_id or "")

    @task
    def normalise(run_id: str | None = None) -> dict:
        return _step("normalise", run_id or "")

    @task
    def deduplicate(run_id: str | None = None) -> dict:
        return _step("deduplicate", run_id or "")

    @task
    def validate(run_id: str | None = None) -> dict:
        return _step("validate", run_id or "")

    @task
    def load(run_id: str | None = None) -> dict:
        return _step("load", run_id or "")

    @task(outlets=[PUBLISHED])
    def publish(run_id: str | None = None) -> dict:
        return _step("publish", run_id or "")

    @task
    def reconcile(run_id: str | None = None) -> dict:
        return _step("reconcile", run_id or "")

    stage() >> normalise() >> deduplicate() >> validate() >> load() >> publish() >> reconcile()


process()
