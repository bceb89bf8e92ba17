"""Columnar fast path for CSV: the same landed records as ``csv_feed.read_csv``, ~10x faster.

The row path spends its time in Python per row (csv module, mapping, JSON, two hashes). Here the file
is parsed in blocks by ``pyarrow.csv.open_csv`` (GBK/GB18030 transcoded to UTF-8 on the fly), the
mapping is applied with Arrow compute kernels over whole columns, and only the two hashes per row
(``hashlib`` over bytes Arrow assembled) are a Python loop. Memory stays flat: one block (a few MB
of text) is in flight at a time.

Exactness is the contract, not an aspiration: every value is built to be byte-identical to what the
row path lands (``test_feeds_fast.py`` compares both paths column by column). Whatever this path
cannot reproduce exactly raises :class:`FastPathUnsupported` before the batch commits, and the caller
lands the file with the row path instead: rows with the wrong number of columns (they land as error
records with a line number, which Arrow does not track), a header spanning several lines, a field over
the csv module's size limit, undecodable bytes, malformed quoting.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from feeds.base import MAX_RECORD_CHARS, FeedSpec, cell_text
from feeds.csv_feed import FIELD_SIZE_LIMIT, CsvLayout, read_layout
from landing.contract import POSTING_FIELDS, BatchWriter

#: Exactly the characters Python's ``str.strip()`` removes (``c.isspace()``), so trimming matches.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: Control characters ``json.dumps`` escapes as ``\\u00XX`` (the short escapes are handled in bulk).
_RARE_CONTROL = "[\\x00-\\x07\\x0b\\x0e-\\x1f]"
_NULL_SENTINEL = "\x00null\x00"
_NEEDS_ESCAPE = '[\\x00-\\x1f"\\\\]'

BLOCK_SIZE = 2 << 20  # larger blocks let the reader buffer more (measured: 8 MB grows with file size)
_HASH_KEYS = tuple(sorted((*POSTING_FIELDS, "extra", "source_record_id")))


class FastPathUnsupported(Exception):
    """This file needs the row path; nothing of the fast attempt becomes visible."""


def _str(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.string())


def _on_subset(arr: pa.Array, mask: pa.Array, fn: Any) -> pa.Array:
    """Apply ``fn`` only to the values where ``mask`` holds (most cells need no escaping or quoting)."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return arr
    return pc.replace_with_mask(arr, mask, fn(pc.filter(arr, mask)))


