"""The production path, column at a time: each parser runs once per distinct value of its input,
coordinates are checked with numpy, and RE2 passes pick the few rows that need rules or PII masking
in Python."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.normalise.columnar import encode, encode_codes, gather
from transforms.normalise.dates import (
    DEFAULT_VALID_DAYS,
    SHORT_LIVED_TYPES,
    SHORT_VALID_DAYS,
    parse_date,
)
from transforms.normalise.employer import employer_parts
from transforms.normalise.employment import classify_batch, explicit_text
from transforms.normalise.pii import mask_pii_arrow
from transforms.normalise.place import resolve_place_batch
from transforms.normalise.record import (
    KIND_FIELDS,
    NORMALISED_SCHEMA,
    PASS_THROUGH,
    SALARY_FIELDS,
    _area,
    _float,
    _salary,
    _salary_values,
    _structured,
    _tags,
)
from transforms.normalise.title import major_group, normalise_title


def _extra_values(raw: str | None) -> tuple[Any, ...]:
    """(city hint, latitude, longitude, explicit tags, structured salary, area text) of one ``extra`` JSON
    text."""
    extra = json.loads(raw) if raw else {}
    if not isinstance(extra, dict):
        extra = {}
    lat, lon = _float(extra.get("latitude")), _float(extra.get("longitude"))
    city = extra.get("city")
    return (
        city if isinstance(city, str) else None,
        math.nan if lat is None else lat,
        math.nan if lon is None else lon,
        tuple(_tags(extra)),
        _structured(extra),
        _area(extra),
    )


def _column(batch: pa.RecordBatch, name: str) -> pa.Array:
    i = batch.schema.get_field_index(name)
    return batch.column(i) if i >= 0 else pa.nulls(batch.num_rows, pa.string())


def _dates(text: pa.Array, ref_idx: np.ndarray, refs: list[date]) -> pa.Array:
    t_idx, t_vals = encode(text)
    first, inverse = encode_codes((t_idx, len(t_vals)), (ref_idx, len(refs)))
    return gather([parse_date(t_vals[t_idx[f]], refs[ref_idx[f]]) for f in first], inverse, pa.date32())


def normalise_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """One landing record batch → one normalised batch (same rows, same order), column at a time."""
    n = batch.num_rows
    out: dict[str, Any] = {k: _column(batch, k) for k in PASS_THROUGH}
    out["fetched_at"] = out["fetched_at"].cast(NORMALISED_SCHEMA.field("fetched_at").type)

    x_idx, x_vals = encode(_column(batch, "extra"))
    extras = [_extra_values(v) for v in x_vals]
    city = gather([e[0] for e in extras], x_idx, pa.string())
    lat = np.array([e[1] for e in extras], dtype=np.float64)[x_idx] if n else np.zeros(0)
    lon = np.array([e[2] for e in extras], dtype=np.float64)[x_idx] if n else np.zeros(0)

    title = _column(batch, "title")
    title_masked = mask_pii_arrow(title)
    t_idx, t_vals = encode(title_masked)
    norms = [normalise_title(v) for v in t_vals]
    out["title"] = title_masked
    out["title_norm"] = gather(norms, t_idx, pa.string())
    out["occupation_group"] = gather([major_group(v) for v in norms], t_idx, pa.string())

    description = _column(batch, "description")
    out["description"] = mask_pii_arrow(description)
    out["description_length"] = pc.fill_null(pc.utf8_length(description), 0).cast(pa.int64())

    e_idx, e_vals = encode(mask_pii_arrow(_column(batch, "hiring_organization")))
    employers = [employer_parts(v) or (None, None, None) for v in e_vals]
    for i, field in enumerate(("employer_name", "employer_key", "employer_branch")):
        out[field] = gather([e[i] for e in employers], e_idx, pa.string())

    location = _column(batch, "job_location")
    out["address"] = mask_pii_arrow(location)
    area = gather([e[5] for e in extras], x_idx, pa.string())
    place = resolve_place_batch(location, city, lat, lon, area)
    for field in ("city_adcode", "district_adcode", "town", "town_adcode", "latitude", "longitude",
                  "coord_status"):
        out[field] = place[field]
    out["place_method"] = place["method"]

    salary_text = _column(batch, "base_salary")
    s_idx, s_vals = encode(salary_text)
    first, inverse = encode_codes((s_idx, len(s_vals)), (x_idx, len(x_vals)))
    salaries = [_salary_values(_salary(s_vals[s_idx[f]], extras[x_idx[f]][4])) for f in first]
    out["salary_text"] = salary_text
    for i, (field, type_) in enumerate(
        (f, NORMALISED_SCHEMA.field(f).type) for f in SALARY_FIELDS
    ):
        out[field] = gather([v[i] for v in salaries], inverse, type_)

    et_idx, et_vals = encode(_column(batch, "employment_type"))
    first, inverse = encode_codes((et_idx, len(et_vals)), (x_idx, len(x_vals)))
    explicit = gather([explicit_text(et_vals[et_idx[f]], extras[x_idx[f]][3]) for f in first], inverse,
                      pa.string())
    kind = classify_batch(explicit, title, description)
    for field, key in KIND_FIELDS.items():
        out[field] = kind[key]

    # reference date: the crawl's local (UTC+8) calendar day
    micros = pc.cast(out["fetched_at"], pa.int64()).to_numpy(zero_copy_only=False)
    day = (micros + 8 * 3600 * 1_000_000) // 86_400_000_000
    uniq_days, ref_idx = np.unique(day, return_inverse=True)
    refs = [date(1970, 1, 1) + timedelta(days=int(d)) for d in uniq_days]
    ref_idx = ref_idx.reshape(-1).astype(np.int64)
    posted = _dates(_column(batch, "date_posted"), ref_idx, refs)
    valid = _dates(_column(batch, "valid_through"), ref_idx, refs)
    short = pc.is_in(out["employment_type"], pa.array(sorted(SHORT_LIVED_TYPES)))
    days = pc.if_else(short, SHORT_VALID_DAYS, DEFAULT_VALID_DAYS).cast(pa.int32())
    default = pc.add(posted.cast(pa.int32()), days).cast(pa.date32())
    out["date_posted"] = posted
    out["date_posted_raw"] = _column(batch, "date_posted")
    out["valid_through"] = pc.coalesce(valid, default)
    out["valid_through_raw"] = _column(batch, "valid_through")
    return pa.RecordBatch.from_arrays(
        [pa.array(out[f.name]).cast(f.type) if not isinstance(out[f.name], pa.Array) else out[f.name].cast(f.type)
         for f in NORMALISED_SCHEMA],
        schema=NORMALISED_SCHEMA,
    )
