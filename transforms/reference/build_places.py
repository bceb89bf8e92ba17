"""Rebuild ``places.csv`` and ``jining_fences.json`` from the read-only geo files in ``shared/``.

The pipeline must not depend on ``shared/`` at run time, so the few kilobytes it needs are shipped in the
repo; this script is the only way they are made, so they can always be rebuilt and audited:

    .venv/bin/python -m transforms.reference.build_places [--shared DIR]

Sources: cpca ``adcodes.csv`` (MIT) for every province, city and county of China; Vonng/adcode
(CC BY 4.0) for Jining (370800): county/town coordinates and district fences. All coordinates GCJ-02.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
from collections import defaultdict
from pathlib import Path

from transforms.vocabulary import CITY_ADCODE

HERE = Path(__file__).resolve().parent
MUNICIPALITIES = {"11", "12", "31", "50"}
# Rows that are administrative containers, not places a posting can name.
CONTAINER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Douglas-Peucker tolerance in degrees (~110 m); keeps district borders usable for point-in-polygon.
FENCE_TOLERANCE = 0.001
# Abolished districts still common in older postings, mapped to the district that absorbed them.
FORMER_NAMES = {
    "闸北区": "310106",  # merged into 静安区, 2015
    "卢湾区": "310101",  # merged into 黄浦区, 2011
    "南汇区": "310115",  # merged into 浦东新区, 2009
    "崇文区": "110101",  # merged into 东城区, 2010
    "宣武区": "110102",  # merged into 西城区, 2010
    "萝岗区": "440112",  # merged into 黄埔区, 2014
    "兖州市": "370812",  # became 兖州区, 2013
}
COLUMNS = ["adcode", "level", "name", "aliases", "short", "parent", "longitude", "latitude", "coord_src"]

_SINGLE = "回藏苗彝壮满侗瑶白黎佤畲羌怒土水京"
_MULTI = (
    "蒙古|维吾尔|布依|朝鲜|土家|哈尼|哈萨克|傣|傈僳|高山|拉祜|东乡|纳西|景颇|柯尔克孜|达斡尔|仫佬|布朗|撒拉|"
    "毛南|仡佬|锡伯|阿昌|普米|塔吉克|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各"
)
_ETHNIC_AUTONOMY = re.compile(rf"^(.+?)(?:(?:{_MULTI})族?|[{_SINGLE}]族)+自治(?:区|州|县|旗)$")
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "新区",
    "林区",
    "特区",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
)


def short_name(name: str) -> str:
    """Name without its administrative suffix (山东省→山东, 延边朝鲜族自治州→延边); '' if < 2 chars."""
    m = _ETHNIC_AUTONOMY.match(name)
    if m:
        stem = m.group(1)
    else:
        stem = name
        for suffix in _SUFFIXES:
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
        stem = stem.removesuffix("族") if name.endswith(("自治县", "自治旗")) else stem
    return stem if len(stem) >= 2 and stem != name else ""


def town_names(name: str) -> tuple[list[str], str]:
    """Strong aliases (古槐街道办事处→古槐街道) and the bare stem (古槐) of a Jining town name."""
    aliases: list[str] = []
    stem = ""
    if name.endswith("管理委员会"):
        aliases.append(name.removesuffix("管理委员会"))
    elif name.endswith("街道办事处"):
        base = name.removesuffix("办事处")
        aliases.append(base)
        stem = base.removesuffix("街道")
        if stem.endswith("镇"):  # 嘉祥镇街道: the stem would be a town name of its own
            aliases.append(stem)
            stem = ""
    elif name.endswith("街道"):
        stem = name.removesuffix("街道")
    elif name.endswith(("镇", "乡")):
        stem = name[:-1]
    return aliases, stem if len(stem) >= 2 else ""


def _level(code6: str) -> str:
    if code6[2:] == "0000":
        return "province"
    return "city" if code6[4:] == "00" else "county"


def _parent(code6: str, level: str) -> str:
    if level == "province":
        return ""
    if level == "city":
        return code6[:2] + "0000"
    return code6[:4] + "00"


def _fmt(x: str | float | None) -> str:
    if x in (None, ""):
        return ""
    return f"{float(x):.6f}".rstrip("0").rstrip(".")


def read_vonng(shared: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    for path in sorted((shared / "geo" / "vonng_adcode").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows.extend(r for r in csv.reader(fh) if r)
    return rows


def build_rows(shared: Path) -> list[dict[str, str]]:
    """One row per province/city/county (cpca) plus Jining towns (Vonng), suffix-free names included."""
    with (shared / "geo" / "cpca_adcodes.csv").open(encoding="utf-8", newline="") as fh:
        cpca = list(csv.DictReader(fh))
    vonng = read_vonng(shared)
    vonng_coord = {r[0][:6]: (r[12], r[13]) for r in vonng if r[3] in ("city", "county") and r[12]}
    names_by_code = {r["adcode"][:6]: r["name"] for r in cpca}

    rows: list[dict[str, str]] = []
    for r in cpca:
        code = r["adcode"][:6]
        level = _level(code)
        name = r["name"]
        if level == "county" and name == "市辖区":  # 282 placeholder rows without a place behind them
            continue
        lon, lat = vonng_coord.get(code, (r["longitude"], r["latitude"]))
        if level == "city" and code[:2] in MUNICIPALITIES:
            # 北京 etc.: the city row is a container (市辖区/县); give it the municipality's name and centre.
            province = next(p for p in cpca if p["adcode"][:6] == code[:2] + "0000")
            name, lon, lat = province["name"], province["longitude"], province["latitude"]
        short = "" if name in CONTAINER_NAMES else short_name(name)
        former = "|".join(k for k, v in FORMER_NAMES.items() if v == code)
        rows.append(
            {
                "adcode": code,
                "level": level,
                "name": name,
                "aliases": former,
                "short": short,
                "parent": _parent(code, level),
                "longitude": _fmt(lon),
                "latitude": _fmt(lat),
                "coord_src": ("vonng" if code in vonng_coord else "cpca") if lon else "",
            }
        )

    # Jining towns: Vonng level 'town'; fill missing centres from the mean of their villages' coordinates.
    village_pts: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in vonng:
        if r[3] == "village" and r[12]:
            village_pts[r[1][:9]].append((float(r[12]), float(r[13])))
    taken = {row["name"] for row in rows} | {row["short"] for row in rows if row["short"]}
    for r in vonng:
        if r[3] != "town":
            continue
        code9 = r[0][:9]
        aliases, stem = town_names(r[2])
        if stem in taken:  # 梁山街道 stem 梁山 is the county's short name: never let a stem shadow it
            stem = ""
        lon, lat, src = r[12], r[13], "vonng"
        if not lon and village_pts.get(code9):
            pts = village_pts[code9]
            lon, lat = (str(sum(p[i] for p in pts) / len(pts)) for i in (0, 1))
            src = "vonng_villages_mean"
        rows.append(
            {
                "adcode": code9,
                "level": "town",
                "name": r[2],
                "aliases": "|".join(aliases),
                "short": stem,
                "parent": r[0][:6],
                "longitude": _fmt(lon),
                "latitude": _fmt(lat),
                "coord_src": src if lon else "",
            }
        )
    assert names_by_code.get(CITY_ADCODE) == "济宁市"
    order = {"province": 0, "city": 1, "county": 2, "town": 3}
    rows.sort(key=lambda x: (x["adcode"][:6], order[x["level"]], x["adcode"]))
    return rows


def _perp_dist(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def simplify(ring: list[list[float]], tol: float) -> list[list[float]]:
    """Douglas-Peucker (iterative) on a closed ring; the closing vertex is kept."""
    pts = [(float(x), float(y)) for x, y in ring]
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    if pts[0] == pts[-1] and len(pts) > 3:  # split a closed ring at its farthest vertex
        far = max(range(len(pts)), key=lambda i: math.hypot(pts[i][0] - pts[0][0], pts[i][1] - pts[0][1]))
        keep[far] = True
        stack = [(0, far), (far, len(pts) - 1)]
    while stack:
        s, e = stack.pop()
        best, idx = 0.0, -1
        for i in range(s + 1, e):
            d = _perp_dist(pts[i], pts[s], pts[e])
            if d > best:
                best, idx = d, i
        if best > tol:
            keep[idx] = True
            stack += [(s, idx), (idx, e)]
    return [[round(x, 5), round(y, 5)] for (x, y), k in zip(pts, keep, strict=True) if k]


def build_fences(shared: Path, names: dict[str, str]) -> dict[str, dict[str, object]]:
    """Simplified city + district polygons with bounding boxes, keyed by 6-digit adcode."""
    out: dict[str, dict[str, object]] = {}
    for path in sorted((shared / "geo" / "vonng_fences").glob("*.json")):
        geom = json.loads(path.read_text(encoding="utf-8"))
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = [simplify(ring, FENCE_TOLERANCE) for poly in polys for ring in poly]
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        out[path.stem] = {
            "name": names.get(path.stem, ""),
            "bbox": [min(xs), min(ys), max(xs), max(ys)],
            "rings": rings,
        }
    return out


def main(argv: list[str] | None = None) -> None:
    from landing.paths import shared_data_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=shared_data_dir(), help="shared/data/real folder")
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args(argv)
    rows = build_rows(args.shared)
    with (args.out / "places.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    fences = build_fences(args.shared, {r["adcode"]: r["name"] for r in rows})
    (args.out / "jining_fences.json").write_text(
        json.dumps(fences, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    n_vertices = sum(len(r) for f in fences.values() for r in f["rings"])  # type: ignore[attr-defined]
    print(f"places.csv: {len(rows)} rows; jining_fences.json: {len(fences)} fences, {n_vertices} vertices")


if __name__ == "__main__":
    main()
