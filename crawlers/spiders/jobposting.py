"""Generic spider: lands every schema.org JobPosting (JSON-LD, microdata, RDFa) found on the given
pages, on the pages a sitemap lists, or on the pages reached from a start URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import SitemapSpider

from crawlers.items import JobPostingItem
from crawlers.jobposting import extract_postings


class JobPostingSpider(SitemapSpider):
    """``-a source=NAME`` and ``-a sitemap=URL`` and/or ``-a url=URL[,URL…]``.

    ``-a follow=N`` also follows links on the same host(s) as the start URLs, N levels deep
    (default 0: only the given pages and the sitemap's).
    """

    name = "jobposting"

    def __init__(self, source: str | None = None, sitemap: str | None = None, url: str | None = None,
                 follow: str | int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source or self.name
        if sitemap:
            self.sitemap_urls = [u for u in sitemap.split(",") if u]
        self.start_urls = [u for u in (url or "").split(",") if u]
        if not self.sitemap_urls and not self.start_urls:
            raise ValueError("jobposting spider needs -a sitemap=URL or -a url=URL")
        self.origin = sitemap or url
        self.follow = int(follow or 0)
        self.hosts = {urlsplit(u).hostname for u in [*self.start_urls, *self.sitemap_urls]}
        self.links = LinkExtractor()

    async def start(self) -> Any:
        async for request in super().start():
            yield request
        for url in self.start_urls:
            yield Request(url, callback=self.parse, cb_kwargs={"level": 0})

    def parse(self, response: Response, level: int = 0, **kwargs: Any) -> Iterator[Any]:
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if "json" in ctype:  # a bare JSON-LD document; JSON is UTF-8 (RFC 8259)
            text, is_json = response.body.decode("utf-8", "replace"), True
        elif hasattr(response, "text"):
            text, is_json = response.text, False
        else:
            self.crawler.stats.inc_value("jobpool/errors/not_text")
            return
        postings, errors = extract_postings(text, response.url, json_document=is_json)
        for error in errors:
            self.logger.warning("%s: %s", self.source, error)
            kind = "invalid_jsonld" if error.startswith("invalid JSON-LD") else "extraction"
            self.crawler.stats.inc_value(f"jobpool/errors/{kind}")
        for fields in postings:
            item = JobPostingItem(**{k: v for k, v in fields.items() if v is not None})
            item["url"] = response.url  # source_record_id: set by extract_postings (identifier, else URL)
            yield item
        if not postings and errors:
            # Nothing usable on a page that tried to carry a posting: land it to be quarantined.
            yield JobPostingItem(
                url=response.url, source_record_id=response.url, raw_format="html",
                raw_payload=text, ingest_error="; ".join(errors),
            )
        if level < self.follow and not is_json:
            for link in self.links.extract_links(response):
                if urlsplit(link.url).hostname not in self.hosts:  # same host(s) only
                    continue
                yield Request(link.url, callback=self.parse, cb_kwargs={"level": level + 1})
