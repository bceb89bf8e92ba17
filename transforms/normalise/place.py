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
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from functools import cache, lru_cache
from typing import Any

from transforms.normalise.geometry import _DISTRICT_CODES, _district_index, haversine_km, jining_district_at
from transforms.vocabulary import CITY_ADCODE, REFERENCE_DIR

HOME_PROVINCE = "37"  # ties between equally good readings go to Shandong: this is a Jining pipeline
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
OUTSIDE_CITY_KM = 150.0  # a point this far from a (non-Jining) city centre is not in that city
CHINA_BBOX = (73.4, 3.8, 135.1, 53.6)  # lon_min, lat_min, lon_max, lat_max
HINT_WEIGHT = 2.5
FULL, SHORT, STEM = 3.0, 2.0, 1.0  # evidence weight of a matched full name / suffix-free name / town stem
# A short name directly followed by one of these is a street or building (山东路, 中山大道), not a place.
_ROADLIKE = frozenset("路街道巷弄号桥村站园")
_JUNK = re.compile(r"[\[\]'\"{}()（）<>]")
_DIGITS = re.compile(r"\d+")


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

    with (REFERENCE_DIR / "places.csv").open(encoding="utf-8", newline="") as fh:
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
# Name lengths by first character, longest first: most characters of an address (路, 号, digits) start
# no name at all, so the scan skips them with one dict lookup instead of trying every length.
_LENGTHS_AT: dict[str, tuple[int, ...]] = {}


for _key in _NAMES:
    _LENGTHS_AT[_key[0]] = tuple(sorted({*_LENGTHS_AT.get(_key[0], ()), len(_key)}, reverse=True))


@cache
def _chain(code: str) -> tuple[_Entity, ...]:
    """The entity and its ancestors, deepest first (cached: a few thousand codes exist)."""
    out: list[_Entity] = []
    while code and code in _ENT:
        e = _ENT[code]
        out.append(e)
        code = e.parent
    return tuple(out)


def _clean(text: str) -> str:
    return _JUNK.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _scan(text: str) -> list[tuple[int, str, float, list[tuple[str, float]]]]:
    """Greedy longest match left to right: (start, key, best weight, candidates) per matched span."""
    spans = []
    i, n = 0, len(text)
    while i < n:
        for length in _LENGTHS_AT.get(text[i], ()):
            if length > n - i:
                continue
            key = text[i : i + length]
            cands = _NAMES.get(key)
            if cands is None:
                continue
            nxt = text[i + length] if i + length < n else ""
            if nxt in _ROADLIKE:
                cands = _full(cands)
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
    """Best adcode for the text (None if nothing found) and the rule that chose it.

    No name holds a digit, so a run of digits only separates names (and is not road-like): the text is
    read with each run squashed to one ``0``, and 人民路368号 / 人民路12号 of one town are read once.
    The choice then depends only on which names matched (and whether one of them is the whole text),
    so the ranking is cached on that too."""
    return _resolve_squashed(_DIGITS.sub("0", text), hint_code)


def clear_caches() -> None:
    """Forget every cached reading (for cold-cache timings)."""
    for fn in (_resolve_text, _resolve_squashed, _rank_spans, _hint_city):
        fn.cache_clear()


@lru_cache(maxsize=1 << 16)
def _resolve_squashed(text: str, hint_code: str | None) -> tuple[str | None, str]:
    spans = _scan(text)
    # a name counts once: an area field repeating the address line (龙华新区 + 龙华新区) is no more evidence
    matched = tuple(dict.fromkeys((key, len(cands) != len(_NAMES[key])) for _, key, _, cands in spans))
    whole = text if text == "" or any(key == text for key, _ in matched) else None
    return _rank_spans(matched, hint_code, whole)