def _escape_all(arr: pa.Array) -> pa.Array:
    out = pc.replace_substring(arr, "\\", "\\\\")
    for char, escaped in (('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"),
                          ("\f", "\\f")):
        out = pc.replace_substring(out, char, escaped)
    rare = pc.match_substring_regex(arr, _RARE_CONTROL)
    if pc.any(rare).as_py():
        exact = [json.dumps(v, ensure_ascii=False)[1:-1] if v is not None else None for v in arr.to_pylist()]
        out = pc.if_else(rare, pa.array(exact, pa.string()), out)
    return out


def json_escape(arr: pa.Array) -> pa.Array:
    """The inside of ``json.dumps(s, ensure_ascii=False)`` for every string (nulls stay null)."""
    return _on_subset(arr, pc.match_substring_regex(arr, _NEEDS_ESCAPE), _escape_all)


def extra_json(values: dict[str, pa.Array], length: int) -> pa.Array:
    """``json.dumps(extra, ensure_ascii=False, sort_keys=True)`` of the non-empty values, else null."""
    if not values:
        return pa.nulls(length, pa.string())
    parts = []
    for key in sorted(values):
        prefix = json.dumps(key, ensure_ascii=False) + ': "'
        part = pc.binary_join_element_wise(_str(prefix), json_escape(values[key]), _str('", '), "")
        parts.append(pc.fill_null(part, ""))
    # (binary_join_element_wise's null_handling="skip" drops all-null rows in pyarrow 26: avoid it)
    body = pc.binary_join_element_wise(*parts, "") if len(parts) > 1 else parts[0]
    body = pc.utf8_slice_codeunits(body, 0, -2)  # the last ", "
    return pc.if_else(pc.equal(body, ""), pa.scalar(None, pa.string()),
                      pc.binary_join_element_wise(_str("{"), body, _str("}"), ""))


def content_hash_blobs(columns: dict[str, pa.Array]) -> pa.Array:
    """The text ``landing.content_hash`` hashes: ``json.dumps`` of the keyed fields, sorted keys.
    Values are always quoted here and a null is a sentinel that escaping can never produce (a raw NUL
    is escaped as ``\\u0000``), swapped for ``null`` in one pass over the finished text."""
    pieces: list[Any] = []
    for i, key in enumerate(_HASH_KEYS):
        pieces.append(_str(("{" if i == 0 else '", ') + json.dumps(key) + ': "'))
        pieces.append(pc.fill_null(json_escape(columns[key]), _NULL_SENTINEL))
    pieces.append(_str('"}'))
    blob = pc.binary_join_element_wise(*pieces, "")
    return pc.replace_substring(blob, f'"{_NULL_SENTINEL}"', "null")


def _raw_payload(cells: list[pa.Array], delimiter: str) -> pa.Array:
    """``csv.writer(delimiter=…, lineterminator="")`` of each row: quote a cell only when it holds the
    delimiter or a quote (with no line terminator, newlines are not quoted)."""
    out = []
    for cell in cells:
        special = pc.or_(pc.match_substring(cell, delimiter), pc.match_substring(cell, '"'))
        out.append(_on_subset(cell, special, lambda v: pc.binary_join_element_wise(
            _str('"'), pc.replace_substring(v, '"', '""'), _str('"'), "")))
    if len(out) == 1:  # a lone empty field is written as "" (blank rows are filtered before this)
        return out[0]
    return pc.binary_join_element_wise(*out, delimiter)


def _clean(stripped: pa.Array) -> pa.Array:
    """``base.cell_text`` of each (already stripped) cell: list literals unwrapped, empty → null."""
    listy = pc.and_(pc.and_(pc.starts_with(stripped, "["), pc.ends_with(stripped, "]")),
                    pc.greater_equal(pc.binary_length(stripped), 2))  # not a lone "["
    if pc.any(listy).as_py():  # parse each distinct literal once (tags and places repeat a lot)
        def unwrap(values: pa.Array) -> pa.Array:
            encoded = pc.dictionary_encode(values)
            texts = [cell_text(t) for t in encoded.dictionary.to_pylist()]
            return pc.take(pa.array(texts, pa.string()), encoded.indices)

        stripped = _on_subset(stripped, listy, unwrap)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)


def _truncate(values: pa.Array) -> pa.Array:
    """``value[:MAX_RECORD_CHARS]`` (bytes bound chars, so most blocks skip the work)."""
    if (pc.max(pc.binary_length(values)).as_py() or 0) <= MAX_RECORD_CHARS:
        return values
    return pc.utf8_slice_codeunits(values, 0, MAX_RECORD_CHARS)


def _coalesce(arrays: list[pa.Array]) -> pa.Array:
    return arrays[0] if len(arrays) == 1 else pc.coalesce(*arrays)


