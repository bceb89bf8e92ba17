"""Site spider for a board without structured data: listing pages (paginated) → detail pages.

The pattern for any such board: CSS selectors in one place, values through JobPostingLoader.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy import Spider
from scrapy.http import Response

from crawlers.items import JobPostingItem, JobPostingLoader


class PlainBoardSpider(Spider):
    """``-a source=NAME -a url=LISTING_URL``."""

    name = "plain_board"
    listing_link = "a.job-link::attr(href)"
    next_page = "a[rel=next]::attr(href), a.next::attr(href)"
    fields = {
        "title": "h1.job-title",
        "hiring_organization": ".company",
        "base_salary": ".salary",
        "job_location": ".location",
        "employment_type": ".job-type",
        "date_posted": ".posted",
        "identifier": ".job-id",
    }

    def __init__(self, source: str | None = None, url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not url:
            raise ValueError("plain_board spider needs -a url=LISTING_URL")
        self.source = source or self.name
        self.start_urls = [u for u in url.split(",") if u]
        self.origin = url

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield from response.follow_all(css=self.listing_link, callback=self.parse_job)
        next_url = response.css(self.next_page).get()
        if next_url:
            yield response.follow(next_url, callback=self.parse)

    def parse_job(self, response: Response) -> JobPostingItem:
        loader = JobPostingLoader(response=response)
        for field, css in self.fields.items():
            loader.add_css(field, f"{css} ::text")
        loader.add_css("description", ".description ::text")
        tags = [t.strip() for t in response.css("ul.tags li::text").getall() if t.strip()]
        if tags:
            loader.add_value("extra", {"tags": tags})
        loader.add_value("url", response.url)
        loader.add_value("raw_format", "html")
        loader.add_value("raw_payload", response.text)
        item = loader.load_item()
        item["source_record_id"] = item.get("identifier") or response.url
        return item
