"""The snapshots the API serves: each request pins one, publish swaps ``current`` underneath.

Why: a published snapshot is immutable (``warehouse/snapshot.py``), so a read-only DuckDB connection to
it never waits on the pipeline, and every query a request makes reads one version — a response never
mixes two. ``current`` is a symlink; reading it is a ``readlink`` (microseconds), so every request checks
it. A new version is loaded in the background (its open jobs into memory, ``index.py``: 2–8 s at
730,000 jobs) while requests go on reading the previous one; from then on new requests read the new one.
Requests already running keep the version they pinned. The newest :data:`KEEP` versions stay servable
for clients paging with ``snapshot=<version>``; older ones are closed as soon as no request uses them
(their files may then be pruned by publish).

DuckDB has no statement timeout, so a :class:`Watchdog` thread interrupts a query that runs past its
deadline (``duckdb.InterruptException`` in the request, answered 503).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from api.index import JobIndex
from circle import geo

log = logging.getLogger("jobpool.api")
VERSION_RE = re.compile(r"^\d{8}T\d{12}$")  # warehouse.snapshot: f"{now:%Y%m%dT%H%M%S%f}"
KEEP = 3  # versions a client may keep paging on
STATEMENT_TIMEOUT = float(os.environ.get("JOBPOOL_API_STATEMENT_TIMEOUT", "2.0"))
MEMORY_LIMIT = os.environ.get("JOBPOOL_API_MEMORY_LIMIT", "2GB")  # per open snapshot
THREADS = int(os.environ.get("JOBPOOL_API_THREADS", "2"))
#: a redirects table (retired job → the job it merged into), if the snapshot has one: candidate columns
REDIRECT_FROM = ("retired_job_id", "old_job_id", "from_job_id")
REDIRECT_TO = ("job_id", "merged_into", "into_job_id", "to_job_id", "new_job_id")


class SnapshotError(Exception):
    """A snapshot the request cannot be served from: ``status`` 410 (gone), 503 (nothing published)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Watchdog:
    """Interrupts queries past their deadline (one thread for all requests, not a timer each)."""

    def __init__(self, tick: float = 0.05) -> None:
        self._running: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._lock = threading.Lock()
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="api-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._tick):
            now = time.monotonic()
            with self._lock:
                late = [(key, con) for key, (deadline, con) in self._running.items() if deadline < now]
                for key, _ in late:
                    del self._running[key]
            for _, con in late:
                con.interrupt()

    @contextmanager
    def deadline(self, con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
        key = id(con)
        with self._lock:
            self._running[key] = (time.monotonic() + seconds, con)
        try:
            yield
        finally:
            with self._lock:
                self._running.pop(key, None)

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Snapshot:
    """One open published snapshot: a read-only DuckDB database and a pool of cursors on it."""

    version: str
    path: Path
    con: duckdb.DuckDBPyConnection
    info: dict[str, Any]
    tables: frozenset[str]
    redirects: tuple[str, str] | None  # (retired id column, target column) of published.job_redirects
    index: JobIndex  # the open jobs in memory, for listings
    users: int = 0
    idle: list[duckdb.DuckDBPyConnection] = field(default_factory=list)
    closed: bool = False

    @classmethod
    def open(cls, folder: Path) -> Snapshot:
        con = duckdb.connect(str(folder / "published.duckdb"), read_only=True,
                             config={"threads": THREADS, "memory_limit": MEMORY_LIMIT})
        try:
            info = json.loads((folder / "snapshot.json").read_text(encoding="utf-8"))
            stored = con.execute("select version from snapshot_info").fetchone()[0]
            if stored != folder.name or info.get("version") != folder.name:
                raise SnapshotError(503, f"snapshot {folder.name} is inconsistent (it says {stored})")
            tables = frozenset(r[0] for r in con.execute(
                "select table_name from duckdb_tables() where not temporary").fetchall())
            redirects = None
            if "job_redirects" in tables:
                cols = [r[0] for r in con.execute(
                    "select column_name from duckdb_columns() where table_name = 'job_redirects'").fetchall()]
                src = next((c for c in REDIRECT_FROM if c in cols), None)
                dst = next((c for c in REDIRECT_TO if c in cols and c != src), None)
                redirects = (src, dst) if src and dst else None
            index = JobIndex.load(con)
        except BaseException:
            con.close()
            raise
        return cls(folder.name, folder, con, info, tables, redirects, index)

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.info["published_at"])

    def take(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one request (pooled: the haversine macro is registered once per cursor)."""
        try:
            return self.idle.pop()
        except IndexError:
            cur = self.con.cursor()
            cur.execute("SET TimeZone = 'UTC'")
            geo.register_duckdb(cur)
            return cur

    def give_back(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.idle.append(cur)

    def close(self) -> None:
        self.closed = True
        for cur in self.idle:
            cur.close()
        self.idle.clear()
        self.con.close()


class Lease:
    """A request's hold on one snapshot: its queries all read that version, under a deadline."""

    def __init__(self, pool: SnapshotPool, snapshot: Snapshot) -> None:
        self.pool = pool
        self.snapshot = snapshot
        self.version = snapshot.version
        self._cur: duckdb.DuckDBPyConnection | None = None

    def query(self, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one bound query (parameters never spliced into the text): (column names, rows)."""
        if self._cur is None:
            with self.pool.lock:
                self._cur = self.snapshot.take()
        with self.pool.watchdog.deadline(self._cur, self.pool.statement_timeout):
            cur = self._cur.execute(sql, params or [])
            rows = cur.fetchall()
        return [d[0] for d in cur.description], rows

    def records(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cols, rows = self.query(sql, params)
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def release(self) -> None:
        self.pool.release(self)


class SnapshotPool:
    """The servable snapshots under ``published/``: opened on first use, closed when superseded and idle."""

    def __init__(self, published: Path, keep: int = KEEP, statement_timeout: float = STATEMENT_TIMEOUT) -> None:
        self.published = published
        self.keep = keep
        self.statement_timeout = statement_timeout
        self.lock = threading.Lock()
        self.watchdog = Watchdog()
        self._open: dict[str, Snapshot] = {}
        self._current: str | None = None
        self._keep: set[str] = set()  # the versions servable since the last swap
        self._serving: str | None = None  # the newest loaded version: what requests without snapshot= read
        self._loading: dict[str, threading.Event] = {}

    def current_version(self) -> str:
        """The version ``current`` points at now (a readlink: cheap enough for every request)."""
        try:
            target = os.readlink(self.published / "current")
        except (FileNotFoundError, NotADirectoryError, OSError):
            raise SnapshotError(503, "nothing published yet: run `jobpool process`") from None
        return Path(target).name

    def _servable(self, current: str) -> list[str]:
        """The newest ``keep`` complete versions up to ``current`` (what ``snapshot=`` may name)."""
        names = sorted(p.name for p in self.published.iterdir()
                       if VERSION_RE.match(p.name) and p.name <= current and (p / "snapshot.json").exists())
        return names[-self.keep:]

    def acquire(self, version: str | None = None) -> Lease:
        """Pin ``version``, or (None) the newest loaded snapshot: a new current one is loaded in the
        background (about 2 s for 730,000 jobs) while requests go on reading the one before it."""
        if version is not None and not VERSION_RE.match(version):
            raise SnapshotError(400, f"snapshot {version[:40]!r} is not a version (like 20261204T203000123456)")
        current = self.current_version()
        with self.lock:
            if current != self._current:  # publish swapped: what is servable now (a listing per swap only)
                self._current = current
                self._keep = {*self._servable(current), current}
                self._evict()
                if current not in self._open and current not in self._loading:
                    threading.Thread(target=self._load_quietly, args=(current,), daemon=True).start()
            if version is None:
                snap = self._open.get(current) or self._open.get(self._serving or "")
                if snap is not None:
                    snap.users += 1
                    return Lease(self, snap)
        wanted = version or current
        self._check_servable(wanted, version, current)
        snap = self._load(wanted)
        with self.lock:
            snap.users += 1
            return Lease(self, snap)

    def _check_servable(self, wanted: str, version: str | None, current: str) -> None:
        with self.lock:
            servable = wanted in self._keep or wanted in self._open
        if not servable and wanted < current:  # a folder that appeared since the swap? list again
            listed = set(self._servable(current))
            with self.lock:
                if self._current == current:
                    self._keep |= listed
                servable = wanted in self._keep
        if not servable:
            if version is not None and version > current:
                raise SnapshotError(404, f"snapshot {version} does not exist (the current one is {current})")
            raise SnapshotError(410, f"snapshot {wanted} is no longer served (the newest {self.keep} are); "
                                     f"start again without snapshot= to read the current one, {current}")

    def _load(self, version: str) -> Snapshot:
        """The open snapshot ``version``, opening it once however many requests ask at the same time."""
        with self.lock:
            snap = self._open.get(version)
            if snap is not None:
                return snap
            event = self._loading.get(version)
            owner = event is None
            if owner:
                event = self._loading[version] = threading.Event()
        assert event is not None
        if not owner:
            event.wait(timeout=120)
            with self.lock:
                snap = self._open.get(version)
            if snap is None:
                raise SnapshotError(503, f"snapshot {version} could not be opened")
            return snap
        try:
            snap = Snapshot.open(self.published / version)
        except (FileNotFoundError, duckdb.IOException):
            raise SnapshotError(410, f"snapshot {version} is no longer on disk; start again without snapshot= "
                                     "to read the current one") from None
        finally:
            with self.lock:
                self._loading.pop(version, None)
            event.set()
        with self.lock:
            self._open[version] = snap
            if self._serving is None or version > self._serving:
                self._serving = version
            self._evict()
        return snap

    def _load_quietly(self, version: str) -> None:
        try:  # a background load yields the CPU to the requests being served meanwhile (Linux: per thread)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass
        try:
            self._load(version)
        except Exception:  # the next request tries again, or keeps reading the previous snapshot
            log.exception("loading snapshot %s failed", version)

    def release(self, lease: Lease) -> None:
        with self.lock:
            snap = lease.snapshot
            if lease._cur is not None:
                if snap.closed:
                    lease._cur.close()
                else:
                    snap.give_back(lease._cur)
                lease._cur = None
            snap.users -= 1
            self._evict()

    def _evict(self) -> None:
        """Close the versions no longer servable (superseded beyond the newest ``keep``) that no request uses."""
        keep = self._keep | {self._serving}
        for name in [n for n, s in self._open.items() if n not in keep and s.users == 0]:
            self._open.pop(name).close()

    def open_versions(self) -> list[str]:
        with self.lock:
            return sorted(self._open)

    def close(self) -> None:
        self.watchdog.stop()
        with self.lock:
            for snap in self._open.values():
                snap.close()
            self._open.clear()
