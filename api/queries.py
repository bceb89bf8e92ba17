"""Job searches as SQL with bound parameters, and the opaque cursors that page them.

Why keyset cursors: an offset re-reads every skipped row and shifts when rows change; a cursor carries
the last row's sort key (and its snapshot version), so page N costs what page 1 costs and, pinned to one
snapshot, pages never overlap or skip. Every value a client sends is validated here against the
vocabulary (``transforms.vocabulary``) and reaches DuckDB only as a ``?`` parameter: the SQL text is
built from this module's constants alone, so a filter like ``' or 1=1 --`` is just a string that
matches nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from circle import geo
from transforms.vocabulary import EMPLOYMENT_TYPES, SPECIAL_GROUPS, districts, in_jining, towns

MAX_LIMIT = 100
MAX_TEXT = 50
MAX_TERMS = 5
MAX_MINUTES = 60
SORTS = ("date", "distance")
#: special groups by their API name; the Chinese labels (妈妈岗 …) are accepted too
GROUP_ALIASES = {name: name for name in SPECIAL_GROUPS} | {label: name for name, (_, label) in SPECIAL_GROUPS.items()}
#: jobs_by_area's job_group values (all, the special groups, the schedule flags)
AREA_GROUPS = ("all", *SPECIAL_GROUPS, "short_term", "flexible", "temporary", "daily_pay", "night_shift")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")

#: what a list item shows of a job (the full posting is GET /jobs/{id})
SUMMARY_COLUMNS = (
    "job_id", "title", "employer_name", "employer_branch", "district_adcode", "town", "latitude", "longitude",
    "salary_text", "salary_currency", "salary_period", "salary_monthly_min", "salary_monthly_max",
    "salary_negotiable", "employment_type", "is_short_term", "is_flexible", "is_temporary", "is_daily_pay",
    "is_night_shift", "for_mothers", "for_seniors", "for_disabled", "date_posted", "valid_through", "n_sources",
)


class BadRequest(Exception):
    """A value the client sent that cannot be served (answered 4xx with this message)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@lru_cache(maxsize=1)
def _districts() -> dict[str, str]:
    return {code: d["name"] for code, d in districts().items()}


@lru_cache(maxsize=1)
def _towns() -> dict[str, dict[str, Any]]:
    return {t["adcode"]: t for t in towns()}


def district_name(adcode: str | None) -> str | None:
    return _districts().get(adcode or "")


def check_district(adcode: str | None) -> str | None:
    if adcode is None:
        return None
    if adcode not in _districts():
        raise BadRequest(f"district {adcode[:20]!r} is not a district adcode of the city "
                         f"({', '.join(sorted(_districts()))})")
    return adcode


def check_town(adcode: str | None, district: str | None) -> dict[str, Any] | None:
    """The town (乡镇/街道) of a 9-digit adcode, which must lie in ``district`` when both are given."""
    if adcode is None:
        return None
    town = _towns().get(adcode)
    if town is None:
        raise BadRequest(f"town {adcode[:20]!r} is not a town/street adcode of the city (9 digits, e.g. 370811001)")
    if district and town["district_adcode"] != district:
        raise BadRequest(f"town {adcode} lies in district {town['district_adcode']}, not {district}")
    return town


def check_types(value: str | None) -> list[str]:
    """``FULL_TIME`` or a comma list of schema.org employmentType values."""
    if value is None:
        return []
    types = [t.strip().upper() for t in value.split(",") if t.strip()]
    bad = [t for t in types if t not in EMPLOYMENT_TYPES]
    if bad or not types or len(types) > len(EMPLOYMENT_TYPES):
        raise BadRequest(f"employment_type must be one or more of {', '.join(EMPLOYMENT_TYPES)}")
    return sorted(set(types))


def check_groups(value: str | None) -> list[str]:
    """``mother``, ``senior``, ``disabled`` (or 妈妈岗, 银龄岗, 助残岗), comma-separated: jobs for all of them."""
    if value is None:
        return []
    names = [g.strip() for g in value.split(",") if g.strip()]
    bad = [g for g in names if g not in GROUP_ALIASES]
    if bad or not names or len(names) > len(GROUP_ALIASES):
        raise BadRequest(f"group must be one or more of {', '.join(SPECIAL_GROUPS)} "
                         f"({', '.join(label for _, label in SPECIAL_GROUPS.values())})")
    return sorted({GROUP_ALIASES[g] for g in names})


def check_text(value: str | None) -> list[str]:
    """Words to find in the title or the employer's name (every word must occur)."""
    if value is None:
        return []
    if len(value) > MAX_TEXT or any(ord(c) < 32 for c in value):
        raise BadRequest(f"q must be at most {MAX_TEXT} characters of text")
    terms = [t.lower() for t in value.split() if t]
    if len(terms) > MAX_TERMS:
        raise BadRequest(f"q may have at most {MAX_TERMS} words")
    return terms


