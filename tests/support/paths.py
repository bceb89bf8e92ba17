"""Where things are, for tests at any depth: one place, so moving a test file never breaks a path."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
MAPPINGS = TESTS / "mappings"  # feed mappings for real samples without a built-in preset
PRESETS = REPO / "feeds" / "presets"  # the built-in mappings for standard formats (boss-csv.toml, ...)
DATA = TESTS / "data"  # labelled test data (salary_labelled.csv)
DAGS = REPO / "dags"
DOCS = REPO / "docs"
BENCH = REPO / "bench"


def mapping_file(name: str) -> Path:
    """A mapping by file name: a built-in preset (feeds/presets/) or a test mapping (tests/mappings/)."""
    return PRESETS / name if (PRESETS / name).is_file() else MAPPINGS / name
