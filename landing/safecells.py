"""Cells for spreadsheets people open: CSV/XLSX written by the project are safe from formula injection.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK("http://x")``, ``=cmd|' /C calc'!A0``).
Postings come from partners and crawled pages, so any text cell may carry one. Following the OWASP
CSV-injection guidance, :func:`safe_cell` prefixes such text with a single quote, which spreadsheets
show as text; numbers, dates and nulls pass unchanged. ``raw=True`` (``jobpool sql --raw-cells``)
writes cells exactly as stored, for machines that read the CSV back.

Every CSV/XLSX export goes through :func:`write_csv` / :func:`write_xlsx`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

#: first characters that make a spreadsheet evaluate a cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading single quote when it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(row: Iterable[Any], raw: bool = False) -> list[Any]:
    return list(row) if raw else [safe_cell(v) for v in row]


def write_csv(out: IO[str], columns: Sequence[str], rows: Iterable[Sequence[Any]], raw: bool = False,
              **fmt: Any) -> int:
    """Header and rows as CSV on ``out`` (``csv.writer`` options in ``fmt``); returns the rows written."""
    writer = csv.writer(out, **{"lineterminator": "\n", **fmt})
    writer.writerow(safe_row(columns, raw))
    count = 0
    for row in rows:
        writer.writerow(safe_row(("" if v is None else v for v in row), raw))
        count += 1
    return count


def write_xlsx(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]], raw: bool = False,
               sheet: str = "data") -> int:
    """Header and rows as an XLSX workbook (openpyxl, write-only mode); returns the rows written."""
    from openpyxl import Workbook  # heavy; only when a spreadsheet is asked for

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(safe_row(columns, raw))
    count = 0
    for row in rows:
        ws.append(safe_row(row, raw))
        count += 1
    wb.save(path)
    return count
