"""``jobpool match``, ``jobpool stations`` and ``jobpool map``: the 15-minute circle from the command line
(registered by jobpool/cli.py). They read the warehouse's published tables; landing a profiles or
stations file goes through :func:`feeds.reference.ingest_reference`; ``--refresh`` runs the publish step,
which loads those batches and recomputes the affected matches."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from landing.paths import paths


def _table(rows: list[tuple[Any, ...]], header: list[str]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    for r in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)))


def _point(text: str) -> tuple[float, float]:
    """``LAT,LON`` from the command line; a malformed one is a usage error, not a traceback."""
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LAT,LON (e.g. 35.41,116.59), not {text!r}") from None
    return lat, lon


def _refresh() -> None:
    from jobpool.pipeline import publish

    result = publish()
    print(f"published: {json.dumps(result.detail, ensure_ascii=False, default=str)}")


def cmd_match(args: argparse.Namespace) -> int:
    from feeds.reference import ingest_reference

    root = paths()
    if args.ingest:
        print(json.dumps(ingest_reference(Path(args.ingest), args.source, root=root), ensure_ascii=False))
    if args.refresh:
        _refresh()
    if args.profile:
        from warehouse.db import connect_reader

        con = connect_reader(root.warehouse)
        try:
            rows = con.execute(
                "select rank, score, title, employer_name, town, reasons from published.job_matches "
                "where profile_id = ? order by rank", [args.profile]).fetchall()
            known = con.execute("select count(*) from core.profile where profile_id = ?", [args.profile]).fetchone()[0]
        finally:
            con.close()
        if not known:
            print(f"no profile {args.profile}")
            return 1
        print(f"岗位雷达 job radar for {args.profile}: {len(rows)} open jobs within the circle")
        _table(rows, ["rank", "score", "title", "employer", "town", "reasons"])
    return 0


def cmd_stations(args: argparse.Namespace) -> int:
    from warehouse.db import connect_reader

    root = paths()
    if args.ingest:
        from feeds.reference import ingest_reference

        print(json.dumps(ingest_reference(Path(args.ingest), args.source, root=root), ensure_ascii=False))
    if args.refresh:
        _refresh()
    if args.near:
        from circle.publish import jobs_near

        lat, lon = args.near
        con = connect_reader(root.warehouse)
        try:
            jobs = jobs_near(con, lat, lon, args.minutes, args.mode)
        finally:
            con.close()
        print(f"{len(jobs)} open jobs within {args.minutes:g} min {args.mode} of ({lat}, {lon})")
        _table([(j["distance_km"], j["travel_minutes"], j["title"], j["employer_name"], j["town"])
                for j in jobs[: args.limit]], ["km", "min", "title", "employer", "town"])
    if args.report:
        con = connect_reader(root.warehouse)
        try:
            rows = con.execute(
                "select demand_rank, station_name, station_kind, open_jobs_bike, open_jobs_walk, seekers_bike, "
                "exclusive_jobs_bike, nearest_station_km, suggestion from published.station_report "
                "order by demand_rank limit ?", [args.limit]).fetchall()
            gaps = con.execute(
                "select town, district_adcode, open_jobs, seekers, nearest_station_name, nearest_station_km "
                "from published.town_coverage where is_gap order by open_jobs desc, town").fetchall()
            summary = con.execute(
                "select count(*), count(*) filter (where suggestion like 'merge%'), "
                "count(*) filter (where suggestion like 'close%') from published.station_report").fetchone()
        finally:
            con.close()
        print(f"stations ranked by demand within 15 minutes by bike (open jobs + seekers); {summary[0]} stations, "
              f"{summary[1]} merge candidates, {summary[2]} close candidates")
        _table(rows, ["rank", "station", "kind", "jobs bike", "jobs walk", "seekers", "exclusive", "nearest km",
                      "suggestion"])
        print(f"\ngaps (add a station?): {len(gaps)} towns with open jobs and no station within 15 min by bike")
        _table(gaps[: args.limit], ["town", "district", "open jobs", "seekers", "nearest station", "km"])
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from circle.map import write_map

    print(json.dumps(write_map(Path(args.out) if args.out else None), ensure_ascii=False, indent=1))
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("match", help="job radar: land profiles, refresh and show one profile's matches")
    p.add_argument("--profile", help="profile_id to show (published.job_matches)")
    p.add_argument("--ingest", help="land a profiles file (mapping in feeds/reference_feeds.toml)")
    p.add_argument("--source", default="profile_demo", help="its source name (a mapping entry)")
    p.add_argument("--refresh", action="store_true", help="run the publish step (loads batches, recomputes)")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("stations", help="15-minute circle: station report, gaps, jobs near a point")
    p.add_argument("--report", action="store_true", help="rank stations by nearby demand; list gap towns")
    p.add_argument("--near", type=_point, metavar="LAT,LON", help="open jobs reachable from this point")
    p.add_argument("--mode", default="bike", help="walk or bike (speeds: JOBPOOL_SPEEDS)")
    p.add_argument("--minutes", type=float, default=15)
    p.add_argument("--limit", type=int, default=25)
    p.add_argument("--ingest", help="land a stations file (mapping in feeds/reference_feeds.toml)")
    p.add_argument("--source", default="stations_partner")
    p.add_argument("--refresh", action="store_true", help="run the publish step")
    p.set_defaults(func=cmd_stations)

    p = sub.add_parser("map", help="write the employment map (self-contained HTML + PNG)")
    p.add_argument("--out", help="folder (default $JOBPOOL_HOME/map)")
    p.set_defaults(func=cmd_map)
