"""A published job as schema.org ``JobPosting`` JSON-LD: the payload job boards and search engines read.

Why schema.org: the apps (and Google for Jobs, if the city publishes pages) already understand it, and
the crawler reads the same vocabulary in (``crawlers/jobposting.py``), so a job leaves the pool in the
shape it came in. Google's required properties are always present: title, description, datePosted,
hiringOrganization, jobLocation. Lineage (every source copy merged into the job) rides along as
``sources``, outside the schema.org terms.
"""

from __future__ import annotations

from typing import Any

from transforms.vocabulary import SPECIAL_GROUPS

COUNTRY = "CN"
REGION = "山东省"
CITY = "济宁市"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def job_posting(job: dict[str, Any], sources: list[dict[str, Any]], district: str | None) -> dict[str, Any]:
    """``job`` is a row of published.open_jobs, ``sources`` its rows of published.job_sources."""
    address = {"@type": "PostalAddress", "addressCountry": COUNTRY, "addressRegion": REGION,
               "addressLocality": " ".join(filter(None, (CITY, district, job.get("town")))) or CITY}
    if job.get("address"):
        address["streetAddress"] = job["address"]
    location: dict[str, Any] = {"@type": "Place", "address": address}
    if job.get("latitude") is not None and job.get("longitude") is not None:
        location["geo"] = {"@type": "GeoCoordinates", "latitude": job["latitude"], "longitude": job["longitude"]}
    organization: dict[str, Any] = {"@type": "Organization", "name": job.get("employer_name") or "未署名用人单位"}
    if job.get("employer_branch"):
        organization["department"] = {"@type": "Organization", "name": job["employer_branch"]}
    out: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": "JobPool", "value": job["job_id"]},
        "title": job["title"],
        "description": job.get("description") or job["title"],
        # required by Google; a source that gave no date: the day the pool first saw the job
        "datePosted": _iso(job.get("date_posted") or (seen.date() if (seen := job.get("first_seen_at")) else None)),
        "validThrough": _iso(job.get("valid_through")),
        "employmentType": job.get("employment_type"),
        "hiringOrganization": organization,
        "jobLocation": location,
    }
    low, high = job.get("salary_min"), job.get("salary_max")
    if (low is not None or high is not None) and job.get("salary_period"):
        value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": job["salary_period"]}
        if low is not None and high is not None and low == high:
            value["value"] = low
        else:
            if low is not None:
                value["minValue"] = low
            if high is not None:
                value["maxValue"] = high
        out["baseSalary"] = {"@type": "MonetaryAmount", "currency": job.get("salary_currency") or "CNY",
                             "value": value}
    if job.get("salary_text"):
        out["salaryText"] = job["salary_text"]  # as the source wrote it (not schema.org)
    schedule = [label for flag, label in (("is_short_term", "短时岗"), ("is_flexible", "弹性岗"),
                                          ("is_temporary", "临时岗"), ("is_daily_pay", "日结"),
                                          ("is_night_shift", "夜班")) if job.get(flag)]
    groups = [label for flag, label in SPECIAL_GROUPS.values() if job.get(flag)]
    if schedule or groups:
        out["jobBenefits"] = "、".join(schedule + groups)
    out["sources"] = [{"source": s["source"], "source_record_id": s["source_record_id"], "url": s["url"],
                       "match_rule": s["match_rule"], "match_score": s["match_score"],
                       "first_seen_at": _iso(s["first_seen_at"]), "last_seen_at": _iso(s["last_seen_at"])}
                      for s in sources]
    return out
