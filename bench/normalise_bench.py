"""Benchmark the normalisation stage alone: N generated postings as landing-schema record batches in,
normalised batches out; prints records/s and peak resident memory (this process and its children).

    .venv/bin/python bench/normalise_bench.py                 # 100,000 and 1,000,000 records
    .venv/bin/python bench/normalise_bench.py -n 200000 --workers 1

The landing batches are built from the demo generator's vectorised fast path
(``jobpool.demo.generate.generate_records``) with Arrow compute only, mapping its fields the way
``jobpool.bench._records`` does (tags and coordinates into ``extra``), so generating a million records
takes seconds and is not part of the timed section. Figures go to docs/normalisation.md.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobpool.bench import PeakRSS  # noqa: E402
from jobpool.landing import RECORD_SCHEMA  # noqa: E402

LANDING_COLUMNS = [n for n in RECORD_SCHEMA.names if n not in ("raw_payload", "raw_format")]
LANDING_SCHEMA = pa.schema([RECORD_SCHEMA.field(n) for n in LANDING_COLUMNS])
FETCHED_AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def _extra(batch: pa.RecordBatch) -> pa.Array:
    """``extra`` JSON as ``BatchWriter`` writes it (sorted keys): coordinates and non-empty tags."""
    lat, lon, tags = batch.column("latitude"), batch.column("longitude"), batch.column("tags")
    quoted = pc.binary_join_element_wise('"', pc.list_flatten(tags), '"', "")
    joined = pc.binary_join(pa.ListArray.from_arrays(tags.offsets, quoted), ",")
    tag_json = pc.if_else(pc.greater(pc.list_value_length(tags), 0),
                          pc.binary_join_element_wise('"tags": [', joined, "]", ""), pa.scalar(None, pa.string()))
    geo_json = pc.binary_join_element_wise(
        '"latitude": ', pc.cast(lat, pa.string()), ', "longitude": ', pc.cast(lon, pa.string()), ""
    )
    both = pc.binary_join_element_wise(geo_json, tag_json, ", ")
    body = pc.coalesce(both, geo_json, tag_json)
    return pc.binary_join_element_wise("{", body, "}", "")


def landing_batches(n: int, seed: int = 1, chunk_size: int = 100_000) -> Iterator[pa.RecordBatch]:
    """N generated postings as landing-schema record batches (one batch id per source and chunk)."""
    from jobpool.demo.generate import generate_records

    done = 0
    for chunk in generate_records(seed, n, chunk_size=chunk_size):
        m = chunk.num_rows
        rid = chunk.column("source_record_id")
        source = chunk.column("source")
        fetched = pa.array([FETCHED_AT + timedelta(hours=done // 50_000)] * m, pa.timestamp("us", tz="UTC"))
        arrays = {
            "source": source,
            "batch_id": pc.binary_join_element_wise(source, f"-{done:09d}", ""),
            "record_index": pa.array(range(done, done + m), pa.int64()),
            "source_record_id": rid,
            "url": pc.binary_join_element_wise("http://127.0.0.1/jobs/", rid, ""),
            "fetched_at": fetched,
            "content_hash": pc.binary_join_element_wise("h", rid, ""),
            **{k: chunk.column(k) for k in ("title", "description", "hiring_organization", "job_location",
                                            "base_salary", "employment_type", "date_posted", "valid_through")},
            "identifier": rid,
            "extra": _extra(chunk),
            "ingest_error": pa.nulls(m, pa.string()),
        }
        yield pa.RecordBatch.from_arrays([arrays[k] for k in LANDING_COLUMNS], schema=LANDING_SCHEMA)
        done += m


def run(n: int, workers: int | None, chunk: int) -> dict[str, float]:
    from transforms.normalise import normalise_batches

    batches = list(landing_batches(n))
    gc.collect()
    sampler = PeakRSS()
    with sampler.measure():
        started = time.perf_counter()
        out = 0
        kwargs = {} if workers is None else {"workers": workers}
        for batch in normalise_batches(batches, chunk_size=chunk, **kwargs):
            out += batch.num_rows
        seconds = time.perf_counter() - started
    assert out == n, (out, n)
    return {"records": n, "seconds": seconds, "records_per_s": n / seconds, "peak_rss_mb": sampler.peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, action="append", help="record count (repeatable); default 100k and 1M")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: the module's)")
    parser.add_argument("--chunk", type=int, default=50_000, help="records per normalise chunk")
    args = parser.parse_args()
    for n in args.n or [100_000, 1_000_000]:
        r = run(n, args.workers, args.chunk)
        print(f"normalise {r['records']:>9,} records: {r['seconds']:7.2f} s  {r['records_per_s']:>9,.0f} records/s  "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB (incl. input batches)", flush=True)


if __name__ == "__main__":
    main()
