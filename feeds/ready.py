"""When is an inbox file ready to ingest? One rule for the inbox scan and the inbox watcher.
Standard library only: the watcher imports it inside Airflow's triggerer and DAG parsing."""

from __future__ import annotations

import time
from pathlib import Path

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart")


def is_candidate(path: Path) -> bool:
    """A file the inbox may ingest once it has settled (hidden and partial names never)."""
    return path.is_file() and not path.name.startswith(".") and not path.name.endswith(PARTIAL_SUFFIXES)


def ready_snapshot(inbox: Path, settle_seconds: float, now: float | None = None) -> dict[str, tuple[int, float]]:
    """``{"<source>/<name>": (size, mtime)}`` of every settled candidate file in ``inbox``."""
    now = time.time() if now is None else now
    found: dict[str, tuple[int, float]] = {}
    if not inbox.is_dir():
        return found
    for source_dir in inbox.iterdir():
        if not source_dir.is_dir() or source_dir.name.startswith("."):
            continue
        for path in source_dir.iterdir():
            try:
                if not is_candidate(path):
                    continue
                stat = path.stat()
            except OSError:
                continue  # moved away (archived, quarantined) while we looked
            if now - stat.st_mtime >= settle_seconds:
                found[f"{source_dir.name}/{path.name}"] = (stat.st_size, stat.st_mtime)
    return found
