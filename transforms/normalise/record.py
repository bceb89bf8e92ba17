"""The normalised record: its Arrow schema, which employment-result field fills which column, and what
both paths read from a landed record's ``extra`` (area names, tags, structured salary)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pyarrow as pa

from transforms.normalise.salary import Salary, parse_salary, salary_from_structured

LOCAL_TZ = timezone(timedelta(hours=8))  # China Standard Time: relative dates are local dates
NORMALISED_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("batch_id", pa.string()),
        ("record_index", pa.int64()),
        ("source_record_id", pa.string()),
        ("url", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("content_hash", pa.string()),
        ("ingest_error", pa.string()),
        ("title", pa.string()),
        ("title_norm", pa.string()),
        ("occupation_group", pa.string()),
        ("description", pa.string()),
        ("description_length", pa.int64()),
        ("employer_name", pa.string()),
        ("employer_key", pa.string()),
        ("employer_branch", pa.string()),
        ("address", pa.string()),
        ("city_adcode", pa.string()),
        ("district_adcode", pa.string()),
        ("town", pa.string()),
        ("town_adcode", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("coord_status", pa.string()),
        ("place_method", pa.string()),
        ("salary_text", pa.string()),
        ("salary_currency", pa.string()),
        ("salary_period", pa.string()),
        ("salary_min", pa.float64()),
        ("salary_max", pa.float64()),
        ("salary_months", pa.int32()),
        ("salary_negotiable", pa.bool_()),
        ("salary_monthly_min", pa.float64()),
        ("salary_monthly_max", pa.float64()),
        ("employment_type", pa.string()),
        ("is_short_term", pa.bool_()),
        ("is_flexible", pa.bool_()),
        ("is_temporary", pa.bool_()),
        ("is_daily_pay", pa.bool_()),
        ("is_night_shift", pa.bool_()),
        ("for_mothers", pa.bool_()),
        ("for_seniors", pa.bool_()),
        ("for_disabled", pa.bool_()),
        ("tag_rules", pa.string()),
        ("date_posted", pa.date32()),
        ("date_posted_raw", pa.string()),
        ("valid_through", pa.date32()),
        ("valid_through_raw", pa.string()),
    ]
)
SALARY_FIELDS = (
    "salary_currency", "salary_period", "salary_min", "salary_max", "salary_months", "salary_negotiable",
    "salary_monthly_min", "salary_monthly_max",
)  # fmt: skip
KIND_FIELDS = {  # output column → transforms.normalise.employment result field
    "employment_type": "employment_type", "is_short_term": "short_term", "is_flexible": "flexible_hours",
    "is_temporary": "temporary", "is_daily_pay": "daily_pay", "is_night_shift": "night_shift",
    "for_mothers": "for_mothers", "for_seniors": "for_seniors", "for_disabled": "for_disabled",
    "tag_rules": "tag_rules",
}  # fmt: skip
PASS_THROUGH = ("source", "batch_id", "record_index", "source_record_id", "url", "fetched_at", "content_hash",
                "ingest_error")


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# ``extra`` keys that name a place (feed mappings and crawlers put a board's area field there): read with
# the address line, most general first, so a record's district is found even when ``job_location`` holds
# only a street address.
AREA_KEYS = ("province", "state", "region", "area", "district", "county")
_AREA_KEYS = frozenset(AREA_KEYS)


def _area(extra: dict[str, Any]) -> str | None:
    if _AREA_KEYS.isdisjoint(extra):
        return None
    parts = []
    for key in AREA_KEYS:
        value = extra.get(key)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value if isinstance(v, str | int))
        if isinstance(value, str) and value.strip():
            parts.append(value)
    return " ".join(parts) or None


def _tags(extra: dict[str, Any]) -> list[str]:
    raw = extra.get("tags")
    if isinstance(raw, list):
        return [str(t) for t in raw]
    if isinstance(raw, str):
        return [t for t in raw.replace("，", ",").replace("|", ",").split(",") if t.strip()]
    return []


def _structured(extra: dict[str, Any]) -> tuple[Any, Any, Any, Any] | None:
    """(currency, unit, min, max) of a crawled MonetaryAmount (crawlers/jobposting.py puts them in extra)."""
    keys = ("salary_currency", "salary_unit", "salary_min", "salary_max")
    if extra.get("salary_min") is None and extra.get("salary_max") is None:
        return None
    return tuple(extra.get(k) if isinstance(extra.get(k), str | int | float) else None for k in keys)  # type: ignore[return-value]


def _salary(text: str | None, structured: tuple[Any, Any, Any, Any] | None) -> Salary | None:
    """Structured figures win over the text when they give an amount and a period."""
    parsed = parse_salary(text)
    if structured is not None:
        return salary_from_structured(*structured, text_salary=parsed) or parsed
    return parsed


def _salary_values(salary: Salary | None) -> tuple[Any, ...]:
    if salary is None:
        return (None,) * len(SALARY_FIELDS)
    return (salary.currency, salary.period, salary.min_amount, salary.max_amount, salary.months_per_year,
            salary.negotiable, salary.monthly_min, salary.monthly_max)


def _local_date(fetched: datetime) -> date:
    return fetched.astimezone(LOCAL_TZ).date()
