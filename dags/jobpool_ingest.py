"""Land partner files when they arrive (event-driven, no cron), then emit the landing Asset.

Runs on any event of:
* ``jobpool_inbox`` — a settled file in ``inbox/<source>/`` (the inbox watcher, a deferrable trigger
  in the triggerer), or a partner's ``POST /api/v2/assets/events`` (``extra`` may name a file/URL);
* ``jobpool_feed_messages`` — a message on the Redis channel ``$JOBPOOL_FEED_CHANNEL`` (only when
  that variable is set; connection ``$JOBPOOL_FEED_REDIS_CONN``, default ``redis_default``);
and on a manual trigger (conf: file or url, source, format, mapping). See docs/feeds.md.
"""

from __future__ import annotations

import os

from airflow.sdk import Asset, AssetAny, AssetWatcher, dag, task

from jobpool.assets import LANDING
from jobpool.dag_defaults import RETRY_ARGS


def _event_assets() -> list[Asset]:
    """The assets whose events start ingestion. The trigger modules are imported here, not at top level:
    ``feeds.watch`` is stdlib + Airflow only (a test checks it stays that light)."""
    from feeds.watch import InboxTrigger
    from landing.paths import paths

    inbox_trigger = InboxTrigger(inbox=str(paths().inbox.resolve()),
                                 poke_interval=float(os.environ.get("JOBPOOL_INBOX_POLL_SECONDS", "1")),
                                 settle_seconds=float(os.environ.get("JOBPOOL_INBOX_SETTLE_SECONDS", "2")))
    assets = [Asset(name="jobpool_inbox", uri="file:///jobpool/inbox",
                    watchers=[AssetWatcher(name="jobpool_inbox_watcher", trigger=inbox_trigger)])]
    channel = os.environ.get("JOBPOOL_FEED_CHANNEL")
    if channel:
        from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger

        redis_trigger = MessageQueueTrigger(scheme="redis+pubsub", channels=[channel], poll_interval=0.5,
                                            redis_conn_id=os.environ.get("JOBPOOL_FEED_REDIS_CONN", "redis_default"))
        assets.append(Asset(name="jobpool_feed_messages",
                            watchers=[AssetWatcher(name="jobpool_feed_redis", trigger=redis_trigger)]))
    return assets


EVENTS = _event_assets()


@dag(dag_id="ingest", schedule=AssetAny(*EVENTS), catchup=False,
     max_active_runs=1, tags=["jobpool", "landing"], default_args=RETRY_ARGS,
     params={"file": None, "url": None, "source": None, "format": None, "mapping": None})
def ingest() -> None:
    @task(outlets=[LANDING])
    def ingest_files(params: dict | None = None, triggering_asset_events=None, outlet_events=None,  # noqa: ANN001
                     ti=None) -> list[dict]:  # noqa: ANN001
        from airflow.exceptions import AirflowSkipException

        from feeds.events import run_ingest

        extras = [dict(e.extra or {}) for events in (triggering_asset_events or {}).values() for e in events]
        results = run_ingest(params or {}, extras, attempt=ti.try_number if ti else 1)
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
