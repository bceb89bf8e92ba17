"""The site-spider pattern for boards without structured data: listing pages (paginated) lead to
detail pages, and each detail page becomes one JobPosting through :class:`JobPostingLoader`.

A new board is one small subclass in ``crawlers/spiders/`` that only says *where* things are
(CSS selectors) plus an entry in ``crawlers/sources.toml``; the crawling, cleaning, provenance and
landing are here and in the pipelines. See ``crawlers/spiders/plain_board.py`` and docs/crawling.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from scrapy import Spider
from scrapy.http import Response

from crawlers.items import JobPostingItem, JobPostingLoader


class ListingDetailSpider(Spider):
    """``-a source=NAME -a url=LISTING_URL[,LISTING_URL…]``; subclasses set the selectors."""

    #: links from a listing page to detail pages
    listing_link: ClassVar[str] = "a::attr(href)"
    #: the next listing page (pagination); None when the board has a single listing
    next_page: ClassVar[str | None] = None
    #: landing field → CSS selector of the element whose text is the value
    fields: ClassVar[dict[str, str]] = {}
    #: CSS selector of the description element (its text, line breaks kept)
    description: ClassVar[str] = ".description"
    #: CSS selector of tag-like values (kept in ``extra.tags``); None when the board has none
    tags: ClassVar[str | None] = None

    def __init__(self, source: str | None = None, url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not url:
            raise ValueError(f"{self.name} spider needs -a url=LISTING_URL")
        self.source = source or self.name
        self.start_urls = [u for u in url.split(",") if u]
        self.origin = url

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A listing page: every detail link, then the next listing page."""
        yield from response.follow_all(css=self.listing_link, callback=self.parse_job)
        if self.next_page:
            next_url = response.css(self.next_page).get()
            if next_url:
                yield response.follow(next_url, callback=self.parse)

    def parse_job(self, response: Response) -> JobPostingItem:
        """A detail page → one item; a page missing required fields still yields (to be quarantined)."""
        loader = JobPostingLoader(response=response)
        for field, css in self.fields.items():
            loader.add_css(field, f"{css} ::text")
        loader.add_css("description", f"{self.description} ::text")
        if self.tags:
            tags = [t.strip() for t in response.css(self.tags).getall() if t.strip()]
            if tags:
                loader.add_value("extra", {"tags": tags})
        loader.add_value("url", response.url)
        loader.add_value("raw_format", "html")
        loader.add_value("raw_payload", response.text)
        item = loader.load_item()
        item["source_record_id"] = item.get("identifier") or response.url
        return item
