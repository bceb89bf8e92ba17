"""CSV/TSV partner files, streamed row by row (constant memory whatever the file size).

This is the reference ("row") path: it defines what a CSV row lands as. ``csv_fast.py`` lands clean
files much faster through Arrow and falls back to this path for anything it cannot reproduce exactly.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.base import FeedError, FeedSpec, detect_encoding, locate_decode_error, tabular_record

FIELD_SIZE_LIMIT = 10 * 1024 * 1024
csv.field_size_limit(FIELD_SIZE_LIMIT)


@dataclass
class CsvLayout:
    """What the first row of a file says: encoding, delimiter, column names."""

    encoding: str
    delimiter: str
    has_header: bool
    header: list[str]
    header_lines: int  # physical lines the header row took (0 without a header)


def _row_text(row: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(row)
    return buf.getvalue()


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, io.SEEK_END)
        return fh.read(1) in (b"\n", b"\r")


def read_layout(path: Path, spec: FeedSpec) -> CsvLayout:
    """Encoding, delimiter and header, checked against the mapping (a missing column fails the file)."""
    encoding = detect_encoding(path, spec.encoding)
    delimiter = spec.options.get("delimiter") or ("\t" if path.suffix.lower() == ".tsv" else ",")
    has_header = bool(spec.options.get("header", True))
    with open(path, encoding=encoding, newline="", errors="strict") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            first = next(reader, None)
        except UnicodeDecodeError as exc:
            where = locate_decode_error(path, encoding)
            raise FeedError(f"{path.name} {where}: not valid {encoding} ({exc.reason})") from exc
        except csv.Error as exc:
            raise FeedError(f"{path.name} line 1: malformed CSV: {exc}") from exc
        if first is None:
            raise FeedError(f"{path.name}: no rows")
        if has_header:
            header = [h.strip().lstrip("\ufeff") for h in first]
            header_lines = reader.line_num
        else:
            header = [str(i) for i in range(len(first))]
            header_lines = 0
    missing = sorted(c for c in spec.columns() if c not in header)
    if missing:
        raise FeedError(
            f"{path.name}: mapping for {spec.source} names column(s) {missing} not in the file's header {header}"
        )
    return CsvLayout(encoding, delimiter, has_header, header, header_lines)


def read_csv(path: Path, spec: FeedSpec) -> Iterator[dict[str, Any]]:
    layout = read_layout(path, spec)
    delimiter, header = layout.delimiter, layout.header
    with open(path, encoding=layout.encoding, newline="", errors="strict") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            if layout.has_header:
                next(reader)
            index = {name: i for i, name in enumerate(header)}
            width = len(header)
            seen_data = False
            row = next(reader, None)
            while row is not None:
                line = reader.line_num
                following = next(reader, None)
                if not any(cell.strip() for cell in row):
                    row = following
                    continue  # blank line: not a record
                if layout.has_header and [c.strip() for c in row] == header:
                    row = following
                    continue  # header repeated inside the file (concatenated exports)
                seen_data = True
                raw = _row_text(row, delimiter)
                if len(row) != width:
                    if following is None and (not _ends_with_newline(path) or row[-1].endswith(("\n", "\r"))):
                        raise FeedError(
                            f"{path.name} line {line}: truncated: the file ends inside a record "
                            f"({len(row)} of {width} columns); resend the complete file"
                        )
                    yield {
                        "source_record_id": f"line-{line}-{hashlib.sha1(raw.encode()).hexdigest()[:12]}",
                        "raw_format": "csv",
                        "raw_payload": raw,
                        "ingest_error": f"{path.name} line {line}: expected {width} columns, got {len(row)}",
                    }
                    row = following
                    continue
                yield tabular_record(spec, row, index, raw, "csv")
                row = following
            if not seen_data:
                raise FeedError(f"{path.name}: header only, no records")
        except UnicodeDecodeError as exc:
            where = locate_decode_error(path, layout.encoding)
            raise FeedError(f"{path.name} {where}: not valid {layout.encoding} ({exc.reason})") from exc
        except csv.Error as exc:
            raise FeedError(f"{path.name} line {reader.line_num}: malformed CSV: {exc}") from exc