class _Mapper:
    def __init__(self, spec: FeedSpec, layout: CsvLayout) -> None:
        self.spec = spec
        self.layout = layout
        self.index = {name: i for i, name in enumerate(layout.header)}
        self.needed = sorted({self.index[c] for c in spec.columns()})

    def table(self, batch: pa.RecordBatch) -> pa.Table | None:
        """One parsed block → landing columns (everything but source/batch/index/fetched_at)."""
        cells = list(batch.columns)
        for cell in cells:
            if (pc.max(pc.binary_length(cell)).as_py() or 0) > FIELD_SIZE_LIMIT and \
                    (pc.max(pc.utf8_length(cell)).as_py() or 0) > FIELD_SIZE_LIMIT:
                raise FastPathUnsupported("a field exceeds the csv module's size limit")
        stripped = [pc.utf8_trim(c, PY_WHITESPACE) for c in cells]
        blank = pc.equal(stripped[0], "")
        for s in stripped[1:]:
            blank = pc.and_(blank, pc.equal(s, ""))
        keep = pc.invert(blank)
        if self.layout.has_header:  # the header repeated inside the file (concatenated exports)
            repeat = pc.equal(stripped[0], self.layout.header[0])
            if pc.any(repeat).as_py():
                for s, name in zip(stripped[1:], self.layout.header[1:], strict=True):
                    repeat = pc.and_(repeat, pc.equal(s, name))
                keep = pc.and_(keep, pc.invert(repeat))
        if not pc.all(keep).as_py():
            cells = [pc.filter(c, keep) for c in cells]
            stripped = [pc.filter(s, keep) for s in stripped]
        n = len(cells[0])
        if n == 0:
            return None
        clean = {i: _clean(stripped[i]) for i in self.needed}

        def mapped(names: list[str]) -> pa.Array:
            return _coalesce([clean[self.index[c]] for c in names])

        cols: dict[str, pa.Array] = {}
        for target in POSTING_FIELDS:
            names = self.spec.fields.get(target)
            cols[target] = _truncate(mapped(names)) if names else pa.nulls(n, pa.string())
        cols["extra"] = extra_json({k: mapped(names) for k, names in self.spec.extra.items()}, n)
        raw = _raw_payload(cells, self.layout.delimiter)
        ids = clean[self.index[self.spec.id]] if self.spec.id else pa.nulls(n, pa.string())
        if ids.null_count:
            sha1 = hashlib.sha1
            fallback_ids = [f"row-{sha1(b).hexdigest()[:16]}" for b in raw.cast(pa.binary()).to_pylist()]
            ids = pc.coalesce(ids, pa.array(fallback_ids, pa.string()))
        cols["source_record_id"] = ids
        sha256 = hashlib.sha256
        blobs = content_hash_blobs(cols).cast(pa.binary()).to_pylist()
        hashes = pa.array([sha256(b).hexdigest() for b in blobs], pa.string())
        return pa.table({
            "source_record_id": cols["source_record_id"],
            "content_hash": hashes,
            "raw_format": pa.repeat(_str("csv"), n),
            "raw_payload": raw,
            **{f: cols[f] for f in POSTING_FIELDS},
            "extra": cols["extra"],
        })


def write_csv_fast(path: Path, spec: FeedSpec, writer: BatchWriter) -> int:
    """Land ``path`` into ``writer`` through Arrow; raises :class:`FastPathUnsupported` (having
    possibly written part of the batch: the caller must discard the writer) when the row path is needed."""
    layout = read_layout(path, spec)
    if layout.has_header and layout.header_lines != 1:
        raise FastPathUnsupported("header spans several lines")
    width = len(layout.header)
    names = [f"c{i}" for i in range(width)]

    def on_invalid(row: Any) -> str:
        cells = next(csv.reader(io.StringIO(row.text), delimiter=layout.delimiter), [])
        return "skip" if not any(c.strip() for c in cells) else "error"  # blank lines are not records

    encoding = {"utf-8": "utf8", "utf-8-sig": "utf8", "utf8": "utf8"}.get(layout.encoding.lower(), layout.encoding)
    mapper = _Mapper(spec, layout)
    written = 0
    try:
        reader = pv.open_csv(
            path,
            read_options=pv.ReadOptions(column_names=names, skip_rows=1 if layout.has_header else 0,
                                        encoding=encoding, block_size=BLOCK_SIZE, use_threads=True),
            parse_options=pv.ParseOptions(delimiter=layout.delimiter, newlines_in_values=True,
                                          ignore_empty_lines=True, invalid_row_handler=on_invalid),
            convert_options=pv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                              strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        for batch in reader:
            table = mapper.table(batch)
            if table is not None:
                writer.add_table(table)
                written += table.num_rows
    except (pa.ArrowException, UnicodeDecodeError, ValueError) as exc:
        raise FastPathUnsupported(f"{type(exc).__name__}: {exc}") from exc
    if written == 0:
        raise FastPathUnsupported("no records (the row path names the reason)")
    return written
