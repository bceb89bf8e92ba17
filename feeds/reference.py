"""Reference feeds: stations and job-seeker profile files. They land through the landing contract like
a partner's postings (same ``BatchWriter``, manifest and once-only batch id), with the mapping's
``kind`` (``reference_feeds.toml``) keeping them out of the job pipeline; the circle loads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from feeds.base import load_spec
from feeds.ingest import READERS
from landing.contract import REFERENCE_KINDS, BatchWriter, feed_batch_id, file_sha256
from landing.paths import Paths, paths

#: mappings for reference feeds (same format as feeds/partners.toml, plus ``kind``)
FEEDS = Path(__file__).with_name("reference_feeds.toml")


# -- landing reference feeds -----------------------------------------------------------------------
def ingest_reference(path: Path, source: str, mapping: Path | None = None,
                     root: Paths | None = None) -> dict[str, Any]:
    """Land a stations or profiles file through the landing contract with its mapping's ``kind``.
    The same bytes land once (batch id from the checksum), like any partner file."""
    root = root or paths()
    path = Path(path)
    spec = load_spec(source, None, mapping or FEEDS)
    kind = spec.options.get("kind")
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"mapping for {source} must set kind to one of {REFERENCE_KINDS}, not {kind!r}")
    checksum = file_sha256(path)
    writer = BatchWriter(source=source, kind=kind, batch_id=feed_batch_id(source, checksum), root=root,
                         origin={"file": path.name, "sha256": checksum, "format": spec.format})
    if writer.already_landed():
        return {"source": source, "status": "duplicate", "batch_id": writer.batch_id, "records": 0}
    with writer:
        writer.extend(READERS[spec.format](path, spec))
    return {"source": source, "status": "landed", "batch_id": writer.batch_id, "records": writer.count,
            "kind": kind}
