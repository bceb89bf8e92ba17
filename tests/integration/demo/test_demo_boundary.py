"""Demo data is opt-in and lives only in the demo: production code never imports ``demo``, and a
production publish puts no demo station into ``core.station`` (the circle still publishes with none).

No exception: the commands that run on generated data are the demo's own (``jobpool-demo``, in
``demo/cli.py``), so the ``jobpool`` command does not import it either. Any import of it in the
production packages — including a lazy one inside a function, which the import contract
(tests/unit/test_architecture.py) cannot see the same way — fails
:func:`test_production_code_never_imports_the_demo`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb

from landing.contract import BatchWriter
from landing.paths import Paths
from tests.support.paths import REPO

PRODUCTION = ("landing", "crawlers", "feeds", "transforms", "warehouse", "circle", "jobpool", "dags")


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return []


def _demo_imports(path: Path) -> list[tuple[int, str | None, str]]:
    """(line, enclosing top-level function or None, module) for every import of demo in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if function is None and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = child.name
            for module in _imported_modules(child):
                if module == "demo" or module.startswith("demo."):
                    found.append((child.lineno, inner, module))
                    break
            visit(child, inner)

    visit(tree, None)
    return found


def test_production_code_never_imports_the_demo() -> None:
    offenders = []
    files = [p for package in PRODUCTION for p in (REPO / package).rglob("*.py")]
    assert len(files) > 40  # the walk really saw the packages
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        for line, function, module in _demo_imports(path):
            offenders.append(f"{rel}:{line} ({function or 'module level'}) imports {module}")
    assert not offenders, "production code imports the demo:\n" + "\n".join(offenders)


def test_the_walk_sees_lazy_imports(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("import os\n\ndef f():\n    if os:\n        from demo.stations import demo_stations\n"
                   "\nclass C:\n    def g(self):\n        import demo.generate\n", encoding="utf-8")
    assert _demo_imports(src) == [(5, "f", "demo.stations"), (9, "g", "demo.generate")]


def _published_stations(home: Paths) -> tuple[list[tuple], int, int]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        stations = con.execute("select station_id, name, source, is_demo from core.station").fetchall()
        towns = con.execute("select count(*) from published.town_coverage").fetchone()[0]
        report = con.execute("select count(*) from published.station_report").fetchone()[0]
    finally:
        con.close()
    return stations, towns, report


def test_a_production_publish_has_no_demo_stations(home: Paths) -> None:
    from jobpool.pipeline import run_all

    with BatchWriter("board_a", root=home) as writer:
        writer.add({"source_record_id": "a1", "title": "超市理货员", "hiring_organization": "济宁鸿远商业连锁有限公司",
                    "job_location": "济宁市任城区古槐街道建设路88号", "base_salary": "4-6千/月",
                    "date_posted": "2026-11-20"})
    run_all(home)
    stations, towns, report = _published_stations(home)
    assert not [s for s in stations if "演示" in (s[1] or "") or s[3]]
    assert stations == []  # no stations supplied, none published
    assert towns > 100 and report == 0  # the circle still publishes: every town, no station to report


def test_the_demo_opts_in_to_its_stations(home: Paths) -> None:
    from demo.stations import demo_stations, land_demo_stations
    from jobpool.pipeline import publish

    landed = land_demo_stations(home)
    assert landed["status"] == "landed" and landed["records"] == len(demo_stations())
    assert land_demo_stations(home)["status"] == "duplicate"
    publish(home)
    stations, _, report = _published_stations(home)
    assert len(stations) == report == len(demo_stations())
    assert all(s[3] and "（演示）" in s[1] for s in stations)
