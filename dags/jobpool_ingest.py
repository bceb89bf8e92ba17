"""Land partner files: the file given in the run's conf, else every ready file in the inbox.
Emits the landing Asset when at least one batch landed."""

from __future__ import annotations

from airflow.sdk import dag, task

from jobpool.assets import LANDING


@dag(dag_id="ingest", schedule=None, catchup=False, max_active_runs=1, tags=["jobpool", "landing"],
     params={"file": None, "source": None, "format": None, "mapping": None})
def ingest() -> None:
    @task(outlets=[LANDING])
    def ingest_files(params: dict | None = None, outlet_events=None) -> list[dict]:  # noqa: ANN001
        from pathlib import Path

        from airflow.exceptions import AirflowSkipException

        from jobpool.feeds.inbox import scan_inbox
        from jobpool.feeds.ingest import ingest_file

        params = params or {}
        if params.get("file"):
            mapping = Path(params["mapping"]) if params.get("mapping") else None
            results = [ingest_file(Path(params["file"]), params["source"], params.get("format"), mapping)]
        else:
            results = scan_inbox(settle_seconds=0)
        for r in results:
            if r.status == "quarantined":
                print(f"QUARANTINED {r.source}/{r.file}: {r.reason}")
        landed = [r.as_dict() for r in results if r.status == "landed"]
        if not landed:
            raise AirflowSkipException(f"nothing new landed: {[r.as_dict() for r in results]}")
        outlet_events[LANDING].extra = {"batches": [r["batch_id"] for r in landed],
                                        "sources": sorted({r["source"] for r in landed})}
        return [r.as_dict() for r in results]

    ingest_files()


ingest()
