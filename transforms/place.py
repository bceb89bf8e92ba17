"""Resolve free-text Chinese locations (and optional coordinates) to adcodes, offline and fast.

Why not a library: cpca (the usual choice, MIT) still works but is a 2021 snapshot that imports
``pkg_resources`` (gone from setuptools >= 81), drags in pandas-per-call overhead, knows no towns and
picks an arbitrary county for repeated names (``朝阳区`` → 长春). We reuse its adcode table (shipped as
``reference/places.csv``, rebuilt by ``reference/build_places.py``) and add Jining towns and fences.

How: a dict of every name (full, suffix-free short form, Jining town aliases) is scanned longest-match
first; each match proposes places, and the place whose ancestor chain explains the most matched text
(plus the ``city_hint``) wins. Coordinates are sanity-checked against the resolved city: Jining by
point-in-polygon on the shipped fences, elsewhere by distance from the city centre.
"""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parent / "reference"
JINING = "370800"
HOME_PROVINCE = "37"  # ties between equally good readings go to Shandong: this is a Jining pipeline
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
OUTSIDE_CITY_KM = 150.0  # a point this far from a (non-Jining) city centre is not in that city
CHINA_BBOX = (73.4, 3.8, 135.1, 53.6)  # lon_min, lat_min, lon_max, lat_max
HINT_WEIGHT = 2.5
FULL, SHORT, STEM = 3.0, 2.0, 1.0  # evidence weight of a matched full name / suffix-free name / town stem
# A short name directly followed by one of these is a street or building (山东路, 中山大道), not a place.
_ROADLIKE = frozenset("路街道巷弄号桥村站园")
_JUNK = re.compile(r"[\[\]'\"{}()（）<>]")


@dataclass(frozen=True, slots=True)
class Place:
    """One resolved location; every field may be None except the two status strings."""

    province: str | None = None
    province_adcode: str | None = None
    city: str | None = None
    city_adcode: str | None = None
    district: str | None = None
    district_adcode: str | None = None
    town: str | None = None
    town_adcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    coord_status: str = "missing"
    method: str = "none"


PLACE_FIELDS = [f.name for f in fields(Place)]


@dataclass(frozen=True, slots=True)
class _Entity:
    adcode: str
    level: str  # province | city | county | town
    name: str
    parent: str
    lon: float | None
    lat: float | None
    stem: str


_DEPTH = {"province": 0, "city": 1, "county": 2, "town": 3}


