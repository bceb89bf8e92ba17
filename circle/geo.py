"""Distances and the 15-minute circle: great-circle distance, travel modes, and an H3 spatial index.

Why H3: comparing every job with every point is quadratic. Each point gets an H3 cell at a resolution
chosen for the radius; the cells of ``grid_disk(cell, k)`` cover every spot within the radius (k is
computed from the cell's own geometry, with a margin), so only jobs in those cells are candidates,
and an exact haversine distance decides. ``tests/test_circle.py`` checks this equals brute force.

Coordinates are GCJ-02 like the rest of the pool; on a city's scale the datum offset cancels out.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import h3.api.basic_int as h3i
import numpy as np

from transforms.normalise.geometry import EARTH_RADIUS_KM, haversine_km  # noqa: F401 (circle's distance)

#: travel speeds in km/h; override with JOBPOOL_SPEEDS="walk=4.5,bike=12"
DEFAULT_SPEEDS = {"walk": 5.0, "bike": 15.0}
MODE_WORDS = {"walk": "on foot", "bike": "by bike"}
DEFAULT_MINUTES = 15
RESOLUTIONS = range(6, 11)
MAX_K = 8
MARGIN = 1.02  # cells are not perfectly regular; 2 % more reach than the geometry needs


def speeds() -> dict[str, float]:
    """Travel speeds per mode (km/h), from JOBPOOL_SPEEDS when set."""
    out = dict(DEFAULT_SPEEDS)
    for part in filter(None, os.environ.get("JOBPOOL_SPEEDS", "").split(",")):
        mode, _, value = part.partition("=")
        out[mode.strip()] = float(value)
    return out


def radius_km(minutes: float = DEFAULT_MINUTES, mode: str = "bike") -> float:
    """How far one travels in ``minutes`` by ``mode`` (straight line: a transparent upper bound)."""
    table = speeds()
    if mode not in table:
        raise ValueError(f"unknown travel mode {mode!r} ({', '.join(table)})")
    return table[mode] * minutes / 60.0


def travel_minutes(distance_km: float | np.ndarray, mode: str = "bike") -> float | np.ndarray:
    return np.asarray(distance_km) / speeds()[mode] * 60.0




#: the same formula as a DuckDB macro, so set-based SQL and Python agree to the last digit
HAVERSINE_SQL = (
    "create or replace temp macro haversine_km(lat1, lon1, lat2, lon2) as "
    f"2 * {EARTH_RADIUS_KM} * asin(sqrt(least(1.0, "
    "pow(sin(radians(lat2 - lat1) / 2), 2) + "
    "cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2))))"
)


#: an H3 cell's parent by bit arithmetic (H3 index layout: resolution in bits 52-55, 3 bits per digit,
#: unused digits 7): the same answer as h3.cell_to_parent, vectorised inside DuckDB
H3_PARENT_SQL = ("create or replace temp macro h3_parent(cell, r) as "
                 "((cell::ubigint & ~(15::ubigint << 52)) | (r::ubigint << 52)) | ((1::ubigint << (3 * (15 - r))) - 1)")
FINE_RES = max(RESOLUTIONS)


def register_duckdb(con: object) -> None:
    con.execute(HAVERSINE_SQL)  # type: ignore[attr-defined]
    con.execute(H3_PARENT_SQL)  # type: ignore[attr-defined]


# -- H3 ------------------------------------------------------------------------------------------
def cells(lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray, res: int) -> np.ndarray:
    """H3 cell (uint64) of each point; NaN coordinates give 0."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    out = np.zeros(len(lat), dtype=np.uint64)
    ok = ~(np.isnan(lat) | np.isnan(lon))
    f = h3i.latlng_to_cell
    out[ok] = [f(a, b, res) for a, b in zip(lat[ok].tolist(), lon[ok].tolist(), strict=True)]
    return out


def _cell_geometry(cell: int) -> tuple[float, float]:
    """(circumradius, minimum centre-to-neighbour spacing) of a cell, in km: measured on the centre
    child of its resolution-4 ancestor (cells of one resolution differ by well under the 2 % MARGIN
    within that ~40 km area), cached, so millions of origins cost a few measurements."""
    res = h3i.get_resolution(cell)
    if res <= 4:
        return _measure(cell)
    return _measure(h3i.cell_to_center_child(h3i.cell_to_parent(cell, 4), res))


