"""Conformance of the crawler's extraction (crawlers/jobposting.py) with Google's JobPosting
structured-data guide and schema.org's examples, and a whole-pipeline crawl of a board whose
identifiers are schema.org PropertyValues.

The fixtures are written here, modelled on the public examples (Google's "Software Engineer" posting,
its multi-location, remote-work and salary-range variants); the real schema.org examples are read
from ``../shared/data/real/schemaorg_jobposting`` (missing data fails, never skips).

Why: Google gives ``identifier`` as ``{"@type": "PropertyValue", "name": <employer>, "value": <id>}``.
Taking the ``name`` as the record key made every posting of such a site one record (467 postings
became one job, the rest counted as exact copies)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from crawlers.jobposting import extract_postings
from crawlers.registry import CrawlSource
from crawlers.run import run_crawl
from demo.testserver import Page, board_server
from jobpool.pipeline import run_all
from landing.contract import read_manifest
from landing.paths import Paths
from transforms.normalise.dates import parse_date
from warehouse.steps import source_summary

FAST = {"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}
URL = "http://127.0.0.1/jobs/1.html"

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


def _page(*blocks: Any) -> str:
    """An HTML page carrying each block as its own JSON-LD script."""
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(b, ensure_ascii=False)}</script>'
                      for b in blocks)
    return f"<!doctype html><html><head><title>job</title>{scripts}</head><body><h1>job</h1></body></html>"


def _posting(**changes: Any) -> dict[str, Any]:
    """Google's example with properties replaced (None removes one)."""
    obj = copy.deepcopy(GOOGLE)
    for key, value in changes.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj


def _one(obj: Any, url: str = URL) -> dict[str, Any]:
    records, errors = extract_postings(_page(obj), url)
    assert not errors and len(records) == 1, (errors, records)
    return records[0]


# --------------------------------------------------------------------------------------------- identifier

def test_identifier_property_value_is_its_value_with_the_name_as_scheme() -> None:
    rec = _one(GOOGLE)
    assert rec["identifier"] == "1234567" and rec["source_record_id"] == "1234567"
    assert rec["extra"]["identifier_scheme"] == "Google"


def test_identifier_property_id_is_the_scheme() -> None:
    rec = _one(_posting(identifier={"@type": "PropertyValue", "propertyID": "ATS", "name": "Acme careers",
                                    "value": "REQ-0042"}))
    assert rec["source_record_id"] == "REQ-0042" and rec["extra"]["identifier_scheme"] == "ATS"


@pytest.mark.parametrize(("identifier", "expected"), [
    ("JOB-42", "JOB-42"),
    (1234567, "1234567"),
    ({"@type": "PropertyValue", "name": "Google", "value": 1234567}, "1234567"),
    ([{"@type": "PropertyValue", "name": "Google", "value": "A-1"}], "A-1"),
])
def test_identifier_as_text_number_or_list(identifier: Any, expected: str) -> None:
    rec = _one(_posting(identifier=identifier))
    assert rec["identifier"] == expected and rec["source_record_id"] == expected


def test_a_descriptive_name_never_becomes_the_key() -> None:
    """A PropertyValue without a value names nothing: the page URL is the key."""
    rec = _one(_posting(identifier={"@type": "PropertyValue", "name": "Google"}))
    assert rec["identifier"] is None and rec["source_record_id"] == URL


