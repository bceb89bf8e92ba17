"""What every feed connector shares: the partner mapping, hostile-input limits, encoding detection.

A connector yields landing records; a record it cannot read properly still comes out (with its raw
text and ``ingest_error``) so it is accounted for. A file it cannot read at all raises
:class:`FeedError`, and the whole file goes to quarantine with that reason.
"""

from __future__ import annotations

import ast
import codecs
import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landing.contract import POSTING_FIELDS

DEFAULT_PARTNERS = Path(__file__).with_name("partners.toml")
#: built-in mappings for standard formats (``--format indeed-xml``, ``preset = "indeed-xml"``)
PRESETS_DIR = Path(__file__).with_name("presets")
PRESET_ALIASES = {"jsonld": "schemaorg-json", "json-ld": "schemaorg-json", "hrxml": "hr-xml"}
#: csv covers TSV and other delimiters (``delimiter`` option); jsonl = JSON lines (one job object per line);
#: api = a paged JSON HTTP API (``jobpool ingest URL``).
FORMATS = ("csv", "xlsx", "xml", "json", "jsonl", "api")
MAX_FILE_BYTES = int(os.environ.get("JOBPOOL_MAX_FEED_BYTES", str(8 * 1024**3)))
MAX_RECORD_CHARS = 1_000_000


class FeedError(Exception):
    """The file as a whole cannot be landed; the message names the file (and line/record)."""


@dataclass
class FeedSpec:
    source: str
    format: str
    encoding: str = "auto"
    record: str | None = None
    id: str | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def columns(self) -> set[str]:
        cols = {c for names in (*self.fields.values(), *self.extra.values()) for c in names}
        if self.id:
            cols.add(self.id)
        return cols


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def spec_from_mapping(source: str, entry: dict[str, Any], fmt: str | None = None) -> FeedSpec:
    fields = {k: _as_list(v) for k, v in entry.get("fields", {}).items()}
    unknown = set(fields) - set(POSTING_FIELDS)
    if unknown:
        raise FeedError(f"mapping for {source} names unknown JobPosting field(s): {sorted(unknown)}")
    known = {"format", "encoding", "record", "id", "fields", "extra", "preset"}
    return FeedSpec(
        source=source,
        format=fmt or entry.get("format", ""),
        encoding=entry.get("encoding", "auto"),
        record=entry.get("record"),
        id=entry.get("id"),
        fields=fields,
        extra={k: _as_list(v) for k, v in entry.get("extra", {}).items()},
        options={k: v for k, v in entry.items() if k not in known},
    )


def preset_names() -> list[str]:
    """The built-in standard formats (feeds/presets/*.toml)."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def load_preset(name: str) -> dict[str, Any]:
    """A built-in mapping by name (``indeed-xml``, ``boss-csv``, ...)."""
    name = PRESET_ALIASES.get(name, name)
    path = PRESETS_DIR / f"{name}.toml"
    if not path.is_file():
        raise FeedError(f"unknown preset {name!r} (presets: {', '.join(preset_names())})")
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def with_preset(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry with ``preset = NAME``: the preset, with the entry's own keys (and fields) on top."""
    name = entry.get("preset")
    if not name:
        return entry
    base = load_preset(name)
    merged = {**base, **{k: v for k, v in entry.items() if k not in ("preset", "fields", "extra")}}
    for table in ("fields", "extra"):
        merged[table] = {**base.get(table, {}), **entry.get(table, {})}
    return merged


def is_preset(fmt: str | None) -> bool:
    return bool(fmt) and fmt not in FORMATS and (PRESETS_DIR / f"{PRESET_ALIASES.get(fmt, fmt)}.toml").is_file()


def load_spec(source: str, fmt: str | None = None, mapping: Path | None = None) -> FeedSpec:
    """The partner's mapping: an explicit mapping file (one table, or a table named after the
    source), else a built-in preset named by ``fmt`` (``indeed-xml``), else the registry entry for the
    source (which may itself name a ``preset``). A mapping file overrides a preset."""
    if fmt and fmt not in FORMATS and not is_preset(fmt):
        raise FeedError(f"source {source}: unknown feed format {fmt!r} "
                        f"({', '.join(FORMATS)}; presets: {', '.join(preset_names())})")
    if mapping is not None:
        with open(mapping, "rb") as fh:
            data = tomllib.load(fh)
        entry = with_preset(data.get(source, data))
        fmt = None if is_preset(fmt) else fmt
    elif is_preset(fmt):
        entry, fmt = load_preset(fmt), None
    else:
        registry = Path(os.environ.get("JOBPOOL_PARTNERS", DEFAULT_PARTNERS))
        with open(registry, "rb") as fh:
            data = tomllib.load(fh)
        if source not in data:
            raise FeedError(f"no mapping for source {source!r} in {registry}; pass --mapping FILE")
        entry = with_preset(data[source])
    spec = spec_from_mapping(source, entry, fmt)
    if spec.format not in FORMATS:
        raise FeedError(f"source {source}: unknown feed format {spec.format!r} ({', '.join(FORMATS)})")
    return spec