@lru_cache(maxsize=4096)
def _measure(cell: int) -> tuple[float, float]:
    clat, clon = h3i.cell_to_latlng(cell)
    boundary = np.array(h3i.cell_to_boundary(cell))
    circum = float(haversine_km(clat, clon, boundary[:, 0], boundary[:, 1]).max())
    neighbours = np.array([h3i.cell_to_latlng(c) for c in h3i.grid_ring(cell, 1)])
    spacing = float(haversine_km(clat, clon, neighbours[:, 0], neighbours[:, 1]).min())
    return circum, spacing


@lru_cache(maxsize=65536)
def _k(geometry: tuple[float, float], radius: float) -> int:
    circum, spacing = geometry
    need = (radius * MARGIN + circum - spacing / 2) / (spacing * math.cos(math.radians(30)))
    return max(1, math.ceil(need))


def ring_k(cell: int, radius: float) -> int:
    """Smallest k whose grid_disk around ``cell`` holds every point within ``radius`` km of any point
    of the cell: the disk's inscribed radius is at least k·s·cos 30° + s/2 (s = centre spacing), and a
    point may sit up to the circumradius away from its cell's centre."""
    return _k(_cell_geometry(cell), radius)


@lru_cache(maxsize=64)
def plan(radius: float, lat: float = 35.41, lon: float = 116.59) -> tuple[int, int]:
    """(resolution, k) for a radius: the resolution whose covering disk has the smallest area
    (fewest wasted candidates) with k ≤ MAX_K; judged at a point of the city (default: Jining)."""
    best: tuple[float, int, int] | None = None
    for res in RESOLUTIONS:
        cell = h3i.latlng_to_cell(lat, lon, res)
        k = ring_k(cell, radius)
        if k > MAX_K:
            continue
        area = (3 * k * k + 3 * k + 1) * h3i.cell_area(cell, "km^2")
        if best is None or area < best[0]:
            best = (area, res, k)
    if best is None:
        raise ValueError(f"radius {radius} km is too small for H3 resolutions {list(RESOLUTIONS)}")
    return best[1], best[2]


def disk(cell: int, radius: float) -> list[int]:
    """The cells to look in for points within ``radius`` km of anything in ``cell``."""
    return h3i.grid_disk(cell, ring_k(cell, radius))


def disk_rows(origins: Iterable[int], radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(origin, cell) pairs for many origin cells, as two uint64 arrays (a table to join on)."""
    left: list[int] = []
    right: list[int] = []
    for origin in set(int(o) for o in origins if o):
        ring = disk(origin, radius)
        left.extend([origin] * len(ring))
        right.extend(ring)
    return np.array(left, dtype=np.uint64), np.array(right, dtype=np.uint64)


def cell_str(cell: int) -> str:
    return h3i.int_to_str(int(cell))


@dataclass
class PointIndex:
    """Jobs (or any points) bucketed by H3 cell for one radius; ``within`` answers a circle query."""

    lat: np.ndarray
    lon: np.ndarray
    radius: float
    res: int
    order: np.ndarray
    keys: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def build(cls, lat: Sequence[float], lon: Sequence[float], radius: float) -> PointIndex:
        lat_a = np.asarray(lat, dtype=float)
        lon_a = np.asarray(lon, dtype=float)
        res, _ = plan(radius)
        cell = cells(lat_a, lon_a, res)
        order = np.argsort(cell, kind="stable")
        keys, starts = np.unique(cell[order], return_index=True)
        ends = np.append(starts[1:], len(order))
        return cls(lat_a, lon_a, radius, res, order, keys, starts, ends)

    def candidates(self, lat: float, lon: float) -> np.ndarray:
        """Row numbers of the points in the covering disk (a superset of the circle)."""
        ring = np.array(disk(h3i.latlng_to_cell(lat, lon, self.res), self.radius), dtype=np.uint64)
        pos = np.searchsorted(self.keys, ring)
        ok = pos < len(self.keys)
        hit = pos[ok][self.keys[pos[ok]] == ring[ok]]
        if not len(hit):
            return np.empty(0, dtype=np.int64)
        return np.concatenate([self.order[self.starts[i]:self.ends[i]] for i in hit])

    def within(self, lat: float, lon: float) -> tuple[np.ndarray, np.ndarray]:
        """(row numbers, distances km) of the points within the radius, nearest first."""
        cand = self.candidates(lat, lon)
        dist = haversine_km(lat, lon, self.lat[cand], self.lon[cand])
        keep = dist <= self.radius
        rows, dist = cand[keep], dist[keep]
        order = np.argsort(dist, kind="stable")
        return rows[order], dist[order]


def brute_force_within(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray, radius: float) -> np.ndarray:
    """Every point compared: the reference the index must equal."""
    dist = haversine_km(lat, lon, np.asarray(lats, dtype=float), np.asarray(lons, dtype=float))
    return np.flatnonzero(dist <= radius)
