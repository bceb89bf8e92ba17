"""The 15-minute employment circle (15分钟就业服务圈): what is reachable from a station, a town or any
point, and the job radar kept current — built inside ``publish`` (one transaction with the rest).

:func:`publish_circle` is the whole step: load landed stations/profiles batches (their own kinds, never
postings), refresh the demo stations, find station→job pairs with the H3 index, refresh the matches
incrementally, then run the published SQL (``warehouse/sql/published/{jobs_near_station,job_matches,
town_coverage,station_report}.sql``), which reads the temp tables prepared here.

Incremental matching (:func:`refresh_matches`): a seeker's top N depends only on the open jobs of its
wanted trades inside its circle. So a run recomputes (a) seekers whose profile changed and (b) seekers
whose circle holds a job that appeared, disappeared or changed (its old or its new position) in one of
their trades — nobody else. A change of weights, speeds or N recomputes everyone.
"""

from __future__ import annotations

import time
from typing import Any

import duckdb

from transforms import geo, matching

MODES = ("walk", "bike")
STATION_MINUTES = 15


def _res() -> int:
    return geo.plan(geo.radius_km(STATION_MINUTES, "bike"))[0]


def prepare_targets(con: duckdb.DuckDBPyConnection, sql: str, res: int, out: str) -> int:
    """``out`` (id, latitude, longitude, cell) from ``sql`` (id, latitude, longitude): points to look for."""
    con.execute(f"create or replace temp table {out}_src as select * from ({sql}) "
                "where latitude is not null and longitude is not null")
    matching.add_cells(con, f"{out}_src", "id", "latitude", "longitude", res, f"{out}_cell")
    con.execute(f"create or replace temp table {out} as "
                f"select s.*, c.cell from {out}_src s join {out}_cell c using (id)")
    con.execute(f"drop table {out}_src; drop table {out}_cell")
    return con.execute(f"select count(*) from {out}").fetchone()[0]


def within_pairs(con: duckdb.DuckDBPyConnection, points_sql: str, targets: str, res: int, out: str) -> int:
    """``out`` (point_id, target_id, distance_km, radius_km): every target within each point's radius.
    ``points_sql`` gives (id, lat, lon, radius_km); ``targets`` is a table from :func:`prepare_targets`
    at the same resolution. Candidates come from the covering H3 disks only; haversine decides."""
    geo.register_duckdb(con)
    con.execute(f"create or replace temp table {out}_pts as select * replace (radius_km::double as radius_km) "
                f"from ({points_sql}) where lat is not null and lon is not null")
    matching.add_cells(con, f"{out}_pts", "id", "lat", "lon", res, f"{out}_pcell")
    matching.add_disks(con, f"select c.cell as origin, p.radius_km from {out}_pts p join {out}_pcell c using (id)",
                       f"{out}_disk")
    con.execute(f"""
        create or replace temp table {out} as
        select point_id, target_id, distance_km, radius_km from (
            select p.id as point_id, t.id as target_id, p.radius_km,
                   haversine_km(p.lat, p.lon, t.latitude, t.longitude) as distance_km
            from {out}_pts as p
            join {out}_pcell as c using (id)
            join {out}_disk as d on d.origin = c.cell and d.radius_km = p.radius_km
            join {targets} as t on t.cell = d.cell)
        where distance_km <= radius_km""")
    con.execute(f"drop table {out}_pts; drop table {out}_pcell; drop table {out}_disk")
    return con.execute(f"select count(*) from {out}").fetchone()[0]


def _radius_case(column: str = "mode", minutes: str = "minutes") -> str:
    return "case " + column + " " + " ".join(
        f"when '{m}' then {v} * {minutes} / 60.0" for m, v in geo.speeds().items()) + " end"


