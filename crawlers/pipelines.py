"""Item pipelines, in order: check required fields, skip what did not change, land the batch.

A record that fails a check is not dropped: it lands with ``ingest_error`` set and its raw payload,
so processing quarantines it with the URL and reason and every crawled record is accounted for.
A record whose content did not change since the source's last crawl is dropped here (it landed
before), so a re-crawl of an unchanged board lands nothing and produces no batch.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.runstate import crawl_state, fault_summary, run_state
from landing.contract import BatchWriter, content_hash

REQUIRED = ("title", "description")
#: rows buffered before a Parquet row group is written: keeps a crawl's memory flat in its size
FLUSH_EVERY = 2_000


def landing_record(item: Any) -> dict[str, Any]:
    """The item as the landing row it becomes, with ``content_hash`` computed exactly as
    :class:`~landing.contract.BatchWriter` would (``extra`` serialised first)."""
    record = {k: v for k, v in ItemAdapter(item).items() if v is not None}
    extra = record.get("extra")
    if extra is not None and not isinstance(extra, str):
        record["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str)
    record["content_hash"] = content_hash(record)
    return record


class RequiredFieldsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequiredFieldsPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        missing = [name for name in REQUIRED if not (adapter.get(name) or "").strip()]
        if missing:
            reason = f"missing required field(s) {', '.join(missing)} at {adapter.get('url')}"
            previous = adapter.get("ingest_error")
            adapter["ingest_error"] = f"{previous}; {reason}" if previous else reason
            self.crawler.stats.inc_value("jobpool/items_invalid")
        return item


class IncrementalPipeline:
    """Drops a record whose content hash equals the one that landed last time for its
    source_record_id (``JOBPOOL_INCREMENTAL``; on by default)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("JOBPOOL_INCREMENTAL")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not self.enabled:
            return item
        record = landing_record(item)
        # the reason is part of the state hash: a page that broke differently is news
        key = hashlib.sha256(f"{record['content_hash']}|{record.get('ingest_error') or ''}".encode()).hexdigest()
        srid = record.get("source_record_id") or record.get("url") or key
        if not crawl_state(self.crawler).seen(srid, record.get("url"), key):
            self.crawler.stats.inc_value("jobpool/items_unchanged")
            raise DropItem(f"unchanged since the last crawl: {srid}", log_level="DEBUG")
        return item


class _StreamingBatchWriter(BatchWriter):
    """A BatchWriter that writes a row group every FLUSH_EVERY rows rather than every 50,000, since
    crawled rows carry their raw payload."""

    def add(self, record: Any) -> None:
        super().add(record)
        if len(self._rows) >= FLUSH_EVERY:
            self._flush()


class LandingPipeline:
    """Streams the crawl's items into one landing batch, committed when the spider closes, with the
    crawl's stats (pages, items, errors by type, bytes, not seen) in the manifest row. Then the
    source's crawl state is committed: after the batch, never before it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: BatchWriter | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LandingPipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        source = getattr(spider, "source", None) or spider.name
        origin = {"spider": spider.name, "start": getattr(spider, "origin", None)}
        self.writer = _StreamingBatchWriter(source=source, kind="crawl", origin=origin,
                                            batch_id=run_state(self.crawler).run_id)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        assert self.writer is not None
        self.writer.add(landing_record(item))
        self.crawler.stats.inc_value("jobpool/items_landed")
        return item

    def crawl_stats(self, reason: str) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats()
        rs = run_state(self.crawler)
        observed = {  # every fault seen on the wire, including ones a retry later recovered from
            f"http_{k.rsplit('/', 1)[1]}": v for k, v in stats.items()
            if k.startswith("downloader/response_status_count/") and int(k.rsplit("/", 1)[1]) >= 400
        }
        for key, value in stats.items():
            if key.startswith("downloader/exception_type_count/"):
                from crawlers.middlewares import EXCEPTION_TYPES

                name = EXCEPTION_TYPES.get(key.rsplit(".", 1)[-1], key.rsplit(".", 1)[-1])
                observed[name] = observed.get(name, 0) + value
        errors = {**fault_summary(self.crawler)}
        for key in ("extraction", "invalid_jsonld", "not_text"):
            if stats.get(f"jobpool/errors/{key}"):
                errors[key] = stats[f"jobpool/errors/{key}"]
        if stats.get("spider_exceptions/count"):
            errors["spider_exception"] = stats["spider_exceptions/count"]
        started = stats.get("start_time")
        return {
            "finish_reason": reason,
            "seconds": round((datetime.now(UTC) - started).total_seconds(), 3) if started else None,
            # pages answered: full responses plus 304s (which stop in ConditionalRequestMiddleware)
            "pages": stats.get("response_received_count", 0) + stats.get("jobpool/pages_unchanged", 0),
            "pages_unchanged": stats.get("jobpool/pages_unchanged", 0),
            "items": stats.get("item_scraped_count", 0) + stats.get("item_dropped_count", 0),
            "items_landed": self.writer.count if self.writer else 0,
            "items_unchanged": stats.get("jobpool/items_unchanged", 0),
            "items_invalid": stats.get("jobpool/items_invalid", 0),
            "bytes": stats.get("downloader/response_bytes", 0),
            "retries": stats.get("retry/count", 0),
            "errors": errors,
            "faults_observed": observed,
            "failed": rs.failures,
        }

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Runs after every item went through the pipelines (Scrapy closes them first)."""
        assert self.writer is not None
        stats = self.crawl_stats(reason)
        incremental = self.crawler.settings.getbool("JOBPOOL_INCREMENTAL")
        state = crawl_state(self.crawler) if incremental else None
        try:
            if state is not None and reason == "finished":
                stats["not_seen"] = state.not_seen()
            self.writer.stats = stats
            row = self.writer.commit()
        except BaseException:
            self.writer.abort()
            if state is not None:
                state.abandon()
            raise
        if state is not None:
            not_seen = state.finish(reason, row["batch_id"] if row else None, self.writer.count,
                                    self.crawler.settings.getfloat("JOBPOOL_STATE_FORGET_DAYS", 30.0))
            stats["not_seen"] = not_seen
            state.close()
        result_file = self.crawler.settings.get("JOBPOOL_RESULT_FILE")
        if result_file:
            Path(result_file).write_text(
                json.dumps({"batch": row, "stats": stats}, ensure_ascii=False, default=str), encoding="utf-8")
