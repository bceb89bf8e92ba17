"""The employment map (就业地图): open jobs per H3 cell, stations with their 15-minute circles, and the
gaps (towns with jobs but no station within 15 minutes by bike) — as a self-contained HTML page (inline
SVG, no tiles, no scripts, nothing fetched) and a PNG.

Why no tiles: the map must open offline on a caseworker's PC and in the tests. The outlines are the
district fences shipped in ``transforms/reference/jining_fences.json``. The PNG is rasterised here with
numpy (even-odd polygon fill, line and disc stamping) and encoded with zlib: no plotting library is
installed, and the shapes are simple. The PNG carries no text; its legend is the HTML's.
"""

from __future__ import annotations

import html
import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h3.api.basic_int as h3i
import numpy as np

from landing.paths import Paths, paths
from transforms.vocabulary import CITY_ADCODE

CELL_RES = 7  # ~5 km² hexagons: fine enough for a city, coarse enough to hide single addresses
WIDTH = 1000
MARGIN = 20
KIND_STYLE = {  # kind: (label, fill colour, radius px)
    "employment_station": ("就业驿站 employment station", "#1f4e9c", 6),
    "gig_market": ("零工市场 gig market", "#7b2cbf", 5),
    "community_point": ("社区就业服务点 community point", "#138a36", 3),
}
RAMP = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"]
GAP_COLOUR = "#d7191c"


@dataclass
class Projection:
    """Equirectangular around the city's mean latitude (metres stay square at this scale)."""

    lon0: float
    lat0: float
    lat1: float
    scale: float
    height: int

    @classmethod
    def fit(cls, bbox: list[float], width: int = WIDTH) -> Projection:
        lon0, lat0, lon1, lat1 = bbox
        k = math.cos(math.radians((lat0 + lat1) / 2))
        scale = (width - 2 * MARGIN) / ((lon1 - lon0) * k)
        height = int((lat1 - lat0) * scale + 2 * MARGIN)
        return cls(lon0, lat0, lat1, scale * k, height)

    def xy(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        x = MARGIN + (np.asarray(lon) - self.lon0) * self.scale
        y = MARGIN + (self.lat1 - np.asarray(lat)) * self.scale / math.cos(math.radians((self.lat0 + self.lat1) / 2))
        return x, y

    def km(self, km: float) -> float:
        """Pixels per ``km`` on the ground (east-west)."""
        return km / (111.32 * math.cos(math.radians((self.lat0 + self.lat1) / 2))) * self.scale


def _colour(count: int, top: int) -> str:
    if top <= 1:
        return RAMP[-1]
    i = int(math.log(max(count, 1)) / math.log(top) * (len(RAMP) - 1) + 0.5)
    return RAMP[max(1, min(i, len(RAMP) - 1))]


def gather(root: Paths | None = None) -> dict[str, Any]:
    """What the map shows, read from the warehouse's published tables (read-only)."""
    from transforms.vocabulary import fences
    from warehouse.db import connect_reader

    root = root or paths()
    con = connect_reader(root.warehouse)
    try:
        jobs = con.execute("select latitude, longitude from published.open_jobs where latitude is not null").fetchall()
        stations = con.execute(
            "select station_id, station_name, station_kind, latitude, longitude, open_jobs_bike, seekers_bike, "
            "suggestion, demand_rank from published.station_report order by demand_rank").fetchall()
        towns = con.execute(
            "select town, district_adcode, latitude, longitude, open_jobs, seekers, nearest_station_name, "
            "nearest_station_km, is_gap from published.town_coverage order by open_jobs desc").fetchall()
        radius = con.execute("select max(radius_km) from published.jobs_near_station where mode = 'bike'").fetchone()[0]
    finally:
        con.close()
    per_cell: dict[int, int] = {}
    for lat, lon in jobs:
        cell = h3i.latlng_to_cell(lat, lon, CELL_RES)
        per_cell[cell] = per_cell.get(cell, 0) + 1
    return {"fences": fences(), "cells": per_cell, "stations": stations, "towns": towns,
            "radius_km": radius or 3.75, "open_jobs": len(jobs)}


# -- SVG / HTML ----------------------------------------------------------------------------------
def _points(proj: Projection, ring: list[list[float]] | np.ndarray) -> str:
    arr = np.asarray(ring, dtype=float)
    x, y = proj.xy(arr[:, 0], arr[:, 1])
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))


