"""XML partner feeds (Indeed-style ``<job>`` lists, HR-XML ``PositionOpening``), streamed with
defusedxml so entity bombs and external entities are refused, not expanded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from jobpool.feeds.base import FeedError, FeedSpec, map_record

REQUIRED = ("title",)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(elem: Element, path: str) -> str | None:
    """Text of a descendant by a ``/``-separated path of local names (namespaces ignored)."""
    node: Element | None = elem
    for part in path.split("/"):
        if node is None:
            return None
        node = next((c for c in node if _local(c.tag) == part), None)
    if node is None:
        return None
    return "".join(node.itertext()).strip() or None


def read_xml(path: Path, spec: FeedSpec) -> Iterator[dict[str, Any]]:
    record_tag = spec.record or "job"
    count = 0
    try:
        for _event, elem in iterparse(str(path), events=("end",), forbid_dtd=False,
                                      forbid_entities=True, forbid_external=True):
            if _local(elem.tag) != record_tag:
                continue
            count += 1
            raw = tostring(elem, encoding="unicode")
            record = map_record(spec, lambda name, e=elem: _child_text(e, name))
            record.setdefault("source_record_id", f"job-{hashlib.sha1(raw.encode()).hexdigest()[:16]}")
            record["raw_format"] = "xml"
            record["raw_payload"] = raw
            missing = [f for f in REQUIRED if f in spec.fields and not record.get(f)]
            if missing:
                record["ingest_error"] = (
                    f"{path.name} <{record_tag}> #{count}: missing {', '.join(missing)}"
                )
            yield record
            elem.clear()
    except DefusedXmlException as exc:
        raise FeedError(f"{path.name}: refused hostile XML ({type(exc).__name__}: {exc})") from exc
    except ParseError as exc:
        raise FeedError(f"{path.name}: malformed XML after {count} <{record_tag}> records: {exc}") from exc
    if count == 0:
        raise FeedError(f"{path.name}: no <{record_tag}> records")
