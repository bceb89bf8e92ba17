"""Crawl every registered board (crawlers/sources.toml): one mapped task per source. A task that
landed a batch emits the landing Asset (extra: source, batch, counts); one that landed nothing new
(an unchanged board) is skipped and emits nothing, so the process DAG does not run for it."""

from __future__ import annotations

from airflow.sdk import dag, task

from jobpool.assets import LANDING
from jobpool.dag_defaults import RETRY_ARGS


@dag(dag_id="crawl", schedule=None, catchup=False, max_active_runs=1, tags=["jobpool", "landing"],
     params={"sources": []}, default_args=RETRY_ARGS)
def crawl() -> None:
    @task
    def list_sources(params: dict | None = None) -> list[str]:
        from crawlers.registry import load_sources

        wanted = (params or {}).get("sources") or []
        return [n for n in load_sources() if not wanted or n in wanted]

    @task(outlets=[LANDING], max_active_tis_per_dag=4)
    def crawl_source(source: str, outlet_events=None) -> dict:  # noqa: ANN001 (Airflow context)
        from airflow.exceptions import AirflowSkipException

        from crawlers.run import crawl_source as run

        summary = run(source)
        if not summary["batch_id"]:
            raise AirflowSkipException(f"{source}: nothing new landed ({summary})")
        outlet_events[LANDING].extra = summary
        return summary

    crawl_source.expand(source=list_sources())


crawl()
