"""The inbox watcher: an Airflow event trigger that fires when a partner file is ready in
``inbox/<source>/``, so ingestion starts on the delivery itself, not on a timer.

Kept light on purpose (stdlib + ``airflow.triggers.base``): the ingest DAG file imports it at parse
time, and the triggerer runs it in its event loop.

"Ready" is the same rule the ingest task applies (:mod:`feeds.ready`): not
hidden, not named as partial (``.part``, ``.tmp`` …), and unchanged (same size and mtime) for
``settle_seconds``. The trigger keeps running after an event (event triggers may yield many) and
remembers what it announced, so one file is announced once; if the triggerer restarts it announces
files still waiting again, which is harmless: landing is exactly-once by checksum.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from feeds.ready import ready_snapshot


class InboxTrigger(BaseEventTrigger):
    """Yield ``{"files": [...]}`` whenever settled files appear (or change) in the inbox."""

    def __init__(self, inbox: str, poke_interval: float = 5.0, settle_seconds: float = 2.0) -> None:
        super().__init__()
        self.inbox = inbox
        self.poke_interval = poke_interval
        self.settle_seconds = settle_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("feeds.watch.InboxTrigger",
                {"inbox": self.inbox, "poke_interval": self.poke_interval, "settle_seconds": self.settle_seconds})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        announced: dict[str, tuple[int, float]] = {}
        inbox = Path(self.inbox)
        while True:
            snapshot = await asyncio.to_thread(ready_snapshot, inbox, self.settle_seconds)
            new = sorted(name for name, sig in snapshot.items() if announced.get(name) != sig)
            announced = snapshot  # files that left the inbox (landed and archived) are forgotten
            if new:
                self.log.info("inbox %s: %d file(s) ready: %s", inbox, len(new), new[:20])
                yield TriggerEvent({"inbox": str(inbox), "files": new, "pid": os.getpid()})
            await asyncio.sleep(self.poke_interval)
