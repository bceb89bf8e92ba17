"""docs/analyst.md stays true: every example query runs, and every published column is documented."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from demo.run import run_demo
from landing.paths import Paths
from tests.support.paths import DOCS
from transforms.normalise.salary import register_duckdb

GUIDE = DOCS / "analyst.md"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("analyst") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOBPOOL_HOME", str(home))
        assert run_demo(seed=3, scale=0.4, use_airflow=False)
    return Paths(home).warehouse


def _queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def test_guide_has_ten_queries() -> None:
    assert len(_queries()) >= 10


@pytest.mark.parametrize("index", range(len(_queries())))
def test_example_query_runs(warehouse: Path, index: int) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        register_duckdb(con)
        rows = con.execute(_queries()[index]).fetchall()
    finally:
        con.close()
    assert isinstance(rows, list)


def test_every_published_column_is_documented(warehouse: Path) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'published'"
        ).fetchall()
    finally:
        con.close()
    sections = dict(re.findall(r"### published\.(\w+) .*?\n(.*?)(?=\n### |\n## |\Z)", text, flags=re.S))
    missing = [f"{t}.{c}" for t, c in columns if f"`{c}`" not in sections.get(t, "")]
    assert not missing, f"undocumented published columns: {missing}"
