"""The employment map (就业地图) for people: open jobs per H3 cell, stations with their 15-minute reach,
seekers per town (aggregated), and towns with jobs but no station — as one self-contained HTML page and
a PNG that reads on its own.

Why no tiles and no library: the page must open offline on a caseworker's PC and in the tests, so it is
inline SVG plus a little plain JS in the same file (layers, zoom and pan, search, a side panel with the
jobs of a station or town, job-type and 妈妈岗/银龄岗/助残岗 filters); nothing is fetched. Everything from
data reaches the page escaped: SVG text through ``html.escape``, the data for the script as JSON in a
``<script type="application/json">`` with ``<``, ``>``, ``&`` escaped, and the script writes it with
``textContent`` only — a job titled ``<script>…`` stays text.

The PNG is rasterised with numpy (shapes) and Pillow (text: title, legend, district names, scale bar).
Chinese labels need a CJK font (Debian ``fonts-wqy-zenhei`` or ``fonts-noto-cjk``); without one the PNG
falls back to pinyin/English labels and says so, never failing.
"""

from __future__ import annotations

import html
import json
import math
import os
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h3.api.basic_int as h3i
import numpy as np

from circle import geo
from landing.paths import Paths, as_of, paths
from transforms.vocabulary import CITY_ADCODE, EMPLOYMENT_TYPES, SPECIAL_GROUPS

CELL_RES = 7  # ~5 km² hexagons: fine enough for a city, coarse enough to hide single addresses
WIDTH = 1000
MARGIN = 20
TITLE = "济宁就业地图 · Jining employment map"
KIND_STYLE = {  # kind: (label, fill colour, radius px)
    "employment_station": ("就业驿站 employment station", "#1f4e9c", 6),
    "gig_market": ("零工市场 gig market", "#7b2cbf", 5),
    "community_point": ("社区就业服务点 community point", "#138a36", 3),
}
KIND_EN = {"employment_station": "employment station", "gig_market": "gig market",
           "community_point": "community point"}
RAMP = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"]
GAP_COLOUR = "#d7191c"
SEEKER_COLOUR = "#0f8b8d"
TOWN_COLOUR = "#6b6b6b"
REACH_STROKE = "#1f4e9c"
LIST_MAX = 200  # jobs listed per station or town in the page (nearest first); the count says how many more
SEEKER_MIN = 3  # towns with fewer seekers show "fewer than 3", not the number
GROUPS = [(key, flag, label) for key, (flag, label) in SPECIAL_GROUPS.items()]  # bit i = GROUPS[i]
TYPE_LABELS = {"FULL_TIME": "全职 full time", "PART_TIME": "兼职 part time", "CONTRACTOR": "合同 contractor",
               "TEMPORARY": "临时 temporary", "INTERN": "实习 intern", "PER_DIEM": "日结 per diem",
               "OTHER": "其他 other"}
PINYIN = {"370800": "Jining", "370811": "Rencheng", "370812": "Yanzhou", "370826": "Weishan",
          "370827": "Yutai", "370828": "Jinxiang", "370829": "Jiaxiang", "370830": "Wenshang",
          "370831": "Sishui", "370832": "Liangshan", "370881": "Qufu", "370883": "Zoucheng"}
CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf")
LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


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


def scale_bar(px_per_km: float, max_px: float = 150) -> tuple[float, float]:
    """The longest round distance (km) whose bar fits in ``max_px``: (km, its length in px)."""
    km = 0.5
    for step in (0.5, 1, 2, 5, 10, 20, 50, 100):
        if step * px_per_km <= max_px:
            km = step
    return km, km * px_per_km


