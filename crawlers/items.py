"""What one crawled record is: a schema.org JobPosting as the page gave it, plus where it came from."""

from __future__ import annotations

import re

import scrapy
from itemloaders.processors import Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

_WS = re.compile(r"[ \t\r\f\v\u3000\xa0]+")


def clean_text(value: str | None) -> str | None:
    """Collapse page whitespace but keep line breaks, which carry meaning in descriptions."""
    if value is None:
        return None
    lines = [_WS.sub(" ", line).strip() for line in str(value).splitlines()]
    text = "\n".join(line for line in lines if line)
    return text or None


class JobPostingItem(scrapy.Item):
    # provenance
    source_record_id = scrapy.Field()
    url = scrapy.Field()
    raw_format = scrapy.Field()
    raw_payload = scrapy.Field()
    # schema.org JobPosting properties, as text
    title = scrapy.Field()
    description = scrapy.Field()
    hiring_organization = scrapy.Field()
    job_location = scrapy.Field()
    base_salary = scrapy.Field()
    employment_type = scrapy.Field()
    date_posted = scrapy.Field()
    valid_through = scrapy.Field()
    identifier = scrapy.Field()
    # further properties (geo, tags, structured salary) as a dict
    extra = scrapy.Field()
    # why this record is not a clean posting (set by pipelines; it still lands, to be quarantined)
    ingest_error = scrapy.Field()


def join_text(values: list[str]) -> str | None:
    """Text split over nested elements (``<h1>急招<b>收银员</b></h1>``) comes back as one value."""
    return " ".join(v for v in values if v) or None


class JobPostingLoader(ItemLoader):
    """Loader for boards without structured data: CSS/XPath values in, one clean text each out.
    Provenance fields pass through untouched: the raw payload must stay verbatim."""

    default_item_class = JobPostingItem
    default_input_processor = MapCompose(clean_text)
    default_output_processor = join_text
    description_out = Join("\n")
    url_in = raw_payload_in = raw_format_in = extra_in = MapCompose()
    url_out = raw_payload_out = raw_format_out = extra_out = TakeFirst()
