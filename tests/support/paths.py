"""Where things are, for tests at any depth: one place, so moving a test file never breaks a path."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
MAPPINGS = TESTS / "mappings"  # one feed mapping per real sample
DATA = TESTS / "data"  # labelled test data (salary_labelled.csv)
DAGS = REPO / "dags"
DOCS = REPO / "docs"
BENCH = REPO / "bench"