def centroid(ring: list[list[float]]) -> tuple[float, float]:
    """Area centroid (lon, lat) of a ring: where a district's name goes (seats sit near borders)."""
    arr = np.asarray(ring, dtype=float)
    x, y = arr[:, 0], arr[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = cross.sum() / 2
    if abs(area) < 1e-12:
        return float(x.mean()), float(y.mean())
    return (float(((x + np.roll(x, -1)) * cross).sum() / (6 * area)),
            float(((y + np.roll(y, -1)) * cross).sum() / (6 * area)))


def _group_mask(flags: dict[str, Any]) -> int:
    return sum(1 << i for i, (_, flag, _) in enumerate(GROUPS) if flags.get(flag))


def gather(root: Paths | None = None) -> dict[str, Any]:
    """What the map shows, read from the warehouse's published tables (read-only), plus each open job's
    nearest town from ``core.job_geo`` (the split ``town_coverage`` counts by)."""
    from transforms.vocabulary import fences
    from warehouse.db import connect_reader

    root = root or paths()
    con = connect_reader(root.warehouse)
    try:
        jobs = con.execute("""
            select j.job_id, j.title, j.employer_name, j.town, j.latitude, j.longitude,
                   coalesce(j.employment_type, 'OTHER'), j.for_mothers, j.for_seniors, j.for_disabled,
                   j.salary_text, g.town_adcode
            from published.open_jobs as j left join core.job_geo as g using (job_id)
            where j.latitude is not null order by j.job_id""").fetchall()
        stations = con.execute(
            "select station_id, station_name, station_kind, latitude, longitude, open_jobs_bike, seekers_bike, "
            "suggestion, demand_rank, district_adcode from published.station_report order by demand_rank"
        ).fetchall()
        towns = con.execute(
            "select town_adcode, town, district_adcode, latitude, longitude, open_jobs, seekers, "
            "nearest_station_name, nearest_station_km, is_gap from published.town_coverage "
            "order by open_jobs desc, town_adcode").fetchall()
        radius = con.execute("select max(radius_km) from published.jobs_near_station where mode = 'bike'").fetchone()[0]
    finally:
        con.close()
    job_keys = ("job_id", "title", "employer", "town", "lat", "lon", "type", "for_mothers", "for_seniors",
                "for_disabled", "salary", "town_adcode")
    station_keys = ("id", "name", "kind", "lat", "lon", "jobs", "seekers", "suggestion", "rank", "district")
    town_keys = ("adcode", "name", "district", "lat", "lon", "jobs", "seekers", "nearest", "km", "is_gap")
    return {"fences": fences(), "jobs": [dict(zip(job_keys, r, strict=True)) for r in jobs],
            "stations": [dict(zip(station_keys, r, strict=True)) for r in stations],
            "towns": [dict(zip(town_keys, r, strict=True)) for r in towns],
            "radius_km": radius or 3.75, "as_of": as_of().date().isoformat()}


def cells(jobs: list[dict[str, Any]]) -> dict[int, dict[int, int]]:
    """H3 res-7 cell → {type index × 8 + group mask: open jobs}: enough for the page to recount each
    cell under any filter without listing the jobs."""
    out: dict[int, dict[int, int]] = {}
    for job in jobs:
        cell = h3i.latlng_to_cell(job["lat"], job["lon"], CELL_RES)
        key = _type_index(job["type"]) * 8 + _group_mask(job)
        combos = out.setdefault(cell, {})
        combos[key] = combos.get(key, 0) + 1
    return out


def _type_index(kind: str | None) -> int:
    return EMPLOYMENT_TYPES.index(kind) if kind in EMPLOYMENT_TYPES else EMPLOYMENT_TYPES.index("OTHER")


def page_model(data: dict[str, Any], proj: Projection) -> dict[str, Any]:
    """The JSON the page's script reads: cells' filter counts, each station's jobs within its bike circle
    (nearest first, at most LIST_MAX), each town's jobs (nearest-town split), and only the jobs listed."""
    jobs = data["jobs"]
    lats = np.array([j["lat"] for j in jobs], dtype=float)
    lons = np.array([j["lon"] for j in jobs], dtype=float)
    used: dict[int, int] = {}

    def ref(i: int) -> int:
        return used.setdefault(i, len(used))

    stations = []
    for s in data["stations"]:
        dist = geo.haversine_km(s["lat"], s["lon"], lats, lons) if jobs else np.empty(0)
        inside = np.flatnonzero(dist <= data["radius_km"])
        order = inside[np.lexsort((inside, dist[inside]))]
        x, y = proj.xy(s["lon"], s["lat"])
        stations.append({"name": s["name"] or s["id"], "kind": s["kind"], "rank": s["rank"], "seekers": s["seekers"],
                         "suggestion": s["suggestion"], "n": int(len(order)), "x": round(float(x), 1),
                         "y": round(float(y), 1),
                         "jobs": [[ref(int(i)), round(float(dist[i]), 2)] for i in order[:LIST_MAX]]})
    by_town: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        by_town.setdefault(job.get("town_adcode") or "", []).append(i)
    towns = []
    for t in data["towns"]:
        mine = by_town.get(t["adcode"], [])
        x, y = proj.xy(t["lon"], t["lat"])
        towns.append({"name": t["name"], "n": len(mine), "seekers": _seekers_text(t["seekers"]),
                      "nearest": t["nearest"], "km": t["km"], "gap": bool(t["is_gap"]),
                      "x": round(float(x), 1), "y": round(float(y), 1), "jobs": [[ref(i)] for i in mine[:LIST_MAX]]})
    listed = sorted(used, key=used.__getitem__)
    job_rows = [[jobs[i]["title"] or "", jobs[i]["employer"] or "", jobs[i]["town"] or "", _type_index(jobs[i]["type"]),
                 _group_mask(jobs[i]), jobs[i]["salary"] or ""] for i in listed]
    grid = cells(jobs)
    return {"width": WIDTH, "height": proj.height, "px_per_km": proj.km(1.0), "radius_km": data["radius_km"],
            "reach_px": proj.km(data["radius_km"]), "ramp": RAMP, "list_max": LIST_MAX,
            "types": [[t, TYPE_LABELS.get(t, t)] for t in EMPLOYMENT_TYPES],
            "groups": [[label, key] for key, _, label in GROUPS],
            "kinds": {k: v[0] for k, v in KIND_STYLE.items()},
            "cells": [sorted(grid[c].items()) for c in sorted(grid)], "jobs": job_rows,
            "stations": stations, "towns": towns, "total": len(jobs)}


def _seekers_text(n: int | None) -> str:
    n = n or 0
    return "0" if n == 0 else (f"fewer than {SEEKER_MIN}" if n < SEEKER_MIN else str(n))


def embed_json(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, ``<!--`` or entity can form,
    and U+2028/2029 cannot end a line in older JS parsers."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, safe in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                      ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, safe)
    return text


# -- SVG / HTML ----------------------------------------------------------------------------------
def _points(proj: Projection, ring: list[list[float]] | np.ndarray) -> str:
    arr = np.asarray(ring, dtype=float)
    x, y = proj.xy(arr[:, 0], arr[:, 1])
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))


