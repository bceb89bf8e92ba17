"""Generic spider: lands every schema.org JobPosting found on the given pages or sitemap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from scrapy.spiders import SitemapSpider

from crawlers.items import JobPostingItem
from crawlers.jobposting import extract_postings


class JobPostingSpider(SitemapSpider):
    """``-a source=NAME`` and either ``-a sitemap=URL`` or ``-a url=URL[,URL…]``."""

    name = "jobposting"

    def __init__(self, source: str | None = None, sitemap: str | None = None, url: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source or self.name
        if sitemap:
            self.sitemap_urls = [sitemap]
        self.start_urls = [u for u in (url or "").split(",") if u]
        if not self.sitemap_urls and not self.start_urls:
            raise ValueError("jobposting spider needs -a sitemap=URL or -a url=URL")
        self.origin = sitemap or url

    async def start(self) -> Any:
        async for request in super().start():
            yield request
        for url in self.start_urls:
            yield self.make_request(url)

    def make_request(self, url: str) -> Any:
        from scrapy import Request

        return Request(url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        if not hasattr(response, "text"):
            self.crawler.stats.inc_value("jobpool/errors/not_text")
            return
        postings, errors = extract_postings(response.text, response.url)
        for error in errors:
            self.logger.warning("%s: %s", self.source, error)
            self.crawler.stats.inc_value("jobpool/errors/extraction")
        for fields in postings:
            item = JobPostingItem(**{k: v for k, v in fields.items() if v is not None})
            item["url"] = response.url
            item["source_record_id"] = fields.get("identifier") or response.url
            yield item
        if not postings and errors:
            # Nothing usable on a page that tried to carry a posting: land it to be quarantined.
            yield JobPostingItem(
                url=response.url, source_record_id=response.url, raw_format="html",
                raw_payload=response.text, ingest_error="; ".join(errors),
            )
