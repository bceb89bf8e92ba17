"""Land one partner file, exactly once.

The batch id is derived from the file's checksum, so the same bytes delivered twice land once. The
batch is written atomically (landing contract), so a crash mid-file leaves nothing half-landed and a
retry lands it whole. A file that cannot be read at all is quarantined with the reason.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.base import FeedError, FeedSpec, check_size, load_spec
from feeds.csv_feed import read_csv
from feeds.json_feed import read_json, read_jsonl
from feeds.xlsx_feed import read_xlsx
from feeds.xml_feed import read_xml
from landing.contract import BatchWriter, batch_lock, feed_batch_id, file_sha256, quarantine_file
from landing.paths import Paths, paths

READERS: dict[str, Callable[[Path, FeedSpec], Iterator[dict[str, Any]]]] = {
    "csv": read_csv,
    "xlsx": read_xlsx,
    "xml": read_xml,
    "json": read_json,
    "jsonl": read_jsonl,
}


@dataclass
class IngestResult:
    source: str
    file: str
    status: str  # landed | duplicate | quarantined
    batch_id: str | None = None
    records: int = 0
    record_errors: int = 0
    reason: str | None = None
    quarantined_to: str | None = None
    path: str | None = None  # csv-fast | csv-rows (CSV only): which path landed the file

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _land(path: Path, spec: FeedSpec, new_writer: Callable[[], BatchWriter], fast: bool) -> tuple[BatchWriter, str]:
    """Write the batch; CSV goes through the columnar fast path unless it needs the row path."""
    started = time.monotonic()
    fallback = None
    if spec.format == "csv" and fast:
        from feeds.csv_fast import FastPathUnsupported, write_csv_fast

        writer = new_writer()
        try:
            with writer:
                write_csv_fast(path, spec, writer)
                writer.stats = {"seconds": round(time.monotonic() - started, 3), "path": "csv-fast"}
            return writer, "csv-fast"
        except FastPathUnsupported as exc:
            # the writer aborted: nothing is visible; land the file row by row instead
            fallback = f"{type(exc).__name__}: {exc}"[:300]
    how = "csv-rows" if spec.format == "csv" else spec.format
    writer = new_writer()
    with writer:
        writer.extend(READERS[spec.format](path, spec))
        writer.stats = {"seconds": round(time.monotonic() - started, 3), "path": how}
        if fallback:
            writer.stats["fast_path_declined"] = fallback
    return writer, how


def ingest_file(path: Path, source: str, fmt: str | None = None, mapping: Path | None = None,
                move: bool = False, root: Paths | None = None, *, spec: FeedSpec | None = None,
                origin: dict[str, Any] | None = None, fast: bool | None = None) -> IngestResult:
    """Land ``path`` for ``source``. ``move`` (inbox mode) moves the file to quarantine on failure;
    otherwise a copy is quarantined and the caller's file is left alone. ``fast=False`` forces the
    CSV row path (default: ``JOBPOOL_CSV_FAST``, on)."""
    root = root or paths()
    path = Path(path)
    fast = os.environ.get("JOBPOOL_CSV_FAST", "1") != "0" if fast is None else fast
    try:
        spec = spec or load_spec(source, fmt, mapping)
        if spec.format == "api":
            raise FeedError(f"{path.name}: format api pulls a URL: use ingest_url / `jobpool ingest URL`")
        check_size(path)
        checksum = file_sha256(path)
        batch_id = feed_batch_id(source, checksum)

        def new_writer() -> BatchWriter:
            return BatchWriter(source=source, kind="feed", batch_id=batch_id, root=root,
                               origin={"file": path.name, "sha256": checksum, "format": spec.format, **(origin or {})})

        with batch_lock(batch_id, root):  # the same bytes by two paths at once: one lands, one is a duplicate
            if new_writer().already_landed():
                return IngestResult(source, path.name, "duplicate", batch_id,
                                    reason="same file (sha256) already landed")
            writer, how = _land(path, spec, new_writer, fast)
        return IngestResult(source, path.name, "landed", writer.batch_id, writer.count, writer.error_count,
                            path=how if spec.format == "csv" else None)
    except FeedError as exc:
        reason = str(exc)
        if path.exists():
            if move:
                dest = quarantine_file(path, source, reason, root)
            else:
                copy = root.quarantine / ".incoming" / path.name
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)
                dest = quarantine_file(copy, source, reason, root)
            return IngestResult(source, path.name, "quarantined", reason=reason,
                                quarantined_to=str(dest))
        return IngestResult(source, path.name, "quarantined", reason=reason)


def ingest_url(url: str, source: str, mapping: Path | None = None, root: Paths | None = None) -> IngestResult:
    """Pull a paged JSON API (``format = "api"``) and land what it returned as one batch."""
    from feeds.api_feed import pull

    root = root or paths()
    try:
        spec = load_spec(source, "api", mapping)
        fetched = pull(url, spec, root.home / "spool" / source)
    except FeedError as exc:
        return IngestResult(source, url, "quarantined", reason=str(exc))
    lines = FeedSpec(**{**spec.__dict__, "format": "jsonl", "record": None})
    result = ingest_file(fetched.path, source, move=True, root=root, spec=lines,
                         origin={"url": url, "pages": fetched.pages})
    fetched.path.unlink(missing_ok=True)  # landed (or already landed): the batch holds the content
    return result
