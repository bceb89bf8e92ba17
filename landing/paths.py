"""Where JobPool keeps its data. One root (``JOBPOOL_HOME``, default ``./var``) so a run is easy to
inspect, move or wipe; every path below it can be reached from here and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def landing(self) -> Path:
        """Immutable Parquet batches: ``landing/source=<s>/date=<d>/<batch_id>.parquet``."""
        return self.home / "landing"

    @property
    def manifest(self) -> Path:
        """One JSON file per landed batch; a batch exists for downstream only once its row is here."""
        return self.home / "landing" / "_manifest"

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def quarantine(self) -> Path:
        """Whole files that could not be landed at all, each beside a ``.reason.json``."""
        return self.home / "quarantine"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse" / "jobpool.duckdb"

    @property
    def published(self) -> Path:
        return self.home / "published"

    @property
    def demo(self) -> Path:
        return self.home / "demo"


def as_of() -> datetime:
    """The pipeline's notion of now (UTC). ``JOBPOOL_AS_OF`` (ISO time) pins it, so expiry and
    history can be replayed and tested for a given day."""
    pinned = os.environ.get("JOBPOOL_AS_OF")
    if pinned:
        value = datetime.fromisoformat(pinned)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def paths() -> Paths:
    return Paths(Path(os.environ.get("JOBPOOL_HOME", "var")).resolve())


def shared_data_dir() -> Path:
    """The read-only real-data folder (``../shared/data/real`` beside the checkout by default)."""
    env = os.environ.get("JOBPOOL_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
