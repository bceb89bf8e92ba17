"""Shared fixtures: every test gets its own JOBPOOL_HOME; real data comes from ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing.paths import Paths, shared_data_dir


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.setenv("JOBPOOL_HOME", str(tmp_path / "home"))
    return Paths(tmp_path / "home")


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The read-only real postings beside the checkout. Missing data fails the test, never skips."""
    path = shared_data_dir()
    assert path.is_dir(), f"real data not found at {path}: clone the project beside shared/"
    return path