def _full(cands: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return [(c, w) for c, w in cands if w >= FULL]


@lru_cache(maxsize=1 << 16)
def _rank_spans(
    matched: tuple[tuple[str, bool], ...], hint_code: str | None, text: str | None
) -> tuple[str | None, str]:
    """``_resolve_text`` on the matched names: (name, road-like filtered) per span; ``text`` is the
    text when it equals one of the names (or is empty), else None."""
    spans = [(0, key, 0.0, _full(_NAMES[key]) if filtered else _NAMES[key]) for key, filtered in matched]
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


def check_coords_arrays(lat: Any, lon: Any) -> tuple[Any, Any, Any]:
    """Vectorised :func:`check_coords` over float arrays (NaN/inf = missing): (lat, lon, status)."""
    import numpy as np

    la, lo = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    x0, y0, x1, y1 = CHINA_BBOX
    in_china = (x0 <= lo) & (lo <= x1) & (y0 <= la) & (la <= y1)
    flipped = (x0 <= la) & (la <= x1) & (y0 <= lo) & (lo <= y1)
    missing = ~(np.isfinite(la) & np.isfinite(lo))
    zero = ~missing & ((la == 0) | (lo == 0))
    same = ~missing & ~zero & (la == lo)
    swapped = ~missing & ~zero & ~same & ~in_china & flipped
    rest = ~missing & ~zero & ~same & ~swapped
    bad = rest & ~((-90 <= la) & (la <= 90) & (-180 <= lo) & (lo <= 180))
    status = np.select(
        [missing, zero, same, swapped, bad], ["missing", "zero", "lat_eq_lon", "swapped", "out_of_range"], "ok"
    ).astype(object)
    out_la = np.where(swapped, lo, np.where(rest & ~bad, la, np.nan))
    out_lo = np.where(swapped, la, np.where(rest & ~bad, lo, np.nan))
    return out_la, out_lo, status




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


def _text_code(text: object, city_hint: object, area: object = None) -> tuple[str | None, str]:
    """(adcode, method) from the location text (with the record's other area text) and the city hint.

    ``area`` is any further place text the record carries beside its address line (a board's
    ``城市-区`` field, a region): read together with the text, so ``上班地址 : 民治地铁站`` with the
    area ``深圳-龙华区`` resolves to the district the address line alone never names."""
    hint_code = _hint_city(city_hint if isinstance(city_hint, str) else None)
    if isinstance(area, str) and area.strip():
        # without a city hint, the area field's city is one: 成都 + 高新西区 is not 攀枝花's 西区
        hint_code = hint_code or _hint_city(area)
        text = f"{area} {text}" if isinstance(text, str) and text.strip() else area
    if isinstance(text, str) and text.strip():
        return _resolve_text(_clean(text), hint_code)
    if hint_code:
        return hint_code, "hint"
    return None, "none"


def _far_from_city(code: str | None, lat: float, lon: float) -> bool:
    """True when the point is more than OUTSIDE_CITY_KM from the centre of the (non-Jining) city of ``code``."""
    city = _city_of(code)
    if city is None or city.adcode == CITY_ADCODE:
        return False
    c_lat, c_lon = _centre(city.adcode if city.lat is not None else code)
    return c_lat is not None and c_lon is not None and haversine_km(lat, lon, c_lat, c_lon) > OUTSIDE_CITY_KM


def _decide(
    code: str | None, method: str, status: str, district_at: str | None, far: bool
) -> tuple[str | None, str, str, bool]:
    """Combine the text reading with checked coordinates: (adcode, method, coord status, coords trusted).

    ``district_at`` is :func:`jining_district_at` of the point and ``far`` is :func:`_far_from_city`; both
    only matter when the coordinates parsed (status ok/swapped). Pure, so a batch can call it once per
    distinct (text reading, status, district, far) and compute the point tests vectorised."""
    if status in ("ok", "swapped"):
        city = _city_of(code)
        if city is not None and city.adcode == CITY_ADCODE:
            if district_at is None:
                status = "outside_city"
        elif city is not None and far:
            status = "outside_city"
        trusted = status in ("ok", "swapped")
        depth = _DEPTH[_ENT[code].level] if code else -1
        if trusted and depth < 2 and (code is None or code[:2] == CITY_ADCODE[:2]):
            district = district_at
            if district is not None and (code is None or district.startswith(code[: 2 * (depth + 1)])):
                code = district
                method = f"{method}+pip" if method != "none" else "coords:pip"
    trusted = status in ("ok", "swapped")
    if not trusted and _centre(code)[0] is not None:
        method += "+centroid"
    return code, method, status, trusted


def resolve_place(
    text: str | None, city_hint: str | None = None, lat: object = None, lon: object = None, area: str | None = None
) -> Place:
    """Resolve a location string (+ optional city hint, coordinates and further area text of the same
    record) to a Place; never raises."""
    code, method = _text_code(text, city_hint, area)
    la, lo, status = check_coords(lat, lon)
    district_at, far = None, False
    if la is not None and lo is not None:
        district_at = jining_district_at(la, lo)
        far = _far_from_city(code, la, lo)
    code, method, status, trusted = _decide(code, method, status, district_at, far)
    if not trusted:
        la, lo = _centre(code)
    return Place(**_fill(code), latitude=la, longitude=lo, coord_status=status, method=method)


_STATUSES = ("missing", "zero", "lat_eq_lon", "swapped", "out_of_range", "ok")


def _needs_far(code: str | None) -> bool:
    city = _city_of(code)
    return city is not None and city.adcode != CITY_ADCODE


def resolve_place_batch(text: Any, city_hint: Any, lat: Any, lon: Any, area: Any = None) -> dict[str, Any]:
    """Vectorised :func:`resolve_place` over aligned columns; returns ``PLACE_FIELDS`` → Arrow array.

    ``text``, ``city_hint`` and ``area`` are Arrow string arrays, ``lat``/``lon`` float arrays (NaN = none).
    The text is read once per distinct (text, hint, area); coordinates are checked and placed in
    districts with numpy; :func:`_decide` runs once per distinct (reading, status, district, far) —
    same answers as the scalar function, row for row."""
    import numpy as np
    import pyarrow as pa

    from transforms.normalise.columnar import encode_codes, encode_many, gather

    if area is None:
        area = pa.nulls(len(text), pa.string())
    text_idx, triples = encode_many(text, city_hint, area)
    # many distinct texts (street numbers, rooms) give the same reading: key the rest on the reading
    reading_ids: dict[tuple[str | None, str], int] = {}
    per_text = np.array([reading_ids.setdefault(_text_code(t, h, a), len(reading_ids)) for t, h, a in triples],
                        dtype=np.int64)
    readings = list(reading_ids)
    reading_idx = per_text[text_idx] if len(text_idx) else np.zeros(0, dtype=np.int64)
    la, lo, status = check_coords_arrays(lat, lon)
    n = len(status)
    has = (status == "ok") | (status == "swapped")
    district_code = np.zeros(n, dtype=np.int64)
    if has.any():
        district_code[has] = _district_index(la[has], lo[has])
    far = np.zeros(n, dtype=bool)
    needs_far = np.array([_needs_far(code) for code, _ in readings], dtype=bool)
    for i in np.flatnonzero(has & needs_far[reading_idx]):  # non-Jining cities only: rare in this pool
        far[i] = _far_from_city(readings[reading_idx[i]][0], float(la[i]), float(lo[i]))
    status_code = np.zeros(n, dtype=np.int64)
    for k, name in enumerate(_STATUSES):
        status_code[status == name] = k
    first, inverse = encode_codes(
        (reading_idx, len(readings)), (status_code, len(_STATUSES)), (district_code, len(_DISTRICT_CODES)),
        (far.astype(np.int64), 2),
    )
    decided = [
        _decide(*readings[reading_idx[f]], status[f], _DISTRICT_CODES[district_code[f]], bool(far[f]))
        for f in first
    ]
    filled = [_fill(code) for code, _, _, _ in decided]
    centres = [_centre(code) for code, _, _, _ in decided]
    trusted = np.array([t for _, _, _, t in decided], dtype=bool)[inverse]
    c_lat = np.array([np.nan if c[0] is None else c[0] for c in centres], dtype=np.float64)[inverse]
    c_lon = np.array([np.nan if c[1] is None else c[1] for c in centres], dtype=np.float64)[inverse]
    out: dict[str, Any] = {}
    for name in PLACE_FIELDS:
        if name in ("latitude", "longitude"):
            continue
        if name == "coord_status":
            values = [d[2] for d in decided]
        elif name == "method":
            values = [d[1] for d in decided]
        else:
            values = [f.get(name) for f in filled]
        out[name] = gather(values, inverse, pa.string())
    out["latitude"] = pa.array(np.where(trusted, la, c_lat), pa.float64(), from_pandas=True)
    out["longitude"] = pa.array(np.where(trusted, lo, c_lon), pa.float64(), from_pandas=True)
    return out


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