def _esc(text: Any) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def render_svg(data: dict[str, Any]) -> str:
    """The map as SVG: layers as ``<g id="layer-…">``, clickable stations/towns by index (``data-station``,
    ``data-town``) so the script never parses a name, district names, title and scale bar."""
    city = data["fences"][CITY_ADCODE]
    proj = Projection.fit(city["bbox"])
    grid = cells(data["jobs"])
    totals = {c: sum(v.values()) for c, v in grid.items()}
    top = max(totals.values(), default=1)
    nss = 'vector-effect="non-scaling-stroke"'
    out = [f'<svg id="map" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{proj.height}" '
           f'viewBox="0 0 {WIDTH} {proj.height}" font-family="sans-serif" role="img" aria-label="{_esc(TITLE)}">',
           f'<rect width="{WIDTH}" height="{proj.height}" fill="#f4f7fb"/>', '<g id="viewport">']
    for ring in city["rings"]:
        out.append(f'<polygon points="{_points(proj, ring)}" fill="#ffffff" stroke="none"/>')
    out.append('<g id="layer-jobs">')
    for i, cell in enumerate(sorted(grid)):
        boundary = [[lon, lat] for lat, lon in h3i.cell_to_boundary(cell)]
        out.append(f'<polygon class="cell" data-cell="{i}" points="{_points(proj, boundary)}" '
                   f'fill="{_colour(totals[cell], top)}" fill-opacity="0.85" stroke="#ffffff" stroke-width="0.3" {nss}>'
                   f'<title>{totals[cell]} open jobs</title></polygon>')
    out.append('</g><g id="districts" pointer-events="none">')
    for code, fence in sorted(data["fences"].items()):
        width = 1.6 if code == CITY_ADCODE else 0.8
        for ring in fence["rings"]:
            out.append(f'<polygon points="{_points(proj, ring)}" fill="none" stroke="#5a6b7d" '
                       f'stroke-width="{width}" {nss}/>')
    out.append('</g><g id="layer-seekers">')
    for t in data["towns"]:
        if t["seekers"]:
            x, y = proj.xy(t["lon"], t["lat"])
            r = 2.5 + 1.2 * math.sqrt(max(t["seekers"], SEEKER_MIN))
            out.append(f'<circle class="seekers" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{SEEKER_COLOUR}" '
                       f'fill-opacity="0.35" stroke="{SEEKER_COLOUR}" stroke-width="0.8" {nss}>'
                       f'<title>{_esc(t["name"])}: {_seekers_text(t["seekers"])} job seekers live nearest this town '
                       f'(counted per town, no one shown)</title></circle>')
    out.append('</g><g id="layer-towns">')
    for i, t in enumerate(data["towns"]):
        if t["jobs"]:
            x, y = proj.xy(t["lon"], t["lat"])
            out.append(f'<circle class="town" data-town="{i}" tabindex="0" cx="{x:.1f}" cy="{y:.1f}" r="2.6" '
                       f'fill="{TOWN_COLOUR}" stroke="#ffffff" stroke-width="0.6" {nss}>'
                       f'<title>{_esc(t["name"])}: {t["jobs"]} open jobs (click for the list)</title></circle>')
    out.append('</g><g id="layer-gaps">')
    for i, t in enumerate(data["towns"]):
        if t["is_gap"]:
            x, y = proj.xy(t["lon"], t["lat"])
            out.append(f'<circle class="gap" data-town="{i}" tabindex="0" cx="{x:.1f}" cy="{y:.1f}" r="7" '
                       f'fill="#ffffff" fill-opacity="0" stroke="{GAP_COLOUR}" stroke-width="2" {nss}>'
                       f'<title>{_esc(t["name"])}: {t["jobs"]} open jobs, no station within 15 min by bike; nearest '
                       f'{_esc(t["nearest"] or "none")} {_esc(t["km"])} km</title></circle>')
    out.append('</g><g id="layer-stations"><g class="reach" pointer-events="none">')
    r_px = proj.km(data["radius_km"])
    for s in data["stations"]:
        if s["kind"] != "community_point":
            x, y = proj.xy(s["lon"], s["lat"])
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r_px:.1f}" fill="{KIND_STYLE[s["kind"]][1]}" '
                       f'fill-opacity="0.05" stroke="{REACH_STROKE}" stroke-opacity="0.35" stroke-width="0.6" {nss}/>')
    out.append('</g>')
    for i, s in enumerate(data["stations"]):
        _, colour, r = KIND_STYLE.get(s["kind"], (s["kind"], "#333333", 4))
        x, y = proj.xy(s["lon"], s["lat"])
        out.append(f'<circle class="station" data-station="{i}" tabindex="0" cx="{x:.1f}" cy="{y:.1f}" r="{r}" '
                   f'fill="{colour}" stroke="#ffffff" stroke-width="1" {nss}>'
                   f'<title>#{_esc(s["rank"])} {_esc(s["name"])}: {s["jobs"]} jobs, {s["seekers"]} seekers within '
                   f'15 min by bike; {_esc(s["suggestion"])}</title></circle>')
    out.append(f'</g><circle id="selected-reach" cx="0" cy="0" r="{r_px:.1f}" fill="{REACH_STROKE}" '
               f'fill-opacity="0.08" stroke="{REACH_STROKE}" stroke-width="2" stroke-dasharray="5 3" {nss} '
               'pointer-events="none" display="none"/>')
    out.append('<g id="labels" pointer-events="none" font-size="15" font-weight="bold" fill="#34495e" '
               'stroke="#ffffff" stroke-width="3" paint-order="stroke" text-anchor="middle">')
    for code, fence in sorted(data["fences"].items()):
        if code != CITY_ADCODE:
            x, y = proj.xy(*centroid(max(fence["rings"], key=len)))
            out.append(f'<text class="district" x="{x:.1f}" y="{y:.1f}">{_esc(fence["name"])}</text>')
    out.append("</g></g>")
    km, px = scale_bar(proj.km(1.0))
    y = MARGIN + 58  # under the title: always in view, whatever the window height
    out.append(f'<g id="overlay" pointer-events="none"><text x="{MARGIN}" y="{MARGIN + 10}" font-size="20" '
               f'font-weight="bold" fill="#1b2a3a">{_esc(TITLE)}</text>'
               f'<text x="{MARGIN}" y="{MARGIN + 30}" font-size="12" fill="#44546a">{len(data["jobs"])} open jobs · '
               f'{len(data["stations"])} stations · as of {_esc(data.get("as_of", ""))}</text>'
               f'<g id="scalebar"><rect id="scalebar-bar" x="{MARGIN}" y="{y}" width="{px:.1f}" height="6" '
               f'fill="#1b2a3a"/><text id="scalebar-label" x="{MARGIN}" y="{y - 5}" font-size="12" '
               f'fill="#1b2a3a">{km:g} km</text></g></g>')
    out.append("</svg>")
    return "\n".join(out)


