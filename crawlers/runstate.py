"""What one running crawl shares between its middlewares and pipelines: the source's
:class:`~crawlers.state.CrawlState` and the list of faults. Kept on the Crawler object, which every
component receives, rather than in module globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler

from crawlers.state import CrawlState
from landing.contract import new_batch_id

MAX_LISTED_FAILURES = 100


@dataclass
class RunState:
    run_id: str
    state: CrawlState | None = None
    failures: list[dict[str, str]] = field(default_factory=list)
    failure_count: int = 0


def source_of(crawler: Crawler) -> str:
    spider = crawler.spider
    return (getattr(spider, "source", None) or spider.name) if spider else "unknown"


def run_state(crawler: Crawler) -> RunState:
    rs: RunState | None = getattr(crawler, "_jobpool_run", None)
    if rs is None:
        rs = RunState(run_id=new_batch_id(source_of(crawler)))
        crawler._jobpool_run = rs  # type: ignore[attr-defined]
    return rs


def crawl_state(crawler: Crawler) -> CrawlState:
    rs = run_state(crawler)
    if rs.state is None:
        rs.state = CrawlState(source_of(crawler), rs.run_id)
    return rs.state


def record_failure(crawler: Crawler, url: str, kind: str, detail: str) -> None:
    """A request that ended without a usable page: counted by type, listed (up to a limit), and its
    URL marked failed so that its records are not reported as gone."""
    rs = run_state(crawler)
    rs.failure_count += 1
    crawler.stats.inc_value(f"jobpool/faults/{kind}")
    if len(rs.failures) < MAX_LISTED_FAILURES:
        rs.failures.append({"url": url, "error": kind, "detail": detail})
    if crawler.settings.getbool("JOBPOOL_INCREMENTAL"):
        crawl_state(crawler).page_failed(url)


def fault_summary(crawler: Crawler) -> dict[str, Any]:
    stats = crawler.stats.get_stats()
    return {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("jobpool/faults/")}
