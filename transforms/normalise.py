"""Normalisation stage: landed text → typed, comparable fields (one vocabulary for every source).

Each field has its own module (salary, place, employment, employer, title, dates, pii); this module
only applies them to a batch, chunk by chunk, so memory stays bounded. The parsers are cached on
their input, so the many repeats of a salary string, address or employer cost one parse each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pyarrow as pa

from transforms.dates import default_valid_through, parse_date
from transforms.employer import normalise_employer
from transforms.employment import classify
from transforms.pii import mask_pii
from transforms.place import resolve_place
from transforms.salary import parse_salary
from transforms.title import major_group, normalise_title

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

_STRUCTURED_UNITS = {"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _tags(extra: dict[str, Any]) -> list[str]:
    raw = extra.get("tags")
    if isinstance(raw, list):
        return [str(t) for t in raw]
    if isinstance(raw, str):
        return [t for t in raw.replace("，", ",").replace("|", ",").split(",") if t.strip()]
    return []


def _salary_fields(text: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    salary = parse_salary(text)
    fields: dict[str, Any] = {
        "salary_currency": None, "salary_period": None, "salary_min": None, "salary_max": None,
        "salary_months": None, "salary_negotiable": None, "salary_monthly_min": None,
        "salary_monthly_max": None,
    }
    if salary is not None:
        fields.update(
            salary_currency=salary.currency, salary_period=salary.period,
            salary_min=salary.min_amount, salary_max=salary.max_amount,
            salary_months=salary.months_per_year, salary_negotiable=salary.negotiable,
            salary_monthly_min=salary.monthly_min, salary_monthly_max=salary.monthly_max,
        )
    return fields


def normalise_rows(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        extra = json.loads(row["extra"]) if row.get("extra") else {}
        fetched: datetime = row["fetched_at"]
        reference: date = fetched.astimezone(LOCAL_TZ).date()
        title = row.get("title")
        title_norm = normalise_title(title)
        description = row.get("description")
        employer = normalise_employer(row.get("hiring_organization"))
        place = resolve_place(
            row.get("job_location"), extra.get("city"),
            _float(extra.get("latitude")), _float(extra.get("longitude")),
        )
        tags = _tags(extra)
        kind = classify(title, description, row.get("employment_type"), tags)
        posted = parse_date(row.get("date_posted"), reference)
        valid = parse_date(row.get("valid_through"), reference)
        if valid is None and posted is not None:
            valid = default_valid_through(posted, kind.employment_type)
        masked = mask_pii(description) if description else description
        yield {
            "source": row["source"],
            "batch_id": row["batch_id"],
            "record_index": row["record_index"],
            "source_record_id": row.get("source_record_id"),
            "url": row.get("url"),
            "fetched_at": fetched,
            "content_hash": row["content_hash"],
            "ingest_error": row.get("ingest_error"),
            "title": title,
            "title_norm": title_norm,
            "occupation_group": major_group(title_norm),
            "description": masked,
            "description_length": len(description) if description else 0,
            "employer_name": employer.name if employer else None,
            "employer_key": employer.key if employer else None,
            "employer_branch": employer.branch if employer else None,
            "address": row.get("job_location"),
            "city_adcode": place.city_adcode,
            "district_adcode": place.district_adcode,
            "town": place.town,
            "town_adcode": place.town_adcode,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "coord_status": place.coord_status,
            "salary_text": row.get("base_salary"),
            **_salary_fields(row.get("base_salary"), extra),
            "employment_type": kind.employment_type,
            "is_short_term": kind.short_term,
            "is_flexible": kind.flexible_hours,
            "is_temporary": kind.temporary,
            "is_daily_pay": kind.daily_pay,
            "is_night_shift": kind.night_shift,
            "for_mothers": kind.mother_friendly,
            "for_seniors": kind.senior_friendly,
            "for_disabled": kind.disability_friendly,
            "tag_rules": ",".join(kind.rules_fired) or None,
            "date_posted": posted,
            "date_posted_raw": row.get("date_posted"),
            "valid_through": valid,
            "valid_through_raw": row.get("valid_through"),
        }


def normalise_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Landing record batches in, normalised record batches out (same order, same count)."""
    for batch in batches:
        rows = batch.to_pylist()
        yield pa.RecordBatch.from_pylist(list(normalise_rows(rows)), schema=NORMALISED_SCHEMA)
