"""Geometry on Jining's map: which district a point lies in (exact ray casting over simplified
borders, scalar and vectorised with the same answers), and great-circle distance, defined once
for every stage."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import numpy as np

from transforms.vocabulary import CITY_ADCODE, REFERENCE_DIR


def _load_fences() -> dict[str, dict[str, Any]]:
    return json.loads((REFERENCE_DIR / "jining_fences.json").read_text(encoding="utf-8"))


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
    if not _in_rings(lon, lat, _FENCES[CITY_ADCODE]):
        return None
    districts = {code: f for code, f in _FENCES.items() if code != CITY_ADCODE}
    for code, fence in districts.items():
        if _in_rings(lon, lat, fence):
            return code
    return min(districts, key=lambda c: min(_seg_dist2(lon, lat, r) for r in districts[c]["rings"]))


_STRIP = 0.02  # degrees of latitude per strip of the vectorised point-in-polygon index


class _FenceIndex:
    """A fence's edges as numpy arrays, bucketed by latitude strip, for exact vectorised ray casting.

    A horizontal ray from a point can only cross edges whose latitude span holds the point's latitude,
    so each point is tested against the few edges of its strip instead of the whole ring. The crossing
    test is the same floating-point expression as :func:`_in_rings`, so the answers are identical."""

    def __init__(self, fence: dict[str, Any]) -> None:
        import numpy as np

        self.bbox = fence["bbox"]
        xi, yi, xj, yj = [], [], [], []
        for ring in fence["rings"]:
            for i in range(len(ring)):
                (a, b), (c, d) = ring[i], ring[i - 1]
                xi.append(a), yi.append(b), xj.append(c), yj.append(d)
        self.xi, self.yi, self.xj, self.yj = (np.array(v, dtype=np.float64) for v in (xi, yi, xj, yj))
        y0, y1 = self.bbox[1], self.bbox[3]
        self.n_strips = int((y1 - y0) / _STRIP) + 1
        lo, hi = np.minimum(self.yi, self.yj), np.maximum(self.yi, self.yj)
        first = np.clip(np.floor((lo - y0) / _STRIP).astype(int) - 1, 0, self.n_strips - 1)
        last = np.clip(np.floor((hi - y0) / _STRIP).astype(int) + 1, 0, self.n_strips - 1)
        self.strips = [np.flatnonzero((first <= k) & (last >= k)) for k in range(self.n_strips)]

    def contains(self, lon: Any, lat: Any) -> Any:
        """Boolean array: which (lon, lat) points are inside (even-odd rule, as ``_in_rings``)."""
        import numpy as np

        x0, y0, x1, y1 = self.bbox
        out = np.zeros(len(lon), dtype=bool)
        cand = np.flatnonzero((x0 <= lon) & (lon <= x1) & (y0 <= lat) & (lat <= y1))
        if not len(cand):
            return out
        strip = np.clip(np.floor((lat[cand] - y0) / _STRIP).astype(int), 0, self.n_strips - 1)
        order = np.argsort(strip, kind="stable")
        cand, strip = cand[order], strip[order]
        starts = np.flatnonzero(np.r_[True, np.diff(strip) != 0])
        ends = np.r_[starts[1:], len(cand)]
        with np.errstate(divide="ignore", invalid="ignore"):
            for a, b in zip(starts, ends, strict=True):
                idx, edges = cand[a:b], self.strips[strip[a]]
                if not len(edges):
                    continue
                px, py = lon[idx][:, None], lat[idx][:, None]
                xi, yi, xj, yj = self.xi[edges], self.yi[edges], self.xj[edges], self.yj[edges]
                crosses = ((yi > py) != (yj > py)) & (px < (xj - xi) * (py - yi) / (yj - yi) + xi)
                out[idx] = (crosses.sum(axis=1) % 2).astype(bool)
        return out


@lru_cache(maxsize=1)
def _fence_index() -> dict[str, _FenceIndex]:
    return {code: _FenceIndex(fence) for code, fence in _FENCES.items()}


_DISTRICT_CODES: list[str | None] = [None, *(c for c in _FENCES if c != CITY_ADCODE)]


def _district_index(lat: Any, lon: Any) -> Any:
    """Index into ``_DISTRICT_CODES`` of the Jining district containing each point (0: none)."""
    import numpy as np

    out = np.zeros(len(lat), dtype=np.int64)
    index = _fence_index()
    pending = ~(np.isnan(lat) | np.isnan(lon))
    if pending.any():
        pending &= index[CITY_ADCODE].contains(lon, lat)
    for k, code in enumerate(_DISTRICT_CODES[1:], start=1):
        if not pending.any():
            break
        hit = pending & index[code].contains(lon, lat)  # type: ignore[index]
        out[hit] = k
        pending &= ~hit
    for i in np.flatnonzero(pending):  # slivers between simplified district borders: rare, exact scalar rule
        out[i] = _DISTRICT_CODES.index(jining_district_at(float(lat[i]), float(lon[i])))
    return out


def jining_districts_at(lat: Any, lon: Any) -> list[str | None]:
    """Vectorised :func:`jining_district_at` over float arrays (NaN = no point); same answers."""
    import numpy as np

    idx = _district_index(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64))
    return [_DISTRICT_CODES[k] for k in idx]


EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

def haversine_km(lat1: np.ndarray | float, lon1: np.ndarray | float,
                 lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in km, broadcasting over numpy arrays (plain floats work too)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