def render_svg(data: dict[str, Any]) -> str:
    city = data["fences"][CITY_ADCODE]
    proj = Projection.fit(city["bbox"])
    top = max(data["cells"].values(), default=1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{proj.height}" '
           f'viewBox="0 0 {WIDTH} {proj.height}" font-family="sans-serif">',
           f'<rect width="{WIDTH}" height="{proj.height}" fill="#f4f7fb"/>']
    for ring in city["rings"]:
        out.append(f'<polygon points="{_points(proj, ring)}" fill="#ffffff" stroke="none"/>')
    out.append('<g id="jobs">')
    for cell, count in sorted(data["cells"].items()):
        boundary = [[lon, lat] for lat, lon in h3i.cell_to_boundary(cell)]
        out.append(f'<polygon points="{_points(proj, boundary)}" fill="{_colour(count, top)}" fill-opacity="0.85" '
                   f'stroke="#ffffff" stroke-width="0.3"><title>{count} open jobs</title></polygon>')
    out.append("</g><g id=\"districts\">")
    for code, fence in sorted(data["fences"].items()):
        width = 1.6 if code == CITY_ADCODE else 0.8
        for ring in fence["rings"]:
            out.append(f'<polygon points="{_points(proj, ring)}" fill="none" stroke="#5a6b7d" '
                       f'stroke-width="{width}"><title>{html.escape(fence["name"])}</title></polygon>')
    out.append('</g><g id="circles">')
    r_px = proj.km(data["radius_km"])
    for _, _, kind, lat, lon, *_ in data["stations"]:
        if kind != "community_point":
            x, y = proj.xy(lon, lat)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r_px:.1f}" fill="{KIND_STYLE[kind][1]}" '
                       'fill-opacity="0.06" stroke="#1f4e9c" stroke-opacity="0.35" stroke-width="0.6"/>')
    out.append('</g><g id="gaps">')
    for town, _, lat, lon, jobs, _seekers, nearest, km, is_gap in data["towns"]:
        if is_gap:
            x, y = proj.xy(lon, lat)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="{GAP_COLOUR}" stroke-width="2">'
                       f'<title>{html.escape(town)}: {jobs} open jobs, nearest station {html.escape(nearest or "")} '
                       f'{km} km</title></circle>')
    out.append('</g><g id="stations">')
    for _, name, kind, lat, lon, jobs, seekers, suggestion, rank in data["stations"]:
        label, colour, r = KIND_STYLE.get(kind, (kind, "#333333", 4))
        x, y = proj.xy(lon, lat)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}" stroke="#ffffff" stroke-width="1">'
                   f'<title>#{rank} {html.escape(name or "")}: {jobs} jobs, {seekers} seekers within 15 min by bike; '
                   f'{html.escape(suggestion)}</title></circle>')
    out.append("</g>")
    # legend
    y0 = 30
    out.append(f'<text x="{WIDTH - 290}" y="{y0}" font-size="13" font-weight="bold">济宁 employment map</text>')
    for i, (label, colour, r) in enumerate(KIND_STYLE.values()):
        yy = y0 + 20 + i * 18
        out.append(f'<circle cx="{WIDTH - 282}" cy="{yy - 4}" r="{r}" fill="{colour}"/>'
                   f'<text x="{WIDTH - 270}" y="{yy}" font-size="11">{html.escape(label)}</text>')
    yy = y0 + 20 + 3 * 18
    out.append(f'<circle cx="{WIDTH - 282}" cy="{yy - 4}" r="6" fill="none" stroke="{GAP_COLOUR}" stroke-width="2"/>'
               f'<text x="{WIDTH - 270}" y="{yy}" font-size="11">gap: jobs, no station within 15 min</text>')
    for i, colour in enumerate(RAMP[1:]):
        out.append(f'<rect x="{WIDTH - 288 + i * 22}" y="{yy + 12}" width="22" height="10" fill="{colour}"/>')
    out.append(f'<text x="{WIDTH - 288}" y="{yy + 36}" font-size="11">open jobs per H3 cell (res {CELL_RES}): 1 … '
               f'{top}</text>')
    out.append("</svg>")
    return "\n".join(out)


