"""CSV/TSV partner files, streamed row by row (constant memory whatever the file size)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jobpool.feeds.base import FeedError, FeedSpec, detect_encoding, map_record

csv.field_size_limit(10 * 1024 * 1024)


def _row_text(row: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(row)
    return buf.getvalue()


def read_csv(path: Path, spec: FeedSpec) -> Iterator[dict[str, Any]]:
    encoding = detect_encoding(path, spec.encoding)
    delimiter = spec.options.get("delimiter") or ("\t" if path.suffix.lower() == ".tsv" else ",")
    has_header = spec.options.get("header", True)
    with open(path, encoding=encoding, newline="", errors="strict") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            first = next(reader, None)
            if first is None:
                raise FeedError(f"{path.name}: no rows")
            if has_header:
                header = [h.strip().lstrip("\ufeff") for h in first]
                pending: list[list[str]] = []
            else:
                header = [str(i) for i in range(len(first))]
                pending = [first]
            missing = sorted(c for c in spec.columns() if c not in header)
            if missing:
                raise FeedError(
                    f"{path.name}: mapping for {spec.source} names column(s) {missing} "
                    f"not in the file's header {header}"
                )
            index = {name: i for i, name in enumerate(header)}
            width = len(header)
            seen_data = False
            for row in (*pending, *reader):
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue  # blank line: not a record
                if has_header and [c.strip() for c in row] == header:
                    continue  # header repeated inside the file (concatenated exports)
                seen_data = True
                raw = _row_text(row, delimiter)
                if len(row) != width:
                    yield {
                        "source_record_id": f"line-{line}-{hashlib.sha1(raw.encode()).hexdigest()[:12]}",
                        "raw_format": "csv",
                        "raw_payload": raw,
                        "ingest_error": f"{path.name} line {line}: expected {width} columns, got {len(row)}",
                    }
                    continue
                record = map_record(spec, lambda name, row=row: row[index[name]])
                record.setdefault(
                    "source_record_id", f"row-{hashlib.sha1(raw.encode()).hexdigest()[:16]}"
                )
                record["raw_format"] = "csv"
                record["raw_payload"] = raw
                yield record
            if not seen_data:
                raise FeedError(f"{path.name}: header only, no records")
        except UnicodeDecodeError as exc:
            raise FeedError(
                f"{path.name} line {reader.line_num + 1}: not valid {encoding} ({exc.reason})"
            ) from exc
        except csv.Error as exc:
            raise FeedError(f"{path.name} line {reader.line_num}: malformed CSV: {exc}") from exc
