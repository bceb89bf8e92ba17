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
* ``identifier`` is read as schema.org means it: a PropertyValue's ``value`` is the id, its
  ``propertyID``/``name`` only say whose id it is (kept in ``extra.identifier_scheme``). Google's
  guide gives ``{"name": <employer>, "value": <id>}``: reading the name made every posting of a site
  one record key. :func:`extract_postings` gives each record its ``source_record_id``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import extruct
import lxml.etree
import lxml.html

from crawlers.items import clean_text
from landing.safejson import loads_limited

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
#: a named or numeric character reference; bare ``&`` (``AT&T``, ``包吃住 & 住宿``) is left alone
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: HTML elements a description is written with; only these make a text HTML (``工资<5000`` is text)
_BLOCKS = frozenset("p div ul ol li dl dt dd h1 h2 h3 h4 h5 h6 table thead tbody tr section article "
                    "blockquote pre hr header footer".split())
_CELLS = frozenset(("td", "th"))
_INLINE = "br span b strong i em u a font small sup sub code img"
_TAG = re.compile(rf"</?(?:{'|'.join(sorted(_BLOCKS | _CELLS | set(_INLINE.split())))})\b[^<>]*>", re.IGNORECASE)


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


def _decode_entities(text: str) -> str:
    """Character references decoded (``R&amp;D`` → ``R&D``): JSON-LD strings are often HTML-escaped."""
    return _ENTITY.sub(lambda m: unescape(m.group(0)), text) if "&" in text else text


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
    return clean_text(_decode_entities(str(value)))


def _texts(value: Any) -> list[str]:
    """Every value of a property that may be repeated, as text."""
    return [t for t in (_text(v) for v in (value if isinstance(value, list) else [value])) if t]


def _markup_text(value: Any) -> str | None:
    """A description as text. Google asks for HTML here, sometimes itself entity-escaped
    (``&lt;p&gt;``): tags give way to line breaks at blocks and ``<br>``, as a browser shows them,
    and entities are decoded. Text without HTML tags keeps its line breaks as written."""
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@value")
    if value is None:
        return None
    text = str(value)
    if not _TAG.search(text):
        text = _decode_entities(text)
        if not _TAG.search(text):
            return clean_text(text)
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return clean_text(_decode_entities(text))
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for el in root.iter():
        # whitespace in HTML source is one space; line breaks come from the elements
        el.text = _ALL_WS.sub(" ", el.text) if el.text else el.text
        el.tail = _ALL_WS.sub(" ", el.tail) if el.tail else el.tail
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag == "br":
            el.tail = "\n" + (el.tail or "")
        elif tag in _BLOCKS:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
        elif tag in _CELLS:  # cells of a row: side by side
            el.tail = " " + (el.tail or "")
    return clean_text(root.text_content())


def _id_text(value: Any) -> str | None:
    """An identifier's value as text: numbers as written (``1234567``, not ``1234567.0``)."""
    value = _first(value)
    if isinstance(value, dict):  # {"@value": …} or a nested PropertyValue: its value, never its name
        return _id_text(value.get("@value", value.get("value")))
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(_decode_entities(str(value)))


def _identifier(value: Any) -> tuple[str | None, dict[str, Any]]:
    """schema.org ``identifier`` (text, number, PropertyValue, or a list of them) → the record's id and
    ``extra``. A PropertyValue's ``value`` is the id; ``propertyID`` (else ``name``) says whose id
    it is, so it goes to ``extra.identifier_scheme`` and never becomes the key."""
    found: list[tuple[str, str | None]] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            if set(item) == {"@id"}:  # an IRI given as a bare node reference
                key = _id_text(item["@id"])
            else:
                key = _id_text(item.get("value", item.get("@value")))
            scheme = _text(item.get("propertyID")) or _text(item.get("name"))
        else:
            key, scheme = _id_text(item), None
        if key:
            found.append((key, scheme))
    if not found:
        return None, {}
    extra: dict[str, Any] = {"identifier_scheme": found[0][1]} if found[0][1] else {}
    if len(found) > 1:
        extra["identifiers"] = [f"{s}:{k}" if s else k for k, s in found]
    return found[0][0], extra


def _join_list(value: Any) -> str | None:
    if isinstance(value, list):
        parts = [t for t in (_text(v) for v in value) if t]
        return ",".join(parts) or None
    return _text(value)


