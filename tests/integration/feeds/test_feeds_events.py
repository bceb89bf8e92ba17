"""Event-driven ingestion: the inbox watcher, REST asset events and Redis messages each start the
ingest DAG (no cron), which lands the delivery and emits the landing Asset for the process DAG. The
same through a real Airflow scheduler and Redis: tests/e2e/feeds/test_feeds_events_airflow.py."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

from feeds.events import Delivery, delivery_from, run_ingest
from feeds.watch import InboxTrigger
from landing.paths import Paths
from tests.support.feeds import partners_registry


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
    monkeypatch.setenv("JOBPOOL_PARTNERS", str(partners_registry(tmp_path, {"indeed_csv": "indeed_csv.toml",
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
