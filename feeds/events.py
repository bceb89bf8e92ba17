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
stale event costs nothing. Inbox files are claimed before they are landed (``feeds.inbox``),
also when a conf names one, so two runs never land or archive the same file.

Fault injection, for tests only: ``JOBPOOL_FAULT_INGEST_ATTEMPTS=N`` makes attempts 1..N of every
ingest task raise :class:`InjectedFault` before they touch anything, the way a read timeout on a
busy machine fails a first attempt. Unset (or 0), the default, it never fires; the end-to-end demo
test sets it to prove that a failed attempt is retried and the demo still succeeds.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.inbox import claim, land_claim, scan_inbox
from feeds.ingest import IngestResult, ingest_file, ingest_url
from landing.contract import skip_pandas_probe
from landing.paths import Paths, paths
from landing.safejson import loads_limited


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
            payload = loads_limited(payload)
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


FAULT_ENV = "JOBPOOL_FAULT_INGEST_ATTEMPTS"


class InjectedFault(RuntimeError):
    """Raised on purpose (``JOBPOOL_FAULT_INGEST_ATTEMPTS``): a test's stand-in for a transient failure."""


def inject_fault(attempt: int) -> None:
    """Fail this attempt if the test-only fault injection asks for it (never when the variable is unset)."""
    failing = int(os.environ.get(FAULT_ENV) or 0)
    if attempt <= failing:
        raise InjectedFault(f"{FAULT_ENV}={failing}: ingest attempt {attempt} fails on purpose")


def _in_inbox(path: Path, source: str, root: Paths) -> bool:
    """Does a named delivery sit in the inbox (then it is claimed like any inbox file)?"""
    return path.resolve().parent == (root.inbox / source).resolve()


def run_ingest(conf: Mapping[str, Any] | None = None, event_extras: Iterable[Mapping[str, Any]] = (),
               root: Paths | None = None, settle_seconds: float = 2.0, attempt: int = 1) -> list[IngestResult]:
    """Land what the conf and events name, then the inbox. ``attempt``: the task's try number (fault injection)."""
    inject_fault(attempt)
    skip_pandas_probe()  # landing a file needs pyarrow, not pandas (landing/contract.py)
    root = root or paths()
    deliveries = [d for d in (delivery_from(dict(conf or {})), *map(delivery_from, event_extras)) if d]
    results: list[IngestResult] = []
    for d in dict.fromkeys(deliveries):  # the same delivery named twice is one
        mapping = Path(d.mapping) if d.mapping else None
        path = Path(str(d.file))
        if d.url:
            results.append(ingest_url(d.url, d.source, mapping, root))
        elif _in_inbox(path, d.source, root):
            held = claim(path, d.source, root)
            if held is not None:  # else another ingest has it
                results.append(land_claim(held, root, d.format, mapping))
        else:
            results.append(ingest_file(path, d.source, d.format, mapping, root=root))
    results.extend(scan_inbox(root, settle_seconds=settle_seconds))
    return results
