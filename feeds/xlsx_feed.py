"""XLSX partner files (Excel exports), read with openpyxl in read-only streaming mode: rows are
parsed from the sheet XML as they are iterated, so memory stays flat whatever the sheet size.

Rows follow the CSV rules: the first row is the header (Chinese or English names, mapped by the
partner's mapping), blank and repeated header rows are skipped, a row with values beyond the header
lands as an error record, list-literal cells are unwrapped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from feeds.base import FeedError, FeedSpec, tabular_record


def cell_str(value: Any) -> str:
    """A cell as the text a person sees: integral floats without ``.0``, midnight datetimes as dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _row_text(row: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    return buf.getvalue()


def read_xlsx(path: Path, spec: FeedSpec) -> Iterator[dict[str, Any]]:
    from openpyxl import load_workbook  # heavy; only when a partner sends spreadsheets

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FeedError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from exc
    try:
        sheet_name = spec.options.get("sheet")
        if sheet_name and sheet_name not in workbook.sheetnames:
            raise FeedError(f"{path.name}: no sheet {sheet_name!r} (sheets: {workbook.sheetnames})")
        sheet = workbook[sheet_name] if sheet_name else workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise FeedError(f"{path.name} sheet {sheet.title!r}: no rows")
        header = [cell_str(v).strip() for v in first]
        while header and not header[-1]:
            header.pop()  # read-only mode pads rows to the sheet's widest row
        missing = sorted(c for c in spec.columns() if c not in header)
        if missing:
            raise FeedError(f"{path.name}: mapping for {spec.source} names column(s) {missing} "
                            f"not in the sheet's header {header}")
        index = {name: i for i, name in enumerate(header)}
        width = len(header)
        seen_data = False
        for number, values in enumerate(rows, start=2):
            row = [cell_str(v) for v in values]
            if not any(c.strip() for c in row):
                continue
            if [c.strip() for c in row[:width]] == header and not any(c.strip() for c in row[width:]):
                continue
            seen_data = True
            overflow = any(c.strip() for c in row[width:])
            row = (row + [""] * width)[:width] if not overflow else row
            raw = _row_text(row)
            if overflow:
                yield {
                    "source_record_id": f"row-{number}-{hashlib.sha1(raw.encode()).hexdigest()[:12]}",
                    "raw_format": "xlsx",
                    "raw_payload": raw,
                    "ingest_error": f"{path.name} sheet {sheet.title!r} row {number}: values beyond the "
                                    f"{width} header columns",
                }
                continue
            yield tabular_record(spec, row, index, raw, "xlsx")
        if not seen_data:
            raise FeedError(f"{path.name} sheet {sheet.title!r}: header only, no records")
    finally:
        workbook.close()
