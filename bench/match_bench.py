"""Job radar at the seed's scale: N seekers × M open jobs, top 10 each, on this machine.

Jobs and seekers are synthetic but spatially realistic: each is placed around one of Jining's 146 town
centres, towns weighted by their number of urban communities (the city's streets are dense, villages
sparse), with a Gaussian spread of ~1.3 km; titles are the demo generator's occupations, seekers want one
or two of them. The matching is the production code (circle.radar: H3 covering disks + trade
blocking in one DuckDB join, haversine, max_by top N, reasons for the survivors only).

    .venv/bin/python bench/match_bench.py                         # 350,000 × 680,000
    .venv/bin/python bench/match_bench.py --profiles 20000 --jobs 40000 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from circle import radar as matching  # noqa: E402
from demo.generate import OCCUPATIONS  # noqa: E402
from transforms.vocabulary import communities, towns  # noqa: E402


def _places(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    places = towns()
    per_town = Counter(c["town_adcode"] for c in communities())
    w = np.array([1 + per_town[t["adcode"]] for t in places], dtype=float)
    pick = rng.choice(len(places), size=n, p=w / w.sum())
    lat = np.array([t["latitude"] for t in places])[pick] + rng.normal(0, 0.012, n)
    lon = np.array([t["longitude"] for t in places])[pick] + rng.normal(0, 0.015, n)
    return lat, lon


def synth_jobs(rng: np.random.Generator, n: int) -> pa.Table:
    titles = [t for o in OCCUPATIONS.values() for t in o.titles]
    lat, lon = _places(rng, n)
    title = np.array(titles, dtype=object)[rng.integers(0, len(titles), n)]
    pay = rng.integers(20, 90, n) * 100.0
    flags = rng.random((7, n))
    etype = np.array(["FULL_TIME", "PART_TIME", "TEMPORARY"], dtype=object)[rng.choice(3, n, p=[0.7, 0.2, 0.1])]
    return pa.table({
        "job_id": [f"j{i:07d}" for i in range(n)], "latitude": lat, "longitude": lon, "title": title,
        "salary_monthly_min": pay, "salary_monthly_max": pay + rng.integers(0, 20, n) * 100.0,
        "employment_type": etype, "is_short_term": flags[0] < 0.15, "is_flexible": flags[1] < 0.15,
        "is_temporary": flags[2] < 0.1, "is_daily_pay": flags[3] < 0.1, "for_mothers": flags[4] < 0.1,
        "for_seniors": flags[5] < 0.1, "for_disabled": flags[6] < 0.05,
    })


def synth_profiles(rng: np.random.Generator, n: int) -> pa.Table:
    occs = list(OCCUPATIONS.values())
    lat, lon = _places(rng, n)
    first = rng.integers(0, len(occs), n)
    second = np.where(rng.random(n) < 0.35, rng.integers(0, len(occs), n), -1)
    trades, masks = [], []
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        words = [occs[a].titles[0]] + ([occs[b].titles[0]] if b >= 0 else [])
        trades.append(matching.trades_of(words))
        masks.append(matching.keyword_mask(words))
    return pa.table({
        "profile_id": [f"p{i:07d}" for i in range(n)], "home_lat": lat, "home_lon": lon,
        "mode": np.array(["walk", "bike"], dtype=object)[rng.choice(2, n, p=[0.3, 0.7])],
        "minutes": np.full(n, 15), "trades": trades,
        "kw_mask": pa.array([str(m) for m in masks]).cast(pa.decimal128(38, 0)),
        "salary_expected": rng.integers(25, 70, n) * 100.0,
        "profile_group": np.array([None, "mother", "senior", "disabled"], dtype=object)[
            rng.choice(4, n, p=[0.6, 0.2, 0.15, 0.05])],
        "hours": np.array(["full", "part", "flexible"], dtype=object)[rng.choice(3, n, p=[0.6, 0.2, 0.2])],
    })


def run(n_profiles: int, n_jobs: int, seed: int, threads: int, top_n: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    jobs_tbl = synth_jobs(rng, n_jobs)  # noqa: F841 - read by DuckDB by name
    prof_tbl = synth_profiles(rng, n_profiles)  # noqa: F841
    generate_s = time.perf_counter() - t0
    con = duckdb.connect()
    con.execute(f"set threads = {threads}")
    con.execute("create table jobs as select * from jobs_tbl")
    con.execute("create table profiles as select * exclude (kw_mask), kw_mask::hugeint as kw_mask from prof_tbl")
    timings: dict[str, float] = {}
    started, cpu0 = time.perf_counter(), time.process_time()
    t, c = time.perf_counter(), time.process_time()
    matching.prepare_jobs(con, "select * from jobs", "m_job")
    timings["prepare_jobs_s"] = time.perf_counter() - t
    timings["prepare_jobs_cpu_s"] = time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    matching.prepare_profiles(con, "select * from profiles", "m_prof")
    timings["prepare_profiles_s"] = time.perf_counter() - t
    timings["prepare_profiles_cpu_s"] = time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    rings: dict[str, object] = {}
    matches = matching.run_match(con, "m_top", "m_job", "m_prof", top_n, stats=rings)
    timings["match_top_n_s"] = time.perf_counter() - t
    timings["match_top_n_cpu_s"] = time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    con.execute(f"create table job_match as {matching.reasons_sql('m_top', 'm_job', 'm_prof')}")
    timings["reasons_s"] = time.perf_counter() - t
    timings["reasons_cpu_s"] = time.process_time() - c
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu0
    matched = con.execute("select count(distinct profile_id) from m_top").fetchone()[0]
    sample = con.execute("select reasons from job_match where rank = 1 limit 1").fetchone()
    return {
        "profiles": n_profiles, "jobs": n_jobs, "top_n": top_n, "threads": threads,
        "matches": matches, "profiles_with_matches": matched, "seekers_per_ring": rings,
        "generate_s": round(generate_s, 1), **{k: round(v, 1) for k, v in timings.items()},
        "total_match_s": round(total, 1), "total_match_cpu_s": round(total_cpu, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(), "sample_reasons": sample[0] if sample else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=350_000)
    parser.add_argument("--jobs", type=int, default=680_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top", type=int, default=matching.TOP_N)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    result = run(args.profiles, args.jobs, args.seed, args.threads, args.top)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
