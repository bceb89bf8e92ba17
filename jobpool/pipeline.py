"""The pipeline as the CLI and the DAGs run it: the warehouse steps in order, with the 15-minute circle
built inside publish (one transaction, validated with the rest of the published tables).

The warehouse does not know the circle (the circle is built on it), so the wiring lives here, in the
entry-point layer that may import both.
"""

from __future__ import annotations

from collections.abc import Callable

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
    root = root or paths()
    run_id = run_id or new_run_id()
    results = []
    # Steps share the staging schema and each takes the write lock only for itself; a second whole run
    # (two `jobpool process` at once) waits here instead of interleaving its steps with ours.
    with write_lock(root.warehouse.with_suffix(".run"), timeout=3600):
        for name in STEPS:
            if name == "publish":
                result = publish(root, run_id, full=full_publish)
            else:
                result = STEP_FUNCTIONS[name](root, run_id)
            results.append(result)
            if progress:
                progress(result)
    return results
