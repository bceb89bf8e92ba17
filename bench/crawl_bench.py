"""Crawl benchmark: the generic JobPosting spider on a generated N-page board served on 127.0.0.1.

    .venv/bin/python bench/crawl_bench.py -n 2000 -n 10000

For each N: a fresh JOBPOOL_HOME, a board of N detail pages (JSON-LD + HTML body, ~4 KB, Chinese
text, ETag/Last-Modified) listed in one sitemap, served by demo.testserver (threaded, HTTP/1.1
keep-alive) in this process; one full crawl with AutoThrottle off, then one re-crawl of the
unchanged board (every page a 304). Prints pages/s and peak RSS of the Scrapy child process (sampled
every 50 ms with psutil) and of this process (which also runs the HTTP server); writes
bench/results/crawl-<N>.json. The server shares the machine's cores with the crawler.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.registry import CrawlSource  # noqa: E402
from crawlers.run import run_crawl  # noqa: E402
from demo.testserver import Page, board_server  # noqa: E402

DISTRICTS = ["任城区", "兖州区", "曲阜市", "邹城市", "微山县", "鱼台县", "金乡县", "嘉祥县", "汶上县", "泗水县",
             "梁山县"]
TITLES = ["仓库管理员", "叉车司机", "收银员", "电工", "焊工", "厨师", "保安", "会计", "销售代表", "客服专员"]


def job_page(i: int) -> Page:
    """Page i of the generated board: deterministic, so a re-crawl sees the same ETag."""
    title = f"{TITLES[i % len(TITLES)]}（{DISTRICTS[i % len(DISTRICTS)]}）"
    desc = "\n".join(f"{k + 1}. 岗位职责第{k + 1}条：负责门店日常运营，完成上级安排的工作，编号{i}。"
                     for k in range(12))
    obj = {"@context": "https://schema.org", "@type": "JobPosting", "identifier": f"B{i:06d}", "title": title,
           "description": desc, "datePosted": "2026-11-01", "validThrough": "2026-12-31",
           "employmentType": "FULL_TIME",
           "hiringOrganization": {"@type": "Organization", "name": f"济宁示例企业{i % 997}有限公司"},
           "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "addressRegion": "山东省",
                                                         "addressLocality": "济宁市",
                                                         "streetAddress": DISTRICTS[i % len(DISTRICTS)]}},
           "baseSalary": {"@type": "MonetaryAmount", "currency": "CNY",
                          "value": {"@type": "QuantitativeValue", "minValue": 4000 + i % 30 * 100,
                                    "maxValue": 6000 + i % 30 * 100, "unitText": "MONTH"}}}
    body = "".join(f"<p>{line}</p>" for line in desc.split("\n"))
    html = (f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{title} - 济宁人才网</title>'
            f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script></head>'
            f'<body><header><a href="/">济宁人才网</a></header><main><h1>{title}</h1>{body}</main>'
            f"<footer>© 济宁人才网</footer></body></html>")
    return Page(html, validators=True)


class PeakRSS:
    """Samples the RSS of the Scrapy child process tree and of this process until stopped."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.child_peak = 0
        self.self_peak = 0
        self.child_cpu = 0.0
        self._self_cpu0 = sum(self.me.cpu_times()[:2])
        self.self_cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for child in self.me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                    self.child_cpu = max(self.child_cpu, sum(child.cpu_times()[:2]))
                except psutil.Error:
                    pass
            self.child_peak = max(self.child_peak, total)
            self.self_peak = max(self.self_peak, self.me.memory_info().rss)
            time.sleep(0.05)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.self_cpu = sum(self.me.cpu_times()[:2]) - self._self_cpu0


def crawl_once(source: CrawlSource, settings: dict[str, Any]) -> dict[str, Any]:
    with PeakRSS() as rss:
        t0 = time.perf_counter()
        result = run_crawl(source, settings)
        wall = time.perf_counter() - t0
    stats = result["stats"]
    return {
        "pages": stats["pages"], "landed": result["batch"]["record_count"] if result["batch"] else 0,
        "unchanged": stats["pages_unchanged"] + stats["items_unchanged"], "errors": stats["errors"],
        "crawl_seconds": round(stats["seconds"], 2), "wall_seconds": round(wall, 2),
        "pages_per_s": round(stats["pages"] / stats["seconds"], 1),
        "pages_per_s_wall": round(stats["pages"] / wall, 1),
        "peak_rss_child_mb": round(rss.child_peak / 2**20, 1),
        "peak_rss_bench_and_server_mb": round(rss.self_peak / 2**20, 1),
        "cpu_seconds_child": round(rss.child_cpu, 1), "cpu_seconds_bench_and_server": round(rss.self_cpu, 1),
    }


def bench(n: int, concurrency: int) -> dict[str, Any]:
    pages = {}

    def route(path: str) -> Page | None:
        if path.startswith("/jobs/") and path.endswith(".html"):
            i = int(path[6:-5])
            if 0 <= i < n:
                return job_page(i)
        return pages.get(path)

    with tempfile.TemporaryDirectory(prefix="jobpool-crawlbench-") as home, board_server(fallback=route) as srv:
        os.environ["JOBPOOL_HOME"] = home
        urls = "".join(f"<url><loc>{srv.url}/jobs/{i}.html</loc></url>" for i in range(n))
        pages["/sitemap.xml"] = Page('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                                     f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
                                     content_type="application/xml")
        pages["/robots.txt"] = Page("User-agent: *\nAllow: /\n", content_type="text/plain")
        source = CrawlSource("bench_board", "jobposting", sitemap=f"{srv.url}/sitemap.xml")
        settings = {"AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": concurrency,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "LOG_LEVEL": "WARNING",
                    "CLOSESPIDER_TIMEOUT": 0}
        full = crawl_once(source, settings)
        recrawl = crawl_once(source, settings)
    return {"n": n, "cores": psutil.cpu_count(), "concurrency": concurrency,
            "load_average_before": os.getloadavg(), "full": full, "recrawl_unchanged": recrawl}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, action="append", help="pages (repeatable); default 2000 and 10000")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"{'pages':>7} {'run':<9} {'landed':>7} {'crawl s':>8} {'pages/s':>8} {'wall s':>7} "
          f"{'pages/s wall':>12} {'peak RSS child':>15} {'peak RSS bench+server':>22}")
    for n in args.n or [2000, 10000]:
        result = bench(n, args.concurrency)
        (out_dir / f"crawl-{n}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
        for run in ("full", "recrawl_unchanged"):
            r = result[run]
            print(f"{n:>7} {run.split('_')[0]:<9} {r['landed']:>7} {r['crawl_seconds']:>8} {r['pages_per_s']:>8} "
                  f"{r['wall_seconds']:>7} {r['pages_per_s_wall']:>12} {r['peak_rss_child_mb']:>12} MB "
                  f"{r['peak_rss_bench_and_server_mb']:>19} MB   cpu s child {r['cpu_seconds_child']}, "
                  f"server {r['cpu_seconds_bench_and_server']}", flush=True)
            if r["errors"]:
                print(f"        errors: {r['errors']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
