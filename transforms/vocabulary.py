"""The field's shared facts, said once: the city, its districts and towns, employment types, the
special groups. Every stage takes these names from here, so one concept has one name everywhere.

Places come from ``transforms/reference/`` (built from Vonng/adcode, CC BY 4.0; see its README).
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
PLACES_CSV = REFERENCE_DIR / "places.csv"
COMMUNITIES_CSV = REFERENCE_DIR / "jining_communities.csv"
FENCES_JSON = REFERENCE_DIR / "jining_fences.json"

#: the reference deployment's city: Jining, Shandong (济宁市)
CITY_ADCODE = "370800"
#: Jining's bounding box (lon_min, lat_min, lon_max, lat_max) with a margin: points outside are not Jining's
BBOX = (115.8, 34.4, 117.7, 36.05)

#: schema.org JobPosting ``employmentType`` values, the only ones the warehouse stores
EMPLOYMENT_TYPES = ("FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "PER_DIEM", "OTHER")

#: the special groups a job can be for, and a seeker can belong to: group → (job flag column, label)
SPECIAL_GROUPS = {
    "mother": ("for_mothers", "妈妈岗"),
    "senior": ("for_seniors", "银龄岗"),
    "disabled": ("for_disabled", "助残岗"),
}
#: the job flag columns of the special groups, in order
GROUP_FLAGS = tuple(flag for flag, _ in SPECIAL_GROUPS.values())


def in_jining(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and BBOX[1] <= lat <= BBOX[3] and BBOX[0] <= lon <= BBOX[2]


@lru_cache(maxsize=1)
def _towns() -> tuple[dict[str, Any], ...]:
    out = []
    with open(PLACES_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "town" and row["adcode"].startswith(CITY_ADCODE[:4]) and row["latitude"]:
                out.append({"adcode": row["adcode"], "name": row["name"], "short": row["short"],
                            "aliases": row["aliases"], "district_adcode": row["parent"],
                            "latitude": float(row["latitude"]), "longitude": float(row["longitude"])})
    return tuple(out)


def towns() -> list[dict[str, Any]]:
    """Jining's towns/streets (乡镇/街道): adcode (9 digits), name, short, district_adcode, latitude, longitude."""
    return [dict(t) for t in _towns()]


def districts() -> dict[str, dict[str, Any]]:
    """Jining's districts/counties by adcode: name and seat coordinates."""
    out = {}
    with open(PLACES_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "county" and row["parent"] == CITY_ADCODE:
                out[row["adcode"]] = {"name": row["name"], "latitude": float(row["latitude"]),
                                      "longitude": float(row["longitude"])}
    return out


def fences() -> dict[str, Any]:
    """Simplified borders of the city and each district by adcode: ``{"bbox": [...], "rings": [...]}``."""
    return json.loads(FENCES_JSON.read_text(encoding="utf-8"))


def communities() -> list[dict[str, Any]]:
    """Jining's communities: code (12 digits), name, town_adcode, ur_code, latitude/longitude or None."""
    out = []
    with open(COMMUNITIES_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.append({**row, "latitude": float(row["latitude"]) if row["latitude"] else None,
                        "longitude": float(row["longitude"]) if row["longitude"] else None})
    return out
