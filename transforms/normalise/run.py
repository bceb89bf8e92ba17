"""Landed batches through the column-at-a-time path in chunks, in worker processes when the input is
larger than one chunk (``JOBPOOL_NORMALISE_WORKERS``, default: up to 2)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from transforms.normalise.columns import _column, normalise_batch
from transforms.normalise.record import NORMALISED_SCHEMA, PASS_THROUGH


def default_workers() -> int:
    """Worker processes for large inputs: ``JOBPOOL_NORMALISE_WORKERS`` or up to 2 (the target box)."""
    env = os.environ.get("JOBPOOL_NORMALISE_WORKERS")
    return max(1, int(env)) if env else min(2, os.cpu_count() or 1)


def _rechunk(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """Group small batches / split large ones into ~``size``-row batches (order kept)."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        offset = 0
        while offset < batch.num_rows:
            take = batch.slice(offset, size - rows)
            pending.append(take)
            rows += take.num_rows
            offset += take.num_rows
            if rows >= size:
                yield _one_batch(pending)
                pending, rows = [], 0
    if rows:
        yield _one_batch(pending)


def _one_batch(parts: list[pa.RecordBatch]) -> pa.RecordBatch:
    """The parts as one batch; a single part is passed on as it is (no copy)."""
    return parts[0] if len(parts) == 1 else pa.Table.from_batches(parts).combine_chunks().to_batches()[0]


def _pool(workers: int) -> Any:
    """Worker processes forked from a clean fork server that has imported this module (and loaded the
    place and rule tables) once: no per-worker start-up import, and no fork of the caller's threads
    (DuckDB and Airflow run threads, which plain ``fork`` would copy mid-flight)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["transforms.normalise.run"])
    return ProcessPoolExecutor(workers, mp_context=context)


SPILL_MIN_FREE = 1 << 30  # chunks in flight take ~75 MB each; containers often get a 64 MB /dev/shm


def _spill_dir() -> str:
    """Where chunks cross between processes: RAM-backed ``/dev/shm`` when it has room (Docker's default
    is 64 MB), else the temp dir (its page cache does the same job, with write-back)."""
    import tempfile

    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
        roomy = st.f_bavail * st.f_frsize >= SPILL_MIN_FREE
    except OSError:
        roomy = False
    return tempfile.mkdtemp(prefix="jobpool-normalise-", dir=shm if roomy else None)


def _write_ipc(batch: pa.RecordBatch, path: str) -> str:
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return path


def _read_ipc(path: str) -> pa.RecordBatch:
    """Memory-map an Arrow IPC file and unlink it: the batch's buffers point into the mapping (no copy,
    no unpickling), which lives until the last buffer is released."""
    batch = pa.ipc.open_stream(pa.memory_map(path)).read_next_batch()
    os.unlink(path)
    return batch


# Output columns that copy an input column unchanged: the parent keeps the chunk anyway, so these never
# cross to a worker and back (a quarter of a chunk's bytes: ids, URLs, hashes, the raw texts).
KEPT_BY_PARENT = {**{k: k for k in PASS_THROUGH}, "salary_text": "base_salary", "date_posted_raw": "date_posted",
                  "valid_through_raw": "valid_through"}
# The landing columns normalise_batch reads (besides the pass-through ones).
WORKER_INPUTS = ("fetched_at", "title", "description", "hiring_organization", "job_location", "base_salary",
                 "employment_type", "date_posted", "valid_through", "extra")
_WORKER_OUTPUTS = [f.name for f in NORMALISED_SCHEMA if f.name not in KEPT_BY_PARENT]


def _normalise_file(path: str) -> str:
    """Worker side: landing chunk file in, normalised chunk file out (the input file is removed)."""
    out = normalise_batch(_read_ipc(path)).select(_WORKER_OUTPUTS)
    return _write_ipc(out, path[: -len(".in")] + ".out")


def _to_worker(chunk: pa.RecordBatch, path: str) -> str:
    return _write_ipc(chunk.select([c for c in WORKER_INPUTS if c in chunk.schema.names]), path)


def _from_worker(chunk: pa.RecordBatch, path: str) -> pa.RecordBatch:
    """The worker's columns plus the unchanged ones from the parent's own chunk, in schema order."""
    part = _read_ipc(path)
    return pa.RecordBatch.from_arrays(
        [_column(chunk, KEPT_BY_PARENT[f.name]).cast(f.type) if f.name in KEPT_BY_PARENT else part.column(f.name)
         for f in NORMALISED_SCHEMA],
        schema=NORMALISED_SCHEMA,
    )


def normalise_batches(
    batches: Iterable[pa.RecordBatch], chunk_size: int = 100_000, workers: int | None = None
) -> Iterator[pa.RecordBatch]:
    """Landing record batches in, normalised record batches out (same order, same count).

    Chunks of 100,000 records: per-chunk work (distinct-value parsing, a worker's cold caches) is
    spread over twice the records of 50,000-record chunks, ~7% less CPU per million for ~7% more
    memory. Small inputs (up to two chunks) are normalised in this process. Larger ones go to ``workers``
    processes, at most ``workers + 1`` chunks in flight so memory stays bounded; if the pool breaks
    (a worker killed, a start-up failure), the remaining chunks are normalised here instead.

    Chunks travel as Arrow IPC files in a RAM-backed folder rather than pickled through the pool's
    pipe: one copy in, one memory map out, instead of pickle + pipe + unpickle copies both ways
    (about 150 MB per 100,000-record chunk); only the columns a worker reads go, and only those it
    changes come back (:data:`KEPT_BY_PARENT`)."""
    import shutil
    from concurrent.futures.process import BrokenProcessPool

    workers = default_workers() if workers is None else workers
    chunks = _rechunk(batches, chunk_size)
    ahead = [c for c in (next(chunks, None), next(chunks, None), next(chunks, None)) if c is not None]
    if workers <= 1 or len(ahead) < 3:
        for chunk in [*ahead, *chunks]:
            yield normalise_batch(chunk)
        return
    inflight: deque[tuple[pa.RecordBatch, Any]] = deque()
    spill = _spill_dir()
    pool = _pool(workers)
    broken = False
    try:
        for i, chunk in enumerate([*ahead, *chunks]):
            future = None
            if not broken:
                path = _to_worker(chunk, os.path.join(spill, f"{i:06d}.in"))
                future = pool.submit(_normalise_file, path)
            inflight.append((chunk, future))
            while len(inflight) > workers:
                done, broken = _result(*inflight.popleft(), broken, BrokenProcessPool)
                yield done
        while inflight:
            done, broken = _result(*inflight.popleft(), broken, BrokenProcessPool)
            yield done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(spill, ignore_errors=True)


def _result(chunk: pa.RecordBatch, future: Any, broken: bool, error: type[Exception]) -> tuple[pa.RecordBatch, bool]:
    if future is not None and not broken:
        try:
            return _from_worker(chunk, future.result()), False
        except error:
            pass
    return normalise_batch(chunk), True
