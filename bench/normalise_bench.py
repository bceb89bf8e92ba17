"""Benchmark the normalisation stage alone: N generated postings as landing-schema record batches in,
normalised batches out; prints records/s and peak resident memory (this process and its children).

    .venv/bin/python bench/normalise_bench.py                 # 100,000 and 1,000,000 records
    .venv/bin/python bench/normalise_bench.py -n 200000 --workers 1
    .venv/bin/python bench/normalise_bench.py -n 100000 --reference   # the per-row path, for comparison

The landing batches are built from the demo generator's vectorised fast path
(``demo.generate.generate_records``) with Arrow compute only, mapping its fields the way
``demo.bench._records`` does (tags and coordinates into ``extra``), and written to a temporary
Parquet file first (not timed). The timed section streams that file in 50,000-record batches through
``normalise_batches`` — as ``warehouse.steps.normalise`` streams landing files — and counts the output,
so peak RSS is that of the streaming stage. CPU seconds include the worker processes.
Figures go to docs/normalisation.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.jobposting import posting_to_fields  # noqa: E402
from landing.contract import RECORD_SCHEMA  # noqa: E402
from landing.paths import shared_data_dir  # noqa: E402

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
    from demo.generate import generate_records

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


REAL_FETCHED = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 01:30 on the 21st in Jining: local date matters


def _cell(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def landing_batch(source: str, rows: list[dict[str, Any]]) -> pa.RecordBatch:
    schema = LANDING_SCHEMA
    out = []
    for i, r in enumerate(rows):
        extra = {k: v for k, v in (r.get("extra") or {}).items() if _cell(v) is not None}
        out.append({
            "source": source, "batch_id": f"{source}-b", "record_index": i, "source_record_id": f"{source}-{i}",
            "url": None, "fetched_at": r.get("fetched_at", REAL_FETCHED), "content_hash": f"h{i}",
            **{k: _cell(r.get(k)) for k in ("title", "description", "hiring_organization", "job_location",
                                           "base_salary", "employment_type", "date_posted", "valid_through")},
            "identifier": None,
            "extra": json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None,
            "ingest_error": None,
        })
    return pa.RecordBatch.from_pylist(out, schema=schema)


def real_batches() -> dict[str, pa.RecordBatch]:
    """Every real posting file mapped to landing fields (as the feeds/crawlers would land them)."""
    root = shared_data_dir()
    assert root.is_dir(), f"real data folder missing: {root}"

    def csv(path: str, **kw: Any) -> list[dict[str, Any]]:
        return pd.read_csv(root / path, dtype=str, **kw).astype(object).to_dict("records")

    out = {}
    out["boss"] = [{"title": r["职位名称"], "job_location": r["职位地址"], "base_salary": r["薪资"],
                    "hiring_organization": r["公司名称"], "description": r["公司福利"]} for r in csv("boss/boss.csv")]
    job51 = []
    for r in csv("51job/51job.csv"):
        tags = r["标签"] if isinstance(r["标签"], str) else ""
        job51.append({"title": r["职位"], "hiring_organization": r["公司"], "job_location": r["地址"],
                      "base_salary": r["薪酬"], "date_posted": tags.rsplit("'", 2)[-2] if "发布" in tags else None,
                      "description": tags})
    out["51job"] = job51
    out["51job_gbk"] = [{"title": r["职位"], "base_salary": r["薪资"], "hiring_organization": r["公司"],
                         "job_location": r["地区"], "date_posted": r["时间"], "description": r["岗位信息"],
                         "extra": {"address": r["公司地址"], "district": r["地区"]}}
                        for r in csv("51job_gbk/51job.csv", encoding="gbk")]
    for r, row in zip(csv("51job_gbk/51job.csv", encoding="gbk"), out["51job_gbk"], strict=True):
        address = r["公司地址"]
        row["job_location"] = address if isinstance(address, str) and "电话" not in address else r["地区"]
    out["lagou"] = [{"title": r["positionName"], "base_salary": r["salary"], "employment_type": r["jobNature"],
                     "hiring_organization": r["companyFullName"], "job_location": r["district"],
                     "description": r["positionAdvantage"],
                     "extra": {"city": r["city"], "latitude": r["latitude"], "longitude": r["longitude"]}}
                    for r in csv("lagou/lagou.csv", encoding="utf-8-sig")]
    objs = json.loads((root / "zhaopin" / "zhaopin_api.json").read_text(encoding="utf-8"))
    out["zhaopin"] = [{"title": o["jobName"], "base_salary": o["salary"], "employment_type": o.get("emplType"),
                       "hiring_organization": o["company"]["name"], "job_location": o["city"]["display"],
                       "date_posted": o.get("createDate"), "valid_through": o.get("endDate"),
                       "extra": {"latitude": (o.get("geo") or {}).get("lat"),
                                 "longitude": (o.get("geo") or {}).get("lon"), "tags": o.get("welfare")}}
                      for o in objs]
    out["glassdoor"] = [{"title": r["Job Title"], "description": r["Job Description"],
                         "hiring_organization": r["Company Name"], "job_location": r["Location"],
                         "base_salary": r["Salary Estimate"]} for r in csv("glassdoor/glassdoor_jobs.csv")]
    indeed = pd.read_csv(root / "indeed" / "indeed_jobs.csv", header=None, dtype=str).astype(object)
    out["indeed"] = [{"title": r[1], "hiring_organization": r[2], "description": r[3], "date_posted": r[5]}
                     for r in indeed.to_dict("records")]
    out["schemaorg"] = [posting_to_fields(json.loads(p.read_text(encoding="utf-8")))
                        for p in sorted((root / "schemaorg_jobposting").glob("*.jsonld"))]
    return {name: landing_batch(name, rows) for name, rows in out.items()}


FEED_SAMPLES = (  # real file, built-in preset (feeds/presets): what the ingest step lands for each board
    ("boss", "boss/boss.csv", "boss-csv"), ("51job", "51job/51job.csv", "51job-csv"),
    ("51job_gbk", "51job_gbk/51job.csv", "51job-gbk-csv"), ("lagou", "lagou/lagou.csv", "lagou-csv"),
    ("zhaopin", "zhaopin/zhaopin_api.json", "zhaopin-json"),
)


def landed_real_batches() -> dict[str, pa.RecordBatch]:
    """The Chinese real files landed by the feed ingester with the built-in presets (``feeds/presets``):
    exactly the records the normalise step reads in production, area fields in ``extra`` included."""
    import pyarrow.parquet as pq

    from feeds.ingest import ingest_file
    from landing.contract import read_manifest
    from landing.paths import Paths

    root = shared_data_dir()
    out = {}
    with tempfile.TemporaryDirectory(prefix="normalise-real-") as tmp:
        for name, sample, preset in FEED_SAMPLES:
            home = Paths(Path(tmp) / name)
            result = ingest_file(root / sample, name, preset, root=home)
            assert result.status == "landed", (name, result.reason)
            (row,) = read_manifest(home)
            table = pq.read_table(row["abs_path"], columns=LANDING_COLUMNS).cast(LANDING_SCHEMA)
            out[name] = table.combine_chunks().to_batches()[0]
    return out


def _reference(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The per-row path (what normalise_batches did before it went columnar)."""
    from transforms.normalise.record import NORMALISED_SCHEMA
    from transforms.normalise.rows import normalise_rows

    for batch in batches:
        yield pa.RecordBatch.from_pylist(list(normalise_rows(batch.to_pylist())), schema=NORMALISED_SCHEMA)


