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


BREACHES = {
    # a production module imports the demo (lazily, inside a function: the contract still sees it)
    "production imports the demo": ("warehouse/snapshot.py", "\n\ndef _bad() -> None:\n    import demo.generate\n",
                                    "warehouse.snapshot -> demo.generate"),
    "a stage reaches back upstream": ("landing/contract.py", "\nfrom warehouse import db\n",
                                      "landing.contract -> warehouse.db"),
    "the warehouse imports a source": ("warehouse/db.py", "\nfrom feeds import base\n", "warehouse.db -> feeds.base"),
}


@pytest.mark.parametrize("breach", BREACHES)
def test_contract_fails_on_a_breach(copy: Path, breach: str) -> None:
    path, added, reported = BREACHES[breach]
    target = copy / path
    target.write_text(target.read_text(encoding="utf-8") + added, encoding="utf-8")
    result = _lint(copy)
    assert result.returncode != 0
    assert reported in result.stdout
