"""The landing contract: the one place that owns the raw-record schema, the atomic batch write and
the manifest. Crawlers and partner feeds both land through :class:`BatchWriter`; downstream stages
find batches only through :func:`read_manifest`, never by listing Parquet files.

Layout (see docs/landing.md)::

    landing/source=<source>/date=<YYYY-MM-DD>/<batch_id>.parquet
    landing/_manifest/<batch_id>.json          one row per batch, written last
    landing/_locks/<batch_id>.lock             feed batches: held while one process writes it

A batch is visible once its manifest row exists. The Parquet file is written to a temporary name and
renamed into place first, so a crash at any point leaves either a complete batch or nothing that a
reader would pick up (an orphan temp file at most, which :func:`sweep_orphans` removes).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from landing.paths import Paths, paths

SCHEMA_VERSION = 1
#: manifest kinds of postings (a crawl or a partner feed) and of reference data that is not postings
#: (stations, job-seeker profiles: landed the same way, kept out of the job pipeline, loaded by the circle)
POSTING_KINDS = ("crawl", "feed")
REFERENCE_KINDS = ("profile", "stations")

#: schema.org JobPosting properties a source parsed, kept as text exactly as the source gave them;
#: typing them is normalisation's job, not landing's.
POSTING_FIELDS = (
    "title",
    "description",
    "hiring_organization",
    "job_location",
    "base_salary",
    "employment_type",
    "date_posted",
    "valid_through",
    "identifier",
)

RECORD_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("record_index", pa.int64(), nullable=False),
        pa.field("source_record_id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("raw_format", pa.string()),
        pa.field("raw_payload", pa.string()),
        *(pa.field(name, pa.string()) for name in POSTING_FIELDS),
        # Further parsed properties (geo, tags, district, contact, ...) as a JSON object.
        pa.field("extra", pa.string()),
        # Set when the source could not parse this record properly; it still lands (with its raw
        # payload) so that it is accounted for, and processing quarantines it with this reason.
        pa.field("ingest_error", pa.string()),
    ]
)

_SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
ROW_GROUP = 50_000


def skip_pandas_probe() -> None:
    """Let pyarrow convert Python values without importing pandas (1–3 s on 2 cores).

    pyarrow imports pandas the first time it converts a Python value (``pa.scalar``, a compute call
    with a literal, ``pa.array`` of a list), only to ask whether the value is a pandas object. A
    process that never makes one (landing a partner file: ``jobpool ingest``, the ingest task) calls
    this first: pyarrow's one probe then finds no pandas and stops asking. Anything that later
    converts to or from pandas still works: pyarrow imports it for real on that first call. A no-op
    when pandas is already imported."""
    import sys

    class _NoPandas:
        @staticmethod
        def find_spec(name: str, *_: Any) -> None:
            if name == "pandas":
                raise ModuleNotFoundError("pandas hidden from pyarrow's probe", name=name)

    if "pandas" in sys.modules:
        return
    blocker = _NoPandas()
    sys.meta_path.insert(0, blocker)  # the probe's import fails: pyarrow notes "no pandas"
    try:
        pa.scalar(0)
    finally:
        sys.meta_path.remove(blocker)


class LandingError(Exception):
    """A batch could not be landed (bad source name, schema mismatch, I/O)."""


def validate_source_name(source: str) -> str:
    if not _SOURCE_RE.match(source):
        raise LandingError(
            f"invalid source name {source!r}: use lower-case letters, digits, '_' or '-' (max 64)"
        )
    return source


def content_hash(record: Mapping[str, Any]) -> str:
    """Hash of what the posting says (not of page chrome), so an unchanged posting re-crawled or
    re-sent hashes the same."""
    keyed = {k: record.get(k) for k in (*POSTING_FIELDS, "extra", "source_record_id")}
    blob = json.dumps(keyed, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def new_batch_id(source: str, when: datetime | None = None) -> str:
    when = when or _now()
    return f"{source}-{when:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def feed_batch_id(source: str, file_checksum: str) -> str:
    """Deterministic id for a delivered file: the same bytes delivered twice are the same batch."""
    return f"{source}-{file_checksum[:20]}"


@contextmanager
def batch_lock(batch_id: str, root: Paths | None = None) -> Iterator[None]:
    """Hold the exclusive right to write ``batch_id`` (waits while another process holds it).

    A feed batch id comes from the file's checksum, so the same bytes reaching landing by two paths at
    once (the inbox scan and a manual trigger naming a copy) would otherwise write the same temp file
    and manifest row. Check :meth:`BatchWriter.already_landed` under the lock. The kernel drops a
    ``flock`` when its holder dies, so a crash never leaves a batch locked."""
    if not batch_id or Path(batch_id).name != batch_id or batch_id.startswith("."):
        raise LandingError(f"invalid batch id {batch_id!r}")
    root = root or paths()
    path = root.landing / "_locks" / f"{batch_id}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class BatchWriter:
    """Stream records into one immutable landing batch.

    Use as a context manager; records are buffered into Parquet row groups, so memory stays flat
    whatever the batch size. On a clean exit the file is renamed into place and the manifest row
    written; on an exception nothing becomes visible. A batch with no records writes nothing.
    """

    source: str
    kind: str = "feed"  # one of POSTING_KINDS or REFERENCE_KINDS
    batch_id: str | None = None
    origin: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    root: Paths | None = None

    def __post_init__(self) -> None:
        validate_source_name(self.source)
        self.root = self.root or paths()
        self.started_at = _now()
        self.batch_id = self.batch_id or new_batch_id(self.source, self.started_at)
        self.fetched_default = self.started_at
        self.count = 0
        self.error_count = 0
        self._rows: list[dict[str, Any]] = []
        self._tables: list[pa.Table] = []  # add_table() output waiting to fill a row group
        self._table_rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._tmp: Path | None = None
        self.manifest_row: dict[str, Any] | None = None

    # -- paths --------------------------------------------------------------------------------
    @property
    def final_path(self) -> Path:
        assert self.root is not None
        return (
            self.root.landing
            / f"source={self.source}"
            / f"date={self.started_at:%Y-%m-%d}"
            / f"{self.batch_id}.parquet"
        )

    @property
    def manifest_path(self) -> Path:
        assert self.root is not None
        return self.root.manifest / f"{self.batch_id}.json"

    def already_landed(self) -> bool:
        return self.manifest_path.exists()

    # -- writing ------------------------------------------------------------------------------
    def add(self, record: Mapping[str, Any]) -> None:
        if self._tables:
            self._flush_tables()  # keep arrival order when a connector mixes add_table() and add()
        row: dict[str, Any] = {name: None for name in RECORD_SCHEMA.names}
        for key, value in record.items():
            if key not in row:
                raise LandingError(f"{self.source}: unknown landing field {key!r}")
            row[key] = value
        extra = row.get("extra")
        if extra is not None and not isinstance(extra, str):
            row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str)
        for name in (*POSTING_FIELDS, "source_record_id", "url", "raw_payload", "ingest_error"):
            value = row[name]
            if value is not None and not isinstance(value, str):
                row[name] = str(value)
        row["source"] = self.source
        row["batch_id"] = self.batch_id
        row["record_index"] = self.count
        row["fetched_at"] = row["fetched_at"] or self.fetched_default
        row["content_hash"] = row["content_hash"] or content_hash(row)
        if row["ingest_error"]:
            self.error_count += 1
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= ROW_GROUP:
            self._flush()

    def extend(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self.add(record)

    def add_table(self, table: pa.Table) -> None:
        """Vectorised :meth:`add` for connectors that build records as Arrow columns (the CSV fast
        path). Columns are landing fields; source, batch_id and record_index are assigned here,
        fetched_at defaults as in :meth:`add`. ``content_hash`` must be filled by the caller and equal
        :func:`content_hash` of each record, so a record hashes the same whichever path landed it."""
        n = table.num_rows
        if n == 0:
            return
        unknown = set(table.column_names) - set(RECORD_SCHEMA.names)
        if unknown:
            raise LandingError(f"{self.source}: unknown landing field(s) {sorted(unknown)}")
        if "content_hash" not in table.column_names or table["content_hash"].null_count:
            raise LandingError(f"{self.source}: add_table needs content_hash for every record")
        self._flush_rows()  # rows buffered by add() come first, so record_index follows arrival order
        fixed = {
            "source": pa.repeat(pa.scalar(self.source, pa.string()), n),
            "batch_id": pa.repeat(pa.scalar(self.batch_id, pa.string()), n),
            "record_index": pa.array(range(self.count, self.count + n), pa.int64()),
        }
        default_time = pa.scalar(self.fetched_default, RECORD_SCHEMA.field("fetched_at").type)
        arrays = []
        for fld in RECORD_SCHEMA:
            if fld.name in fixed:
                arrays.append(fixed[fld.name])
            elif fld.name in table.column_names:
                column = table[fld.name].cast(fld.type)
                arrays.append(pc.fill_null(column, default_time) if fld.name == "fetched_at" else column)
            else:
                arrays.append(pa.repeat(default_time, n) if fld.name == "fetched_at" else pa.nulls(n, fld.type))
        if "ingest_error" in table.column_names:
            self.error_count += pc.sum(pc.fill_null(pc.not_equal(table["ingest_error"], ""), False)).as_py() or 0
        self._tables.append(pa.Table.from_arrays(arrays, schema=RECORD_SCHEMA))
        self._table_rows += n
        self.count += n
        if self._table_rows >= ROW_GROUP:  # whole row groups, so the file's footer stays small
            self._flush_tables()

    def _flush_tables(self) -> None:
        if self._tables:
            self._write(pa.concat_tables(self._tables))
            self._tables.clear()
            self._table_rows = 0

    def _write(self, table: pa.Table) -> None:
        if self._writer is None:
            self.final_path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = self.final_path.with_name(f".{self.batch_id}.parquet.tmp")
            self._writer = pq.ParquetWriter(self._tmp, RECORD_SCHEMA, compression="zstd")
        self._writer.write_table(table, row_group_size=ROW_GROUP)

    def _flush(self) -> None:
        self._flush_tables()
        self._flush_rows()

    def _flush_rows(self) -> None:
        if not self._rows:
            return
        self._write(pa.Table.from_pylist(self._rows, schema=RECORD_SCHEMA))
        self._rows.clear()

    def commit(self) -> dict[str, Any] | None:
        """Make the batch visible; returns its manifest row (None when it had no records)."""
        self._flush()
        if self._writer is None:
            return None
        self._writer.close()
        self._writer = None
        assert self._tmp is not None
        with open(self._tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        checksum = file_sha256(self._tmp)
        os.replace(self._tmp, self.final_path)
        assert self.root is not None
        self.manifest_row = {
            "source": self.source,
            "batch_id": self.batch_id,
            "kind": self.kind,
            "path": str(self.final_path.relative_to(self.root.landing)),
            "record_count": self.count,
            "error_count": self.error_count,
            "sha256": checksum,
            "schema_version": SCHEMA_VERSION,
            "started_at": self.started_at.isoformat(),
            "finished_at": _now().isoformat(),
            "origin": self.origin,
            "stats": self.stats,
        }
        _atomic_write_text(
            self.manifest_path, json.dumps(self.manifest_row, ensure_ascii=False, indent=1, default=str)
        )
        return self.manifest_row

    def abort(self) -> None:
        self._tables.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._tmp is not None and self._tmp.exists():
            self._tmp.unlink()
        self._rows.clear()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def read_manifest(root: Paths | None = None, source: str | None = None) -> list[dict[str, Any]]:
    """Every landed batch, oldest first. Batches whose data file is missing are reported, not
    silently skipped."""
    root = root or paths()
    rows: list[dict[str, Any]] = []
    if not root.manifest.exists():
        return rows
    for path in sorted(root.manifest.glob("*.json")):
        row = json.loads(path.read_text(encoding="utf-8"))
        if source and row["source"] != source:
            continue
        row["abs_path"] = str(root.landing / row["path"])
        rows.append(row)
    rows.sort(key=lambda r: (r["started_at"], r["batch_id"]))
    return rows


def iter_batch_files(rows: Iterable[Mapping[str, Any]]) -> Iterator[Path]:
    for row in rows:
        path = Path(row["abs_path"])
        if not path.exists():
            raise LandingError(f"manifest names {row['batch_id']} but {path} is missing")
        yield path


def sweep_orphans(root: Paths | None = None) -> list[Path]:
    """Remove temp files a crashed writer left behind; never touches a committed batch."""
    root = root or paths()
    removed = []
    if root.landing.exists():
        for tmp in root.landing.rglob(".*.tmp"):
            tmp.unlink()
            removed.append(tmp)
    return removed


def quarantine_file(path: Path, source: str, reason: str, root: Paths | None = None) -> Path:
    """Move a whole delivered file that cannot be landed out of the way, with its reason beside it."""
    root = root or paths()
    dest_dir = root.quarantine / source
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{_now():%Y%m%dT%H%M%S}-{path.name}"
    shutil.move(str(path), dest)
    _atomic_write_text(
        dest.with_name(dest.name + ".reason.json"),
        json.dumps(
            {"source": source, "file": path.name, "reason": reason, "at": _now().isoformat()},
            ensure_ascii=False,
            indent=1,
        ),
    )
    return dest
