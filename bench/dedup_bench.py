"""Deduplication benchmark: time, peak memory and quality of the deduplicate step from 100k to 1M
postings, plus one incremental batch into the largest pool.

    .venv/bin/python bench/dedup_bench.py [--sizes 100000,250000,500000,1000000] [--batch 10000]
    .venv/bin/python bench/dedup_bench.py --quality [--seeds 1,2,...,10] [--incremental]

Postings come from the demo generator's fast path (``generate_records``, ground truth = vacancy_id)
and are normalised once through the real stage + normalise steps; the normalised table is cached
under ``var/bench-cache`` so reruns time deduplication only. Each size runs the real
``warehouse.steps.deduplicate`` on a fresh DuckDB warehouse. The incremental case first puts the pool
(all but the last ``--batch`` postings, deduplicated) into core.posting, then deduplicates the batch.
Figures go to docs/dedup.md by hand; this prints them and writes bench/results/dedup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo.bench import PeakRSS, land_generated  # noqa: E402
from landing.paths import Paths  # noqa: E402
from transforms.dedup.evaluate import quality  # noqa: E402
from warehouse.db import connect_writer  # noqa: E402

#: the order sources arrive in the incremental quality run: the boards are crawled, then the feeds land
SOURCE_ORDER = ("jsonld_board", "plain_board", "gig_station", "hr_system")
RUN_BATCH_DDL = ("create or replace table staging.run_batch (run_id varchar, batch_id varchar, source varchar,"
                 " kind varchar, record_count bigint, batch_started_at timestamptz, path varchar)")


def normalised_cache(n: int, seed: int, cache: Path) -> Path:
    """The normalised postings (+ vacancy_id) of ``n`` generated postings, built once."""
    from demo.generate import generate_records
    from warehouse.steps import normalise, stage

    path = cache / f"normalised-{n}-seed{seed}.parquet"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
        root = Paths(Path(tmp))
        os.environ["JOBPOOL_HOME"] = str(root.home)
        land_generated(root, n, seed)
        stage(root, "bench")
        normalise(root, "bench")
        truth = pa.concat_tables(
            pa.Table.from_batches([b.select(["source_record_id", "vacancy_id"])])
            for b in generate_records(seed, n)
        )
        con = duckdb.connect(str(root.warehouse))
        con.register("truth", truth)
        con.execute(f"copy (select n.*, t.vacancy_id, row_number() over (order by n.batch_started_at, "
                    f"n.batch_id, n.record_index) - 1 as rn from staging.posting_normalised n "
                    f"join truth t using (source_record_id) order by rn) to '{path}' (format parquet)")
        con.close()
    print(f"  normalised {n:,} postings once in {time.monotonic() - started:.0f}s → {path}", flush=True)
    return path


def _warehouse(tmp: Path) -> Paths:
    root = Paths(tmp)
    root.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return root


def _stage_rows(con: duckdb.DuckDBPyConnection, source: str, where: str) -> None:
    con.execute(RUN_BATCH_DDL)
    con.execute("insert into staging.run_batch values ('bench', 'b', 's', 'feed', 0, now(), '')")
    con.execute(f"create or replace table staging.posting_normalised as "
                f"select * exclude (vacancy_id, rn) from '{source}' where {where}")


def _truth_quality(con: duckdb.DuckDBPyConnection, source: str, table: str) -> dict[str, Any]:
    rows = con.execute(f"select m.job_id, t.vacancy_id from {table} m join '{source}' t "
                       f"using (batch_id, record_index)").fetchall()
    return quality([r[0] for r in rows], [r[1] for r in rows]).as_dict()


def run(sizes: list[int], batch: int, seed: int, cache: Path) -> dict[str, Any]:
    import warehouse.steps as process

    total = max(sizes)
    source = str(normalised_cache(total, seed, cache))
    sampler = PeakRSS()
    results: dict[str, Any] = {"seed": seed, "cpus": os.cpu_count(), "sizes": []}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
            root = _warehouse(Path(tmp))
            with connect_writer(root.warehouse) as con:  # whole vacancies, so every copy is in the sample
                _stage_rows(con, source, f"hash(vacancy_id) % 1000000 < {round(n / total * 1e6)}")
                n = con.execute("select count(*) from staging.posting_normalised").fetchone()[0]
            with sampler.measure():
                step = process.deduplicate(root, "bench")
            con = duckdb.connect(str(root.warehouse), read_only=True)
            q = _truth_quality(con, source, "staging.posting_matched")
            jobs = con.execute("select count(distinct job_id) from staging.posting_matched").fetchone()[0]
            con.close()
        row = {"postings": n, "seconds": round(step.seconds, 2), "peak_rss_mb": round(sampler.peak / 2**20),
               "jobs": jobs, "rules": step.detail, "quality": q}
        results["sizes"].append(row)
        print(f"  {n:>9,} postings: {step.seconds:6.2f}s  peak {sampler.peak / 2**20:6,.0f} MB  jobs {jobs:,}  "
              f"P {q['precision']:.4f} R {q['recall']:.4f} F1 {q['f1']:.4f} B3-F1 {q['bcubed_f1']:.4f}", flush=True)

    # the batch: 1 posting in 100, so most of its vacancies already have copies in the pool
    in_batch = f"hash(source_record_id) % {total // batch} = 0"
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
        root = _warehouse(Path(tmp))
        with connect_writer(root.warehouse) as con:
            _stage_rows(con, source, f"not ({in_batch})")
            pool_n = con.execute("select count(*) from staging.posting_normalised").fetchone()[0]
        pool = process.deduplicate(root, "bench")
        with connect_writer(root.warehouse) as con:  # the pool as load would leave it (core.posting)
            _load_matched(con)
            _stage_rows(con, source, in_batch)
            batch = con.execute("select count(*) from staging.posting_normalised").fetchone()[0]
        with sampler.measure():
            step = process.deduplicate(root, "bench")
        con = duckdb.connect(str(root.warehouse), read_only=True)
        q = _truth_quality(con, source, "(select job_id, batch_id, record_index from core.posting union all "
                                        "select job_id, batch_id, record_index from staging.posting_matched)")
        con.close()
    results["incremental"] = {"pool": pool_n, "batch": batch, "pool_seconds": round(pool.seconds, 2),
                              "seconds": round(step.seconds, 2), "peak_rss_mb": round(sampler.peak / 2**20),
                              "rules": step.detail, "quality_pool_plus_batch": q}
    print(f"  incremental: {batch:,} into {pool_n:,}: {step.seconds:.2f}s  peak {sampler.peak / 2**20:,.0f} MB  "
          f"{step.detail}  F1 over pool+batch {q['f1']:.4f}", flush=True)
    return results


def site_cache(seed: int, cache: Path) -> Path:
    """A labelled demo site (scale 1.0) crawled over HTTP, ingested, staged and normalised like the
    demo, with its truth ``vacancy_id`` per posting; built once per seed, then only dedup is rerun."""
    from crawlers.registry import load_sources
    from crawlers.run import run_crawl
    from demo.generate import generate_site
    from demo.run import deliver_feeds
    from demo.server import serve
    from feeds.inbox import scan_inbox
    from warehouse.steps import normalise, stage

    path = cache / f"site-seed{seed}.parquet"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dedup-quality-") as tmp:
        home = Paths(Path(tmp) / "home")
        site = home.home / "site"
        generate_site(site, seed=seed, scale=1.0)
        saved = {k: os.environ.get(k) for k in ("JOBPOOL_HOME", "JOBPOOL_DEMO_JSONLD_URL", "JOBPOOL_DEMO_PLAIN_URL")}
        os.environ["JOBPOOL_HOME"] = str(home.home)
        try:
            with serve(site / "boards" / "jsonld_board") as jsonld, serve(site / "boards" / "plain_board") as plain:
                os.environ["JOBPOOL_DEMO_JSONLD_URL"] = jsonld.url
                os.environ["JOBPOOL_DEMO_PLAIN_URL"] = plain.url
                deliver_feeds(site, home)
                for source in load_sources().values():
                    run_crawl(source)
                scan_inbox(settle_seconds=0)
            stage(home, "quality")
            normalise(home, "quality")
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        con = duckdb.connect(str(home.warehouse))
        con.execute(f"copy (select n.*, t.vacancy_id, 0 as rn from staging.posting_normalised n "
                    f"join '{site / 'truth.parquet'}' t using (source, source_record_id)) to '{path}' (format parquet)")
        con.close()
    return path


def _dedup_site(source: str, runs: Sequence[str]) -> list[tuple]:
    """Deduplicate a cached labelled site in one run per ``where`` clause of ``runs``; after each run
    but a lone one its postings are loaded into core.posting, so later runs join them.
    Returns (job_id, vacancy_id, title, employer_name, description) per scored posting."""
    import warehouse.steps as process

    with tempfile.TemporaryDirectory(prefix="dedup-quality-") as tmp:
        root = _warehouse(Path(tmp))
        for where in runs:
            with connect_writer(root.warehouse) as con:
                _stage_rows(con, source, where)
            process.deduplicate(root, "quality")
            if len(runs) > 1:
                with connect_writer(root.warehouse) as con:
                    _load_matched(con)
        table = "staging.posting_matched" if len(runs) == 1 else "core.posting"
        con = duckdb.connect(str(root.warehouse), read_only=True)
        rows = con.execute(f"select m.job_id, t.vacancy_id, m.title, m.employer_name, m.description "
                           f"from {table} m join '{source}' t using (source, source_record_id) "
                           f"order by m.source, m.source_record_id").fetchall()
        con.close()
    return rows


def _pooled(results: dict[str, Any], per_seed: dict[int, tuple[list, list]], label: str) -> None:
    """Quality over all seeds' postings at once (a pair never spans two sites)."""
    pred = [f"{seed}|{j}" for seed, (jobs, _) in per_seed.items() for j in jobs]
    true = [f"{seed}|{v}" for seed, (_, truth) in per_seed.items() for v in truth]
    pooled = quality(pred, true)
    results["pooled"] = pooled.as_dict()
    print(f"  pooled{label}: P {pooled.precision:.4f} R {pooled.recall:.4f} F1 {pooled.f1:.4f} "
          f"B3-F1 {pooled.bcubed_f1:.4f}", flush=True)


