"""JSON partner files and API pages (Greenhouse-, Zhaopin-shaped): a list of job objects at a
dotted path, fields picked by dotted paths."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jobpool.feeds.base import MAX_FILE_BYTES, FeedError, FeedSpec, detect_encoding, map_record


def dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def records_from_json(data: Any, spec: FeedSpec, name: str) -> Iterator[dict[str, Any]]:
    jobs = dig(data, spec.record) if spec.record else data
    if not isinstance(jobs, list):
        raise FeedError(f"{name}: no job list at {spec.record or 'top level'!r}")
    if not jobs:
        raise FeedError(f"{name}: job list is empty")
    for i, job in enumerate(jobs):
        raw = json.dumps(job, ensure_ascii=False, sort_keys=True)
        if not isinstance(job, dict):
            yield {"source_record_id": f"item-{i}", "raw_format": "json", "raw_payload": raw,
                   "ingest_error": f"{name} record #{i + 1}: not an object"}
            continue
        record = map_record(spec, lambda p, j=job: dig(j, p))
        record.setdefault("source_record_id", f"item-{hashlib.sha1(raw.encode()).hexdigest()[:16]}")
        record["raw_format"] = "json"
        record["raw_payload"] = raw
        if "title" in spec.fields and not record.get("title"):
            record["ingest_error"] = f"{name} record #{i + 1}: missing title"
        yield record


def read_json(path: Path, spec: FeedSpec) -> Iterator[dict[str, Any]]:
    if path.stat().st_size > min(MAX_FILE_BYTES, 512 * 1024**2):
        raise FeedError(f"{path.name}: JSON files over 512 MiB must be split (or sent as JSON lines)")
    encoding = detect_encoding(path, spec.encoding)
    try:
        data = json.loads(path.read_text(encoding=encoding))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"{path.name}: invalid JSON: {exc}") from exc
    yield from records_from_json(data, spec, path.name)
