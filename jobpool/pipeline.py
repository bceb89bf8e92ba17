"""The pipeline as the CLI and the DAGs run it: the warehouse steps in order, with the 15-minute circle
built inside publish (one transaction, validated with the rest of the published tables).

The warehouse does not know the circle (the circle is built on it), so the wiring lives here, in the
entry-point layer that may import both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from circle.publish import publish_circle
from landing.paths import Paths, paths
from warehouse import steps
from warehouse.db import write_lock
from warehouse.steps import (
    STEPS,
    StepResult,
    deduplicate,
    load,
    new_run_id,
    normalise,
    reconcile,
    stage,
    validate,
)

#: published features built inside publish's transaction, after the warehouse's own tables
FEATURES = (publish_circle,)


def publish(root: Paths | None = None, run_id: str | None = None, full: bool = False) -> StepResult:
    """The publish step with the circle's tables (warehouse.steps.publish with :data:`FEATURES`)."""
    return steps.publish(root, run_id, full=full, features=FEATURES)


STEP_FUNCTIONS: dict[str, Callable[..., StepResult]] = {
    "stage": stage,
    "normalise": normalise,
    "deduplicate": deduplicate,
    "validate": validate,
    "load": load,
    "publish": publish,
    "reconcile": reconcile,
}


def run_all(root: Paths | None = None, run_id: str | None = None,
            progress: Callable[[StepResult], None] | None = None, full_publish: bool = False) -> list[StepResult]:
    """Every step in order, in this process (each its own transaction), then the Data Docs of the
    run's validations: rendered once the new snapshot is current, or when a step failed."""
    root = root or paths()
    run_id = run_id or new_run_id()
    results = []
    # Steps share the staging schema and each takes the write lock only for itself; a second whole run
    # (two `jobpool process` at once) waits here instead of interleaving its steps with ours.
    try:
        with write_lock(root.warehouse.with_suffix(".run"), timeout=3600):
            for name in STEPS:
                if name == "publish":
                    result = publish(root, run_id, full=full_publish)
                else:
                    result = STEP_FUNCTIONS[name](root, run_id)
                results.append(result)
                if progress:
                    progress(result)
    finally:
        render_data_docs(root)
    return results


def render_data_docs(root: Paths | None = None) -> Path | None:
    """Great Expectations' Data Docs of the validations this process ran (nothing to do: None).
    Only a step that validated imported GX, so a run that validated nothing does not import it."""
    import sys

    if "warehouse.validation" not in sys.modules:
        return None
    from warehouse.validation import data_docs_dir
    from warehouse.validation import render_data_docs as render

    return render(data_docs_dir(root))
