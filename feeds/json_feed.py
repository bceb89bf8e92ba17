"""JSON partner files, JSON lines, and paged JSON HTTP APIs (Greenhouse-, Zhaopin-shaped): a list of
job objects at a dotted path, fields picked by dotted paths.

An API pull is spooled to a JSON-lines file first (one job per line, in page order) and landed like a
delivered file, so its batch id is the checksum of what was fetched: pulling unchanged content again
lands nothing new, and a crash mid-pull lands nothing at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from feeds.base import MAX_FILE_BYTES, FeedError, FeedSpec, detect_encoding, map_record
from landing.safejson import DEFAULT_MAX_DEPTH, JSONLimitError, loads_limited

MAX_JSON_BYTES = 512 * 1024**2


def max_depth(spec: FeedSpec) -> int:
    """Nesting a partner's JSON may have (mapping key ``max_depth``); deeper is hostile: the file is
    quarantined rather than fed to the recursive standard-library parser."""
    return int(spec.options.get("max_depth", DEFAULT_MAX_DEPTH))


def dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def job_list(data: Any, spec: FeedSpec, name: str) -> list[Any]:
    jobs = dig(data, spec.record) if spec.record else data
    if isinstance(jobs, dict) and spec.options.get("object_is_job"):  # schema.org: one JobPosting per file
        jobs = jobs["@graph"] if isinstance(jobs.get("@graph"), list) else [jobs]
    if not isinstance(jobs, list):
        raise FeedError(f"{name}: no job list at {spec.record or 'top level'!r}")
    return jobs


def map_job(job: Any, spec: FeedSpec, where: str) -> dict[str, Any]:
    """One job object as a landing record; ``where`` names it in errors (file and record number)."""
    raw = json.dumps(job, ensure_ascii=False, sort_keys=True)
    if not isinstance(job, dict):
        return {"source_record_id": f"item-{hashlib.sha1(raw.encode()).hexdigest()[:16]}", "raw_format": "json",
                "raw_payload": raw, "ingest_error": f"{where}: not an object"}
    record = map_record(spec, lambda p: dig(job, p))
    record.setdefault("source_record_id", f"item-{hashlib.sha1(raw.encode()).hexdigest()[:16]}")
    record["raw_format"] = "json"
    record["raw_payload"] = raw
    if "title" in spec.fields and not record.get("title"):
        record["ingest_error"] = f"{where}: missing title"
    return record


def records_from_json(data: Any, spec: FeedSpec, name: str) -> Iterator[dict[str, Any]]:
    jobs = job_list(data, spec, name)
    if not jobs:
        raise FeedError(f"{name}: job list is empty")
    for i, job in enumerate(jobs):
        yield map_job(job, spec, f"{name} record #{i + 1}")


def read_jsonl(path: Path, spec: FeedSpec) -> Iterator[dict[str, Any]]:
    """JSON lines: one job object per line, streamed (an API spool, or a partner's large export)."""
    encoding = detect_encoding(path, spec.encoding)
    depth = max_depth(spec)
    count = 0
    with open(path, encoding=encoding, errors="strict") as fh:
        try:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                count += 1
                try:
                    job = loads_limited(line, depth, max_bytes=None)
                except JSONLimitError as exc:  # hostile, not a broken record: refuse the whole file
                    raise FeedError(f"{path.name} line {number}: {exc}") from exc
                except ValueError as exc:
                    yield {"source_record_id": f"line-{number}", "raw_format": "json", "raw_payload": line.rstrip(),
                           "ingest_error": f"{path.name} line {number}: invalid JSON: {exc}"}
                    continue
                yield map_job(job, spec, f"{path.name} line {number}")
        except UnicodeDecodeError as exc:
            raise FeedError(f"{path.name}: not valid {encoding} ({exc.reason})") from exc
    if count == 0:
        raise FeedError(f"{path.name}: no records")


def read_json(path: Path, spec: FeedSpec) -> Iterator[dict[str, Any]]:
    if path.stat().st_size > min(MAX_FILE_BYTES, MAX_JSON_BYTES):
        raise FeedError(f"{path.name}: JSON files over 512 MiB must be split (or sent as JSON lines)")
    encoding = detect_encoding(path, spec.encoding)
    try:
        data = loads_limited(path.read_text(encoding=encoding), max_depth(spec), max_bytes=None)
    except JSONLimitError as exc:
        raise FeedError(f"{path.name}: {exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"{path.name}: invalid JSON: {exc}") from exc
    yield from records_from_json(data, spec, path.name)