_CSS = """
body{font-family:sans-serif;margin:0;color:#222;background:#fff}
header{padding:10px 16px;border-bottom:1px solid #dde}
header h1{font-size:20px;margin:0 0 4px}
header p{margin:0;font-size:13px;color:#445}
#app{display:grid;grid-template-columns:minmax(0,1fr) 360px;gap:0;height:calc(100vh - 64px);min-height:560px}
#stage{position:relative;overflow:hidden;background:#f4f7fb;touch-action:none;cursor:grab}
#stage svg{width:100%;height:100%;display:block;user-select:none}
#zoom{position:absolute;right:10px;top:10px;display:flex;flex-direction:column;gap:4px}
#zoom button{width:32px;height:32px;font-size:18px;border:1px solid #99a;background:#fff;border-radius:4px;
  cursor:pointer}
aside{border-left:1px solid #dde;overflow:auto;padding:10px 14px;font-size:13px}
aside h2{font-size:14px;margin:12px 0 6px}
.legend label{display:flex;align-items:center;gap:6px;margin:3px 0;cursor:pointer}
.sw{display:inline-block;width:14px;height:14px;border-radius:50%;flex:none}
.ramp{display:flex;margin:4px 0 0 20px}.ramp span{width:26px;height:10px}
#search{width:100%;box-sizing:border-box;padding:5px}
#search-results{list-style:none;padding:0;margin:4px 0}
#search-results button,.linkish{background:none;border:none;color:#1f4e9c;cursor:pointer;padding:2px 0;text-align:left}
#panel{border-top:2px solid #1f4e9c;margin-top:10px;padding-top:6px}
#panel-list{padding-left:20px;margin:6px 0}
#panel-list li{margin:0 0 6px}
#panel-list .meta{color:#556;font-size:12px}
.badge{display:inline-block;background:#fde3ec;color:#8a1846;border-radius:3px;padding:0 4px;margin-left:4px;
  font-size:11px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}th{background:#eef}
section.tables{padding:8px 16px}
"""