def _locations(value: Any) -> tuple[str | None, dict[str, Any]]:
    """jobLocation, one place or several → the first place's line (and its geo/postal code in
    ``extra``), plus every place's line in ``extra.job_locations`` when there are several."""
    lines: list[str] = []
    extra: dict[str, Any] = {}
    for i, place in enumerate(p for p in (value if isinstance(value, list) else [value]) if p is not None):
        line, place_extra = _address(place)
        if i == 0:
            extra.update(place_extra)
        if line and line not in lines:
            lines.append(line)
    if len(lines) > 1:
        extra["job_locations"] = lines
    return (lines[0] if lines else None), extra


def _address(place: Any) -> tuple[str | None, dict[str, Any]]:
    """One jobLocation place → one address line plus geo/structured parts for ``extra``."""
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
        if text and currency and re.fullmatch(r"[\d.,]+", text):  # one figure: minimum and maximum
            amount = text.replace(",", "")
            extra.update(salary_currency=currency, salary_min=amount, salary_max=amount)
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


def _organisation(org: Any) -> dict[str, Any]:
    """hiringOrganization's ``sameAs`` and ``logo`` (a URL or an ImageObject) for ``extra``."""
    org = _first(org)
    if not isinstance(org, dict):
        return {}
    same_as = _texts(org.get("sameAs"))
    logo = _first(org.get("logo"))
    if isinstance(logo, dict):
        logo = logo.get("url") or logo.get("contentUrl") or logo.get("@id")
    extra: dict[str, Any] = {}
    if same_as:
        extra["employer_same_as"] = same_as[0] if len(same_as) == 1 else same_as
    if _text(logo):
        extra["employer_logo"] = _text(logo)
    return extra


def posting_to_fields(posting: dict[str, Any]) -> dict[str, Any]:
    """Map one JobPosting object to landing fields."""
    location, loc_extra = _locations(posting.get("jobLocation"))
    applicant = _texts(posting.get("applicantLocationRequirements"))
    if location is None and applicant:
        location = applicant[0]
    salary, sal_extra = _salary(posting)
    identifier, id_extra = _identifier(posting.get("identifier"))
    extra: dict[str, Any] = {**loc_extra, **sal_extra, **id_extra, **_organisation(posting.get("hiringOrganization"))}
    if applicant:
        extra["applicant_location_requirements"] = applicant
    location_type = _join_list(posting.get("jobLocationType"))
    if location_type:
        extra["job_location_type"] = location_type
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
        "description": _markup_text(posting.get("description")),
        "hiring_organization": _text(posting.get("hiringOrganization")),
        "job_location": location,
        "base_salary": salary,
        "employment_type": _join_list(posting.get("employmentType")),
        "date_posted": _text(posting.get("datePosted")),
        "valid_through": _text(posting.get("validThrough")),
        "identifier": identifier,
        "extra": extra or None,
    }


def extract_postings(html: str, url: str, json_document: bool = False
                     ) -> tuple[list[dict[str, Any]], list[str]]:
    """All JobPostings on a page as landing fields with their ``source_record_id``, plus the page's
    extraction errors.

    JSON-LD blocks are parsed one by one, so one invalid block does not hide a valid one beside it.
    ``json_document``: the response is itself JSON-LD (``application/ld+json``), not HTML.
    A record's key is its identifier; without one, the page URL, or ``URL#n`` for the n-th such
    posting when the page has several (one key for two postings would make them one record).
    """
    errors: list[str] = []
    found: list[tuple[str, dict[str, Any]]] = []
    blocks = [html] if json_document else _SCRIPT_LD.findall(html)
    for i, block in enumerate(blocks):
        try:
            data = loads_limited(block)  # a hostile page cannot recurse the parser to death
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
    marked_up: dict[tuple[str | None, str], str] = {}  # (identifier, title) → the syntax that gave it
    for syntax, posting in found:
        fields = posting_to_fields(posting)
        key = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
        if key in seen:  # same posting marked up twice on one page
            continue
        seen.add(key)
        if fields["title"]:
            # the same posting in a second syntax, its text a little different: JSON-LD (first) lands
            same = (fields["identifier"], _ALL_WS.sub(" ", fields["title"]))
            if marked_up.setdefault(same, syntax) != syntax:
                continue
        fields["raw_format"] = syntax
        fields["raw_payload"] = json.dumps(posting, ensure_ascii=False)
        records.append(fields)
    keyless = [r for r in records if not r["identifier"]]
    for n, fields in enumerate(keyless, start=1):
        fields["source_record_id"] = url if len(keyless) == 1 else f"{url}#{n}"
    for fields in records:
        if fields["identifier"]:
            fields["source_record_id"] = fields["identifier"]
    return records, errors
