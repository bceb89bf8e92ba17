"""The partner inbox: ``inbox/<source>/<file>``. A file is picked up only once it has stopped
changing (a partner still uploading is left alone), landed once, then archived."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from jobpool.config import Paths, paths
from jobpool.feeds.ingest import IngestResult, ingest_file
from jobpool.feeds.ready import PARTIAL_SUFFIXES, is_candidate

__all__ = ["PARTIAL_SUFFIXES", "archive", "ready_files", "scan_inbox"]


def ready_files(root: Paths, settle_seconds: float = 2.0) -> list[tuple[str, Path]]:
    """Files complete enough to ingest: not hidden, not named as partial, unchanged for a while."""
    found: list[tuple[str, Path]] = []
    if not root.inbox.exists():
        return found
    now = time.time()
    for source_dir in sorted(p for p in root.inbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(source_dir.iterdir()):
            if not is_candidate(path):
                continue
            if now - path.stat().st_mtime < settle_seconds:
                continue
            found.append((source_dir.name, path))
    return found


def archive(path: Path, source: str, root: Paths) -> Path:
    dest = root.home / "archive" / source / path.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        dest = dest.with_name(f"{time.strftime('%Y%m%dT%H%M%S')}-{path.name}")
    shutil.move(str(path), dest)
    return dest


def scan_inbox(root: Paths | None = None, settle_seconds: float = 2.0) -> list[IngestResult]:
    root = root or paths()
    results = []
    for source, path in ready_files(root, settle_seconds):
        result = ingest_file(path, source, move=True, root=root)
        if result.status in ("landed", "duplicate") and path.exists():
            archive(path, source, root)
        results.append(result)
    return results
