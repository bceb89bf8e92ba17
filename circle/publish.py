"""The 15-minute employment circle (15分钟就业服务圈): what is reachable from a station, a town or any
point, and the job radar kept current — built inside ``publish`` (one transaction with the rest).

:func:`publish_circle` is the whole step: load landed stations/profiles batches (their own kinds, never
postings; the stations are only those a deployment landed, possibly none), find station→job pairs with
the H3 index, refresh the matches incrementally, then rebuild the circle's published models (``circle/sql/published/
{jobs_near_station,job_matches,town_coverage,station_report}.sql``, listed with every published table in
``warehouse/publish.py`` PUBLISHED), which read the temp tables prepared here
(``circle/sql/prepare/circle_inputs.sql``; each model's header names what it reads).

Incremental matching (:func:`refresh_matches`): a seeker's top N depends only on the open jobs of its
wanted trades inside its circle. So a run recomputes (a) seekers whose profile changed and (b) seekers
whose circle holds a job that appeared, disappeared or changed (its old or its new position) in one of
their trades — nobody else. A change of weights, speeds or N recomputes everyone.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import duckdb

from circle import geo, radar
from warehouse.db import run_sql, sql_text
from warehouse.publish import built_by, rebuild

SQL_DIR = Path(__file__).with_name("sql")

MODES = ("walk", "bike")
STATION_MINUTES = 15


def _res() -> int:
    return geo.plan(geo.radius_km(STATION_MINUTES, "bike"))[0]


def prepare_targets(con: duckdb.DuckDBPyConnection, sql: str, res: int, out: str) -> int:
    """``out`` (id, latitude, longitude, cell) from ``sql`` (id, latitude, longitude): points to look for."""
    con.execute(f"create or replace temp table {out}_src as select * from ({sql}) "
                "where latitude is not null and longitude is not null")
    radar.add_cells(con, f"{out}_src", "id", "latitude", "longitude", res, f"{out}_cell")
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
    radar.add_cells(con, f"{out}_pts", "id", "lat", "lon", res, f"{out}_pcell")
    radar.add_disks(con, f"select c.cell as origin, p.radius_km from {out}_pts p join {out}_pcell c using (id)",
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
def refresh_matches(con: duckdb.DuckDBPyConnection, top_n: int = radar.TOP_N, full: bool = False,
                    refresh_jobs: bool = True) -> dict[str, Any]:
    """Bring core.job_match up to date with the open jobs (via core.job_geo, refreshed first unless the
    caller just did); returns what was recomputed (also in audit.match_run)."""
    started = time.monotonic()
    if refresh_jobs:
        refresh_job_geo(con)
    geo.register_duckdb(con)
    max_minutes = con.execute("select coalesce(max(minutes), 15) from core.profile").fetchone()[0]
    res = geo.plan(max(geo.radius_km(max_minutes, m) for m in geo.speeds()))[0]
    con.execute("create or replace temp view m_job_state as select job_id, row_hash, latitude, longitude, trade "
                "from core.job_geo where trade is not null")
    params = radar.params_hash(top_n)
    old = con.execute("select params_hash from core.match_state").fetchone()
    full = full or old is None or old[0] != params
    total = con.execute("select count(*) from core.profile").fetchone()[0]
    jobs_changed = profiles_changed = 0
    if full:
        con.execute("create or replace temp table m_affected as select profile_id from core.profile")
    else:
        run_sql(con, SQL_DIR / "match" / "changed_points.sql")
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
            run_sql(con, SQL_DIR / "match" / "touched.sql")
        run_sql(con, SQL_DIR / "match" / "affected.sql")
    recomputed = con.execute("select count(*) from m_affected").fetchone()[0]
    matches = 0
    if recomputed:
        radar.prepare_profiles(con, "select * from core.profile semi join m_affected using (profile_id)", "m_prof")
        con.execute("create or replace temp view m_job_cell as select job_id as id, cell from core.job_geo")
        radar.index_jobs(con, "core.job_geo", "m_job_cell", "m_job")
        radar.run_match(con, "m_top", "m_job", "m_prof", top_n)
        con.execute("delete from core.job_match where profile_id in (select profile_id from m_affected)")
        con.execute(f"insert into core.job_match select profile_id, rank, job_id, score, distance_km, mode, "
                    f"travel_minutes, distance_score, title_score, salary_score, schedule_score, profile_group, "
                    f"reasons, now() from ({radar.reasons_sql('m_top', 'm_job', 'm_prof')})")
        matches = con.execute("select count(*) from m_top").fetchone()[0]
        con.execute("update core.profile set matched_hash = content_hash "
                    "where profile_id in (select profile_id from m_affected)")
    if full:
        con.execute("delete from core.match_job_state")
        con.execute("insert into core.match_job_state select * from m_job_state")
    else:  # only the jobs that changed: the state of a million jobs is not rewritten for a few thousand
        run_sql(con, SQL_DIR / "match" / "job_state_diff.sql")
        con.execute("delete from core.match_job_state where job_id in (select job_id from m_state_diff)")
        con.execute("insert into core.match_job_state select * from m_job_state semi join m_state_diff using (job_id)")
    con.execute("delete from core.match_state")
    con.execute("insert into core.match_state values (?, now())", [params])
    stats = {"full_recompute": full, "jobs_changed": jobs_changed, "profiles_changed": profiles_changed,
             "profiles_recomputed": recomputed, "profiles_total": total, "matches": matches,
             "seconds": round(time.monotonic() - started, 3)}
    con.execute("insert into audit.match_run values (now(), ?, ?, ?, ?, ?, ?, ?)",
                [full, jobs_changed, profiles_changed, recomputed, total, matches, stats["seconds"]])
    return stats


# -- the publish step ----------------------------------------------------------------------------
def _load_towns(con: duckdb.DuckDBPyConnection) -> str:
    """circle_town (the town/street centres); returns a fingerprint of the list."""
    from transforms.vocabulary import towns

    rows = [(t["adcode"], t["name"], t["district_adcode"], t["latitude"], t["longitude"]) for t in towns()]
    con.execute("create or replace temp table circle_town (town_adcode varchar, town varchar, "
                "district_adcode varchar, latitude double, longitude double)")
    con.executemany("insert into circle_town values (?, ?, ?, ?, ?)", rows)
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def refresh_job_geo(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Keep core.job_geo equal to what the open jobs give, deriving (H3 cells, nearest town, trade,
    keyword mask) only for jobs that are new or whose inputs changed; jobs no longer open leave it.
    The rules' version (trades, resolutions, town list) is part of the input hash, so changing a rule
    re-derives every job."""
    geo.register_duckdb(con)
    version = hashlib.sha256(repr((radar.TRADES, geo.FINE_RES, _res(), _load_towns(con))).encode()).hexdigest()[:16]
    run_sql(con, SQL_DIR / "core" / "job_geo_diff.sql", version=version)
    changed = con.execute("select count(*) from g_diff").fetchone()[0]
    if not changed:
        return {"jobs": con.execute("select count(*) from core.job_geo").fetchone()[0], "derived": 0, "removed": 0}
    con.execute("delete from core.job_geo where job_id in (select job_id from g_diff)")
    jobs = "select j.* from core.job as j semi join (select job_id from g_diff where present) using (job_id)"
    con.execute(f"create or replace temp table g_src as {radar.job_features_sql(jobs)}")
    radar.add_cells(con, "g_src", "job_id", "latitude", "longitude", geo.FINE_RES, "g_cell")
    radar.add_cells(con, "g_src", "job_id", "latitude", "longitude", _res(), "g_circle_cell")
    derived = con.execute(sql_text(SQL_DIR / "core" / "job_geo_insert.sql")).fetchone()[0]
    con.execute("drop table g_src; drop table g_cell; drop table g_circle_cell")
    return {"jobs": con.execute("select count(*) from core.job_geo").fetchone()[0], "derived": derived,
            "removed": changed - derived}


