"""Commands that do no heavy work stay light: ``jobpool status``, ``jobpool sql`` and ``jobpool ingest``
of a small partner file never import Great Expectations, pandas, Scrapy or Airflow (each costs
seconds on 2 cores; issue #18 asks these commands to answer in about a second)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from landing.paths import Paths

HEAVY = ("great_expectations", "pandas", "scrapy", "airflow")
PROBE = """
import sys
from jobpool.cli import main
code = main(sys.argv[1:])
print("HEAVY", sorted(m for m in {heavy!r} if m in sys.modules))
sys.exit(code)
"""


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "JOBPOOL_HOME": str(home)})


def test_status_sql_and_a_small_ingest_import_nothing_heavy(home: Paths, tmp_path: Path) -> None:
    from demo.bench import land_generated
    from jobpool.pipeline import run_all

    land_generated(home, 200)
    run_all(home)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["编号", "岗位名称", "用工单位", "工作地点", "薪资待遇", "用工类型", "岗位标签", "岗位描述",
                     "联系电话", "发布日期", "截止日期"])
    for i in range(60):
        writer.writerow([f"T{i}", "理货员", "鸿远超市", "济宁市任城区", "4000-6000元/月", "全职", "", "超市理货",
                         "", "2026-11-20", "2026-12-20"])
    feed = tmp_path / "small.csv"
    feed.write_bytes(buf.getvalue().encode("gbk"))
    for args in (["status"], ["sql", "select count(*) from published.open_jobs"],
                 ["ingest", str(feed), "--source", "gig_station"]):
        out = _run(home.home, *args)
        assert out.returncode == 0, (args, out.stderr[-2000:])
        assert "HEAVY []" in out.stdout, (args, out.stdout[-2000:])
