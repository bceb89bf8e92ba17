"""Conformance of the crawler's extraction (crawlers/jobposting.py) with Google's JobPosting
structured-data guide and schema.org's examples. The same pages crawled over HTTP, and a whole-pipeline
crawl of a board whose identifiers are schema.org PropertyValues, are in
tests/integration/crawlers/test_crawl_conformance.py.

The fixtures are written here, modelled on the public examples (Google's "Software Engineer" posting,
its multi-location, remote-work and salary-range variants); the real schema.org examples are read
from ``../shared/data/real/schemaorg_jobposting`` (missing data fails, never skips).

Why: Google gives ``identifier`` as ``{"@type": "PropertyValue", "name": <employer>, "value": <id>}``.
Taking the ``name`` as the record key made every posting of such a site one record (467 postings
became one job, the rest counted as exact copies)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawlers.jobposting import extract_postings
from tests.support.jobposting import ANN_ARBOR, DETROIT, GOOGLE, page, posting
from transforms.normalise.dates import parse_date

URL = "http://127.0.0.1/jobs/1.html"


def _one(obj: Any, url: str = URL) -> dict[str, Any]:
    records, errors = extract_postings(page(obj), url)
    assert not errors and len(records) == 1, (errors, records)
    return records[0]


# --------------------------------------------------------------------------------------------- identifier

def test_identifier_property_value_is_its_value_with_the_name_as_scheme() -> None:
    rec = _one(GOOGLE)
    assert rec["identifier"] == "1234567" and rec["source_record_id"] == "1234567"
    assert rec["extra"]["identifier_scheme"] == "Google"


def test_identifier_property_id_is_the_scheme() -> None:
    rec = _one(posting(identifier={"@type": "PropertyValue", "propertyID": "ATS", "name": "Acme careers",
                                    "value": "REQ-0042"}))
    assert rec["source_record_id"] == "REQ-0042" and rec["extra"]["identifier_scheme"] == "ATS"


@pytest.mark.parametrize(("identifier", "expected"), [
    ("JOB-42", "JOB-42"),
    (1234567, "1234567"),
    ({"@type": "PropertyValue", "name": "Google", "value": 1234567}, "1234567"),
    ([{"@type": "PropertyValue", "name": "Google", "value": "A-1"}], "A-1"),
])
def test_identifier_as_text_number_or_list(identifier: Any, expected: str) -> None:
    rec = _one(posting(identifier=identifier))
    assert rec["identifier"] == expected and rec["source_record_id"] == expected


def test_a_descriptive_name_never_becomes_the_key() -> None:
    """A PropertyValue without a value names nothing: the page URL is the key."""
    rec = _one(posting(identifier={"@type": "PropertyValue", "name": "Google"}))
    assert rec["identifier"] is None and rec["source_record_id"] == URL


def test_property_values_with_one_name_give_distinct_keys() -> None:
    keys = set()
    for i in range(20):
        rec = _one(posting(identifier={"@type": "PropertyValue", "name": "Google", "value": str(1000 + i)},
                            title=f"Engineer {i}"), url=f"http://127.0.0.1/jobs/{i}.html")
        keys.add(rec["source_record_id"])
    assert len(keys) == 20


def test_microdata_property_value_identifier() -> None:
    html = ('<html><body><div itemscope itemtype="https://schema.org/JobPosting">'
            '<h1 itemprop="title">Software Engineer</h1><div itemprop="description">Build tools.</div>'
            '<div itemprop="identifier" itemscope itemtype="https://schema.org/PropertyValue">'
            '<meta itemprop="name" content="Google"><meta itemprop="value" content="1234567"></div>'
            '</div></body></html>')
    records, errors = extract_postings(html, URL)
    assert not errors and [r["source_record_id"] for r in records] == ["1234567"]


# ------------------------------------------------------------------------------------------------ salary

def test_base_salary_value_only() -> None:
    rec = _one(GOOGLE)
    assert rec["base_salary"] == "USD 40.0 per hour"
    extra = rec["extra"]
    assert (extra["salary_currency"], extra["salary_min"], extra["salary_max"], extra["salary_unit"]) == (
        "USD", "40.0", "40.0", "HOUR")


def test_base_salary_range() -> None:
    rec = _one(posting(baseSalary={"@type": "MonetaryAmount", "currency": "USD", "value": {
        "@type": "QuantitativeValue", "minValue": 40.00, "maxValue": 50.00, "unitText": "HOUR"}}))
    assert rec["base_salary"] == "USD 40.0-50.0 per hour"
    assert (rec["extra"]["salary_min"], rec["extra"]["salary_max"]) == ("40.0", "50.0")


def test_base_salary_bare_number_with_salary_currency() -> None:
    rec = _one(posting(baseSalary=100000, salaryCurrency="USD"))
    assert rec["base_salary"] == "USD 100000"
    extra = rec["extra"]
    assert (extra["salary_currency"], extra["salary_min"], extra["salary_max"]) == ("USD", "100000", "100000")


# ---------------------------------------------------------------------------------------------- location

def test_job_location_list_keeps_every_place() -> None:
    rec = _one(posting(jobLocation=[DETROIT, ANN_ARBOR]))
    assert rec["job_location"] == "US MI Detroit 555 Clancy St"
    assert rec["extra"]["job_locations"] == ["US MI Detroit 555 Clancy St", "US MI Ann Arbor 666 Fake St"]
    assert rec["extra"]["postal_code"] == "48201"


def test_single_job_location_is_not_repeated_in_extra() -> None:
    rec = _one(GOOGLE)
    assert rec["job_location"] == "US CA Mountain View 1600 Amphitheatre Pkwy"
    assert "job_locations" not in rec["extra"]


def test_telecommute_with_applicant_location_requirements() -> None:
    rec = _one(posting(jobLocation=None, jobLocationType="TELECOMMUTE", applicantLocationRequirements=[
        {"@type": "Country", "name": "USA"}, {"@type": "Country", "name": "Canada"}]))
    assert rec["job_location"] == "USA"
    assert rec["extra"]["job_location_type"] == "TELECOMMUTE"
    assert rec["extra"]["applicant_location_requirements"] == ["USA", "Canada"]


def test_telecommute_beside_an_office() -> None:
    rec = _one(posting(jobLocationType="TELECOMMUTE",
                        applicantLocationRequirements={"@type": "State", "name": "Michigan"},
                        jobLocation=DETROIT))
    assert rec["job_location"] == "US MI Detroit 555 Clancy St"
    assert rec["extra"]["job_location_type"] == "TELECOMMUTE"
    assert rec["extra"]["applicant_location_requirements"] == ["Michigan"]


# ------------------------------------------------------------------------------------ type, org, dates

def test_employment_type_list() -> None:
    assert _one(posting(employmentType=["FULL_TIME", "PART_TIME"]))["employment_type"] == "FULL_TIME,PART_TIME"


@pytest.mark.parametrize("logo", ["https://www.example.com/images/logo.png",
                                  {"@type": "ImageObject", "url": "https://www.example.com/images/logo.png"}])
def test_hiring_organization_same_as_and_logo(logo: Any) -> None:
    rec = _one(posting(hiringOrganization={"@type": "Organization", "name": "Google",
                                            "sameAs": "https://www.google.com", "logo": logo}))
    assert rec["hiring_organization"] == "Google"
    assert rec["extra"]["employer_same_as"] == "https://www.google.com"
    assert rec["extra"]["employer_logo"] == "https://www.example.com/images/logo.png"


@pytest.mark.parametrize(("valid_through", "day"), [
    ("2017-03-18T00:00", date(2017, 3, 18)),
    ("2017-03-18", date(2017, 3, 18)),
    ("2017-03-18T23:59:59+08:00", date(2017, 3, 18)),
    ("2017-03-18T16:00:00Z", date(2017, 3, 18)),
    ("2017-03-18T00:00:00-05:00", date(2017, 3, 18)),
])
def test_valid_through_with_and_without_offsets(valid_through: str, day: date) -> None:
    rec = _one(posting(validThrough=valid_through))
    assert rec["valid_through"] == valid_through  # landed as the page wrote it ...
    assert parse_date(rec["valid_through"], date(2017, 1, 20)) == day  # ... and read as its own date


# ------------------------------------------------------------------------------------------- description

@pytest.mark.parametrize(("description", "expected"), [
    # Google asks for HTML in description: tags give way to line breaks at blocks, entities are decoded
    ("<p>Design &amp; build tools.</p><ul><li>Python</li><li>Go</li></ul>", "Design & build tools.\nPython\nGo"),
    # the HTML itself entity-escaped, as many CMS exports write it
    ("&lt;p&gt;Design &amp;amp; build tools.&lt;/p&gt;&lt;p&gt;Join &lt;b&gt;us&lt;/b&gt;.&lt;/p&gt;",
     "Design & build tools.\nJoin us."),
    ("R&amp;D team, 5 days&nbsp;a week &#8211; on site", "R&D team, 5 days a week – on site"),
    ("Line one<br>line two<br/>line three", "Line one\nline two\nline three"),
    # text that only looks like markup stays as written
    ("工资<5000元 & 包吃住, a<b", "工资<5000元 & 包吃住, a<b"),
    ("Plain text\nwith a line break", "Plain text\nwith a line break"),
])
def test_description_html_and_entities(description: str, expected: str) -> None:
    assert _one(posting(description=description))["description"] == expected


def test_title_and_employer_entities_decoded() -> None:
    rec = _one(posting(title="R&amp;D Engineer", hiringOrganization={"@type": "Organization",
                                                                       "name": "Smith &amp; Sons"}))
    assert (rec["title"], rec["hiring_organization"]) == ("R&D Engineer", "Smith & Sons")


# --------------------------------------------------------------------------------- several on one page

def test_graph_with_two_postings_and_a_shared_organisation() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "@id": "#org", "name": "Google", "sameAs": "https://www.google.com"},
        {**posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "111"}),
         "hiringOrganization": {"@id": "#org"}},
        {**posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "222"},
                    title="Site Reliability Engineer"), "hiringOrganization": {"@id": "#org"}},
    ]}
    records, errors = extract_postings(page(graph), URL)
    assert not errors
    assert [(r["source_record_id"], r["title"], r["hiring_organization"]) for r in records] == [
        ("111", "Software Engineer", "Google"), ("222", "Site Reliability Engineer", "Google")]


def test_two_postings_on_one_page_with_identifiers() -> None:
    a = posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "111"})
    b = posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "222"}, title="Data Engineer")
    records, _ = extract_postings(page(a, b), URL)
    assert [r["source_record_id"] for r in records] == ["111", "222"]


def test_two_postings_on_one_page_without_identifiers_get_distinct_keys() -> None:
    a = posting(identifier=None)
    b = posting(identifier=None, title="Data Engineer")
    records, _ = extract_postings(page(a, b), URL)
    assert [r["source_record_id"] for r in records] == [f"{URL}#1", f"{URL}#2"]
    records, _ = extract_postings(page(a), URL)  # one posting: the page URL, as before
    assert [r["source_record_id"] for r in records] == [URL]


def test_one_posting_in_jsonld_and_microdata_lands_once() -> None:
    """The same posting marked up twice (the microdata's text differs a little) is one record: same
    identifier and title in another syntax on the same page."""
    html = page(GOOGLE).replace("</body>", (
        '<div itemscope itemtype="https://schema.org/JobPosting"><h1 itemprop="title">Software Engineer</h1>'
        '<div itemprop="description">Google aspires to be an organization.</div>'
        '<div itemprop="identifier" itemscope itemtype="https://schema.org/PropertyValue">'
        '<meta itemprop="name" content="Google"><meta itemprop="value" content="1234567"></div></div></body>'))
    records, errors = extract_postings(html, URL)
    assert not errors and [(r["raw_format"], r["source_record_id"]) for r in records] == [("json-ld", "1234567")]


# -------------------------------------------------------------------------- the real schema.org examples

def _real_examples(real_data: Path) -> dict[str, dict[str, Any]]:
    folder = real_data / "schemaorg_jobposting"
    examples = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.jsonld"))}
    assert len(examples) >= 12, f"expected the schema.org examples in {folder}"
    return examples


def test_real_examples_with_property_value_identifiers(real_data: Path) -> None:
    """Every real example, given Google's identifier form with one shared name, keeps its own key, on
    its own page and all together on one page."""
    examples = _real_examples(real_data)
    tagged = [{**obj, "identifier": {"@type": "PropertyValue", "name": "schema.org", "value": stem}}
              for stem, obj in examples.items()]
    for obj in tagged:
        rec = _one(obj, url=f"http://127.0.0.1/{obj['identifier']['value']}.html")
        assert rec["source_record_id"] == obj["identifier"]["value"]
        assert rec["extra"]["identifier_scheme"] == "schema.org"
    records, errors = extract_postings(page(*tagged), URL)
    assert not errors and [r["source_record_id"] for r in records] == list(examples)
    # without identifiers (examples identical in every landed field are one posting): a key each
    untagged, _ = extract_postings(page(*examples.values()), URL)
    assert len(untagged) >= 9 and len({r["source_record_id"] for r in untagged}) == len(untagged)


def test_real_example_salary_and_remote(real_data: Path) -> None:
    examples = _real_examples(real_data)
    eg28 = _one(examples["eg-0028"])  # baseSalary "100000" with salaryCurrency USD
    assert eg28["base_salary"] == "USD 100000"
    assert (eg28["extra"]["salary_min"], eg28["extra"]["salary_max"]) == ("100000", "100000")
    eg268 = _one(examples["eg-0268"])  # applicantLocationRequirements: a Country with sameAs
    assert eg268["job_location"] == "USA" and eg268["extra"]["applicant_location_requirements"] == ["USA"]
    eg281 = _one(examples["eg-0281"])  # hiringOrganization with @id and url
    assert eg281["hiring_organization"] == "ACME Corp."


def test_a_deeply_nested_jsonld_block_is_refused_not_a_recursion_error() -> None:
    """A hostile page's JSON-LD nested 100,000 deep is an extraction error naming the page, never a
    RecursionError that kills the crawl; the valid block beside it still lands."""
    from crawlers.jobposting import extract_postings

    deep = "[" * 100_000 + "]" * 100_000
    good = '{"@type": "JobPosting", "title": "收银员", "description": "超市收银", "identifier": "A-1"}'
    html = (f'<script type="application/ld+json">{deep}</script>'
            f'<script type="application/ld+json">{good}</script>')
    records, errors = extract_postings(html, "http://127.0.0.1/deep.html")
    assert [r["title"] for r in records] == ["收银员"]
    assert len(errors) == 1 and "deep.html" in errors[0] and "nested deeper" in errors[0]
