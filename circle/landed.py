"""Reading a landed reference batch (stations, profiles): its records with their mapped values, and the
lenient number parsing both loaders share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def iter_records(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A landed reference batch's records: id, fetched_at and the mapped values (``extra``)."""
    import pyarrow.parquet as pq

    table = pq.read_table(row["abs_path"], columns=["record_index", "source_record_id", "fetched_at", "extra",
                                                    "ingest_error"])
    for rec in table.to_pylist():
        values = json.loads(rec["extra"]) if rec["extra"] else {}
        yield {"record_index": rec["record_index"], "source_record_id": rec["source_record_id"],
               "fetched_at": rec["fetched_at"], "ingest_error": rec["ingest_error"], **values}


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out else None
