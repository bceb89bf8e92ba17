"""A demo list of employment service stations in Jining — plausible, deterministic, clearly labelled demo.

Not the city's real list (which a partner would send as a ``stations`` feed): one 就业驿站 at each
district/county seat, a 零工市场 in the biggest towns (most communities) of each district, and a
社区就业服务点 at every community whose coordinates the reference data has. Same input, same list.

Production never sees it: the demo opts in with :func:`land_demo_stations`, which lands the list as a
stations feed (``stations_demo``, mapping ``stations.toml`` beside this file) exactly as a partner's
stations file lands, with an ``is_demo`` column, so publish loads it like any other.
"""

from __future__ import annotations

import csv
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from circle.reference import STATION_KINDS
from feeds.reference import ingest_reference
from landing.paths import Paths, paths
from transforms.vocabulary import communities, districts, towns

MAPPING = Path(__file__).with_name("stations.toml")
SOURCE = "stations_demo"
CSV_HEADER = ("站点编号", "站点名称", "站点类型", "区县代码", "乡镇街道", "地址", "经度", "纬度", "演示")

GIG_MARKET_MIN_COMMUNITIES = 20


@lru_cache(maxsize=1)
def _stations() -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for adcode, d in sorted(districts().items()):
        out.append({"station_id": f"demo-es-{adcode}", "name": f"{d['name']}就业驿站（演示）",
                    "kind": "employment_station", "district_adcode": adcode, "town": None,
                    "address": f"{d['name']}人民政府驻地", "latitude": d["latitude"], "longitude": d["longitude"]})
    per_town = Counter(c["town_adcode"] for c in communities())
    by_district: dict[str, list[dict[str, Any]]] = {}
    for t in towns():
        by_district.setdefault(t["district_adcode"], []).append(t)
    for adcode in sorted(by_district):
        ranked = sorted(by_district[adcode], key=lambda t: (-per_town[t["adcode"]], t["adcode"]))
        chosen = [t for t in ranked if per_town[t["adcode"]] >= GIG_MARKET_MIN_COMMUNITIES] or ranked[:1]
        for t in chosen:
            out.append({"station_id": f"demo-gm-{t['adcode']}", "name": f"{t['short'] or t['name']}零工市场（演示）",
                        "kind": "gig_market", "district_adcode": adcode, "town": t["name"],
                        "address": t["name"], "latitude": t["latitude"], "longitude": t["longitude"]})
    town_names = {t["adcode"]: t["name"] for t in towns()}
    for c in communities():
        if c["latitude"] is None:
            continue
        name = c["name"].removesuffix("居民委员会").removesuffix("居委会").removesuffix("村委会")
        out.append({"station_id": f"demo-cp-{c['code']}", "name": f"{name}就业服务点（演示）",
                    "kind": "community_point", "district_adcode": c["town_adcode"][:6],
                    "town": town_names.get(c["town_adcode"]), "address": c["name"],
                    "latitude": c["latitude"], "longitude": c["longitude"]})
    return tuple(out)


def demo_stations() -> list[dict[str, Any]]:
    """The demo stations (copies; callers may change them)."""
    return [dict(s) for s in _stations()]


def write_demo_stations(path: Path) -> Path:
    """The demo list as a stations file in the partner layout (plus 演示 = 是)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for s in _stations():
            writer.writerow([s["station_id"], s["name"], STATION_KINDS[s["kind"]], s["district_adcode"],
                             s["town"] or "", s["address"], f"{s['longitude']:.6f}", f"{s['latitude']:.6f}", "是"])
    return path


def land_demo_stations(root: Paths | None = None) -> dict[str, Any]:
    """Opt in to the demo stations: land them as a stations batch (once; the same bytes land once)."""
    root = root or paths()
    path = write_demo_stations(root.demo / "stations-demo.csv")
    return ingest_reference(path, SOURCE, MAPPING, root=root)