class CpuTime:
    """CPU seconds of this process and every descendant (pool workers are grandchildren via the fork
    server, so ``RUSAGE_CHILDREN`` would miss them): sampled in a thread, last value per process kept.
    Also the peak RSS summed over the process tree and its peak PSS: summed RSS counts shared pages
    (libraries, the fork server's preloaded module, memory-mapped chunks) once per process, PSS splits
    them. One light sampler (RSS and CPU every 0.2 s, PSS, which walks every page table, once a second)
    so that measuring does not take a visible share of the two cores it measures. The sampler thread's
    own CPU time (kernel time reading ``/proc``, mostly PSS) is counted apart, not as the stage's."""

    def __init__(self, interval: float = 0.2, pss_every: int = 5) -> None:
        import threading

        import psutil

        self._me, self._seen, self._stop = psutil.Process(), {}, threading.Event()
        self.peak_rss = self.peak_pss = 0
        self.overhead = 0.0
        self._pss_every, self._ticks = pss_every, 0
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _sample(self) -> None:
        rss = pss = 0
        with_pss = self._ticks % self._pss_every == 0
        self._ticks += 1
        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                t = proc.cpu_times()
                self._seen[proc.pid] = t.user + t.system
                if with_pss:
                    full = proc.memory_full_info()
                    rss, pss = rss + full.rss, pss + full.pss
                else:
                    rss += proc.memory_info().rss
            except Exception:  # noqa: BLE001 - a worker may exit between listing and reading
                pass
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            started = time.thread_time()
            self._sample()
            self.overhead += time.thread_time() - started  # reading /proc (smaps for PSS) is not the stage

    def __enter__(self) -> CpuTime:
        self._sample()
        self._start = dict(self._seen)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        total = sum(v - self._start.get(pid, 0.0) for pid, v in self._seen.items())
        self.seconds = total - self.overhead  # the stage's CPU, without this sampler's own


