"""Land one partner file, exactly once.

The batch id is derived from the file's checksum, so the same bytes delivered twice land once. The
batch is written atomically (landing contract), so a crash mid-file leaves nothing half-landed and a
retry lands it whole. A file that cannot be read at all is quarantined with the reason.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobpool.config import Paths, paths
from jobpool.feeds.base import FeedError, FeedSpec, check_size, load_spec
from jobpool.feeds.csv_feed import read_csv
from jobpool.feeds.json_feed import read_json
from jobpool.feeds.xml_feed import read_xml
from jobpool.landing import BatchWriter, feed_batch_id, file_sha256, quarantine_file

READERS: dict[str, Callable[[Path, FeedSpec], Iterator[dict[str, Any]]]] = {
    "csv": read_csv,
    "xml": read_xml,
    "json": read_json,
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

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def ingest_file(path: Path, source: str, fmt: str | None = None, mapping: Path | None = None,
                move: bool = False, root: Paths | None = None) -> IngestResult:
    """Land ``path`` for ``source``. ``move`` (inbox mode) moves the file to quarantine on failure;
    otherwise a copy is quarantined and the caller's file is left alone."""
    root = root or paths()
    path = Path(path)
    try:
        spec = load_spec(source, fmt, mapping)
        check_size(path)
        checksum = file_sha256(path)
        writer = BatchWriter(
            source=source, kind="feed", batch_id=feed_batch_id(source, checksum),
            origin={"file": path.name, "sha256": checksum, "format": spec.format}, root=root,
        )
        if writer.already_landed():
            return IngestResult(source, path.name, "duplicate", writer.batch_id,
                                reason="same file (sha256) already landed")
        started = time.monotonic()
        with writer:
            writer.extend(READERS[spec.format](path, spec))
            writer.stats = {"seconds": round(time.monotonic() - started, 3)}
        return IngestResult(source, path.name, "landed", writer.batch_id, writer.count,
                            writer.error_count)
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