def test_property_values_with_one_name_give_distinct_keys() -> None:
    keys = set()
    for i in range(20):
        rec = _one(_posting(identifier={"@type": "PropertyValue", "name": "Google", "value": str(1000 + i)},
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
    rec = _one(_posting(baseSalary={"@type": "MonetaryAmount", "currency": "USD", "value": {
        "@type": "QuantitativeValue", "minValue": 40.00, "maxValue": 50.00, "unitText": "HOUR"}}))
    assert rec["base_salary"] == "USD 40.0-50.0 per hour"
    assert (rec["extra"]["salary_min"], rec["extra"]["salary_max"]) == ("40.0", "50.0")


def test_base_salary_bare_number_with_salary_currency() -> None:
    rec = _one(_posting(baseSalary=100000, salaryCurrency="USD"))
    assert rec["base_salary"] == "USD 100000"
    extra = rec["extra"]
    assert (extra["salary_currency"], extra["salary_min"], extra["salary_max"]) == ("USD", "100000", "100000")


# ---------------------------------------------------------------------------------------------- location

def test_job_location_list_keeps_every_place() -> None:
    rec = _one(_posting(jobLocation=[DETROIT, ANN_ARBOR]))
    assert rec["job_location"] == "US MI Detroit 555 Clancy St"
    assert rec["extra"]["job_locations"] == ["US MI Detroit 555 Clancy St", "US MI Ann Arbor 666 Fake St"]
    assert rec["extra"]["postal_code"] == "48201"


def test_single_job_location_is_not_repeated_in_extra() -> None:
    rec = _one(GOOGLE)
    assert rec["job_location"] == "US CA Mountain View 1600 Amphitheatre Pkwy"
    assert "job_locations" not in rec["extra"]


def test_telecommute_with_applicant_location_requirements() -> None:
    rec = _one(_posting(jobLocation=None, jobLocationType="TELECOMMUTE", applicantLocationRequirements=[
        {"@type": "Country", "name": "USA"}, {"@type": "Country", "name": "Canada"}]))
    assert rec["job_location"] == "USA"
    assert rec["extra"]["job_location_type"] == "TELECOMMUTE"
    assert rec["extra"]["applicant_location_requirements"] == ["USA", "Canada"]


def test_telecommute_beside_an_office() -> None:
    rec = _one(_posting(jobLocationType="TELECOMMUTE",
                        applicantLocationRequirements={"@type": "State", "name": "Michigan"},
                        jobLocation=DETROIT))
    assert rec["job_location"] == "US MI Detroit 555 Clancy St"
    assert rec["extra"]["job_location_type"] == "TELECOMMUTE"
    assert rec["extra"]["applicant_location_requirements"] == ["Michigan"]


# ------------------------------------------------------------------------------------ type, org, dates

def test_employment_type_list() -> None:
    assert _one(_posting(employmentType=["FULL_TIME", "PART_TIME"]))["employment_type"] == "FULL_TIME,PART_TIME"


@pytest.mark.parametrize("logo", ["https://www.example.com/images/logo.png",
                                  {"@type": "ImageObject", "url": "https://www.example.com/images/logo.png"}])
def test_hiring_organization_same_as_and_logo(logo: Any) -> None:
    rec = _one(_posting(hiringOrganization={"@type": "Organization", "name": "Google",
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
    rec = _one(_posting(validThrough=valid_through))
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
    assert _one(_posting(description=description))["description"] == expected


def test_title_and_employer_entities_decoded() -> None:
    rec = _one(_posting(title="R&amp;D Engineer", hiringOrganization={"@type": "Organization",
                                                                       "name": "Smith &amp; Sons"}))
    assert (rec["title"], rec["hiring_organization"]) == ("R&D Engineer", "Smith & Sons")


# --------------------------------------------------------------------------------- several on one page

def test_graph_with_two_postings_and_a_shared_organisation() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "@id": "#org", "name": "Google", "sameAs": "https://www.google.com"},
        {**_posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "111"}),
         "hiringOrganization": {"@id": "#org"}},
        {**_posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "222"},
                    title="Site Reliability Engineer"), "hiringOrganization": {"@id": "#org"}},
    ]}
    records, errors = extract_postings(_page(graph), URL)
    assert not errors
    assert [(r["source_record_id"], r["title"], r["hiring_organization"]) for r in records] == [
        ("111", "Software Engineer", "Google"), ("222", "Site Reliability Engineer", "Google")]


def test_two_postings_on_one_page_with_identifiers() -> None:
    a = _posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "111"})
    b = _posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "222"}, title="Data Engineer")
    records, _ = extract_postings(_page(a, b), URL)
    assert [r["source_record_id"] for r in records] == ["111", "222"]


def test_two_postings_on_one_page_without_identifiers_get_distinct_keys() -> None:
    a = _posting(identifier=None)
    b = _posting(identifier=None, title="Data Engineer")
    records, _ = extract_postings(_page(a, b), URL)
    assert [r["source_record_id"] for r in records] == [f"{URL}#1", f"{URL}#2"]
    records, _ = extract_postings(_page(a), URL)  # one posting: the page URL, as before
    assert [r["source_record_id"] for r in records] == [URL]


def test_one_posting_in_jsonld_and_microdata_lands_once() -> None:
    """The same posting marked up twice (the microdata's text differs a little) is one record: same
    identifier and title in another syntax on the same page."""
    html = _page(GOOGLE).replace("</body>", (
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
    records, errors = extract_postings(_page(*tagged), URL)
    assert not errors and [r["source_record_id"] for r in records] == list(examples)
    # without identifiers (examples identical in every landed field are one posting): a key each
    untagged, _ = extract_postings(_page(*examples.values()), URL)
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


# ------------------------------------------------------------------------- crawled over HTTP, in a batch

def test_conformance_pages_crawled_land_with_distinct_keys(home: Paths) -> None:
    """The fixtures above served on 127.0.0.1 and crawled by the generic spider: one batch, one key each."""
    pages = {
        "/google.html": _page(GOOGLE),
        "/range.html": _page(_posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "2"},
                                      title="Data Engineer", baseSalary={
                                          "@type": "MonetaryAmount", "currency": "USD", "value": {
                                              "@type": "QuantitativeValue", "minValue": 40, "maxValue": 50,
                                              "unitText": "HOUR"}})),
        "/text-id.html": _page(_posting(identifier="JOB-3", title="Designer")),
        "/number-id.html": _page(_posting(identifier=4, title="Writer")),
        "/remote.html": _page(_posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "5"},
                                       title="Remote Support", jobLocation=None, jobLocationType="TELECOMMUTE",
                                       applicantLocationRequirements={"@type": "Country", "name": "USA"})),
        "/two.html": _page(_posting(identifier=None, title="Cook"), _posting(identifier=None, title="Waiter")),
        "/graph.html": _page({"@context": "https://schema.org", "@graph": [
            _posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "7"}, title="Driver"),
            _posting(identifier={"@type": "PropertyValue", "name": "Google", "value": "8"}, title="Porter")]}),
    }
    with board_server({p: Page(body) for p, body in pages.items()}) as srv:
        result = run_crawl(CrawlSource("conformance", "jobposting", url=",".join(srv.url + p for p in pages)), FAST)
    assert result["batch"]["record_count"] == 9
    rows = pq.read_table(read_manifest(home)[0]["abs_path"]).to_pylist()
    keys = sorted(r["source_record_id"] for r in rows)
    assert len(set(keys)) == 9
    assert {"1234567", "2", "JOB-3", "4", "5", "7", "8"} <= set(keys)
    assert {k.rsplit("/", 1)[-1] for k in keys if k.startswith("http")} == {"two.html#1", "two.html#2"}


