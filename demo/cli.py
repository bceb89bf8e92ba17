"""``jobpool-demo``: the demo and the benches, apart from the production ``jobpool`` command (which never
imports the demo).

    jobpool-demo [--seed N] [--scale X] [--local]     generate, serve, crawl, ingest (postings, stations,
                                                      seekers), process, summarise, tour (demo/tour.py)
    jobpool-demo bench [-n N] [--incremental K] ...   the pipeline's stages on generated postings
    jobpool-demo profiles [-n N] [--seed S]           land N generated job-seeker profiles
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def cmd_run(args: argparse.Namespace) -> int:
    from demo.run import run_demo

    started = time.monotonic()
    ok = run_demo(seed=args.seed, scale=args.scale, use_airflow=not args.local)
    print(f"demo finished in {time.monotonic() - started:.1f}s")
    return 0 if ok else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from demo.bench import run_bench

    report = run_bench(n_postings=args.n, out=Path(args.out) if args.out else None, incremental=args.incremental,
                       base=Path(args.base) if args.base else None, repeat=args.repeat)
    print(f"process: {report['n_postings']:,} postings in {report['process_seconds']}s "
          f"({report['process_records_per_s']:,} rec/s end to end; validation {report['validation_share']:.0%})")
    if args.incremental:
        print(f"incremental: {args.incremental:,} more in {report['incremental_seconds']}s "
              f"(load + publish {report['incremental_load_publish_seconds']}s)")
        for i, seconds in enumerate(report["repeated_load_publish_seconds"], start=2):
            print(f"incremental batch {i}: load + publish {seconds}s")
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    from demo.profiles import write_demo_profiles
    from feeds.reference import ingest_reference
    from landing.paths import paths

    root = paths()
    path = write_demo_profiles(root.demo / f"profiles-seed{args.seed}-n{args.n}.csv", args.seed, args.n)
    print(json.dumps(ingest_reference(path, "profile_demo", root=root), ensure_ascii=False))
    print("next: `jobpool match --refresh` builds the radar; `jobpool match --profile ID` shows one seeker's")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobpool-demo", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 ≈ 300 vacancies")
    parser.add_argument("--local", action="store_true", help="run the steps in-process, without Airflow")
    parser.set_defaults(func=cmd_run)
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("bench", help="benchmark the stages on generated postings")
    p.add_argument("-n", type=int, default=100_000)
    p.add_argument("--incremental", type=int, default=0, help="then add this many new postings and process again")
    p.add_argument("--out", help="JSON result path (default bench/results/bench-<n>.json)")
    p.add_argument("--base", help="keep the full run's home here and reuse it next time (same -n)")
    p.add_argument("--repeat", type=int, default=1, help="incremental batches to run one after another")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("profiles", help="generate and land job-seeker profiles (the demo's 求职画像)")
    p.add_argument("-n", type=int, default=200)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_profiles)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
