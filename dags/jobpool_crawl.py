"""Crawl every registered board (crawlers/sources.toml): one mapped task per source. A task that
landed a batch emits the landing Asset; one that landed nothing is skipped and emits nothing."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task

from jobpool.assets import LANDING


@dag(dag_id="crawl", schedule=None, catchup=False, max_active_runs=1, tags=["jobpool", "landing"],
     params={"sources": []}, default_args={"retries": 1, "retry_delay": timedelta(seconds=30)})
def crawl() -> None:
    @task
    def list_sources(params: dict | None = None) -> list[str]:
        from crawlers.registry import load_sources

        wanted = (params or {}).get("sources") or []
        names = list(load_sources())
        return [n for n in names if not wanted or n in wanted]

    @task(outlets=[LANDING], max_active_tis_per_dag=4)
    def crawl_source(source: str, outlet_events=None) -> dict:  # noqa: ANN001 (Airflow context)
        from airflow.exceptions import AirflowSkipException

        from crawlers.registry import load_sources
        from crawlers.run import run_crawl

        result = run_crawl(load_sources()[source])
        batch = result.get("batch")
        if not batch:
            raise AirflowSkipException(f"{source}: nothing landed ({result.get('stats')})")
        outlet_events[LANDING].extra = {"source": source, "batch_id": batch["batch_id"],
                                         "records": batch["record_count"]}
        return {"batch_id": batch["batch_id"], "records": batch["record_count"], "stats": result["stats"]}

    crawl_source.expand(source=list_sources())


crawl()
