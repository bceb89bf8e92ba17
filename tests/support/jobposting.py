"""JobPosting fixtures modelled on Google's structured-data guide (its "Software Engineer" posting and
variants), shared by the extraction conformance tests and the crawl of those pages."""

from __future__ import annotations

import copy
import json
from typing import Any

#: Google's JobPosting example (developers.google.com/search/docs/appearance/structured-data/job-posting)
GOOGLE: dict[str, Any] = {
    "@context": "https://schema.org/",
    "@type": "JobPosting",
    "title": "Software Engineer",
    "description": "<p>Google aspires to be an organization that reflects the globally diverse audience that our "
                   "products and technology serve. We believe that in addition to hiring the best talent, a "
                   "diversity of perspectives, ideas and cultures leads to the creation of better products and "
                   "services.</p>",
    "identifier": {"@type": "PropertyValue", "name": "Google", "value": "1234567"},
    "datePosted": "2017-01-18",
    "validThrough": "2017-03-18T00:00",
    "employmentType": "CONTRACTOR",
    "hiringOrganization": {"@type": "Organization", "name": "Google", "sameAs": "https://www.google.com",
                           "logo": "https://www.example.com/images/logo.png"},
    "jobLocation": {"@type": "Place", "address": {
        "@type": "PostalAddress", "streetAddress": "1600 Amphitheatre Pkwy", "addressLocality": "Mountain View",
        "addressRegion": "CA", "postalCode": "94043", "addressCountry": "US"}},
    "baseSalary": {"@type": "MonetaryAmount", "currency": "USD",
                   "value": {"@type": "QuantitativeValue", "value": 40.00, "unitText": "HOUR"}},
}

DETROIT = {"@type": "Place", "address": {"@type": "PostalAddress", "streetAddress": "555 Clancy St",
                                         "addressLocality": "Detroit", "addressRegion": "MI",
                                         "postalCode": "48201", "addressCountry": "US"}}
ANN_ARBOR = {"@type": "Place", "address": {"@type": "PostalAddress", "streetAddress": "666 Fake St",
                                           "addressLocality": "Ann Arbor", "addressRegion": "MI",
                                           "postalCode": "48104", "addressCountry": "US"}}


def page(*blocks: Any) -> str:
    """An HTML page carrying each block as its own JSON-LD script."""
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(b, ensure_ascii=False)}</script>'
                      for b in blocks)
    return f"<!doctype html><html><head><title>job</title>{scripts}</head><body><h1>job</h1></body></html>"


def posting(**changes: Any) -> dict[str, Any]:
    """Google's example with properties replaced (None removes one)."""
    obj = copy.deepcopy(GOOGLE)
    for key, value in changes.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj
