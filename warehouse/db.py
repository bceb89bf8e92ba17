"""Opening the warehouse and running its SQL files.

DuckDB allows one writing process per file. Writers take an advisory file lock first, so a second
writer (another process run, a CLI call during an Airflow run) waits its turn instead of failing on
DuckDB's own lock; readers open read-only.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).with_name("sql")
LAYERS = ("audit", "staging", "core", "published")
_PARAM = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class WarehouseBusy(RuntimeError):
    pass


class Raw(str):
    """A trusted SQL fragment for a ``{{ placeholder }}`` (built by our code, never from data)."""


def sql_text(name: str | Path, **params: Any) -> str:
    """A SQL file: ``name`` is its path under warehouse/sql, or an absolute :class:`~pathlib.Path` (a
    feature's own models, e.g. circle/sql); ``{{ name }}`` placeholders are filled with SQL literals
    (strings quoted, lists as lists), never spliced raw; :class:`Raw` values go in as they are."""
    text = (SQL_DIR / name).read_text(encoding="utf-8")  # an absolute path replaces SQL_DIR

    def literal(value: Any) -> str:
        if isinstance(value, Raw):
            return str(value)
        if isinstance(value, list | tuple):
            return "[" + ", ".join(literal(v) for v in value) + "]"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(value)
        if value is None:
            return "NULL"
        return "'" + str(value).replace("'", "''") + "'"

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in params:
            raise KeyError(f"{name}: no value for {{{{ {key} }}}}")
        return literal(params[key])

    return _PARAM.sub(sub, text)


def run_sql(con: duckdb.DuckDBPyConnection, name: str | Path, **params: Any) -> None:
    con.execute(sql_text(name, **params))


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, type) of each column of a table or ``(query)``: to tell whether two have the same shape."""
    return [(r[0], r[1]) for r in con.execute(f"describe select * from {relation}").fetchall()]


def drop_staging(con: duckdb.DuckDBPyConnection, name: str | None = None) -> None:
    """Drop staging relation ``name`` (or all of them), whether a table or a view; views go first,
    since they read the tables."""
    where = "" if name is None else f" and table_name = '{name}'"
    for table, kind in con.execute(
        "select table_name, table_type from information_schema.tables where table_schema = 'staging'"
        f"{where} order by table_type = 'VIEW' desc"
    ).fetchall():
        con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} if exists staging.{table}")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every layer's tables (idempotent): each layer's ``_ddl.sql``."""
    for layer in LAYERS:
        ddl = SQL_DIR / layer / "_ddl.sql"
        if ddl.exists():
            con.execute(ddl.read_text(encoding="utf-8"))


@contextmanager
def write_lock(db_path: Path, timeout: float = 600.0) -> Iterator[None]:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_suffix(db_path.suffix + ".lock")
    with open(lock_path, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(f"{db_path} is being written by another process") from exc
                time.sleep(0.2)
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def connect_writer(db_path: Path, timeout: float = 600.0,
                   defer_checkpoint: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, for writing (under the write lock).

    ``defer_checkpoint``: commits stay in the write-ahead log (durable) instead of checkpointing into
    the file, and closing does not checkpoint either. A checkpoint rewrites every row group a change
    touched (seconds for a small batch spread over a million-row pool), so load leaves it to publish,
    which checkpoints once, after the new snapshot is current."""
    with write_lock(db_path, timeout):
        con = duckdb.connect(str(db_path))
        try:
            if defer_checkpoint:
                con.execute("SET checkpoint_threshold = '1GB'; SET auto_checkpoint_skip_wal_threshold = 1000000000; "
                            "PRAGMA disable_checkpoint_on_shutdown")
            con.execute("SET TimeZone = 'UTC'")
            ensure_schema(con)
            yield con
        finally:
            con.close()


def connect_reader(db_path: Path) -> duckdb.DuckDBPyConnection:
    if not db_path.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}: run `jobpool process` (or `jobpool-demo`)")
    con = duckdb.connect(str(db_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con
