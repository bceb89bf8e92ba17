"""The read API under load while the pipeline publishes: 50 clients for 60 s on loopback.

Why: apps must read the pool over HTTP without ever waiting on the pipeline. This builds (once, kept in
``--base``) a pool of about 680,000 open jobs with the demo generator (``demo.bench.land_generated`` +
``jobpool.pipeline.run_all``), starts ``jobpool serve`` on 127.0.0.1 in a subprocess, runs N concurrent
clients asking for filtered pages of 20 jobs (district / employment type / group / pay / text / near a
point, sorted by date or distance, following cursors on the snapshot they started with), and meanwhile
lands new postings and publishes twice. It counts errors, checks that no response mixes two snapshots
(the body's ``snapshot`` equals its ETag, and every page of one paging session reports the version the
session started on), and reports p50/p95/p99 latency. Results: ``bench/results/api-bench.json``.

    flock /tmp/jobpool-bench.lock .venv/bin/python bench/api_bench.py --base /tmp/jobpool-api-bench
    .venv/bin/python bench/api_bench.py --base /tmp/api-small -n 20000 --clients 10 --seconds 15   # quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: postings that give about 680,000 open jobs (demo generator, dated by today's calendar)
DEFAULT_POSTINGS = 1_800_000
DISTRICTS = ("370811", "370812", "370826", "370827", "370828", "370829", "370830", "370831", "370832",
             "370881", "370883")
POINTS = ((35.4150, 116.5870), (35.4050, 116.9660), (35.5550, 116.3300), (35.0900, 117.1100))


def build(base: Path, n_postings: int, seed: int = 1) -> dict[str, Any]:
    """The pool, built once per (N, seed) into ``base`` (reused when its marker matches)."""
    marker = base / "api-bench-base.json"
    if marker.exists() and json.loads(marker.read_text()).get("key") == [n_postings, seed]:
        return json.loads(marker.read_text())
    import shutil

    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    os.environ["JOBPOOL_HOME"] = str(base / "home")
    from demo.bench import land_generated
    from jobpool.pipeline import run_all
    from landing.paths import Paths
    from warehouse.snapshot import snapshot_info

    root = Paths(base / "home")
    started = time.monotonic()
    land_generated(root, n_postings, seed, base_date=datetime.now(UTC).date())
    landed = time.monotonic() - started
    run_all(root)
    info = {"key": [n_postings, seed], "land_seconds": round(landed, 1),
            "process_seconds": round(time.monotonic() - started - landed, 1),
            "open_jobs": snapshot_info(root)["row_counts"]["open_jobs"]}
    marker.write_text(json.dumps(info), encoding="utf-8")
    return info


def republish(home: Path, n_postings: int, seed: int) -> None:
    """Land ``n_postings`` new postings and run the pipeline (a subprocess of the bench: its own cores)."""
    os.environ["JOBPOOL_HOME"] = str(home)
    from demo.bench import land_generated
    from jobpool.pipeline import run_all
    from landing.paths import Paths

    root = Paths(home)
    land_generated(root, n_postings, seed, id_prefix=f"api{seed}-", base_date=datetime.now(UTC).date())
    run_all(root)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query(rng: random.Random) -> dict[str, str]:
    """A filtered page of 20 jobs, as an app asks for it."""
    q: dict[str, str] = {"limit": "20"}
    kind = rng.random()
    if kind < 0.35:
        q["district"] = rng.choice(DISTRICTS)
        if rng.random() < 0.5:
            q["employment_type"] = rng.choice(("FULL_TIME", "PART_TIME", "TEMPORARY"))
    elif kind < 0.55:
        q["group"] = rng.choice(("mother", "senior", "disabled"))
        q["min_monthly_pay"] = str(rng.choice((3000, 4000, 5000)))
    elif kind < 0.7:
        q["q"] = rng.choice(("保洁", "收银", "司机", "厨师", "保安", "月嫂"))
    else:
        lat, lon = rng.choice(POINTS)
        q.update(near=f"{lat + rng.uniform(-0.02, 0.02):.5f},{lon + rng.uniform(-0.02, 0.02):.5f}",
                 mode=rng.choice(("walk", "bike")), minutes="15",
                 sort=rng.choice(("date", "distance")))
        if rng.random() < 0.3:
            q["flexible"] = "true"
    return q


async def _client(i: int, base_url: str, until: list[float], stats: dict[str, Any], think: float) -> None:
    import httpx

    rng = random.Random(i)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        while time.monotonic() < until[0]:
            params = _query(rng)
            version = None
            for _page in range(rng.choice((1, 1, 2, 3))):  # follow cursors on the version the session began on
                started = time.perf_counter()
                try:
                    r = await http.get("/jobs", params=params)
                except httpx.HTTPError as exc:
                    stats["errors"].append(f"{type(exc).__name__}: {exc}")
                    break
                stats["latency"].append(time.perf_counter() - started)
                if r.status_code != 200:
                    stats["errors"].append(f"{r.status_code} {r.text[:200]}")
                    break
                body = r.json()
                stats["versions"].setdefault(body["snapshot"], time.monotonic())  # when clients first saw it
                if r.headers.get("etag") != f'"{body["snapshot"]}"' or (version and body["snapshot"] != version):
                    stats["mixed"].append((version, body["snapshot"], r.headers.get("etag")))
                version = body["snapshot"]
                if not body.get("next_cursor"):
                    break
                params = {**params, "cursor": body["next_cursor"], "snapshot": version}
            if think:
                await asyncio.sleep(rng.uniform(0, 2 * think))  # a person reading the page


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(base: Path, n_postings: int, clients: int, seconds: float, republish_postings: int,
        out: Path, think: float = 0.0, workers: int = 1) -> dict[str, Any]:
    print(f"building (or reusing) a pool from {n_postings:,} postings in {base} ...", flush=True)
    built = build(base, n_postings)
    print(f"  {built}", flush=True)
    home = base / "home"
    env = {**os.environ, "JOBPOOL_HOME": str(home)}
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "jobpool.cli", "serve", "--port", str(port),
                               "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(base / "server.log", "w"))
    base_url = f"http://127.0.0.1:{port}"
    publishes: list[dict[str, Any]] = []
    try:
        import httpx

        for _ in range(300):
            try:
                if httpx.get(base_url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        stats: dict[str, Any] = {"latency": [], "errors": [], "mixed": [], "versions": {}}

        async def main() -> None:
            started = stats["started"] = time.monotonic()
            until = [started + seconds]  # extended until both publishes are done (and 15 s after)
            tasks = [asyncio.create_task(_client(i, base_url, until, stats, think)) for i in range(clients)]
            await asyncio.sleep(3)
            until[0] = float("inf")  # keep reading while the pipeline publishes
            for k in range(2):  # publish twice while they read, one after the other (run_all's lock)
                begin = time.monotonic()
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--republish", str(home), "-n", str(republish_postings),
                    "--seed", str(100 + k), env=env, stdout=asyncio.subprocess.DEVNULL)
                code = await proc.wait()
                publishes.append({"started_s": round(begin - started, 1),
                                  "finished_s": round(time.monotonic() - started, 1), "returncode": code})
            until[0] = max(started + seconds, time.monotonic() + 15)  # time to load and serve the last one
            await asyncio.gather(*tasks)
            stats["seconds"] = time.monotonic() - started

        asyncio.run(main())
    finally:
        server.terminate()
        server.wait(timeout=30)
    lat = stats["latency"]
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "pool": built, "clients": clients, "think_seconds": think, "workers": workers,
        "seconds": round(stats["seconds"], 1),
        "republish_postings": republish_postings,
        "publishes": publishes, "requests": len(lat), "requests_per_s": round(len(lat) / stats["seconds"], 1),
        "errors": len(stats["errors"]), "error_examples": stats["errors"][:5],
        "mixed_snapshots": len(stats["mixed"]), "versions_seen": len(stats["versions"]),
        "version_first_seen_s": {v: round(t - stats["started"], 1) for v, t in sorted(stats["versions"].items())},
        "p50_ms": round(_percentile(lat, 50) * 1000, 1) if lat else None,
        "p95_ms": round(_percentile(lat, 95) * 1000, 1) if lat else None,
        "p99_ms": round(_percentile(lat, 99) * 1000, 1) if lat else None,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, default=Path("/tmp/jobpool-api-bench"))
    parser.add_argument("-n", type=int, default=DEFAULT_POSTINGS, help="postings in the pool (or, with "
                        "--republish, postings to add)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--republish-postings", type=int, default=10_000)
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between a client's requests "
                        "(0: each client asks again as soon as it has its answer, the worst case)")
    parser.add_argument("--workers", type=int, default=1, help="jobpool serve --workers")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--republish", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/results/api-bench.json"))
    args = parser.parse_args()
    if args.republish:
        republish(args.republish, args.n, args.seed)
        return 0
    if args.build_only:
        print(build(args.base, args.n, args.seed))
        return 0
    run(args.base, args.n, args.clients, args.seconds, args.republish_postings, args.out, args.think, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