def check_point(value: str | None) -> tuple[float, float] | None:
    """``near=lat,lon`` (GCJ-02, inside the city)."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise BadRequest("near must be 'latitude,longitude', e.g. near=35.415,116.587") from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not in_jining(lat, lon):
        raise BadRequest(f"near={lat},{lon} is not inside the city (GCJ-02 latitude,longitude)")
    return lat, lon


# -- cursors -------------------------------------------------------------------------------------
def fingerprint(filters: dict[str, Any]) -> str:
    """A short hash of what a cursor was made for: reusing it with other filters is an error."""
    return hashlib.sha256(json.dumps(filters, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode_cursor(version: str, kind: str, filters: str, key: list[Any]) -> str:
    raw = json.dumps({"v": version, "s": kind, "f": filters, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_data(cursor: str) -> dict[str, Any]:
    try:
        if len(cursor) > 1000:
            raise ValueError
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or not isinstance(data.get("k"), list) or not isinstance(data.get("v"), str):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("cursor is not one this API made: pass next_cursor from the previous page", 400) from None
    return data


def cursor_version(cursor: str) -> str:
    """The snapshot version a cursor pages (checked against its query where it is used)."""
    return _cursor_data(cursor)["v"]


def decode_cursor(cursor: str, kind: str, filters: str) -> tuple[str, list[Any]]:
    """(snapshot version, last key) of a cursor made for this kind of listing and these filters."""
    data = _cursor_data(cursor)
    if data.get("s") != kind or data.get("f") != filters:
        raise BadRequest("cursor was made for other filters or another sort: keep the query of the first page", 400)
    return data["v"], data["k"]


def key_value(value: Any, kind: type) -> Any:
    """One cursor key component, type-checked (a crafted cursor gets a 400, not a DuckDB error)."""
    try:
        if kind is date:
            return date.fromisoformat(value)
        if kind is float:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError
            return float(value)
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError
            return value
        if not isinstance(value, str) or len(value) > 200:
            raise ValueError
        return value
    except (TypeError, ValueError):
        raise BadRequest("cursor is damaged: pass next_cursor from the previous page", 400) from None


# -- job search ----------------------------------------------------------------------------------
@dataclass
class JobSearch:
    """A validated /jobs query."""

    district: str | None = None
    town: dict[str, Any] | None = None
    types: list[str] = field(default_factory=list)
    short_term: bool | None = None
    flexible: bool | None = None
    temporary: bool | None = None
    groups: list[str] = field(default_factory=list)
    min_monthly_pay: int | None = None
    posted_since: date | None = None
    terms: list[str] = field(default_factory=list)
    near: tuple[float, float] | None = None
    mode: str = "walk"
    minutes: int = geo.DEFAULT_MINUTES
    sort: str = "date"
    limit: int = 20

    def __post_init__(self) -> None:
        if self.mode not in geo.speeds():
            raise BadRequest(f"mode must be one of {', '.join(geo.speeds())}")
        if self.sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
        if self.sort == "distance" and self.near is None:
            raise BadRequest("sort=distance needs near=latitude,longitude")

    @property
    def radius_km(self) -> float:
        return geo.radius_km(self.minutes, self.mode)

    def filters(self) -> dict[str, Any]:
        """What the result depends on besides the page (the cursor's fingerprint)."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("limit", "town")}
        out["town"] = self.town["adcode"] if self.town else None
        return out


def job_summary(row: dict[str, Any], mode: str | None) -> dict[str, Any]:
    """A list item: enough for a result list or a map pin; ``url`` gives the full JobPosting."""
    dist = row.get("distance_km")
    out = {
        "id": row["job_id"], "url": f"/jobs/{row['job_id']}", "title": row["title"],
        "employer": row["employer_name"], "employer_branch": row["employer_branch"],
        "district_adcode": row["district_adcode"], "district": district_name(row["district_adcode"]),
        "town": row["town"], "latitude": row["latitude"], "longitude": row["longitude"],
        "employment_type": row["employment_type"],
        "salary": {"text": row["salary_text"], "currency": row["salary_currency"], "period": row["salary_period"],
                   "monthly_min": row["salary_monthly_min"], "monthly_max": row["salary_monthly_max"],
                   "negotiable": row["salary_negotiable"]},
        "short_term": row["is_short_term"], "flexible": row["is_flexible"], "temporary": row["is_temporary"],
        "daily_pay": row["is_daily_pay"], "night_shift": row["is_night_shift"],
        "groups": [g for g, (flag, _) in SPECIAL_GROUPS.items() if row[flag]],
        "date_posted": row["date_posted"], "valid_through": row["valid_through"], "n_sources": row["n_sources"],
    }
    if dist is not None and mode:
        out["distance_km"] = round(dist, 3)
        out["travel_minutes"] = round(float(geo.travel_minutes(dist, mode)), 1)
    return out
