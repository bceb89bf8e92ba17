"""DAG files load without import errors, serialise as the dag-processor would, retry, and stay thin."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support.paths import DAGS

HEAVY = {"pandas", "pyarrow", "duckdb", "great_expectations", "scrapy", "extruct", "crawlers", "transforms",
         "warehouse", "warehouse.steps", "feeds"}


def test_dagbag_loads_and_serialises(tmp_path: Path) -> None:
    code = f"""
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.serialized_objects import DagSerialization
bag = DagBag(dag_folder={str(DAGS)!r}, safe_mode=False)
assert not bag.import_errors, bag.import_errors
assert set(bag.dags) == {{"crawl", "ingest", "process"}}, set(bag.dags)
for dag_id, dag in bag.dags.items():
    assert DagSerialization.from_dict(DagSerialization.to_dict(dag)).dag_id == dag_id
for dag in bag.dags.values():  # every task touches landing or the warehouse: a busy machine's first try may fail
    for t in dag.tasks:
        assert t.retries >= 2 and t.retry_delay.total_seconds() <= 30, (dag.dag_id, t.task_id, t.retries, t.retry_delay)
process = bag.dags["process"]  # the steps run in one task (one process start, one import of each library)
assert [t.task_id for t in process.topological_sort()] == ["process"]
assert [o.name for o in process.get_task("process").outlets] == ["jobpool_published"]
print("ok")
"""
    env = {"AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]


def test_dag_files_have_no_heavy_top_level_imports() -> None:
    """The scheduler parses DAG files constantly: only airflow.sdk and jobpool.assets at top level."""
    for path in DAGS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for name in names:
                    assert not any(name == h or name.startswith(h + ".") for h in HEAVY), (path.name, name)
