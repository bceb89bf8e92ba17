"""A user's mistake (a mistyped column, a missing file, a malformed value) ends the command with one
``jobpool: <message>`` line on stderr and a non-zero exit, never a Python traceback; ``--debug`` shows
the traceback. A real bug still shows its traceback without ``--debug``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli") / "home"
    (home / "warehouse").mkdir(parents=True)
    con = duckdb.connect(str(home / "warehouse" / "jobpool.duckdb"))
    con.execute("create schema published")
    con.execute("create table published.open_jobs as select 'j1' as job_id, '收银员' as title, 4000 as salary_min")
    con.close()
    return home


def _jobpool(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jobpool.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "JOBPOOL_HOME": str(home)})


def _assert_user_error(out: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert out.returncode == 2, out
    assert "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("jobpool: "), out.stderr
    for text in expected:
        assert text in out.stderr, out.stderr


def test_sql_with_a_mistyped_column_prints_duckdbs_message(warehouse_home: Path) -> None:
    out = _jobpool(warehouse_home, "sql", "select titel from published.open_jobs")
    _assert_user_error(out, 'Referenced column "titel" not found', "Candidate bindings", '"title"')
    assert len(out.stderr.strip().splitlines()) < 8  # DuckDB's message, not a 30-line traceback


def test_debug_shows_the_traceback(warehouse_home: Path) -> None:
    out = _jobpool(warehouse_home, "--debug", "sql", "select titel from published.open_jobs")
    assert out.returncode != 0
    assert "Traceback" in out.stderr and "BinderException" in out.stderr


def test_sql_syntax_error_and_unknown_table(warehouse_home: Path) -> None:
    _assert_user_error(_jobpool(warehouse_home, "sql", "selec 1"), "Parser Error", "syntax error")
    _assert_user_error(_jobpool(warehouse_home, "sql", "select * from published.open_job"), "Catalog Error",
                       "open_job")


def test_sql_still_answers(warehouse_home: Path) -> None:
    out = _jobpool(warehouse_home, "sql", "select title, salary_min from published.open_jobs", "--format", "csv")
    assert out.returncode == 0, out
    assert out.stdout.splitlines() == ["title,salary_min", "收银员,4000"]


def test_sql_csv_neutralises_formula_cells(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "warehouse").mkdir(parents=True)
    con = duckdb.connect(str(home / "warehouse" / "jobpool.duckdb"))
    con.execute("create schema published")
    con.execute("""create table published.open_jobs as select 'j1' as job_id, '=HYPERLINK("http://x")' as title""")
    con.close()
    query = "select title from published.open_jobs"
    out = _jobpool(home, "sql", query, "--format", "csv")
    assert out.returncode == 0, out
    assert out.stdout.splitlines() == ["title", "\"'=HYPERLINK(\"\"http://x\"\")\""]
    raw = _jobpool(home, "sql", query, "--format", "csv", "--raw-cells")
    assert raw.stdout.splitlines() == ["title", "\"=HYPERLINK(\"\"http://x\"\")\""]


def test_missing_warehouse_and_missing_file(tmp_path: Path) -> None:
    _assert_user_error(_jobpool(tmp_path / "empty", "sql", "select 1"), "no warehouse at")
    missing = tmp_path / "nope.csv"
    _assert_user_error(_jobpool(tmp_path / "empty", "ingest", str(missing), "--source", "gig_station"), "nope.csv")


def test_malformed_point_is_a_usage_error(tmp_path: Path) -> None:
    out = _jobpool(tmp_path, "stations", "--near", "35.41;116.59")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "--near" in out.stderr and "LAT,LON" in out.stderr


def test_a_real_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import transforms.normalise.salary
    from jobpool.cli import main

    def broken(text: str) -> None:
        raise KeyError("a bug, not the user's mistake")

    monkeypatch.setattr(transforms.normalise.salary, "parse_salary", broken)
    with pytest.raises(KeyError):
        main(["parse", "salary", "3000元"])
