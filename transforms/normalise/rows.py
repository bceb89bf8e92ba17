"""The reference path: one posting at a time through the per-field functions. Slow, obvious, and the
yardstick the column path is tested against row for row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from transforms.normalise.dates import (
    default_valid_through,
    parse_date,
)
from transforms.normalise.employer import normalise_employer
from transforms.normalise.employment import classify
from transforms.normalise.pii import mask_pii
from transforms.normalise.place import resolve_place
from transforms.normalise.record import (
    PASS_THROUGH,
    SALARY_FIELDS,
    _area,
    _float,
    _local_date,
    _salary,
    _salary_values,
    _structured,
    _tags,
)
from transforms.normalise.title import major_group, normalise_title


def normalise_rows(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The reference path: one landed posting (a dict) at a time → one normalised row."""
    for row in rows:
        extra = json.loads(row["extra"]) if row.get("extra") else {}
        if not isinstance(extra, dict):
            extra = {}
        fetched: datetime = row["fetched_at"]
        reference = _local_date(fetched)
        title = row.get("title")
        title_masked = mask_pii(title)
        title_norm = normalise_title(title_masked)
        description = row.get("description")
        employer = normalise_employer(mask_pii(row.get("hiring_organization")))
        place = resolve_place(
            row.get("job_location"), extra.get("city"),
            _float(extra.get("latitude")), _float(extra.get("longitude")), _area(extra),
        )
        kind = classify(title, description, row.get("employment_type"), _tags(extra))
        posted = parse_date(row.get("date_posted"), reference)
        valid = parse_date(row.get("valid_through"), reference)
        if valid is None and posted is not None:
            valid = default_valid_through(posted, kind.employment_type)
        salary = _salary(row.get("base_salary"), _structured(extra))
        yield {
            **{k: row.get(k) for k in PASS_THROUGH},
            "title": title_masked,
            "title_norm": title_norm,
            "occupation_group": major_group(title_norm),
            "description": mask_pii(description) if description else description,
            "description_length": len(description) if description else 0,
            "employer_name": employer.name if employer else None,
            "employer_key": employer.key if employer else None,
            "employer_branch": employer.branch if employer else None,
            "address": mask_pii(row.get("job_location")),
            "city_adcode": place.city_adcode,
            "district_adcode": place.district_adcode,
            "town": place.town,
            "town_adcode": place.town_adcode,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "coord_status": place.coord_status,
            "place_method": place.method,
            "salary_text": row.get("base_salary"),
            **dict(zip(SALARY_FIELDS, _salary_values(salary), strict=True)),
            "employment_type": kind.employment_type,
            "is_short_term": kind.short_term,
            "is_flexible": kind.flexible_hours,
            "is_temporary": kind.temporary,
            "is_daily_pay": kind.daily_pay,
            "is_night_shift": kind.night_shift,
            "for_mothers": kind.for_mothers,
            "for_seniors": kind.for_seniors,
            "for_disabled": kind.for_disabled,
            "tag_rules": ",".join(kind.rules_fired) or None,
            "date_posted": posted,
            "date_posted_raw": row.get("date_posted"),
            "valid_through": valid,
            "valid_through_raw": row.get("valid_through"),
        }
