"""``jobpool-demo bench``: the pipeline's stages on N generated postings, timed, with peak memory.

Generates postings with the demo generator's fast path (no HTML), lands them through the landing
contract (one batch per source), then runs each process step and records seconds, records/s and the
peak resident memory while that step ran. Results go to ``bench/results/bench-<N>.json``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psutil

from landing.paths import Paths

LANDING_KEYS = ("title", "description", "hiring_organization", "job_location", "base_salary",
                "employment_type", "date_posted", "valid_through")


class PeakRSS:
    """Samples this process's resident memory (plus children's) while a block runs."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()

    def _rss(self) -> int:
        total = self._proc.memory_info().rss
        for child in self._proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(self.interval)

    @contextmanager
    def measure(self) -> Iterator[PeakRSS]:
        self.peak = self._rss()
        self._stop.clear()
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


def _records(batch: Any, id_prefix: str = "") -> Iterator[dict[str, Any]]:
    for row in batch.to_pylist():
        extra = {"tags": row["tags"]} if row.get("tags") else {}
        if row.get("latitude") is not None:
            extra.update(latitude=row["latitude"], longitude=row["longitude"])
        yield {
            "source_record_id": id_prefix + row["source_record_id"],
            **{k: row.get(k) for k in LANDING_KEYS},
            "extra": extra or None,
            "raw_format": "json",
            "raw_payload": json.dumps({k: row.get(k) for k in LANDING_KEYS}, ensure_ascii=False),
        }


def land_generated(root: Paths, n_postings: int, seed: int = 1, id_prefix: str = "",
                   base_date: date | None = None) -> int:
    """Land N generated postings, one batch per source (the landing contract's writer). ``base_date``:
    the generator's "today" (default its fixed date), for tests whose outcome depends on the clock."""
    from demo.generate import generate_records
    from landing.contract import BatchWriter

    writers: dict[str, BatchWriter] = {}
    count = 0
    try:
        dated = {} if base_date is None else {"base_date": base_date}
        for batch in generate_records(seed, n_postings, **dated):
            sources = batch.column("source").to_pylist()
            for source, record in zip(sources, _records(batch, id_prefix), strict=True):
                writer = writers.get(source)
                if writer is None:
                    writer = writers[source] = BatchWriter(source, kind="feed", root=root)
                writer.add(record)
                count += 1
        for writer in writers.values():
            writer.commit()
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    return count


def _run_steps(root: Paths, sampler: PeakRSS, label: str) -> list[dict[str, Any]]:
    from jobpool.pipeline import STEP_FUNCTIONS
    from warehouse.steps import STEPS, new_run_id

    run_id = new_run_id()
    stages = []
    for name in STEPS:
        with sampler.measure():
            result = STEP_FUNCTIONS[name](root, run_id)
        rate = result.records / result.seconds if result.seconds else 0.0
        detail = {k: v for k, v in result.detail.items() if k not in ("snapshot", "data_docs")}
        stages.append({"phase": label, "stage": name, "seconds": round(result.seconds, 2),
                       "records": result.records, "records_per_s": round(rate),
                       "peak_rss_mb": round(sampler.peak / 2**20), "detail": detail})
        print(f"  {label:<15}{name:<12}{result.seconds:8.2f}s {rate:>10,.0f} rec/s "
              f"peak {sampler.peak / 2**20:,.0f} MB", flush=True)
    return stages


def _land_timed(root: Paths, sampler: PeakRSS, n: int, seed: int, label: str, prefix: str = "") -> dict[str, Any]:
    started = time.monotonic()
    with sampler.measure():
        landed = land_generated(root, n, seed, prefix)
    seconds = time.monotonic() - started
    print(f"  {label:<15}{'land':<12}{seconds:8.2f}s {landed / seconds:>10,.0f} rec/s "
          f"peak {sampler.peak / 2**20:,.0f} MB", flush=True)
    return {"phase": label, "stage": "generate+land", "seconds": round(seconds, 2), "records": landed,
            "records_per_s": round(landed / seconds), "peak_rss_mb": round(sampler.peak / 2**20)}


def run_bench(n_postings: int = 100_000, out: Path | None = None, seed: int = 1,
              incremental: int = 0, base: Path | None = None, repeat: int = 1) -> dict[str, Any]:
    """Full run on ``n_postings``, then (``incremental`` > 0) a second run that adds that many new
    postings to the pool the first run built — the incremental load-and-publish case.

    With ``base``, the full run's home is kept in that folder and reused by later calls with the same
    N and seed (the incremental phase then runs on a copy), so the incremental case can be measured
    ``repeat`` > 1 runs that many incremental batches one after another (the first after a full build
    pays one-off costs; the later ones are the steady state).
    again without rebuilding a million-posting pool each time."""
    sampler = PeakRSS()
    with tempfile.TemporaryDirectory(prefix="jobpool-bench-") as tmp:
        marker = base / "bench-base.json" if base else None
        reuse = (marker is not None and marker.exists()
                 and json.loads(marker.read_text()).get("key") == [n_postings, seed])
        if reuse:
            assert base is not None and marker is not None
            stages = json.loads(marker.read_text())["stages"]
            print(f"  reusing the full run in {base} ({n_postings:,} postings, seed {seed})", flush=True)
        else:
            home = base if base else Path(tmp)
            if base:
                shutil.rmtree(base, ignore_errors=True)
                base.mkdir(parents=True)
            root = Paths(home)
            os.environ["JOBPOOL_HOME"] = str(root.home)
            stages = [_land_timed(root, sampler, n_postings, seed, "full")]
            stages += _run_steps(root, sampler, "full")
            if marker is not None:
                marker.write_text(json.dumps({"key": [n_postings, seed], "stages": stages}), encoding="utf-8")
        if base:  # the incremental phase runs on a copy, so the base stays reusable
            home = Path(tmp) / "home"
            shutil.copytree(base, home, symlinks=True)
            root = Paths(home)
            os.environ["JOBPOOL_HOME"] = str(root.home)
        for i in range(repeat if incremental else 0):
            label = "incremental" if i == 0 else f"incremental-{i + 1}"
            stages.append(_land_timed(root, sampler, incremental, seed + 1 + i, label, f"inc{i}-"))
            stages += _run_steps(root, sampler, label)
        warehouse_mb = root.warehouse.stat().st_size / 2**20

    def total(phase: str, names: tuple[str, ...] | None = None) -> float:
        return round(sum(s["seconds"] for s in stages if s["phase"] == phase and s["stage"] != "generate+land"
                         and (names is None or s["stage"] in names)), 2)

    full = total("full")
    report = {
        "n_postings": n_postings,
        "incremental_postings": incremental,
        "seed": seed,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "memory_gb": round(psutil.virtual_memory().total / 2**30),
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
        "process_seconds": full,
        "process_records_per_s": round(n_postings / full) if full else None,
        "validation_share": round(total("full", ("validate",)) / full, 3) if full else None,
        "incremental_seconds": total("incremental") if incremental else None,
        "incremental_load_publish_seconds": total("incremental", ("load", "publish")) if incremental else None,
        "repeated_load_publish_seconds": [total(f"incremental-{i + 1}", ("load", "publish"))
                                          for i in range(1, repeat)] if incremental else [],
        "peak_rss_mb": max(s["peak_rss_mb"] for s in stages),
        "warehouse_mb": round(warehouse_mb, 1),
        "stages": stages,
    }
    out = out or Path("bench") / "results" / f"bench-{n_postings}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written {out}")
    return report
