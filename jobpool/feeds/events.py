"""What one ingest run lands, given why it started. The ingest DAG calls :func:`run_ingest`; it is
plain Python so it is tested without Airflow.

A run starts from any of:

* a manual trigger with conf ``{"file"|"url", "source", "format", "mapping"}``;
* an asset event on ``jobpool_inbox`` posted through the Airflow REST API
  (``POST /api/v2/assets/events``), whose ``extra`` may name a delivery the same way;
* a message on the partners' Redis channel (its ``data`` is such a JSON object, or any text meaning
  "look in the inbox");
* the inbox watcher (a settled file in ``inbox/<source>/``).

Named deliveries are landed first, then the inbox is scanned, whatever started the run: an event
is a nudge, the inbox is the truth, and landing is exactly-once by checksum, so a duplicate or
stale event costs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobpool.config import Paths, paths
from jobpool.feeds.inbox import scan_inbox
from jobpool.feeds.ingest import IngestResult, ingest_file, ingest_url


@dataclass(frozen=True)
class Delivery:
    source: str
    file: str | None = None
    url: str | None = None
    format: str | None = None
    mapping: str | None = None


def delivery_from(payload: Any) -> Delivery | None:
    """A delivery named by a conf, an event's extra or a message body; None when it names none."""
    if isinstance(payload, str | bytes):
        try:
            payload = json.loads(payload)
        except ValueError:
            return None  # a plain-text nudge: scan the inbox
    if not isinstance(payload, Mapping):
        return None
    if isinstance(payload.get("payload"), Mapping):  # a trigger's event: {"from_trigger", "payload"}
        return delivery_from(payload["payload"].get("data", payload["payload"]))
    if "data" in payload and not payload.get("source"):  # a Redis message dict
        return delivery_from(payload["data"])
    source = payload.get("source")
    if not source or not (payload.get("file") or payload.get("url")):
        return None
    return Delivery(str(source), payload.get("file"), payload.get("url"), payload.get("format"),
                    payload.get("mapping"))


def run_ingest(conf: Mapping[str, Any] | None = None, event_extras: Iterable[Mapping[str, Any]] = (),
               root: Paths | None = None, settle_seconds: float = 2.0) -> list[IngestResult]:
    root = root or paths()
    deliveries = [d for d in (delivery_from(dict(conf or {})), *map(delivery_from, event_extras)) if d]
    results: list[IngestResult] = []
    for d in dict.fromkeys(deliveries):  # the same delivery named twice is one
        mapping = Path(d.mapping) if d.mapping else None
        if d.url:
            results.append(ingest_url(d.url, d.source, mapping, root))
        else:
            results.append(ingest_file(Path(str(d.file)), d.source, d.format, mapping, root=root))
    results.extend(scan_inbox(root, settle_seconds=settle_seconds))
    return results
