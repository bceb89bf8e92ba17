"""The in-process demo tells the whole story: it lands job seekers (with the special groups), so the job
radar is published, and ends with a tour for a person (pool, one seeker's matches, 撤改增, the map)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from demo.run import run_demo
from demo.tour import HEADINGS


def test_demo_publishes_matches_and_prints_the_tour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("JOBPOOL_HOME", str(home))
    assert run_demo(seed=3, scale=0.4, use_airflow=False)
    out = capsys.readouterr().out
    con = duckdb.connect(str(home / "warehouse" / "jobpool.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from published.job_matches").fetchone()[0] > 0
        groups = {g for (g,) in con.execute("select distinct profile_group from published.job_matches").fetchall()}
    finally:
        con.close()
    assert groups & {"mother", "senior", "disabled"}, groups  # 宝妈, 银龄, 残疾 in the profiles file
    tour = out[out.index("== 1. "):]
    for i, heading in enumerate(HEADINGS, start=1):
        assert f"== {i}. {heading}" in tour
    assert "reasons" in tour and "suggestion" in tour
    assert (home / "map" / "map.html").is_file() and str(home / "map" / "map.html") in tour
