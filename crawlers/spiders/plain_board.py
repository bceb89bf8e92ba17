"""The demo's plain-HTML board (no structured data): paginated listing → detail pages.

This file is all a new board of this kind needs (plus its entry in crawlers/sources.toml).
"""

from __future__ import annotations

from crawlers.site import ListingDetailSpider


class PlainBoardSpider(ListingDetailSpider):
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
    description = ".description"
    tags = "ul.tags li::text"