# Static: no data is ever interpolated into it; it reads #map-data and writes with textContent only.
_SCRIPT = r"""
(() => {
  const D = JSON.parse(document.getElementById('map-data').textContent);
  const svg = document.getElementById('map');
  const vp = document.getElementById('viewport');
  const $ = (id) => document.getElementById(id);
  let view = {k: 1, x: 0, y: 0};
  let selected = null;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function apply() {
    vp.setAttribute('transform', 'translate(' + view.x + ' ' + view.y + ') scale(' + view.k + ')');
    $('labels').setAttribute('font-size', (15 / Math.sqrt(view.k)).toFixed(1));  // names grow slower than the map
    $('labels').setAttribute('stroke-width', (3 / Math.sqrt(view.k)).toFixed(2));
    const steps = [0.5, 1, 2, 5, 10, 20, 50, 100];
    const ppk = D.px_per_km * view.k;
    let km = steps[0];
    for (const s of steps) if (s * ppk <= 150) km = s;
    $('scalebar-bar').setAttribute('width', (km * ppk).toFixed(1));
    $('scalebar-label').textContent = km + ' km';
    $('zoom-level').textContent = view.k.toFixed(1) + '×';
  }
  function svgPoint(e) {
    const r = svg.getBoundingClientRect();
    const s = Math.min(r.width / D.width, r.height / D.height);
    const ox = (r.width - D.width * s) / 2, oy = (r.height - D.height * s) / 2;
    return [(e.clientX - r.left - ox) / s, (e.clientY - r.top - oy) / s];
  }
  function zoomAt(px, py, f) {
    const k = Math.min(60, Math.max(1, view.k * f));
    f = k / view.k;
    view.x = px - (px - view.x) * f; view.y = py - (py - view.y) * f; view.k = k;
    apply();
  }
  function centreOn(x, y, k) {
    view.k = Math.max(view.k, k);
    view.x = D.width / 2 - x * view.k; view.y = D.height / 2 - y * view.k;
    apply();
  }
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const [px, py] = svgPoint(e);
    zoomAt(px, py, e.deltaY < 0 ? 1.25 : 0.8);
  }, {passive: false});
  let drag = null, dragged = false;
  svg.addEventListener('pointerdown', (e) => {
    drag = {x: e.clientX, y: e.clientY, vx: view.x, vy: view.y};
    dragged = false;
  });
  window.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    const s = Math.min(r.width / D.width, r.height / D.height);
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) dragged = true;
    if (dragged) { view.x = drag.vx + dx / s; view.y = drag.vy + dy / s; apply(); }
  });
  window.addEventListener('pointerup', () => { drag = null; });
  $('zoom-in').addEventListener('click', () => zoomAt(D.width / 2, D.height / 2, 1.5));
  $('zoom-out').addEventListener('click', () => zoomAt(D.width / 2, D.height / 2, 1 / 1.5));
  $('zoom-reset').addEventListener('click', () => { view = {k: 1, x: 0, y: 0}; apply(); });

  // layers
  document.querySelectorAll('input[data-layer]').forEach((box) => {
    const sync = () => {
      $('layer-' + box.dataset.layer).style.display = box.checked ? '' : 'none';
      if (box.dataset.layer === 'stations' && !box.checked) $('selected-reach').setAttribute('display', 'none');
    };
    box.addEventListener('change', sync);
    sync();
  });

  // filters
  function filter() {
    const t = $('filter-type').value;
    let mask = 0;
    document.querySelectorAll('input[data-group]').forEach((b) => {
      if (b.checked) mask |= 1 << Number(b.dataset.group);
    });
    return {type: t === '' ? -1 : Number(t), mask};
  }
  function keep(f, type, mask) {
    return (f.type < 0 || type === f.type) && (f.mask === 0 || (mask & f.mask) !== 0);
  }
  function colour(n, top) {
    if (top <= 1) return D.ramp[D.ramp.length - 1];
    const i = Math.floor(Math.log(Math.max(n, 1)) / Math.log(top) * (D.ramp.length - 1) + 0.5);
    return D.ramp[Math.max(1, Math.min(i, D.ramp.length - 1))];
  }
  function refresh() {
    const f = filter();
    const counts = D.cells.map((combos) => combos.reduce(
      (sum, [key, n]) => sum + (keep(f, Math.floor(key / 8), key % 8) ? n : 0), 0));
    const top = Math.max(1, ...counts);
    document.querySelectorAll('#layer-jobs .cell').forEach((p) => {
      const n = counts[Number(p.dataset.cell)];
      p.style.display = n ? '' : 'none';
      p.setAttribute('fill', colour(n, top));
      p.querySelector('title').textContent = n + ' open jobs (filtered)';
    });
    const total = counts.reduce((a, b) => a + b, 0);
    $('filter-count').textContent = total + ' of ' + D.total + ' open jobs match';
    if (selected) show(selected.kind, selected.i, false);
  }
  $('filter-type').addEventListener('change', refresh);
  document.querySelectorAll('input[data-group]').forEach((b) => b.addEventListener('change', refresh));

  // the side panel
  function jobItem(entry) {
    const [title, employer, town, type, mask, salary] = D.jobs[entry[0]];
    const li = el('li', undefined, 'job');
    li.appendChild(el('strong', title));
    D.groups.forEach(([label], bit) => { if (mask & (1 << bit)) li.appendChild(el('span', label, 'badge')); });
    const meta = [employer, town, salary, D.types[type][1]];
    if (entry.length > 1) meta.push(entry[1] + ' km');
    li.appendChild(el('div', meta.filter((m) => m !== '').join(' · '), 'meta'));
    return li;
  }
  function show(kind, i, move) {
    selected = {kind, i};
    const item = kind === 'station' ? D.stations[i] : D.towns[i];
    const f = filter();
    const list = item.jobs.filter((e) => { const j = D.jobs[e[0]]; return keep(f, j[3], j[4]); });
    $('panel').hidden = false;
    $('panel-title').textContent = item.name;
    const lines = [];
    if (kind === 'station') {
      lines.push(D.kinds[item.kind] || item.kind);
      lines.push('#' + item.rank + ' by demand · ' + item.n + ' open jobs and ' + item.seekers +
                 ' seekers within 15 min by bike (' + D.radius_km.toFixed(2) + ' km) · ' + item.suggestion);
      const reach = $('selected-reach');
      reach.setAttribute('cx', item.x); reach.setAttribute('cy', item.y); reach.setAttribute('display', '');
    } else {
      lines.push(item.n + ' open jobs nearest this town · job seekers: ' + item.seekers);
      lines.push(item.gap ? 'no station within 15 min by bike; nearest: ' + (item.nearest || 'none') + ' ' +
                 item.km + ' km' : 'nearest station: ' + (item.nearest || 'none') + ' ' + item.km + ' km');
      $('selected-reach').setAttribute('display', 'none');
    }
    const summary = $('panel-summary');
    summary.replaceChildren(...lines.map((t) => el('div', t)));
    const shown = item.n > item.jobs.length ? ' (the ' + item.jobs.length + ' nearest listed)' : '';
    $('panel-count').textContent = list.length + ' jobs match the filters' + shown;
    $('panel-list').replaceChildren(...list.map(jobItem));
    if (move) centreOn(item.x, item.y, 3);
  }
  svg.addEventListener('click', (e) => {
    if (dragged) return;
    const t = e.target.closest('[data-station],[data-town]');
    if (!t) return;
    if (t.dataset.station !== undefined) show('station', Number(t.dataset.station), false);
    else show('town', Number(t.dataset.town), false);
  });
  svg.addEventListener('keydown', (e) => {
    const t = e.target.closest && e.target.closest('[data-station],[data-town]');
    if (!t || e.key !== 'Enter') return;
    if (t.dataset.station !== undefined) show('station', Number(t.dataset.station), false);
    else show('town', Number(t.dataset.town), false);
  });
  $('panel-close').addEventListener('click', () => {
    selected = null; $('panel').hidden = true; $('selected-reach').setAttribute('display', 'none');
  });

  // search
  $('search').addEventListener('input', () => {
    const q = $('search').value.trim().toLowerCase();
    const out = [];
    if (q) {
      D.stations.forEach((s, i) => {
        const label = s.name + ' (' + (D.kinds[s.kind] || s.kind) + ')';
        if (s.name.toLowerCase().includes(q)) out.push(['station', i, label]);
      });
      D.towns.forEach((t, i) => { if (t.name.toLowerCase().includes(q)) out.push(['town', i, t.name + ' (town)']); });
    }
    $('search-results').replaceChildren(...out.slice(0, 12).map(([kind, i, label]) => {
      const b = el('button', label);
      b.type = 'button';
      b.addEventListener('click', () => show(kind, i, true));
      const li = el('li'); li.appendChild(b); return li;
    }));
  });
  apply();
  refresh();
})();
"""


