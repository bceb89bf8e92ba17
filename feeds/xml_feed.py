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

from feeds.base import FeedError, FeedSpec, map_record

REQUIRED = ("title",)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _localise(elem: Element) -> None:
    """Drop namespaces from the record's tags so mappings name elements by local name (HR-XML
    declares a default namespace, Indeed-style feeds none)."""
    for node in elem.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = _local(node.tag)


def _child_text(elem: Element, path: str) -> str | None:
    """Text of the first descendant at an ElementTree path relative to the record: ``city``,
    ``PositionDetail/Company/Name``, ``.//Municipality``, or with a predicate
    ``FormattedPositionDescription[Name='Description']/Value``, or an attribute: ``Id/@validFrom``."""
    path, _, attribute = path.partition("/@")
    node = elem.find(path)
    if node is not None and attribute:
        return (node.get(attribute) or "").strip() or None
    if node is None:
        return None
    return "".join(node.itertext()).strip() or None


def read_xml(path: Path, spec: FeedSpec) -> Iterator[dict[str, Any]]:
    record_tag = spec.record or "job"
    count = 0
    stack: list[Element] = []
    try:
        for event, elem in iterparse(str(path), events=("start", "end"), forbid_dtd=False,
                                     forbid_entities=True, forbid_external=True):
            if event == "start":
                stack.append(elem)
                continue
            stack.pop()
            if _local(elem.tag) != record_tag or any(_local(e.tag) == record_tag for e in stack):
                continue
            count += 1
            tail, elem.tail = elem.tail, None  # the whitespace after the record is not part of it
            raw = tostring(elem, encoding="unicode")
            elem.tail = tail
            _localise(elem)
            record = map_record(spec, lambda name, e=elem: _child_text(e, name))
            record.setdefault("source_record_id", f"job-{hashlib.sha1(raw.encode()).hexdigest()[:16]}")
            record["raw_format"] = "xml"
            record["raw_payload"] = raw
            missing = [f for f in REQUIRED if f in spec.fields and not record.get(f)]
            if missing:
                record["ingest_error"] = (
                    f"{path.name} <{record_tag}> #{count}: missing {', '.join(missing)}"
                    f" (text: {' '.join(''.join(elem.itertext()).split())[:80]!r})"
                )
            yield record
            # streaming: drop the finished record from its parent so memory stays flat
            elem.clear()
            if stack:
                stack[-1].remove(elem)
    except DefusedXmlException as exc:
        raise FeedError(f"{path.name}: refused hostile XML ({type(exc).__name__}: {exc})") from exc
    except ParseError as exc:
        raise FeedError(f"{path.name}: malformed XML after {count} <{record_tag}> records: {exc}") from exc
    if count == 0:
        raise FeedError(f"{path.name}: no <{record_tag}> records")