# --------------------------------------------------------------------------- the whole pipeline, 500 jobs

N_BOARD = 500
_ROLES = ("理货员", "收银员", "保洁员", "仓库管理员", "厨师", "配送员", "电工", "焊工", "保安", "客服专员")
_TOWNS = ("任城区古槐街道", "任城区南苑街道", "兖州区鼓楼街道", "曲阜市鲁城街道", "邹城市钢山街道")


def _board_posting(i: int, today: date) -> dict[str, Any]:
    """One distinct posting of a board that gives every identifier Google's way, with one name."""
    role, town = _ROLES[i % len(_ROLES)], _TOWNS[i % len(_TOWNS)]
    return {
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": f"{role}（{i}号岗）",
        "description": f"济宁第{i}号门店招聘{role}，负责日常工作，岗位编号{i:05d}。五险一金，包吃住。",
        "identifier": {"@type": "PropertyValue", "name": "济宁人才网", "value": f"JN{i:05d}"},
        "datePosted": (today - timedelta(days=i % 10)).isoformat(),
        "validThrough": f"{(today + timedelta(days=30)).isoformat()}T23:59:59+08:00",
        "employmentType": "FULL_TIME",
        "hiringOrganization": {"@type": "Organization", "name": f"济宁{i:04d}号商贸有限公司",
                               "sameAs": f"https://example.com/org/{i}"},
        "jobLocation": {"@type": "Place", "address": {
            "@type": "PostalAddress", "streetAddress": f"{town}建设路{i}号", "addressLocality": "济宁市",
            "addressRegion": "山东省", "addressCountry": "CN"}},
        "baseSalary": {"@type": "MonetaryAmount", "currency": "CNY", "value": {
            "@type": "QuantitativeValue", "minValue": 4000 + i, "maxValue": 6000 + i, "unitText": "MONTH"}},
    }


def test_property_value_board_of_500_gives_500_postings(home: Paths) -> None:
    """A sitemap board of 500 JSON-LD postings whose identifiers all share one PropertyValue name:
    crawled over HTTP, processed through every step, it is 500 postings and 500 jobs, none held."""
    today = datetime.now(UTC).date()
    pages = {f"/jobs/{i}.html": _page(_board_posting(i, today)) for i in range(N_BOARD)}

    def route(path: str) -> Page | None:
        body = pages.get(path)
        return Page(body) if body is not None else None

    with board_server(fallback=route) as srv:
        sitemap = ('<?xml version="1.0" encoding="UTF-8"?>'
                   '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                   + "".join(f"<url><loc>{srv.url}{p}</loc></url>" for p in pages) + "</urlset>")
        srv.server.routes["/sitemap.xml"] = Page(sitemap, content_type="application/xml")
        result = run_crawl(CrawlSource("pv_board", "jobposting", sitemap=f"{srv.url}/sitemap.xml"), FAST)
    assert result["batch"]["record_count"] == N_BOARD
    rows = pq.read_table(read_manifest(home)[0]["abs_path"]).to_pylist()
    assert {r["source_record_id"] for r in rows} == {f"JN{i:05d}" for i in range(N_BOARD)}

    run_all(home)  # raises BatchesHeld if any batch was held
    summary = {r["source"]: r for r in source_summary(home)}["pv_board"]
    assert summary["balanced"] and summary["landed"] == N_BOARD and summary["held"] == 0
    assert summary["quarantined"] == 0 and summary["merged_duplicates"] == 0
    assert summary["new_jobs"] == N_BOARD
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        postings, keys, jobs = con.execute(
            "select count(*), count(distinct source_record_id), count(distinct job_id) from core.posting "
            "where source = 'pv_board'").fetchone()
        copies = con.execute("select count(*) from core.posting where match_rule = 'exact_copy_in_run'").fetchone()[0]
    finally:
        con.close()
    assert (postings, keys, jobs, copies) == (N_BOARD, N_BOARD, N_BOARD, 0)


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
