"""Deduplication on data the matcher was not tuned on: the Jining world written by someone who had not
read the matcher (bench/dedup_world, run through the real `jobpool ingest` and `jobpool process`).
Its author keeps the generator; this test only reads the scores. Development seed 4 at scale 0.5:
the figures guard against a regression, well below what the matcher reaches (docs/dedup.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO


def test_independent_world_scores(tmp_path: Path) -> None:
    out = tmp_path / "scores.json"
    subprocess.run([sys.executable, str(REPO / "bench" / "dedup_world" / "evaluate.py"), "--seeds", "4",
                    "--scale", "0.5", "--no-baseline", "--json", str(out)], check=True, cwd=REPO, timeout=600,
                   capture_output=True)
    seed = json.loads(out.read_text())["results"]["seed 4"]
    assert seed["missing"] == 0 and seed["quarantined"] == 0  # every posting accounted for
    assert seed["precision"] >= 0.97 and seed["recall"] >= 0.87, seed
    assert seed["recall_by_class"]["exact"] >= 0.98
    assert seed["recall_by_class"]["re-post"] >= 0.85, seed["recall_by_class"]
