"""Per-source crawl state for incremental re-crawls: ``$JOBPOOL_HOME/crawl_state/<source>.sqlite``.

Why SQLite rather than a JSON file: lookups happen once per request and per item, the state grows
with the board, and one transaction per crawl makes the state move together with the batch (it is
committed only after the batch has landed; a crawl that dies leaves the previous state intact, so the
next crawl lands the same records again instead of losing them).

Tables:

* ``page``   url → etag / last_modified of the last 200 answer (for conditional requests)
* ``record`` source_record_id → url, landed content hash, first/last seen, ``missing_since``
* ``run``    one row per finished crawl: counts, finish reason and the ``not_seen`` ids
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from landing.paths import Paths, paths

_SCHEMA = """
create table if not exists page (
    url text primary key, etag text, last_modified text, fetched_at text not null);
create table if not exists record (
    source_record_id text primary key, url text, content_hash text not null,
    first_seen text not null, last_seen text not null, last_run text not null, missing_since text);
create index if not exists record_url on record (url);
create table if not exists run (
    run_id text primary key, started_at text not null, finished_at text, finish_reason text,
    batch_id text, landed integer, unchanged integer, not_seen text);
create temp table failed (url text primary key);
"""


def state_path(source: str, root: Paths | None = None) -> Path:
    return (root or paths()).home / "crawl_state" / f"{source}.sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat()


class CrawlState:
    """One crawl's view of the source's state; every change is one transaction, see :meth:`finish`."""

    def __init__(self, source: str, run_id: str, root: Paths | None = None) -> None:
        self.source = source
        self.run_id = run_id
        self.path = state_path(source, root)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level="DEFERRED")
        self.db.executescript(_SCHEMA)
        self.started_at = _now()
        self.unchanged = 0

    # -- pages (conditional requests) ----------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """The page's ETag / Last-Modified, only when the page landed records before: listing
        pages and sitemaps are always fetched in full, since they lead to the postings."""
        row = self.db.execute(
            "select p.etag, p.last_modified from page p where p.url = ? "
            "and exists (select 1 from record r where r.url = p.url)", (url,)).fetchone()
        return (row[0], row[1]) if row and (row[0] or row[1]) else None

    def remember_page(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.db.execute(
            "insert into page values (?, ?, ?, ?) on conflict (url) do update set etag = excluded.etag, "
            "last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
            (url, etag, last_modified, _now()))

    def page_unchanged(self, url: str) -> int:
        """A 304: every record last seen on this page is seen again, unchanged."""
        cur = self.db.execute(
            "update record set last_seen = ?, last_run = ?, missing_since = null where url = ?",
            (_now(), self.run_id, url))
        self.unchanged += cur.rowcount
        return cur.rowcount

    def page_failed(self, url: str) -> None:
        """The page could not be read in this crawl: its records are unknown, not "not seen"."""
        self.db.execute("insert or ignore into failed values (?)", (url,))

    # -- records -------------------------------------------------------------------------------
    def seen(self, source_record_id: str, url: str | None, content_hash: str) -> bool:
        """Record that the crawl saw this record; True when it is new or changed (it must land)."""
        now = _now()
        row = self.db.execute("select content_hash from record where source_record_id = ?",
                              (source_record_id,)).fetchone()
        if row is None:
            self.db.execute("insert into record values (?, ?, ?, ?, ?, ?, null)",
                            (source_record_id, url, content_hash, now, now, self.run_id))
            return True
        self.db.execute(
            "update record set url = ?, content_hash = ?, last_seen = ?, last_run = ?, missing_since = null "
            "where source_record_id = ?", (url, content_hash, now, self.run_id, source_record_id))
        if row[0] == content_hash:
            self.unchanged += 1
            return False
        return True

    # -- end of crawl --------------------------------------------------------------------------
    def not_seen(self) -> list[str]:
        """Known records this crawl did not see, leaving out those whose page failed."""
        return [r[0] for r in self.db.execute(
            "select source_record_id from record where last_run <> ? "
            "and (url is null or url not in (select url from failed)) order by source_record_id",
            (self.run_id,))]

    def finish(self, finish_reason: str, batch_id: str | None, landed: int, forget_days: float = 30.0
               ) -> list[str] | None:
        """Close the run and commit. Returns ``not_seen`` when the crawl was complete (finished
        normally), else None: a crawl cut short by its deadline says nothing about what is gone."""
        now = _now()
        missing: list[str] | None = None
        if finish_reason == "finished":
            missing = self.not_seen()
            self.db.executemany("update record set missing_since = coalesce(missing_since, ?) "
                                "where source_record_id = ?", [(now, m) for m in missing])
            cutoff = (datetime.now(UTC) - timedelta(days=forget_days)).isoformat()
            self.db.execute("delete from record where missing_since < ?", (cutoff,))
        self.db.execute("insert or replace into run values (?, ?, ?, ?, ?, ?, ?, ?)",
                        (self.run_id, self.started_at, now, finish_reason, batch_id, landed, self.unchanged,
                         json.dumps(missing, ensure_ascii=False) if missing is not None else None))
        self.db.commit()
        return missing

    def abandon(self) -> None:
        """The batch did not land: forget everything this crawl recorded."""
        self.db.rollback()

    def close(self) -> None:
        self.db.close()


def read_state(source: str, root: Paths | None = None) -> dict[str, Any]:
    """The source's records and runs, for status reports, expiry and tests."""
    path = state_path(source, root)
    if not path.exists():
        return {"records": [], "runs": []}
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        records = [dict(r) for r in db.execute("select * from record order by source_record_id")]
        runs = [dict(r) for r in db.execute("select * from run order by started_at")]
    finally:
        db.close()
    for run in runs:
        run["not_seen"] = json.loads(run["not_seen"]) if run["not_seen"] else run["not_seen"]
    return {"records": records, "runs": runs}
