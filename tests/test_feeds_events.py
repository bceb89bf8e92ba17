"""Event-driven ingestion: the inbox watcher, REST asset events and Redis messages each start the
ingest DAG (no cron), which lands the delivery and emits the landing Asset for the process DAG."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from feeds.events import Delivery, delivery_from, run_ingest
from feeds.watch import InboxTrigger
from landing.contract import read_manifest
from landing.paths import Paths

DAGS = Path(__file__).resolve().parents[1] / "dags"
MAPPINGS = Path(__file__).with_name("mappings")
WAIT = 420


def _registry(tmp_path: Path, entries: dict[str, str]) -> Path:
    """A partners.toml whose entries are the named test mappings (one table per source)."""
    parts = []
    for source, mapping in entries.items():
        body = (MAPPINGS / mapping).read_text(encoding="utf-8")
        body = body.replace("[fields]", f"[{source}.fields]").replace("[extra]", f"[{source}.extra]")
        parts.append(f"[{source}]\n{body}")
    path = tmp_path / "partners.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def test_delivery_from_each_kind_of_event() -> None:
    rest = {"source": "indeed_csv", "file": "/x/a.csv", "from_rest_api": True}
    assert delivery_from(rest) == Delivery("indeed_csv", "/x/a.csv")
    redis = {"from_trigger": True, "payload": {"type": "message", "channel": "c",
                                               "data": json.dumps({"source": "s", "url": "http://h/jobs"})}}
    assert delivery_from(redis) == Delivery("s", url="http://h/jobs")
    watcher = {"from_trigger": True, "payload": {"inbox": "/i", "files": ["s/a.csv"]}}
    assert delivery_from(watcher) is None  # a nudge: the run scans the inbox
    assert delivery_from({"from_trigger": True, "payload": {"data": "new files"}}) is None
    assert delivery_from({"source": "s"}) is None  # names no file or URL


def test_run_ingest_lands_named_file_and_inbox(home: Paths, real_data: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JOBPOOL_PARTNERS", str(_registry(tmp_path, {"indeed_csv": "indeed_csv.toml",
                                                                     "jobrapido": "jobrapido_xml.toml"})))
    (home.inbox / "jobrapido").mkdir(parents=True)
    shutil.copy(real_data / "feeds" / "jobrapido_example.xml", home.inbox / "jobrapido" / "feed.xml")
    extra = {"source": "indeed_csv", "file": str(real_data / "indeed" / "indeed_jobs.csv")}
    results = run_ingest({}, [extra, extra], home, settle_seconds=0)  # the same delivery twice is one
    assert [(r.source, r.status, r.records) for r in results] == [("indeed_csv", "landed", 50),
                                                                  ("jobrapido", "landed", 4)]
    again = run_ingest({}, [extra], home, settle_seconds=0)
    assert [r.status for r in again] == ["duplicate"]


def test_inbox_trigger_fires_once_per_settled_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "gig").mkdir(parents=True)
    (inbox / "gig" / "a.csv.part").write_text("uploading")
    (inbox / "gig" / ".hidden.csv").write_text("x")

    async def collect(seconds: float) -> list[dict]:
        events: list[dict] = []
        trigger = InboxTrigger(str(inbox), poke_interval=0.05, settle_seconds=0.2)

        async def consume() -> None:
            async for event in trigger.run():
                events.append(event.payload)

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(seconds)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return events

    assert asyncio.run(collect(0.5)) == []  # a partial upload and a hidden file are not deliveries
    (inbox / "gig" / "a.csv.part").rename(inbox / "gig" / "a.csv")
    events = asyncio.run(collect(0.8))
    assert [e["files"] for e in events] == [["gig/a.csv"]]  # announced once, after it settled
    assert InboxTrigger(**InboxTrigger(str(inbox)).serialize()[1]).inbox == str(inbox)


def test_watch_module_is_light_for_dag_parsing() -> None:
    code = ("import sys, feeds.watch; "
            "print(sorted(m for m in ('pyarrow', 'duckdb', 'pandas', 'feeds.ingest') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.e2e
def test_redis_message_inbox_drop_and_rest_event_each_start_ingest(real_data: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    home = Paths(tmp_path / "home")
    monkeypatch.setenv("JOBPOOL_HOME", str(home.home))
    channel = f"jobpool-test-{uuid.uuid4().hex[:12]}"
    registry = _registry(tmp_path, {"indeed_csv": "indeed_csv.toml", "jobrapido": "jobrapido_xml.toml",
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