def run_quality(seeds: list[int], cache: Path) -> dict[str, Any]:
    """Pairwise and B-cubed quality of the real deduplicate step per labelled demo site, pooled, and the
    two baselines (exact hash; TF-IDF cosine ≥ 0.75) on the same postings."""
    from transforms.dedup.evaluate import exact_hash_groups, tfidf_cosine_groups

    results: dict[str, Any] = {"seeds": {}}
    per_seed: dict[int, tuple[list, list]] = {}
    for seed in seeds:
        rows = _dedup_site(str(site_cache(seed, cache)), ["true"])
        jobs, truth = [r[0] for r in rows], [r[1] for r in rows]
        ours = quality(jobs, truth)
        exact = quality(exact_hash_groups([r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows]), truth)
        tfidf = quality(tfidf_cosine_groups([r[4] for r in rows], 0.75), truth)
        per_seed[seed] = (jobs, truth)
        results["seeds"][seed] = {"ours": ours.as_dict(), "exact_hash": exact.as_dict(), "tfidf_0.75": tfidf.as_dict()}
        print(f"  seed {seed}: {ours.postings} postings, {ours.true_pairs} true pairs  P {ours.precision:.4f} "
              f"R {ours.recall:.4f} F1 {ours.f1:.4f} B3-F1 {ours.bcubed_f1:.4f} | exact F1 {exact.f1:.4f} "
              f"({exact.bcubed_f1:.4f}) | tfidf F1 {tfidf.f1:.4f} ({tfidf.bcubed_f1:.4f})", flush=True)
    _pooled(results, per_seed, "")
    return results