def render_html(data: dict[str, Any], svg: str) -> str:
    """The page: the SVG, a legend that switches layers, filters, search, the side panel, the tables."""
    proj = Projection.fit(data["fences"][CITY_ADCODE]["bbox"])
    model = page_model(data, proj)
    gaps = [t for t in data["towns"] if t["is_gap"]]
    rows = "".join(
        f"<tr><td>{_esc(s['rank'])}</td><td>{_esc(s['name'])}</td>"
        f"<td>{_esc(KIND_STYLE.get(s['kind'], (s['kind'],))[0])}</td><td>{_esc(s['jobs'])}</td>"
        f"<td>{_esc(s['seekers'])}</td><td>{_esc(s['suggestion'])}</td></tr>"
        for s in data["stations"][:30])
    gap_rows = "".join(
        f"<tr><td>{_esc(t['name'])}</td><td>{_esc(t['district'])}</td><td>{_esc(t['jobs'])}</td>"
        f"<td>{_esc(_seekers_text(t['seekers']))}</td><td>{_esc(t['nearest'])}</td><td>{_esc(t['km'])}</td></tr>"
        for t in gaps)
    swatch = '<span class="sw" style="background:{}"></span>'
    kinds = "".join(f'<div style="margin-left:20px">{swatch.format(c)} {_esc(label)}</div>'
                    for label, c, _ in KIND_STYLE.values())
    ramp = "".join(f'<span style="background:{c}"></span>' for c in RAMP[1:])
    types = "".join(f'<option value="{i}">{_esc(TYPE_LABELS.get(t, t))}</option>'
                    for i, t in enumerate(EMPLOYMENT_TYPES))
    groups = "".join(f'<label><input type="checkbox" data-group="{i}" id="group-{key}"> {_esc(label)}</label>'
                     for i, (key, _, label) in enumerate(GROUPS))
    ring = '<span class="sw" style="border:2px solid {};box-sizing:border-box"></span>'
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(TITLE)}</title>
<style>{_CSS}</style></head><body>
<header><h1>{_esc(TITLE)}</h1>
<p>{len(data['jobs'])} open jobs with coordinates · {len(data['stations'])} stations (demo stations are labelled
（演示）) · {len(gaps)} towns with jobs but no station · reach: 15 minutes by bike ({data['radius_km']:.2f} km, straight
line) · as of {_esc(data.get('as_of', ''))}. Drawn offline from the district fences (Vonng/adcode, CC BY 4.0); no map
tiles. Scroll to zoom, drag to pan, click a station or town for its jobs.</p></header>
<div id="app"><div id="stage">{svg}
<div id="zoom"><button id="zoom-in" type="button" title="zoom in">+</button><button id="zoom-out" type="button"
title="zoom out">−</button><button id="zoom-reset" type="button" title="whole city">⟲</button>
<span id="zoom-level" style="font-size:11px;text-align:center">1.0×</span></div></div>
<aside>
<input id="search" type="search" placeholder="搜索站点或乡镇 · search a station or town" aria-label="search">
<ul id="search-results"></ul>
<h2>图层 Layers</h2><div class="legend">
<label><input type="checkbox" data-layer="jobs" id="toggle-jobs" checked> 岗位 open jobs per H3 cell (res {CELL_RES},
~5 km²)</label><div class="ramp">{ramp}</div><div style="margin-left:20px;font-size:11px">few → many</div>
<label><input type="checkbox" data-layer="stations" id="toggle-stations" checked> 站点 stations and their 15-minute
reach by bike</label>{kinds}
<label><input type="checkbox" data-layer="seekers" id="toggle-seekers"> {swatch.format(SEEKER_COLOUR)} 求职者
job seekers per town (aggregated; under {SEEKER_MIN} not counted)</label>
<label><input type="checkbox" data-layer="towns" id="toggle-towns" checked> {swatch.format(TOWN_COLOUR)} 乡镇 towns
with open jobs</label>
<label><input type="checkbox" data-layer="gaps" id="toggle-gaps" checked> {ring.format(GAP_COLOUR)} 缺口 towns with
jobs but no station within 15 min</label></div>
<h2>筛选 Filters</h2>
<label>岗位类型 job type <select id="filter-type"><option value="">全部 all types</option>{types}</select></label>
<div class="legend">{groups}</div>
<div id="filter-count"></div>
<section id="panel" hidden><button id="panel-close" class="linkish" type="button" style="float:right">✕ close</button>
<h2 id="panel-title"></h2><div id="panel-summary" class="meta"></div><div id="panel-count"></div>
<ol id="panel-list"></ol></section>
</aside></div>
<section class="tables">
<h2>Stations by demand within 15 minutes (top 30)</h2>
<table><tr><th>rank</th><th>station</th><th>kind</th><th>open jobs</th><th>seekers</th><th>suggestion</th></tr>
{rows}</table>
<h2>Gaps: towns with jobs but no station within 15 minutes by bike</h2>
<table><tr><th>town</th><th>district</th><th>open jobs</th><th>seekers</th><th>nearest station</th><th>km</th></tr>
{gap_rows}</table></section>
<script type="application/json" id="map-data">{embed_json(model)}</script>
<script>{_SCRIPT}</script>
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