def prepare_circle_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables the published SQL reads: station→job and station→seeker pairs per mode, town of each job
    (jobs from core.job_geo and the town centres in circle_town: call :func:`refresh_job_geo` first)."""
    res = _res()
    con.execute("create or replace temp view c_job as select job_id as id, latitude, longitude, circle_cell as cell "
                "from core.job_geo")
    points = " union all ".join(
        f"select station_id || '|{m}' as id, latitude as lat, longitude as lon, "
        f"{geo.radius_km(STATION_MINUTES, m)} as radius_km from core.station" for m in MODES)
    within_pairs(con, points, "c_job", res, "c_station_job_pairs")
    prepare_targets(con, "select profile_id as id, home_lat as latitude, home_lon as longitude from core.profile",
                    res, "c_prof")
    within_pairs(con, f"select station_id as id, latitude as lat, longitude as lon, "
                      f"{geo.radius_km(STATION_MINUTES, 'bike')} as radius_km from core.station",
                 "c_prof", res, "c_station_profile_pairs")
    geo.register_duckdb(con)
    run_sql(con, SQL_DIR / "prepare" / "circle_inputs.sql", bike_radius_km=geo.radius_km(STATION_MINUTES, "bike"),
            walk_radius_km=geo.radius_km(STATION_MINUTES, "walk"), minutes=STATION_MINUTES)


def publish_circle(con: duckdb.DuckDBPyConnection, root: Any = None) -> dict[str, Any]:
    """The circle/radar part of publish: reference batches → core, matches refreshed, published tables."""
    from circle.reference import drop_legacy_demo_stations, load_reference_batches

    loaded = load_reference_batches(con, root)
    legacy = drop_legacy_demo_stations(con)  # stations are only what a deployment landed
    job_geo = refresh_job_geo(con)
    prepare_circle_tables(con)
    stats = refresh_matches(con, refresh_jobs=False)
    for model in built_by("circle"):  # the circle's models, as warehouse/publish.py PUBLISHED lists them
        rebuild(con, model, {}, sql_dir=SQL_DIR)
    return {"reference": loaded, "legacy_demo_stations_dropped": legacy, "job_geo": job_geo, "matches": stats}
