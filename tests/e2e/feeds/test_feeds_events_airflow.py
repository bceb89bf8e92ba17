"""Event-driven ingestion through a real ``airflow standalone`` and Redis on 127.0.0.1: a Redis message,
an inbox drop and a REST asset event each start the ingest DAG, which lands the delivery and emits the
landing Asset for the process DAG (the pieces alone: tests/integration/feeds/test_feeds_events.py)."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from landing.contract import read_manifest
from landing.paths import Paths
from tests.support.feeds import partners_registry
from tests.support.paths import DAGS

pytestmark = [pytest.mark.airflow, pytest.mark.services]

WAIT = 420


def test_redis_message_inbox_drop_and_rest_event_each_start_ingest(real_data: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    home = Paths(tmp_path / "home")
    monkeypatch.setenv("JOBPOOL_HOME", str(home.home))
    channel = f"jobpool-test-{uuid.uuid4().hex[:12]}"
    registry = partners_registry(tmp_path, {"indeed_csv": "indeed_csv.toml", "jobrapido": "jobrapido_xml.toml",
                                    "greenhouse": "greenhouse_json.toml"})
    deliveries = tmp_path / "deliveries"
    deliveries.mkdir()
    env = {"JOBPOOL_HOME": str(home.home), "JOBPOOL_PARTNERS": str(registry), "JOBPOOL_FEED_CHANNEL": channel,
           "AIRFLOW_CONN_REDIS_DEFAULT": "redis://127.0.0.1:6379/0", "JOBPOOL_INBOX_POLL_SECONDS": "1",
           "JOBPOOL_INBOX_SETTLE_SECONDS": "1"}
    client = redis.Redis(host="127.0.0.1", port=6379)
    from demo.airflow_local import AirflowStandalone

    with AirflowStandalone(DAGS, tmp_path / "airflow", env=env, expect_dag_ids={"crawl", "ingest", "process"}) as af:
        def ingest_runs() -> list[dict]:
            return [r for r in af.dag_runs("ingest") if r["run_type"] == "asset_triggered"]

        def next_ingest(after: int) -> dict:
            run = af.wait_for_run("ingest", lambda r: r["run_type"] == "asset_triggered"
                                  and r["state"] in ("success", "failed")
                                  and r["run_id"] not in {x["run_id"] for x in done[:after]}, WAIT)
            assert run["state"] == "success", af.task_logs("ingest", run["run_id"])[-4000:]
            done.append(run)
            return run

        done: list[dict] = []
        # 1. Redis: a partner publishes where its file is; the AssetWatcher's trigger (in the triggerer) fires
        deadline = time.monotonic() + WAIT
        while dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) < 1:
            assert time.monotonic() < deadline, "the Redis watcher never subscribed\n" + af.diagnostics()
            time.sleep(0.5)
        shutil.copy(real_data / "indeed" / "indeed_jobs.csv", deliveries / "indeed.csv")
        client.publish(channel, json.dumps({"source": "indeed_csv", "file": str(deliveries / "indeed.csv")}))
        next_ingest(0)
        assert {m["source"]: m["record_count"] for m in read_manifest(home)} == {"indeed_csv": 50}

        # 2. the inbox: a partner uploads under a partial name and renames when complete; the watcher fires
        inbox = home.inbox / "jobrapido"
        inbox.mkdir(parents=True)
        shutil.copy(real_data / "feeds" / "jobrapido_example.xml", inbox / "feed.xml.part")
        os.replace(inbox / "feed.xml.part", inbox / "feed.xml")
        next_ingest(1)
        landed = {m["source"]: m["record_count"] for m in read_manifest(home)}
        assert landed == {"indeed_csv": 50, "jobrapido": 4}
        assert (home.home / "archive" / "jobrapido" / "feed.xml").exists()

        # 3. REST: POST /api/v2/assets/events on the inbox asset, naming the file
        shutil.copy(real_data / "feeds" / "greenhouse_jobs_list.json", deliveries / "gh.json")
        af.post_asset_event("jobpool_inbox", {"source": "greenhouse", "file": str(deliveries / "gh.json")})
        next_ingest(2)
        landed = {m["source"]: m["record_count"] for m in read_manifest(home)}
        assert landed == {"indeed_csv": 50, "jobrapido": 4, "greenhouse": 1}

        # 4. the Redis watcher re-arms after an event: a second message lands a second delivery
        deadline = time.monotonic() + WAIT
        while dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) < 1:
            assert time.monotonic() < deadline, "the Redis watcher did not resubscribe\n" + af.diagnostics()
            time.sleep(0.5)
        shutil.copy(real_data / "feeds" / "greenhouse_jobs_list_content.json", deliveries / "gh2.json")
        client.publish(channel, json.dumps({"source": "greenhouse", "file": str(deliveries / "gh2.json")}))
        next_ingest(3)
        assert sorted(m["source"] for m in read_manifest(home)) == ["greenhouse", "greenhouse", "indeed_csv",
                                                                    "jobrapido"]
        assert len(ingest_runs()) >= 4 and not [r for r in af.dag_runs("ingest") if r["run_type"] == "scheduled"]

        # ... and every landing started the process DAG through the landing Asset (no cron either)
        def processed_all(run: dict) -> bool:
            return run["state"] in ("success", "failed") and run["run_type"] == "asset_triggered"

        af.wait_for_run("process", processed_all, WAIT)
        for _ in range(3):  # let queued runs for later landings finish too
            pending = [r for r in af.dag_runs("process") if r["state"] in ("queued", "running")]
            for run in pending:
                af.wait_for_run("process", lambda r, rid=run["run_id"]: r["run_id"] == rid
                                and r["state"] in ("success", "failed"), WAIT)
        runs = af.dag_runs("process")
        assert runs and all(r["state"] == "success" and r["run_type"] == "asset_triggered" for r in runs), runs
    client.close()