def find_font() -> tuple[str | None, bool]:
    """A font file for the PNG's text and whether it draws Chinese: ``JOBPOOL_MAP_FONT``, a known CJK font,
    what fontconfig offers for ``zh``, else DejaVu Sans (then labels fall back to pinyin)."""
    pinned = os.environ.get("JOBPOOL_MAP_FONT")
    if pinned and Path(pinned).is_file():
        return pinned, True
    for path in CJK_FONTS:
        if Path(path).is_file():
            return path, True
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True,
                                   timeout=10, check=False).stdout.strip()
            langs = subprocess.run(["fc-query", "-f", "%{lang}", found], capture_output=True, text=True,
                                   timeout=10, check=False).stdout if found else ""
            if found and Path(found).is_file() and "zh-cn" in langs.split("|"):
                return found, True
        except (OSError, subprocess.SubprocessError):
            pass
    for path in LATIN_FONTS:
        if Path(path).is_file():
            return path, False
    return None, False


def _label_text(data: dict[str, Any], cjk: bool) -> dict[str, Any]:
    """The PNG's words: bilingual with a CJK font, pinyin/English without one."""
    districts = {code: (f["name"] if cjk else PINYIN.get(code, code)) for code, f in data["fences"].items()}
    kinds = {k: (v[0] if cjk else KIND_EN[k]) for k, v in KIND_STYLE.items()}
    return {"title": TITLE if cjk else "Jining employment map (Jining jiuye ditu)", "districts": districts,
            "kinds": kinds,
            "jobs": "岗位 open jobs per H3 cell (~5 km²)" if cjk else "open jobs per H3 cell (~5 km2)",
            "reach": "15 分钟骑行 15-minute reach by bike" if cjk else "15-minute reach by bike",
            "gap": "缺口 town with jobs, no station" if cjk else "gap: town with jobs, no station",
            "note": "" if cjk else "(no CJK font installed: pinyin labels; install fonts-wqy-zenhei)"}


