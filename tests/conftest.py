"""Shared fixtures (every test gets its own JOBPOOL_HOME; real data comes from ../shared) and the
markers by folder: everything under tests/integration/ is ``integration``, under tests/e2e/ ``e2e``."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing.paths import Paths, shared_data_dir

TESTS = Path(__file__).resolve().parent
FOLDER_MARKERS = {"integration": pytest.mark.integration, "e2e": pytest.mark.e2e}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = item.path.resolve().relative_to(TESTS).parts[0]
        except ValueError:
            continue
        if folder in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[folder])


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