def _load_matched(con: duckdb.DuckDBPyConnection) -> None:
    """Put a deduplicated run into core.posting as load would (new records only, as here)."""
    cols = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'core' "
        "and table_name = 'posting'").fetchall()]
    select = ", ".join("fetched_at as " + c if c in ("first_seen_at", "last_seen_at") else c for c in cols)
    con.execute(f"insert into core.posting select {select} from staging.posting_matched where copy_rank = 1")


def run_quality_incremental(seeds: list[int], cache: Path) -> dict[str, Any]:
    """Quality when the sources arrive one run each (boards crawled first, then the feeds), as a
    deployment sees them: every later run joins the pool ``core.posting`` without recomputing it."""
    results: dict[str, Any] = {"order": list(SOURCE_ORDER), "seeds": {}}
    per_seed: dict[int, tuple[list, list]] = {}
    for seed in seeds:
        rows = _dedup_site(str(site_cache(seed, cache)), [f"source = '{name}'" for name in SOURCE_ORDER])
        jobs, truth = [r[0] for r in rows], [r[1] for r in rows]
        ours = quality(jobs, truth)
        per_seed[seed] = (jobs, truth)
        results["seeds"][seed] = ours.as_dict()
        print(f"  seed {seed} (one run per source): P {ours.precision:.4f} R {ours.recall:.4f} F1 {ours.f1:.4f} "
              f"B3-F1 {ours.bcubed_f1:.4f}", flush=True)
    _pooled(results, per_seed, " (one run per source)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,250000,500000,1000000")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=REPO / "var" / "bench-cache")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "dedup.json")
    parser.add_argument("--quality", action="store_true", help="quality on labelled demo sites instead of speed")
    parser.add_argument("--seeds", default="1,2,3,4,5,6,7,8,9,10")
    parser.add_argument("--incremental", action="store_true",
                        help="with --quality: also one run per source, each joining the pool")
    args = parser.parse_args()
    if args.quality:
        out = args.out.with_name("dedup_quality.json") if args.out.name == "dedup.json" else args.out
        seeds = [int(s) for s in args.seeds.split(",")]
        results = run_quality(seeds, args.cache)
        if args.incremental:
            results["incremental"] = run_quality_incremental(seeds, args.cache)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"written {out}")
        return
    results = run([int(s) for s in args.sizes.split(",")], args.batch, args.seed, args.cache)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
