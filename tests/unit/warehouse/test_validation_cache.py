"""Great Expectations is set up once per process: the context and each suite's checkpoint are reused
by later runs (rebuilt only when a suite's expectations change), scipy.stats and altair wait for a
use, and Data Docs are rendered on request from the results kept since the last render."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.support.paths import REPO
from warehouse import validation
from warehouse.validation import Check, render_data_docs, run_suite


def _checks(max_len: int) -> list[Check]:
    gx = validation._import_gx()
    return [Check("title_length", "title too long", ("title_length",),
                  lambda: gx.expectations.ExpectColumnValuesToBeBetween(column="title_length", max_value=max_len))]


def test_suite_built_once_and_rebuilt_when_its_expectations_change(tmp_path: Path) -> None:
    df = pd.DataFrame({"row_id": [0, 1, 2], "title_length": [5, 50, 500]})
    failures, summary = run_suite("cache_test", df, _checks(100))
    first = validation._GX["suites"]["cache_test"][1]
    assert [f["row_id"] for f in failures] == [2] and not summary["success"]

    failures, _ = run_suite("cache_test", df, _checks(100))
    assert validation._GX["suites"]["cache_test"][1] is first  # same context, same checkpoint
    assert [f["row_id"] for f in failures] == [2]

    failures, _ = run_suite("cache_test", df, _checks(10))  # another bound: a new suite, same name
    assert validation._GX["suites"]["cache_test"][1] is not first
    assert [f["row_id"] for f in failures] == [1, 2]

    index = render_data_docs(tmp_path / "docs")
    assert index == tmp_path / "docs" / "index.html" and index.exists()
    assert len(list((tmp_path / "docs" / "validations" / "cache_test").rglob("*.html"))) == 3
    assert render_data_docs(tmp_path / "docs") is None  # nothing new since


def test_gx_imports_scipy_stats_and_altair_only_on_use() -> None:
    """In a fresh interpreter (another test may have imported them already): validating does not load
    them; a use of one does."""
    code = """
import sys
import pandas as pd
from tests.support.paths import REPO
from warehouse import validation
from warehouse.validation import Check, run_suite
gx = validation._import_gx()
check = Check("n", "n", ("n",), lambda: gx.expectations.ExpectColumnValuesToNotBeNull(column="n"))
run_suite("deferred", pd.DataFrame({"row_id": [0], "n": [1]}), [check])
loaded = [m for m in ("scipy.stats._stats_py", "altair.vegalite") if m in sys.modules]
assert not loaded, loaded
from scipy import stats
assert stats.entropy([0.5, 0.5]) > 0 and "scipy.stats._stats_py" in sys.modules
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=REPO)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