def _load_places() -> tuple[dict[str, _Entity], dict[str, list[tuple[str, float]]]]:
    entities: dict[str, _Entity] = {}
    names: dict[str, dict[str, float]] = {}

    def add(key: str, code: str, weight: float) -> None:
        if key:
            slot = names.setdefault(key, {})
            slot[code] = max(weight, slot.get(code, 0.0))

    with (REFERENCE / "places.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            lon = float(r["longitude"]) if r["longitude"] else None
            lat = float(r["latitude"]) if r["latitude"] else None
            e = _Entity(r["adcode"], r["level"], r["name"], r["parent"], lon, lat, r["short"])
            entities[e.adcode] = e
            if e.name in ("省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            if e.level == "province" and e.adcode[:2] in MUNICIPALITIES:
                continue  # 北京市 names the city row (110100); the province follows from it
            add(e.name, e.adcode, FULL)
            for alias in filter(None, r["aliases"].split("|")):
                add(alias, e.adcode, FULL)
            add(r["short"], e.adcode, STEM if e.level == "town" else SHORT)
    return entities, {k: sorted(v.items()) for k, v in names.items()}


_ENT, _NAMES = _load_places()
_LENGTHS = sorted({len(k) for k in _NAMES}, reverse=True)


def _chain(code: str) -> list[_Entity]:
    """The entity and its ancestors, deepest first."""
    out: list[_Entity] = []
    while code and code in _ENT:
        e = _ENT[code]
        out.append(e)
        code = e.parent
    return out


def _clean(text: str) -> str:
    return _JUNK.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _scan(text: str) -> list[tuple[int, str, float, list[tuple[str, float]]]]:
    """Greedy longest match left to right: (start, key, best weight, candidates) per matched span."""
    spans = []
    i, n = 0, len(text)
    while i < n:
        for length in _LENGTHS:
            if length > n - i:
                continue
            key = text[i : i + length]
            cands = _NAMES.get(key)
            if cands is None:
                continue
            nxt = text[i + length] if i + length < n else ""
            if nxt in _ROADLIKE:
                cands = [(c, w) for c, w in cands if w >= FULL]
                if not cands:
                    continue
            spans.append((i, key, max(w for _, w in cands), cands))
            i += length
            break
        else:
            i += 1
    return spans


def _rank(code: str, score: float) -> tuple[float, int, int, int, int, int]:
    """Sort key: evidence, then Shandong, municipality, shallower, provincial capital (xx01), low code."""
    e = _ENT[code]
    city = code[:4] if e.level != "province" else ""
    return (
        round(score, 3),
        code[:2] == HOME_PROVINCE,
        code[:2] in MUNICIPALITIES,
        -_DEPTH[e.level],
        city[2:4] == "01",
        -int(code),
    )


@lru_cache(maxsize=4096)
def _hint_city(city_hint: str | None) -> str | None:
    """Adcode of the city (or province) a hint such as ``济宁``, ``南京市`` or ``370800`` names."""
    if not city_hint:
        return None
    hint = _clean(str(city_hint))
    if hint.isdigit() and len(hint) in (6, 9, 12):
        code = hint[:6]
        return code[:4] + "00" if code in _ENT and code[4:] != "00" else (code if code in _ENT else None)
    code, _ = _resolve_text(hint, None)
    if code is None:
        return None
    for e in _chain(code):
        if e.level in ("city", "province"):
            return e.adcode
    return None


@lru_cache(maxsize=1 << 16)
def _resolve_text(text: str, hint_code: str | None) -> tuple[str | None, str]:
    """Best adcode for the text (None if nothing found) and the rule that chose it."""
    spans = _scan(text)
    best: tuple[Any, ...] | None = None
    best_code, best_stem_only, best_hinted, best_evidence = None, False, False, False
    runner_up: tuple[Any, ...] | None = None
    candidates = [(key, code) for _, key, _, cands in spans for code, _ in cands]
    if hint_code is not None:
        candidates.append(("", hint_code))  # the hint competes too: 龙华新区 + 深圳 is not 海口's 龙华区
    seen: set[str] = set()
    for key, code in candidates:
        if code in seen:
            continue
        seen.add(code)
        ancestry = {e.adcode for e in _chain(code)}
        score, evidence = 0.0, []
        for _, _, _, other in spans:
            w = max((w for c, w in other if c in ancestry), default=0.0)
            if w:
                score += w
                evidence.append(w)
        hinted = hint_code is not None and hint_code in ancestry
        if hinted:
            score += HINT_WEIGHT
        stem_only = all(w <= STEM for w in evidence)
        if stem_only and not hinted and text != key:
            continue  # a bare town stem (古槐) alone is too weak unless it is the whole text
        rank = _rank(code, score)
        if best is None or rank > best:
            runner_up, best = best, rank
            best_code, best_stem_only, best_hinted, best_evidence = code, stem_only, hinted, bool(evidence)
        elif runner_up is None or rank > runner_up:
            runner_up = rank
    if best_code is None:
        return (hint_code, "hint") if hint_code else (None, "none")
    level = _ENT[best_code].level
    if not best_evidence:
        return best_code, "hint"
    method = f"text{'+hint' if best_hinted else ''}:{level}"
    if best_stem_only:
        method += "+stem"
    if runner_up is not None and runner_up[0] == best[0] and runner_up[3] == best[3]:
        method += "+ambiguous"  # e.g. a bare 朝阳区: settled only by the tie-break order in _rank
    return best_code, method


# ---------------------------------------------------------------------------------------------- fences


def _load_fences() -> dict[str, dict[str, Any]]:
    return json.loads((REFERENCE / "jining_fences.json").read_text(encoding="utf-8"))


_FENCES = _load_fences()


def _in_rings(lon: float, lat: float, fence: dict[str, Any]) -> bool:
    x0, y0, x1, y1 = fence["bbox"]
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        return False
    inside = False
    for ring in fence["rings"]:
        j = len(ring) - 1
        for i in range(len(ring)):
            xi, yi = ring[i]
            xj, yj = ring[j]
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
    return inside


def _seg_dist2(px: float, py: float, ring: list[list[float]]) -> float:
    best = math.inf
    for (ax, ay), (bx, by) in zip(ring, ring[1:], strict=False):
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / seg2))
        best = min(best, (ax + t * dx - px) ** 2 + (ay + t * dy - py) ** 2)
    return best


def jining_district_at(lat: float, lon: float) -> str | None:
    """Adcode of the Jining district containing the point, None outside Jining.

    Simplified borders leave slivers between districts; a point in the city fence but in no district
    fence goes to the district whose border is nearest."""
    if not _in_rings(lon, lat, _FENCES[JINING]):
        return None
    districts = {code: f for code, f in _FENCES.items() if code != JINING}
    for code, fence in districts.items():
        if _in_rings(lon, lat, fence):
            return code
    return min(districts, key=lambda c: min(_seg_dist2(lon, lat, r) for r in districts[c]["rings"]))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(math.sqrt(a))


