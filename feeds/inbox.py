"""The partner inbox: ``inbox/<source>/<file>``. A file is picked up only once it has stopped
changing (a partner still uploading is left alone), claimed by exactly one ingest, landed once, then
archived.

Why claims: several ingests can look at the inbox at the same moment (the watcher's run and a manual
trigger, a retry whose first attempt is still alive, ``jobpool ingest`` beside Airflow). Each takes a
file by renaming it into a fresh folder of its own, ``inbox/.processing/<source>/<claim>/``. A rename
is atomic, so exactly one ingest wins a file and the others no longer see it. The winner holds an
exclusive ``flock`` on the claimed file while it lands it, then archives (or quarantines) it. If the
winner dies, the kernel drops its lock and the next scan takes the file over; a claim whose lock is
held is left alone. Landing itself is exactly-once by checksum besides.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from feeds.ingest import IngestResult, ingest_file
from feeds.ready import PARTIAL_SUFFIXES, is_candidate
from landing.paths import Paths, paths

__all__ = ["PARTIAL_SUFFIXES", "PROCESSING", "Claim", "archive", "claim", "land_claim", "ready_files",
           "scan_inbox"]

#: Claimed files, one folder per claim; hidden, so neither the scan nor the watcher sees them as new.
PROCESSING = ".processing"


@dataclass
class Claim:
    """An inbox file this process holds: moved into the processing area and locked until released."""

    source: str
    path: Path
    fd: int

    def release(self) -> None:
        """Drop the lock (closing the fd does) and the claim folder once the file has left it."""
        if self.fd < 0:
            return
        os.close(self.fd)
        self.fd = -1
        try:
            self.path.parent.rmdir()
        except OSError:
            pass  # the file is still there (its ingest failed): the next scan takes it over


def _lock(path: Path, source: str) -> Claim | None:
    """Lock a file in the processing area, or None if another ingest holds it or it has just left."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # archived between our open and our lock? then we hold a lock on a file that is done with
        if not os.path.samestat(os.stat(path), os.fstat(fd)):
            raise FileNotFoundError(path)
    except (BlockingIOError, FileNotFoundError):
        os.close(fd)
        return None
    return Claim(source, path, fd)


def claim(path: Path, source: str, root: Paths) -> Claim | None:
    """Take ``path`` (a file in ``inbox/<source>/``) for this process; None when another ingest took it."""
    area = root.inbox / PROCESSING / source / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    area.mkdir(parents=True)
    try:
        os.rename(path, area / path.name)
    except OSError as exc:
        area.rmdir()
        if isinstance(exc, FileNotFoundError):
            return None
        raise
    # Between our rename and our lock, a scan may take the claim over as abandoned; then it lands it.
    return _lock(area / path.name, source)


def _abandoned(root: Paths) -> list[tuple[str, Path]]:
    """Files left in the processing area (their claim's ingest failed or died), oldest claim first."""
    found: list[tuple[str, Path]] = []
    area = root.inbox / PROCESSING
    if not area.is_dir():
        return found
    for source_dir in sorted(p for p in area.iterdir() if p.is_dir()):
        for claim_dir in sorted(source_dir.iterdir()):
            try:
                found.extend((source_dir.name, p) for p in sorted(claim_dir.iterdir()) if p.is_file())
            except (FileNotFoundError, NotADirectoryError):
                continue  # released while we looked
    return found


def ready_files(root: Paths, settle_seconds: float = 2.0) -> list[tuple[str, Path]]:
    """Files complete enough to ingest: not hidden, not named as partial, unchanged for a while."""
    found: list[tuple[str, Path]] = []
    if not root.inbox.exists():
        return found
    now = time.time()
    for source_dir in sorted(p for p in root.inbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(source_dir.iterdir()):
            try:
                if not is_candidate(path) or now - path.stat().st_mtime < settle_seconds:
                    continue
            except FileNotFoundError:
                continue  # claimed by another ingest while we looked
            found.append((source_dir.name, path))
    return found


def archive(path: Path, source: str, root: Paths) -> Path:
    dest = root.home / "archive" / source / path.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        dest = dest.with_name(f"{time.strftime('%Y%m%dT%H%M%S')}-{path.name}")
    shutil.move(str(path), dest)
    return dest


def land_claim(held: Claim, root: Paths, fmt: str | None = None, mapping: Path | None = None) -> IngestResult:
    """Land a claimed file and archive it (landed, or already landed before); a bad one is quarantined."""
    try:
        result = ingest_file(held.path, held.source, fmt, mapping, move=True, root=root)
        if result.status in ("landed", "duplicate") and held.path.exists():
            archive(held.path, held.source, root)
        return result
    finally:
        held.release()


def scan_inbox(root: Paths | None = None, settle_seconds: float = 2.0) -> list[IngestResult]:
    """Land every file abandoned in the processing area, then every settled inbox file this scan wins."""
    root = root or paths()
    results = []
    for source, path in _abandoned(root):
        held = _lock(path, source)
        if held is not None:
            results.append(land_claim(held, root))
    for source, path in ready_files(root, settle_seconds):
        held = claim(path, source, root)
        if held is not None:
            results.append(land_claim(held, root))
    return results