def check_size(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise FeedError(f"{path.name}: empty file")
    if size > MAX_FILE_BYTES:
        raise FeedError(f"{path.name}: {size} bytes exceeds the feed limit of {MAX_FILE_BYTES}")


def detect_encoding(path: Path, declared: str = "auto") -> str:
    """UTF-8 (with or without BOM) when the sample decodes as such, else GB18030 (a superset of GBK
    and GB2312, the usual encodings of Chinese partners' spreadsheets); a declared codec is checked
    against the sample and rejected with a clear error when it does not fit."""
    with open(path, "rb") as fh:
        sample = fh.read(256 * 1024)
    if declared != "auto":
        try:
            codecs.lookup(declared)
        except LookupError as exc:
            raise FeedError(f"{path.name}: unknown encoding {declared!r}") from exc
        _decode_sample(path, sample, declared)
        return declared
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for candidate in ("utf-8", "gb18030"):
        try:
            _decode_sample(path, sample, candidate)
            return candidate
        except FeedError:
            continue
    raise FeedError(f"{path.name}: neither UTF-8 nor GB18030; declare the partner's encoding")


def _decode_sample(path: Path, sample: bytes, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(sample, final=False)  # a multibyte char cut at the sample's end is fine
    except UnicodeDecodeError as exc:
        raise FeedError(
            f"{path.name}: not valid {encoding} at byte {exc.start} of the first 256 KiB"
        ) from exc


def locate_decode_error(path: Path, encoding: str) -> str:
    """Where ``path`` stops being valid ``encoding``: "line N (byte B)". Text readers decode ahead in
    chunks, so the line they are on when decoding fails is not the line with the bad bytes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, line = 0, 1
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            pending = len(decoder.getstate()[0])  # bytes of a character cut at the last chunk's end
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = max(0, exc.start - pending)
                newlines = chunk[:bad].count(b"\n")
                return f"line {line + newlines} (byte {offset + bad})"
            line += chunk.count(b"\n")
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return f"line {line} (byte {offset}, the file ends inside a character)"
    return f"line {line}"


def cell_text(value: Any) -> str | None:
    """A cell as clean text; Python list literals (``['上海-浦东新区']``) become joined text."""
    if value is None:
        return None
    if isinstance(value, list):
        parts = [cell_text(v) for v in value]
        return ",".join(p for p in parts if p) or None
    if isinstance(value, dict):
        return None
    text = str(value).strip()
    if len(text) >= 2 and text[0] == "[" and text[-1] == "]":
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        if isinstance(parsed, list | tuple):
            return cell_text(list(parsed))
    return text or None


def map_record(spec: FeedSpec, get: Any) -> dict[str, Any]:
    """Apply the mapping with ``get(name) -> value``; first non-empty fallback wins."""
    record: dict[str, Any] = {}
    for target, names in spec.fields.items():
        for name in names:
            value = cell_text(get(name))
            if value:
                record[target] = value[:MAX_RECORD_CHARS]
                break
    extra = {}
    for target, names in spec.extra.items():
        for name in names:
            value = cell_text(get(name))
            if value:
                extra[target] = value
                break
    if extra:
        record["extra"] = extra
    if spec.id:
        rid = cell_text(get(spec.id))
        if rid:
            record["source_record_id"] = rid
    return record


def tabular_record(spec: FeedSpec, row: list[Any], index: dict[str, int], raw: str, raw_format: str) -> dict[str, Any]:
    """A record from a header-indexed row (CSV, XLSX): mapped fields, the partner's id or else a hash
    of the row (stable across deliveries of the same row), and the verbatim row as raw payload."""
    record = map_record(spec, lambda name: row[index[name]])
    record.setdefault("source_record_id", f"row-{hashlib.sha1(raw.encode()).hexdigest()[:16]}")
    record["raw_format"] = raw_format
    record["raw_payload"] = raw
    return record
