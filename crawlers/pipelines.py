"""Item pipelines, in order: check required fields, then land the batch (landing contract).

A record that fails a check is not dropped: it lands with ``ingest_error`` set and its raw payload,
so processing quarantines it with the URL and reason and every crawled record is accounted for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler

from jobpool.landing import BatchWriter

REQUIRED = ("title", "description")


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


class LandingPipeline:
    """Buffers the crawl's items into one landing batch, committed when the spider closes, with the
    crawl's stats (pages, items, errors by type, bytes) in the manifest row."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: BatchWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LandingPipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        source = getattr(spider, "source", None) or spider.name
        origin = {"spider": spider.name, "start": getattr(spider, "origin", None)}
        self.writer = BatchWriter(source=source, kind="crawl", origin=origin)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        assert self.writer is not None
        record = {k: v for k, v in ItemAdapter(item).items() if v is not None}
        self.writer.add(record)
        self.crawler.stats.inc_value("jobpool/items_landed")
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        assert self.writer is not None
        stats = self.crawler.stats.get_stats()
        self.writer.stats = {
            "pages": stats.get("response_received_count", 0),
            "items": self.writer.count,
            "items_invalid": stats.get("jobpool/items_invalid", 0),
            "bytes": stats.get("downloader/response_bytes", 0),
            "errors": {
                k.split("/", 1)[1]: v
                for k, v in stats.items()
                if k.startswith(("downloader/exception_type_count/", "spider_exceptions/"))
                or (k.startswith("downloader/response_status_count/") and not k.endswith(("/200", "/304")))
            },
        }
        row = self.writer.commit()
        result_file = self.crawler.settings.get("JOBPOOL_RESULT_FILE")
        if result_file:
            Path(result_file).write_text(
                json.dumps({"batch": row, "stats": self.writer.stats}, ensure_ascii=False, default=str),
                encoding="utf-8",
            )
