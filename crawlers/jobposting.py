"""schema.org JobPosting extraction from any page, whatever the syntax (JSON-LD, microdata, RDFa).

extruct does the parsing. Microdata comes out of ``uniform=True`` as compact JSON-LD; RDFa comes out
as expanded JSON-LD (full IRIs, ``@value`` lists, nested things as ``{"@id": …}`` references), so it
is compacted here (:func:`compact_expanded`). This module then finds every JobPosting (top level,
``@graph``, arrays, nested) and maps it to landing fields, so that the same posting lands as the
same record whichever syntax carried it:

* Text that came from HTML markup (microdata, RDFa) has its whitespace collapsed to single spaces,
  as a browser renders inline text: newlines in HTML source carry no meaning. JSON-LD strings keep
  their line breaks, which a publisher wrote on purpose.
* A property a syntax does not carry stays empty: "identical" means identical on every property
  the three carry (see docs/crawling.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import extruct

from crawlers.items import clean_text

SYNTAXES = ["json-ld", "microdata", "rdfa"]
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/")
#: Cheap markers that a page may carry microdata or RDFa: extruct (lxml + rdflib) costs milliseconds
#: per page, so pages with neither are not handed to it.
_MARKUP_HINT = re.compile(r"itemscope|itemtype|typeof=|property=|vocab=", re.IGNORECASE)
_ALL_WS = re.compile(r"\s+")
_UNIT_CN = {"HOUR": "小时", "DAY": "天", "WEEK": "周", "MONTH": "月", "YEAR": "年"}
_SCRIPT_LD = re.compile(
    r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL
)


def compact_expanded(nodes: list[Any]) -> list[dict[str, Any]]:
    """Expanded JSON-LD (extruct's RDFa output) → compact schema.org objects like JSON-LD's.

    ``https://schema.org/title: [{"@value": "x"}]`` becomes ``title: "x"``, and ``{"@id": "_:b1"}``
    references are replaced by the node they name (cycles are cut), so ``hiringOrganization`` and
    ``jobLocation`` read the same as in JSON-LD. Properties outside schema.org are dropped.
    """
    index = {n["@id"]: n for n in nodes if isinstance(n, dict) and "@id" in n}

    def short(iri: str) -> str | None:
        for prefix in _SCHEMA_PREFIXES:
            if iri.startswith(prefix):
                return iri[len(prefix):]
        return None

    def value(v: Any, path: frozenset[str]) -> Any:
        if isinstance(v, list):
            out = [value(x, path) for x in v]
            return out[0] if len(out) == 1 else out
        if isinstance(v, dict):
            if "@value" in v:
                return v["@value"]
            ref = v.get("@id")
            if ref in index and ref not in path and len(v) == 1:
                return node(index[ref], path | {ref})
            if "@id" in v and len(v) == 1:
                return v["@id"]
            return node(v, path)
        return v

    def node(n: dict[str, Any], path: frozenset[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        types = n.get("@type")
        if types:
            names = [short(t) or t for t in (types if isinstance(types, list) else [types])]
            out["@type"] = names[0] if len(names) == 1 else names
        for key, v in n.items():
            if key.startswith("@"):
                continue
            name = short(key)
            if name:
                out[name] = value(v, path)
        return out

    return [node(n, frozenset({n.get("@id", "")})) for n in nodes if isinstance(n, dict) and n.get("@type")]


def resolve_references(data: Any) -> Any:
    """JSON-LD ``{"@id": …}`` references to nodes elsewhere in the same block (common in ``@graph``:
    ``"hiringOrganization": {"@id": "#org"}``) replaced by the node itself, cycles cut."""
    index: dict[str, dict[str, Any]] = {}

    def collect(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                collect(item)
        elif isinstance(node, dict):
            if isinstance(node.get("@id"), str) and len(node) > 1:
                index.setdefault(node["@id"], node)
            for item in node.values():
                collect(item)

    def resolve(node: Any, path: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [resolve(item, path) for item in node]
        if isinstance(node, dict):
            ref = node.get("@id")
            if len(node) == 1 and ref in index and ref not in path:
                return resolve(index[ref], path | {ref})
            here = path | {ref} if isinstance(ref, str) else path
            return {k: resolve(v, here) for k, v in node.items()}
        return node

    collect(data)
    return resolve(data, frozenset()) if index else data


def _collapse_ws(node: Any) -> Any:
    """Every string in a parsed structure with whitespace runs (newlines too) made one space."""
    if isinstance(node, str):
        return _ALL_WS.sub(" ", node).strip()
    if isinstance(node, list):
        return [_collapse_ws(v) for v in node]
    if isinstance(node, dict):
        return {k: _collapse_ws(v) for k, v in node.items()}
    return node


def _is_jobposting(obj: dict[str, Any]) -> bool:
    kind = obj.get("@type") or obj.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(str(k).rsplit("/", 1)[-1].rsplit("#", 1)[-1] == "JobPosting" for k in kinds if k)


def iter_jobpostings(node: Any) -> Iterator[dict[str, Any]]:
    """Every JobPosting object anywhere in a parsed structure (``@graph``, lists, nesting)."""
    if isinstance(node, list):
        for item in node:
            yield from iter_jobpostings(item)
    elif isinstance(node, dict):
        if _is_jobposting(node):
            yield node
            return
        for value in node.values():
            if isinstance(value, dict | list):
                yield from iter_jobpostings(value)


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: Any) -> str | None:
    """A property as text: plain values, ``{"@value": …}``, or a named thing's ``name``."""
    value = _first(value)
    if value is None:
        return None
    if isinstance(value, dict):
        for key in ("@value", "name", "value", "@id"):
            if key in value:
                return _text(value[key])
        return None
    return clean_text(str(value))


def _join_list(value: Any) -> str | None:
    if isinstance(value, list):
        parts = [t for t in (_text(v) for v in value) if t]
        return ",".join(parts) or None
    return _text(value)


def _address(place: Any) -> tuple[str | None, dict[str, Any]]:
    """jobLocation → one address line plus geo/structured parts for ``extra``."""
    place = _first(place)
    extra: dict[str, Any] = {}
    if place is None:
        return None, extra
    if not isinstance(place, dict):
        return _text(place), extra
    geo = place.get("geo")
    if isinstance(geo, dict):
        for key in ("latitude", "longitude"):
            if geo.get(key) not in (None, ""):
                extra[key] = _text(geo.get(key))
    address = place.get("address", place)
    if isinstance(address, dict):
        parts = [
            _text(address.get(k))
            for k in ("addressCountry", "addressRegion", "addressLocality", "streetAddress")
        ]
        if address.get("postalCode"):
            extra["postal_code"] = _text(address["postalCode"])
        seen: list[str] = []
        for part in parts:
            if part and part not in seen:
                seen.append(part)
        line = " ".join(seen) if seen else _text(address.get("name"))
        return line, extra
    return _text(address), extra


def _salary(posting: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """baseSalary (text, number or MonetaryAmount) → salary text the normaliser parses, plus the
    structured figures when the page gave them (they win over the text downstream)."""
    salary = _first(posting.get("baseSalary") or posting.get("estimatedSalary"))
    currency = _text(posting.get("salaryCurrency"))
    extra: dict[str, Any] = {}
    if salary is None:
        return None, extra
    if not isinstance(salary, dict):
        text = _text(salary)
        if text and currency and re.fullmatch(r"[\d.,]+", text):
            extra.update(salary_currency=currency, salary_min=text.replace(",", ""))
            return f"{currency} {text}", extra
        return text, extra
    currency = _text(salary.get("currency")) or currency
    value = _first(salary.get("value"))
    unit = None
    lo = hi = None
    if isinstance(value, dict):
        unit = _text(value.get("unitText"))
        lo = _text(value.get("minValue"))
        hi = _text(value.get("maxValue"))
        if lo is None and hi is None:
            lo = hi = _text(value.get("value"))
    elif value is not None:
        lo = hi = _text(value)
    unit = (unit or _text(salary.get("unitText")) or "").upper() or None
    extra.update(
        {k: v for k, v in (("salary_currency", currency), ("salary_min", lo), ("salary_max", hi),
                           ("salary_unit", unit)) if v is not None}
    )
    if lo is None and hi is None:
        return None, extra
    span = lo if (hi is None or hi == lo) else (hi if lo is None else f"{lo}-{hi}")
    if (currency or "CNY").upper() in ("CNY", "RMB") and unit in _UNIT_CN:
        return f"{span}元/{_UNIT_CN[unit]}", extra
    return " ".join(p for p in (currency, span, unit and f"per {unit.lower()}") if p), extra


def posting_to_fields(posting: dict[str, Any]) -> dict[str, Any]:
    """Map one JobPosting object to landing fields."""
    location, loc_extra = _address(posting.get("jobLocation"))
    if location is None and posting.get("applicantLocationRequirements"):
        location = _text(posting["applicantLocationRequirements"])
    salary, sal_extra = _salary(posting)
    identifier = posting.get("identifier")
    extra: dict[str, Any] = {**loc_extra, **sal_extra}
    for key, name in (
        ("jobBenefits", "benefits"),
        ("workHours", "work_hours"),
        ("occupationalCategory", "occupational_category"),
        ("industry", "industry"),
        ("skills", "skills"),
        ("educationRequirements", "education"),
        ("experienceRequirements", "experience"),
        ("qualifications", "qualifications"),
        ("responsibilities", "responsibilities"),
    ):
        value = _join_list(posting.get(key))
        if value:
            extra[name] = value
    return {
        "title": _text(posting.get("title")) or _text(posting.get("name")),
        "description": _text(posting.get("description")),
        "hiring_organization": _text(posting.get("hiringOrganization")),
        "job_location": location,
        "base_salary": salary,
        "employment_type": _join_list(posting.get("employmentType")),
        "date_posted": _text(posting.get("datePosted")),
        "valid_through": _text(posting.get("validThrough")),
        "identifier": _text(identifier),
        "extra": extra or None,
    }


def extract_postings(html: str, url: str, json_document: bool = False
                     ) -> tuple[list[dict[str, Any]], list[str]]:
    """All JobPostings on a page as landing fields, plus the page's extraction errors.

    JSON-LD blocks are parsed one by one, so one invalid block does not hide a valid one beside it.
    ``json_document``: the response is itself JSON-LD (``application/ld+json``), not HTML.
    """
    errors: list[str] = []
    found: list[tuple[str, dict[str, Any]]] = []
    blocks = [html] if json_document else _SCRIPT_LD.findall(html)
    for i, block in enumerate(blocks):
        try:
            data = json.loads(block)
        except ValueError as exc:
            errors.append(f"invalid JSON-LD block #{i + 1} on {url}: {exc}")
            continue
        found.extend(("json-ld", p) for p in iter_jobpostings(resolve_references(data)))
    other: dict[str, Any] = {}
    if not json_document and _MARKUP_HINT.search(html):
        try:
            other = extruct.extract(html, base_url=url, syntaxes=["microdata", "rdfa"], uniform=True)
        except Exception as exc:  # extruct raises many kinds on hostile HTML
            errors.append(f"microdata/RDFa extraction failed on {url}: {exc}")
    found.extend(("microdata", _collapse_ws(p)) for p in iter_jobpostings(other.get("microdata", [])))
    rdfa = compact_expanded(other.get("rdfa", []))
    found.extend(("rdfa", _collapse_ws(p)) for p in iter_jobpostings(rdfa))
    records = []
    seen: set[str] = set()
    for syntax, posting in found:
        fields = posting_to_fields(posting)
        key = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
        if key in seen:  # same posting marked up twice on one page
            continue
        seen.add(key)
        fields["raw_format"] = syntax
        fields["raw_payload"] = json.dumps(posting, ensure_ascii=False)
        records.append(fields)
    return records, errors