def render_png(data: dict[str, Any], font_path: str | None = None, cjk: bool | None = None) -> bytes:
    """The map as a PNG that reads on its own: shapes as in the page, plus title, legend, district names
    and a scale bar (Pillow draws the text)."""
    from PIL import Image, ImageDraw, ImageFont

    if font_path is None and cjk is None:
        font_path, cjk = find_font()
    cjk = bool(cjk)
    city = data["fences"][CITY_ADCODE]
    proj = Projection.fit(city["bbox"])
    img = np.empty((proj.height, WIDTH, 3), dtype=np.uint8)
    img[:] = _hex("#f4f7fb")
    for ring in city["rings"]:
        arr = np.asarray(ring)
        _fill_polygon(img, *proj.xy(arr[:, 0], arr[:, 1]), _hex("#ffffff"))
    totals = {c: sum(v.values()) for c, v in cells(data["jobs"]).items()}
    top = max(totals.values(), default=1)
    for cell, count in totals.items():
        arr = np.array(h3i.cell_to_boundary(cell))
        _fill_polygon(img, *proj.xy(arr[:, 1], arr[:, 0]), _hex(_colour(count, top)))
    for fence in data["fences"].values():
        for ring in fence["rings"]:
            arr = np.asarray(ring)
            _stroke(img, *proj.xy(arr[:, 0], arr[:, 1]), _hex("#5a6b7d"))
    r_px = proj.km(data["radius_km"])
    for s in data["stations"]:
        if s["kind"] != "community_point":
            _disc(img, *proj.xy(s["lon"], s["lat"]), r_px, _hex("#8fa8d0"), ring=1.0)
    for t in data["towns"]:
        if t["is_gap"]:
            _disc(img, *proj.xy(t["lon"], t["lat"]), 7, _hex(GAP_COLOUR), ring=2.0)
    for s in data["stations"]:
        _, colour, r = KIND_STYLE.get(s["kind"], (s["kind"], "#333333", 4))
        _disc(img, *proj.xy(s["lon"], s["lat"]), r, _hex(colour))

    words = _label_text(data, cjk)
    im = Image.fromarray(img)
    draw = ImageDraw.Draw(im)

    def font(size: int) -> Any:
        if font_path:
            try:
                return ImageFont.truetype(font_path, size)
            except OSError:
                pass
        return ImageFont.load_default(size)

    ink, halo = (27, 42, 58), (255, 255, 255)
    for code, fence in data["fences"].items():
        if code != CITY_ADCODE:
            x, y = proj.xy(*centroid(max(fence["rings"], key=len)))
            draw.text((float(x), float(y)), words["districts"][code], font=font(17), fill=(52, 73, 94), anchor="mm",
                      stroke_width=3, stroke_fill=halo)
    draw.text((MARGIN, MARGIN), words["title"], font=font(24), fill=ink, stroke_width=3, stroke_fill=halo)
    sub = f"{len(data['jobs'])} open jobs · {len(data['stations'])} stations · as of {data.get('as_of', '')}"
    draw.text((MARGIN, MARGIN + 32), sub, font=font(13), fill=(68, 84, 106), stroke_width=2, stroke_fill=halo)
    if words["note"]:
        draw.text((MARGIN, MARGIN + 50), words["note"], font=font(12), fill=(160, 30, 30), stroke_width=2,
                  stroke_fill=halo)
    # legend, bottom left: the city's south-west corner is land outside the fence
    small = font(13)
    lines = 3 + len(KIND_STYLE)
    x0, y0 = MARGIN + 10, proj.height - 30 - lines * 22
    draw.rectangle((x0 - 10, y0 - 10, x0 + 350, proj.height - 16), fill=(255, 255, 255), outline=(170, 180, 190))
    for i, colour in enumerate(RAMP[1:]):
        draw.rectangle((x0 + i * 14, y0, x0 + i * 14 + 13, y0 + 12), fill=colour)
    draw.text((x0 + 80, y0 - 1), words["jobs"] + f": 1…{top}", font=small, fill=ink)
    y = y0 + 22
    for kind, (_, colour, r) in KIND_STYLE.items():
        draw.ellipse((x0 + 8 - r, y + 7 - r, x0 + 8 + r, y + 7 + r), fill=colour)
        draw.text((x0 + 24, y), words["kinds"][kind], font=small, fill=ink)
        y += 22
    draw.ellipse((x0, y, x0 + 16, y + 14), outline="#8fa8d0", width=1)
    draw.text((x0 + 24, y), words["reach"] + f" ({data['radius_km']:.2f} km)", font=small, fill=ink)
    y += 22
    draw.ellipse((x0 + 1, y, x0 + 15, y + 14), outline=GAP_COLOUR, width=2)
    draw.text((x0 + 24, y), words["gap"], font=small, fill=ink)
    # scale bar, above the legend
    km, px = scale_bar(proj.km(1.0))
    yb = y0 - 34
    draw.rectangle((MARGIN, yb, MARGIN + px, yb + 6), fill=ink)
    for tick in (MARGIN, MARGIN + px / 2, MARGIN + px):
        draw.line((tick, yb - 4, tick, yb + 6), fill=ink, width=2)
    draw.text((MARGIN, yb - 20), "0", font=small, fill=ink, stroke_width=2, stroke_fill=halo)
    draw.text((MARGIN + px, yb - 20), f"{km:g} km", font=small, fill=ink, anchor="ma", stroke_width=2, stroke_fill=halo)
    draw.text((MARGIN + px + 10, yb - 6), "N ↑" if cjk else "N ^", font=small, fill=ink)
    return encode_png(np.asarray(im.convert("RGB")))


def write_map(out_dir: Path | None = None, root: Paths | None = None) -> dict[str, Any]:
    """Write ``map.html`` (self-contained) and ``map.png``; returns their paths, what they show and how the
    PNG was labelled (a CJK font, or pinyin because none is installed)."""
    root = root or paths()
    out_dir = Path(out_dir or root.home / "map")
    out_dir.mkdir(parents=True, exist_ok=True)
    data = gather(root)
    svg = render_svg(data)
    html_path, png_path = out_dir / "map.html", out_dir / "map.png"
    html_path.write_text(render_html(data, svg), encoding="utf-8")
    font_path, cjk = find_font()
    png_path.write_bytes(render_png(data, font_path, cjk))
    return {"html": str(html_path), "png": str(png_path), "cells": len(cells(data["jobs"])),
            "stations": len(data["stations"]), "gaps": sum(1 for t in data["towns"] if t["is_gap"]),
            "open_jobs": len(data["jobs"]), "png_font": font_path,
            "png_labels": "chinese" if cjk else "pinyin (no CJK font installed: apt-get install fonts-wqy-zenhei)"}