def _num(x: object) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(str(x).strip()) if not isinstance(x, int | float) else float(x)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _in_china(lat: float, lon: float) -> bool:
    x0, y0, x1, y1 = CHINA_BBOX
    return x0 <= lon <= x1 and y0 <= lat <= y1


def check_coords(lat: object, lon: object) -> tuple[float | None, float | None, str]:
    """Parse and sanity-check a coordinate pair; returns (lat, lon, status) with swaps undone."""
    la, lo = _num(lat), _num(lon)
    if la is None or lo is None:
        return None, None, "missing"
    if la == 0 or lo == 0:
        return None, None, "zero"
    if la == lo:
        return None, None, "lat_eq_lon"
    if not _in_china(la, lo) and _in_china(lo, la):
        return lo, la, "swapped"
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None, None, "out_of_range"
    return la, lo, "ok"


# ---------------------------------------------------------------------------------------------- API


def _centre(code: str | None) -> tuple[float | None, float | None]:
    for e in _chain(code) if code else []:
        if e.lat is not None and e.lon is not None:
            return e.lat, e.lon
    return None, None


def _fill(code: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    chain = _chain(code) if code else []
    for e in chain:
        if e.level == "town":
            out["town"], out["town_adcode"] = e.name, e.adcode
        elif e.level == "county":
            out["district"], out["district_adcode"] = e.name, e.adcode
        elif e.level == "city":
            out["city"], out["city_adcode"] = e.name, e.adcode
        else:
            out["province"], out["province_adcode"] = e.name, e.adcode
    if out.get("city") in ("省直辖县级行政区划", "自治区直辖县级行政区划") and "district" in out:
        out["city"] = out["district"]  # 仙桃市 etc. are county-level cities run by the province
    return out


def _city_of(code: str | None) -> _Entity | None:
    return next((e for e in _chain(code) if e.level == "city"), None) if code else None


def resolve_place(
    text: str | None, city_hint: str | None = None, lat: object = None, lon: object = None
) -> Place:
    """Resolve a location string (+ optional city hint and coordinates) to a Place; never raises."""
    hint_code = _hint_city(city_hint if isinstance(city_hint, str) else None)
    code, method = (None, "none")
    if isinstance(text, str) and text.strip():
        code, method = _resolve_text(_clean(text), hint_code)
    elif hint_code:
        code, method = hint_code, "hint"

    la, lo, status = check_coords(lat, lon)
    if la is not None and lo is not None:
        city = _city_of(code)
        if city is not None and city.adcode == JINING:
            if jining_district_at(la, lo) is None:
                status = "outside_city"
        elif city is not None:
            c_lat, c_lon = _centre(city.adcode if city.lat is not None else code)
            if c_lat is not None and c_lon is not None:
                if haversine_km(la, lo, c_lat, c_lon) > OUTSIDE_CITY_KM:
                    status = "outside_city"
        trusted = status in ("ok", "swapped")
        depth = _DEPTH[_ENT[code].level] if code else -1
        if trusted and depth < 2 and (code is None or code[:2] == JINING[:2]):
            district = jining_district_at(la, lo)
            if district is not None and (code is None or district.startswith(code[: 2 * (depth + 1)])):
                code = district
                method = f"{method}+pip" if method != "none" else "coords:pip"
    trusted = status in ("ok", "swapped")
    if not trusted:
        la, lo = _centre(code)
        if la is not None:
            method += "+centroid"
    return Place(**_fill(code), latitude=la, longitude=lo, coord_status=status, method=method)


def resolve_places(
    data: Any,
    text: str = "text",
    city_hint: str | None = None,
    lat: str | None = None,
    lon: str | None = None,
) -> Any:
    """Resolve a whole pandas DataFrame / pyarrow Table column set, one call per distinct input.

    Returns a pyarrow Table with one row per input row and the Place fields as columns."""
    import pyarrow as pa

    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)

    def col(name: str | None) -> list[Any]:
        return table.column(name).to_pylist() if name else [None] * table.num_rows

    keys = list(zip(col(text), col(city_hint), col(lat), col(lon), strict=True))
    cache: dict[tuple[Any, ...], Place] = {}
    rows = []
    for key in keys:
        place = cache.get(key)
        if place is None:
            place = cache[key] = resolve_place(*key)
        rows.append(place)
    return places_to_arrow(rows)


def places_to_arrow(places: Iterable[Place]) -> Any:
    """Column-wise pyarrow Table of Places (adcodes as strings, coordinates as float64)."""
    import pyarrow as pa

    records = [asdict(p) for p in places]
    schema = pa.schema(
        [(f, pa.float64() if f in ("latitude", "longitude") else pa.string()) for f in PLACE_FIELDS]
    )
    return pa.Table.from_pylist(records, schema=schema)
