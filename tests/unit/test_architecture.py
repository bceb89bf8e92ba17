"""The architecture is checked by a tool, and the check could fail: the import contract in
pyproject.toml (``lint-imports``) passes on the tree and fails on a copy where production imports
the demo, or a lower layer imports a higher one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_CONTRACT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
PACKAGES = tuple(_CONTRACT["root_packages"])  # the packages the contract names: a new one is copied too
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The production packages (Python files only) and the contract, outside the checkout."""
    for pkg in PACKAGES:
        shutil.copytree(REPO / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("*.csv", "*.json", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_its_contract() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_contract_fails_when_production_imports_the_demo(copy: Path) -> None:
    target = copy / "warehouse" / "snapshot.py"
    bad = "\n\ndef _bad() -> None:\n    import demo.generate  # noqa\n"
    target.write_text(target.read_text(encoding="utf-8") + bad, encoding="utf-8")
    result = _lint(copy)
    assert result.returncode != 0
    assert "warehouse.snapshot -> demo.generate" in result.stdout


def test_contract_fails_when_a_stage_reaches_back_upstream(copy: Path) -> None:
    target = copy / "landing" / "contract.py"
    target.write_text(target.read_text(encoding="utf-8") + "\nfrom warehouse import db  # noqa\n", encoding="utf-8")
    result = _lint(copy)
    assert result.returncode != 0
    assert "landing.contract -> warehouse.db" in result.stdout


def test_contract_fails_when_the_warehouse_imports_a_source(copy: Path) -> None:
    target = copy / "warehouse" / "db.py"
    target.write_text(target.read_text(encoding="utf-8") + "\nfrom feeds import base  # noqa\n", encoding="utf-8")
    result = _lint(copy)
    assert result.returncode != 0
    assert "warehouse.db -> feeds.base" in result.stdout
