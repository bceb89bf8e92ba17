"""Run one crawl as ``scrapy crawl`` in a child process (Twisted's reactor cannot restart inside a
long-lived process such as an Airflow worker or the CLI) and return what it landed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from crawlers.registry import CrawlSource


class CrawlError(RuntimeError):
    pass


def run_crawl(source: CrawlSource, extra_settings: dict[str, Any] | None = None,
              log_file: Path | None = None) -> dict[str, Any]:
    """Crawl one source; returns ``{"batch": manifest row or None, "stats": {...}}``."""
    src = source.resolved()
    args = [sys.executable, "-m", "scrapy", "crawl", src.spider, "-a", f"source={src.name}"]
    if src.sitemap:
        args += ["-a", f"sitemap={src.sitemap}"]
    if src.url:
        args += ["-a", f"url={src.url}"]
    for key, value in src.args.items():
        args += ["-a", f"{key}={value}"]
    settings = {**src.settings, **(extra_settings or {})}
    with tempfile.TemporaryDirectory(prefix="jobpool-crawl-") as tmp:
        result_file = Path(tmp) / "result.json"
        settings["JOBPOOL_RESULT_FILE"] = str(result_file)
        for key, value in settings.items():
            args += ["-s", f"{key}={value}"]
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawlers.settings"}
        log_path = log_file or Path(tmp) / "crawl.log"
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.run(args, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
        if proc.returncode != 0 or not result_file.exists():
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise CrawlError(f"crawl of {src.name} failed (exit {proc.returncode}):\n{tail}")
        return json.loads(result_file.read_text(encoding="utf-8"))


def crawl_source(name: str, extra_settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl one registered source; a short summary for the crawl DAG's task result and landing
    event (``batch_id`` is None when nothing new landed: the DAG then emits no event)."""
    from crawlers.registry import load_sources

    result = run_crawl(load_sources()[name], extra_settings)
    batch, stats = result.get("batch"), result.get("stats", {})
    return {
        "source": name,
        "batch_id": batch["batch_id"] if batch else None,
        "records": batch["record_count"] if batch else 0,
        "pages": stats.get("pages", 0),
        "unchanged": stats.get("items_unchanged", 0) + stats.get("pages_unchanged", 0),
        "not_seen": len(stats["not_seen"]) if stats.get("not_seen") is not None else None,
        "errors": stats.get("errors", {}),
    }