# -- the query for any point ----------------------------------------------------------------------
def jobs_near(con: duckdb.DuckDBPyConnection, lat: float, lon: float, minutes: float = STATION_MINUTES,
              mode: str = "bike", jobs_table: str = "published.open_jobs") -> list[dict[str, Any]]:
    """Open jobs reachable from (lat, lon) in ``minutes`` by ``mode``, nearest first (H3 candidates,
    haversine distance)."""
    radius = geo.radius_km(minutes, mode)
    res = geo.plan(radius)[0]
    prepare_targets(con, f"select job_id as id, latitude, longitude from {jobs_table}", res, "q_job")
    within_pairs(con, f"select 'q' as id, {float(lat)} as lat, {float(lon)} as lon, {radius} as radius_km",
                 "q_job", res, "q_pairs")
    cur = con.execute(f"""
        select j.job_id, j.title, j.employer_name, j.town, j.employment_type, round(p.distance_km, 2) as distance_km,
               round(p.distance_km / {geo.speeds()[mode]} * 60, 1) as travel_minutes,
               j.for_mothers, j.for_seniors, j.for_disabled, j.is_short_term, j.is_flexible, j.is_temporary
        from q_pairs as p join {jobs_table} as j on j.job_id = p.target_id
        order by p.distance_km, j.job_id""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


# -- matches -------------------------------------------------------------------------------------
JOB_HASH_SQL = ("md5(concat_ws('|', latitude, longitude, trade, kw_mask, monthly_pay, employment_type, is_short_term,"
                " is_flexible, is_temporary, is_daily_pay, for_mothers, for_seniors, for_disabled, title))")


def refresh_matches(con: duckdb.DuckDBPyConnection, top_n: int = matching.TOP_N, full: bool = False,
                    jobs_sql: str = "select * from core.job where status = 'open'") -> dict[str, Any]:
    """Bring core.job_match up to date; returns what was recomputed (also in audit.match_run)."""
    started = time.monotonic()
    geo.register_duckdb(con)
    max_minutes = con.execute("select coalesce(max(minutes), 15) from core.profile").fetchone()[0]
    res = geo.plan(max(geo.radius_km(max_minutes, m) for m in geo.speeds()))[0]
    matching.prepare_jobs(con, jobs_sql, "m_job")
    con.execute(f"create or replace temp table m_job_state as select job_id, {JOB_HASH_SQL} as row_hash, "
                "latitude, longitude, trade from m_job")
    params = matching.params_hash(top_n)
    old = con.execute("select params_hash from core.match_state").fetchone()
    full = full or old is None or old[0] != params
    total = con.execute("select count(*) from core.profile").fetchone()[0]
    jobs_changed = profiles_changed = 0
    if full:
        con.execute("create or replace temp table m_affected as select profile_id from core.profile")
    else:
        con.execute("""
            create or replace temp table m_changed_points as
            with diff as (
                select n.job_id as new_id, o.job_id as old_id,
                       n.latitude as n_lat, n.longitude as n_lon, n.trade as n_trade,
                       o.latitude as o_lat, o.longitude as o_lon, o.trade as o_trade
                from m_job_state as n full outer join core.match_job_state as o using (job_id)
                where n.row_hash is distinct from o.row_hash
            )
            select row_number() over () as id, latitude, longitude, trade from (
                select n_lat as latitude, n_lon as longitude, n_trade as trade from diff where new_id is not null
                union all
                select o_lat, o_lon, o_trade from diff where old_id is not null)""")
        jobs_changed = con.execute("select count(*) from m_changed_points").fetchone()[0]
        profiles_changed = con.execute(
            "select count(*) from core.profile where matched_hash is distinct from content_hash").fetchone()[0]
        con.execute("create or replace temp table m_touched (profile_id varchar)")
        if jobs_changed:
            # the changed points are few: look for profiles around them (profiles as targets)
            prepare_targets(con, "select profile_id as id, home_lat as latitude, home_lon as longitude, "
                                 f"{_radius_case()} as radius_km, trades from core.profile", res, "m_prof_pts")
            max_radius = con.execute("select coalesce(max(radius_km), 0) from m_prof_pts").fetchone()[0]
            within_pairs(con, f"select id, latitude as lat, longitude as lon, {max_radius} as radius_km "
                              "from m_changed_points", "m_prof_pts", res, "m_touch_pairs")
            con.execute("""
                insert into m_touched
                select distinct t.id from m_touch_pairs as x
                join m_changed_points as c on c.id = x.point_id
                join m_prof_pts as t on t.id = x.target_id
                where x.distance_km <= t.radius_km and list_contains(t.trades, c.trade)""")
        con.execute("""
            create or replace temp table m_affected as
            select profile_id from core.profile where matched_hash is distinct from content_hash
            union select profile_id from m_touched""")
    recomputed = con.execute("select count(*) from m_affected").fetchone()[0]
    matches = 0
    if recomputed:
        matching.prepare_profiles(con, "select * from core.profile semi join m_affected using (profile_id)", "m_prof")
        matching.run_match(con, "m_top", "m_job", "m_prof", top_n)
        con.execute("delete from core.job_match where profile_id in (select profile_id from m_affected)")
        con.execute(f"insert into core.job_match select profile_id, rank, job_id, score, distance_km, mode, "
                    f"travel_minutes, distance_score, title_score, salary_score, schedule_score, profile_group, "
                    f"reasons, now() from ({matching.reasons_sql('m_top', 'm_job', 'm_prof')})")
        matches = con.execute("select count(*) from m_top").fetchone()[0]
        con.execute("update core.profile set matched_hash = content_hash "
                    "where profile_id in (select profile_id from m_affected)")
    con.execute("delete from core.match_job_state")
    con.execute("insert into core.match_job_state select * from m_job_state")
    con.execute("delete from core.match_state")
    con.execute("insert into core.match_state values (?, now())", [params])
    stats = {"full_recompute": full, "jobs_changed": jobs_changed, "profiles_changed": profiles_changed,
             "profiles_recomputed": recomputed, "profiles_total": total, "matches": matches,
             "seconds": round(time.monotonic() - started, 3)}
    con.execute("insert into audit.match_run values (now(), ?, ?, ?, ?, ?, ?, ?)",
                [full, jobs_changed, profiles_changed, recomputed, total, matches, stats["seconds"]])
    return stats


# -- the publish step ----------------------------------------------------------------------------
def prepare_circle_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables the published SQL reads: station→job and station→seeker pairs per mode, town of each job."""
    res = _res()
    prepare_targets(con, "select job_id as id, latitude, longitude from core.job where status = 'open'", res, "c_job")
    points = " union all ".join(
        f"select station_id || '|{m}' as id, latitude as lat, longitude as lon, "
        f"{geo.radius_km(STATION_MINUTES, m)} as radius_km from core.station" for m in MODES)
    within_pairs(con, points, "c_job", res, "c_station_job_pairs")
    prepare_targets(con, "select profile_id as id, home_lat as latitude, home_lon as longitude from core.profile",
                    res, "c_prof")
    within_pairs(con, f"select station_id as id, latitude as lat, longitude as lon, "
                      f"{geo.radius_km(STATION_MINUTES, 'bike')} as radius_km from core.station",
                 "c_prof", res, "c_station_profile_pairs")
    con.execute("""
        create or replace temp table circle_station_job as
        select split_part(point_id, '|', 1) as station_id, split_part(point_id, '|', 2) as mode,
               target_id as job_id, distance_km, radius_km
        from c_station_job_pairs""")
    con.execute("""
        create or replace temp table circle_station_profile as
        select point_id as station_id, target_id as profile_id, distance_km from c_station_profile_pairs""")
    from jobpool.reference import towns

    rows = [(t["adcode"], t["name"], t["district_adcode"], t["latitude"], t["longitude"]) for t in towns()]
    con.execute("create or replace temp table circle_town (town_adcode varchar, town varchar, "
                "district_adcode varchar, latitude double, longitude double)")
    con.executemany("insert into circle_town values (?, ?, ?, ?, ?)", rows)
    geo.register_duckdb(con)
    # each job and seeker belongs to its nearest town centre (a Voronoi split of the city)
    for name, sql in (("circle_job_town", "select job_id as id, latitude, longitude from core.job "
                                          "where status = 'open' and latitude is not null"),
                      ("circle_profile_town", "select profile_id as id, home_lat as latitude, home_lon as longitude "
                                              "from core.profile")):
        con.execute(f"""
            create or replace temp table {name} as
            select p.id, arg_min(t.town_adcode, haversine_km(p.latitude, p.longitude, t.latitude, t.longitude))
                   as town_adcode
            from ({sql}) as p cross join circle_town as t group by p.id""")
    con.execute("create or replace temp table circle_params as select ? as bike_radius_km, ? as walk_radius_km, ? "
                "as minutes", [geo.radius_km(STATION_MINUTES, "bike"), geo.radius_km(STATION_MINUTES, "walk"),
                               STATION_MINUTES])


def publish_circle(con: duckdb.DuckDBPyConnection, root: Any = None) -> dict[str, Any]:
    """The circle/radar part of publish: reference batches → core, matches refreshed, published tables."""
    from jobpool.reference import load_reference_batches, refresh_demo_stations
    from warehouse.db import run_sql

    loaded = load_reference_batches(con, root)
    demo = refresh_demo_stations(con)
    prepare_circle_tables(con)
    stats = refresh_matches(con)
    for name in ("jobs_near_station", "job_matches", "town_coverage", "station_report"):
        run_sql(con, f"published/{name}.sql")
    return {"reference": loaded, "demo_stations": demo, "matches": stats}