def run(n: int, workers: int | None, chunk: int, reference: bool = False) -> dict[str, float]:
    import pyarrow.parquet as pq

    from transforms.normalise.run import normalise_batches

    with tempfile.TemporaryDirectory(prefix="normalise-bench-") as tmp:
        path = Path(tmp) / "landing.parquet"
        with pq.ParquetWriter(path, LANDING_SCHEMA) as writer:
            for batch in landing_batches(n):
                writer.write_batch(batch)
        gc.collect()
        load = os.getloadavg()[0]
        with CpuTime() as cpu:
            started = time.perf_counter()
            out = 0
            batches = pq.ParquetFile(path).iter_batches(batch_size=50_000)
            kwargs = {} if workers is None else {"workers": workers}
            stream = _reference(batches) if reference else normalise_batches(batches, chunk_size=chunk, **kwargs)
            for batch in stream:
                out += batch.num_rows
            seconds = time.perf_counter() - started
    assert out == n, (out, n)
    return {"records": n, "seconds": seconds, "records_per_s": n / seconds, "peak_rss_mb": cpu.peak_rss / 2**20,
            "cpu_seconds": cpu.seconds, "sampler_cpu_seconds": cpu.overhead, "load_before": load,
            "load_after": os.getloadavg()[0], "peak_pss_mb": cpu.peak_pss / 2**20}


def report() -> None:
    """Place resolution and tagging-rule hits on the real files and on generated demo postings."""
    from collections import Counter

    from transforms.normalise.columns import normalise_batch

    landed = landed_real_batches()
    sets = {**{f"{k} (landed by feed)": v for k, v in landed.items()},
            **{k: v for k, v in real_batches().items() if k not in landed}}
    sets["generated demo (100k)"] = pa.concat_batches(list(landing_batches(100_000)))
    print(f"{'file':<30}{'rows':>8}{'city':>8}{'district':>10}{'town':>8}  coordinates (status: rows)")
    hits: dict[str, Counter[str]] = {}
    for name, batch in sets.items():
        out = normalise_batch(batch).to_pydict()
        n = batch.num_rows
        share = {k: sum(v is not None for v in out[k]) / n for k in ("city_adcode", "district_adcode", "town_adcode")}
        coords = Counter(s for s in out["coord_status"] if s != "missing")
        print(f"{name:<30}{n:>8,}{share['city_adcode']:>8.1%}{share['district_adcode']:>10.1%}"
              f"{share['town_adcode']:>8.1%}  {dict(coords.most_common())}")
        hits[name] = Counter(r for rules in out["tag_rules"] if rules for r in rules.split(","))
    print("\ntagging rules fired (rows)")
    for name, counter in hits.items():
        print(f"  {name}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counter.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, action="append", help="record count (repeatable); default 100k and 1M")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: the module's)")
    parser.add_argument("--chunk", type=int, default=100_000, help="records per normalise chunk")
    parser.add_argument("--reference", action="store_true", help="time the per-row reference path instead")
    parser.add_argument("--report", action="store_true", help="place and tagging coverage on real + demo data")
    args = parser.parse_args()
    if args.report:
        report()
        return
    print(f"{os.cpu_count()} CPUs, workers={args.workers or 'default'}, chunk={args.chunk:,}"
          f"{', REFERENCE per-row path' if args.reference else ''}")
    for n in args.n or [100_000, 1_000_000]:
        r = run(n, args.workers, args.chunk, args.reference)
        print(f"normalise {r['records']:>9,} records: {r['seconds']:7.2f} s  {r['records_per_s']:>9,.0f} records/s  "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB (PSS {r['peak_pss_mb']:,.0f} MB)  CPU {r['cpu_seconds']:.1f} s "
              f"(+{r['sampler_cpu_seconds']:.1f} s sampling) "
              f"(1-min load avg before {r['load_before']:.1f}, after {r['load_after']:.1f})", flush=True)


if __name__ == "__main__":
    main()
