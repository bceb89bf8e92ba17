"""``jobpool ingest`` of hostile JSON, as a subprocess: quarantined, one message, no traceback (the depth
limit itself: tests/unit/landing/test_safejson.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.paths import mapping_file

MAPPING = mapping_file("greenhouse_json.toml")
DEEP = 100_000


def test_cli_ingest_of_a_deep_file_quarantines_it_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    home = tmp_path / "home"
    out = subprocess.run([sys.executable, "-m", "jobpool.cli", "ingest", str(path), "--source", "x", "--format",
                          "json", "--mapping", str(MAPPING)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "JOBPOOL_HOME": str(home)})
    assert out.returncode == 1, out
    assert "Traceback" not in out.stderr and "RecursionError" not in out.stderr
    assert "QUARANTINED" in out.stderr and "nested deeper than" in out.stderr
    assert list((home / "quarantine" / "x").glob("*deep.json.reason.json"))
