"""Formula-like cells are neutralised in exported CSV/XLSX (OWASP CSV injection), unless raw."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from landing.safecells import safe_cell, write_csv, write_xlsx


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_text_is_prefixed(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["收银员", "a=b", "", None, -1, 3.5, "'=already"])
def test_other_values_pass(value: object) -> None:
    assert safe_cell(value) == value


def test_write_csv_safe_and_raw() -> None:
    rows = [("j1", '=HYPERLINK("http://x")', -1, None)]
    safe, raw = io.StringIO(), io.StringIO()
    write_csv(safe, ["id", "title", "n", "x"], rows)
    write_csv(raw, ["id", "title", "n", "x"], rows, raw=True)
    assert list(csv.reader(io.StringIO(safe.getvalue())))[1] == ["j1", "'=HYPERLINK(\"http://x\")", "-1", ""]
    assert list(csv.reader(io.StringIO(raw.getvalue())))[1] == ["j1", '=HYPERLINK("http://x")', "-1", ""]


def test_write_xlsx_keeps_formula_text_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    write_xlsx(tmp_path / "out.xlsx", ["title"], [["=1+1"]])
    ws = load_workbook(tmp_path / "out.xlsx").active
    assert ws.cell(2, 1).value == "'=1+1" and ws.cell(2, 1).data_type == "s"