def render_html(data: dict[str, Any], svg: str) -> str:
    gaps = [t for t in data["towns"] if t[-1]]
    rows = "".join(
        f"<tr><td>{rank}</td><td>{html.escape(name or '')}</td><td>{html.escape(KIND_STYLE.get(kind, (kind,))[0])}</td>"
        f"<td>{jobs}</td><td>{seekers}</td><td>{html.escape(sugg)}</td></tr>"
        for _, name, kind, _, _, jobs, seekers, sugg, rank in data["stations"][:30])
    gap_rows = "".join(
        f"<tr><td>{html.escape(t[0])}</td><td>{t[1]}</td><td>{t[4]}</td><td>{t[5]}</td>"
        f"<td>{html.escape(t[6] or '')}</td><td>{t[7]}</td></tr>" for t in gaps)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>济宁就业地图 · Jining employment map</title>
<style>body{{font-family:sans-serif;margin:16px;color:#222}} table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px}} th{{background:#eef}}</style></head><body>
<h1>济宁就业地图 · Jining employment map</h1>
<p>{data['open_jobs']} open jobs with coordinates; {len(data['stations'])} stations (demo stations are labelled
（演示）); {len(gaps)} gap towns. Circles: 15 minutes by bike ({data['radius_km']:.2f} km, straight line).
Drawn offline from the district fences (Vonng/adcode, CC BY 4.0); no map tiles.</p>
{svg}
<h2>Stations by demand within 15 minutes (top 30)</h2>
<table><tr><th>rank</th><th>station</th><th>kind</th><th>open jobs</th><th>seekers</th><th>suggestion</th></tr>
{rows}</table>
<h2>Gaps: towns with jobs but no station within 15 minutes by bike</h2>
<table><tr><th>town</th><th>district</th><th>open jobs</th><th>seekers</th><th>nearest station</th><th>km</th></tr>
{gap_rows}</table>
</body></html>
"""


# -- PNG -----------------------------------------------------------------------------------------
def _hex(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


def _fill_polygon(img: np.ndarray, xs: np.ndarray, ys: np.ndarray, colour: np.ndarray) -> None:
    """Even-odd fill of one ring, tested at pixel centres inside the ring's bounding box."""
    h, w, _ = img.shape
    x0, x1 = max(int(xs.min()), 0), min(int(xs.max()) + 1, w)
    y0, y1 = max(int(ys.min()), 0), min(int(ys.max()) + 1, h)
    if x0 >= x1 or y0 >= y1:
        return
    px, py = np.meshgrid(np.arange(x0, x1) + 0.5, np.arange(y0, y1) + 0.5)
    inside = np.zeros(px.shape, dtype=bool)
    xa, ya, xb, yb = xs, ys, np.roll(xs, -1), np.roll(ys, -1)
    for ax, ay, bx, by in zip(xa, ya, xb, yb, strict=True):
        if ay == by:
            continue
        crosses = (ay > py) != (by > py)
        xint = ax + (py - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (px < xint)
    img[y0:y1, x0:x1][inside] = colour


def _stroke(img: np.ndarray, xs: np.ndarray, ys: np.ndarray, colour: np.ndarray, closed: bool = True) -> None:
    h, w, _ = img.shape
    xa, ya = xs, ys
    xb, yb = (np.roll(xs, -1), np.roll(ys, -1)) if closed else (xs[1:], ys[1:])
    for ax, ay, bx, by in zip(xa, ya, xb, yb, strict=False):
        n = int(max(abs(bx - ax), abs(by - ay))) + 2
        lx = np.clip(np.linspace(ax, bx, n).astype(int), 0, w - 1)
        ly = np.clip(np.linspace(ay, by, n).astype(int), 0, h - 1)
        img[ly, lx] = colour


def _disc(img: np.ndarray, x: float, y: float, r: float, colour: np.ndarray, ring: float = 0.0) -> None:
    h, w, _ = img.shape
    x0, x1 = max(int(x - r) - 1, 0), min(int(x + r) + 2, w)
    y0, y1 = max(int(y - r) - 1, 0), min(int(y + r) + 2, h)
    if x0 >= x1 or y0 >= y1:
        return
    px, py = np.meshgrid(np.arange(x0, x1) + 0.5, np.arange(y0, y1) + 0.5)
    d = np.hypot(px - x, py - y)
    mask = (d <= r) & (d >= r - ring) if ring else d <= r
    img[y0:y1, x0:x1][mask] = colour


def encode_png(img: np.ndarray) -> bytes:
    """RGB uint8 array → PNG bytes (filter 0 per row, zlib)."""
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def render_png(data: dict[str, Any]) -> bytes:
    city = data["fences"][CITY_ADCODE]
    proj = Projection.fit(city["bbox"])
    img = np.empty((proj.height, WIDTH, 3), dtype=np.uint8)
    img[:] = _hex("#f4f7fb")
    for ring in city["rings"]:
        arr = np.asarray(ring)
        _fill_polygon(img, *proj.xy(arr[:, 0], arr[:, 1]), _hex("#ffffff"))
    top = max(data["cells"].values(), default=1)
    for cell, count in data["cells"].items():
        arr = np.array(h3i.cell_to_boundary(cell))
        _fill_polygon(img, *proj.xy(arr[:, 1], arr[:, 0]), _hex(_colour(count, top)))
    for fence in data["fences"].values():
        for ring in fence["rings"]:
            arr = np.asarray(ring)
            _stroke(img, *proj.xy(arr[:, 0], arr[:, 1]), _hex("#5a6b7d"))
    r_px = proj.km(data["radius_km"])
    for _, _, kind, lat, lon, *_ in data["stations"]:
        if kind != "community_point":
            _disc(img, *proj.xy(lon, lat), r_px, _hex("#8fa8d0"), ring=1.0)
    for town in data["towns"]:
        if town[-1]:
            _disc(img, *proj.xy(town[3], town[2]), 7, _hex(GAP_COLOUR), ring=2.0)
    for _, _, kind, lat, lon, *_ in data["stations"]:
        _, colour, r = KIND_STYLE.get(kind, (kind, "#333333", 4))
        _disc(img, *proj.xy(lon, lat), r, _hex(colour))
    return encode_png(img)


def write_map(out_dir: Path | None = None, root: Paths | None = None) -> dict[str, Any]:
    """Write ``map.html`` (self-contained) and ``map.png``; returns their paths and what they show."""
    root = root or paths()
    out_dir = Path(out_dir or root.home / "map")
    out_dir.mkdir(parents=True, exist_ok=True)
    data = gather(root)
    svg = render_svg(data)
    html_path, png_path = out_dir / "map.html", out_dir / "map.png"
    html_path.write_text(render_html(data, svg), encoding="utf-8")
    png_path.write_bytes(render_png(data))
    return {"html": str(html_path), "png": str(png_path), "cells": len(data["cells"]),
            "stations": len(data["stations"]), "gaps": sum(1 for t in data["towns"] if t[-1]),
            "open_jobs": data["open_jobs"]}
