"""The end of ``jobpool-demo``: a short tour of what the run published, for a person.

The pool by district and employment type, one job seeker's radar (岗位雷达) with the reasons, the
station review (撤改增: keep / merge / close, and towns with jobs but no station) and where the map is.
Everything is read from the published tables; the seeker is shown by pseudonym only.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from landing.paths import Paths

HEADINGS = ("The pool by district and employment type", "One seeker's job radar",
            "Stations: keep / merge / close (撤改增)", "Towns without a station", "The map")
TOP = 8


def _width(text: str) -> int:
    """Columns a terminal gives ``text`` (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _rows(rows: list[tuple[Any, ...]], header: list[str]) -> None:
    cells = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(header)]
    for r in [header, *cells]:
        print("  " + "  ".join(v + " " * (w - _width(v)) for v, w in zip(r, widths, strict=True)).rstrip())


def _heading(i: int, note: str = "") -> None:
    print(f"\n== {i + 1}. {HEADINGS[i]}{' — ' + note if note else ''}")


def print_tour(root: Paths) -> dict[str, Any]:
    """Print the tour; returns what it showed (counts and the map's paths) for callers and tests."""
    from circle.map import write_map
    from transforms.vocabulary import districts
    from warehouse.db import connect_reader

    names = {code: d["name"] for code, d in districts().items()}
    con = connect_reader(root.warehouse)
    try:
        pool = con.execute(
            "select district_adcode, coalesce(employment_type, '(unknown)'), count(*) from published.open_jobs "
            "group by all order by 3 desc, 1, 2 limit ?", [TOP]).fetchall()
        n_jobs = con.execute("select count(*) from published.open_jobs").fetchone()[0]
        seeker = con.execute(
            "select profile_id, any_value(profile_group) from published.job_matches group by 1 "
            "order by count(*) desc, (any_value(profile_group) is null or any_value(profile_group) = ''), 1 "
            "limit 1").fetchone()
        matches = con.execute(
            "select rank, title, employer_name, town, distance_km, reasons from published.job_matches "
            "where profile_id = ? order by rank limit 5", [seeker[0]]).fetchall() if seeker else []
        n_matches = con.execute("select count(*) from published.job_matches").fetchone()[0]
        stations = con.execute(
            "select case when suggestion like 'merge%' then 'merge' when suggestion like 'close%' then 'close' "
            "else 'keep' end, count(*) from published.station_report group by 1 order by 1").fetchall()
        review = con.execute(
            "select station_name, town, open_jobs_bike, seekers_bike, suggestion from published.station_report "
            "order by (suggestion = 'keep'), demand_rank limit ?", [TOP]).fetchall()
        gaps = con.execute(
            "select town, district_adcode, open_jobs, seekers, nearest_station_name, nearest_station_km "
            "from published.town_coverage where is_gap order by open_jobs desc, town").fetchall()
    finally:
        con.close()

    _heading(0, f"{n_jobs} open jobs (published.open_jobs), top {len(pool)} rows")
    _rows([(names.get(d, d or "(unknown)"), kind, n) for d, kind, n in pool], ["district", "employment type", "jobs"])

    group = f", 人群 {seeker[1]}" if seeker and seeker[1] else ""
    _heading(1, f"seeker {seeker[0]}{group} (pseudonym), top {len(matches)} of {n_matches} matches "
                f"(published.job_matches)" if seeker else "no matches published")
    _rows([(r, t, e, town, km, "; ".join(why) if isinstance(why, list) else why)
           for r, t, e, town, km, why in matches], ["rank", "title", "employer", "town", "km", "reasons"])

    counts = dict(stations)
    _heading(2, f"{counts.get('keep', 0)} keep, {counts.get('merge', 0)} merge, {counts.get('close', 0)} close "
                "(published.station_report)")
    _rows(review, ["station", "town", "jobs (bike)", "seekers", "suggestion"])

    _heading(3, f"{len(gaps)} towns with open jobs and no station within 15 min by bike (published.town_coverage)")
    _rows([(t, names.get(d, d), j, s, n, km) for t, d, j, s, n, km in gaps[:TOP]],
          ["town", "district", "open jobs", "seekers", "nearest station", "km"])

    _heading(4)
    where = write_map(root=root)
    print(f"  {where['html']}  (open in a browser)\n  {where['png']}")
    return {"open_jobs": n_jobs, "job_matches": n_matches, "stations": counts, "gaps": len(gaps),
            "map": {"html": where["html"], "png": where["png"]}}
