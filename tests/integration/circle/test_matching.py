"""Job radar: trades and keywords, the score and its reasons, ring search = whole-circle search = brute
force, and incremental recompute touching only the affected profiles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest

from circle import geo
from circle import radar as matching
from circle.publish import refresh_matches
from demo.generate import OCCUPATIONS
from warehouse.db import ensure_schema

JINING = (35.41, 116.59)
BIKE_KM_PER_MIN = 15 / 60


def _offset(km_north: float = 0.0, km_east: float = 0.0) -> tuple[float, float]:
    lat, lon = JINING
    return lat + km_north / 111.195, lon + km_east / (111.195 * np.cos(np.radians(lat)))


def test_every_demo_occupation_has_one_trade_and_sql_agrees() -> None:
    con = duckdb.connect()
    titles = [t for occ in OCCUPATIONS.values() for t in occ.titles] + ["董事长秘书", ""]
    for occ in OCCUPATIONS.values():
        assert len({matching.trade_of(t) for t in occ.titles}) == 1, occ.titles
        assert matching.trade_of(occ.titles[0]) is not None
    for title in titles:
        trade, mask = con.execute(f"select {matching.trade_sql('t')}, {matching.mask_sql('t')} from (select ? as t)",
                                  [title]).fetchone()
        assert trade == matching.trade_of(title)
        assert int(mask) == matching.keyword_mask(title)
    assert matching.trade_of("叉车司机") == "技工" and matching.trade_of("快递分拣员") == "分拣装卸"
    assert matching.keyword_mask(["收银"]) & matching.keyword_mask("超市收银员")
    assert not matching.keyword_mask(["收银"]) & matching.keyword_mask("保洁员")


def _job(job_id: str, title: str, km_north: float, pay: float | None, **flags: bool) -> dict:
    lat, lon = _offset(km_north)
    return {"job_id": job_id, "title": title, "latitude": lat, "longitude": lon, "salary_monthly_min": pay,
            "salary_monthly_max": pay, "employment_type": flags.pop("employment_type", "FULL_TIME"), **{
                k: flags.get(k, False) for k in ("is_short_term", "is_flexible", "is_temporary", "is_daily_pay",
                                                 "for_mothers", "for_seniors", "for_disabled")}}


def _profile(pid: str, titles: list[str], expected: float | None, group: str | None = None, mode: str = "bike",
             hours: str | None = "full", km_north: float = 0.0) -> dict:
    lat, lon = _offset(km_north)
    return {"profile_id": pid, "home_lat": lat, "home_lon": lon, "mode": mode, "minutes": 15,
            "trades": matching.trades_of(titles), "kw_mask": matching.keyword_mask(titles),
            "salary_expected": expected, "profile_group": group, "hours": hours}


def _load(con: duckdb.DuckDBPyConnection, jobs: list[dict], profiles: list[dict]) -> None:
    import pyarrow as pa

    jt = pa.Table.from_pylist(jobs)  # noqa: F841
    pt = pa.Table.from_pylist([{**p, "kw_mask": str(p["kw_mask"])} for p in profiles])  # noqa: F841
    con.execute("create or replace table jobs as select * from jt")
    con.execute("create or replace table profiles as select * replace (kw_mask::hugeint as kw_mask) from pt")
    matching.prepare_jobs(con, "select * from jobs")
    matching.prepare_profiles(con, "select * from profiles")


def test_score_parts_and_reasons() -> None:
    con = duckdb.connect()
    jobs = [
        _job("a", "超市收银员", 1.2, 4500, for_mothers=True),      # everything fits
        _job("b", "收银员", 0.5, 3000),                            # nearer, pays less, not 妈妈岗
        _job("c", "理货员", 0.2, 5000),                            # another trade: never matched
        _job("d", "收银", 5.0, 9000, for_mothers=True),            # outside 15 min by bike
    ]
    _load(con, jobs, [_profile("p", ["收银员"], 4000, group="mother")])
    matching.run_match(con)
    rows = matching.fetch_matches(con)
    assert [r["job_id"] for r in rows] == ["a", "b"]
    a, b = rows
    assert a["distance_km"] == pytest.approx(1.2, abs=0.01)
    assert a["score"] == pytest.approx(40 * (1 - 1.2 / 3.75) + 30 + 20 + 10, abs=0.02)
    assert a["reasons"] == ("1.2 km by bike (5 min); title matches 收银; salary 4500 ≥ expected 4000; "
                            "妈妈岗 fits school hours")
    assert b["salary_score"] == pytest.approx((3000 / 4000 - 0.5) * 2)
    assert b["schedule_score"] == pytest.approx(0.2)
    assert "salary 3000 < expected 4000" in b["reasons"] and "not a 妈妈岗" in b["reasons"]
    assert b["score"] == pytest.approx(40 * (1 - 0.5 / 3.75) + 30 + 20 * 0.5 + 10 * 0.2, abs=0.02)


def test_same_trade_without_title_match_scores_lower() -> None:
    con = duckdb.connect()
    _load(con, [_job("x", "水电维修工", 1.0, 5000), _job("y", "电焊工", 1.0, 5000)],
          [_profile("p", ["电焊工"], 4000, hours=None)])
    matching.run_match(con)
    rows = {r["job_id"]: r for r in matching.fetch_matches(con)}
    assert rows["y"]["title_score"] == 1.0 and rows["x"]["title_score"] == 0.6
    assert "title matches 焊工" in rows["y"]["reasons"] and "same trade (技工)" in rows["x"]["reasons"]


def _random_world(seed: int, n_jobs: int, n_profiles: int) -> tuple[list[dict], list[dict]]:
    rng = np.random.default_rng(seed)
    titles = [occ.titles[0] for occ in OCCUPATIONS.values()][:6]
    jobs = []
    for i in range(n_jobs):
        flags = {k: bool(rng.random() < 0.2) for k in ("for_mothers", "for_seniors", "is_flexible")}
        job = _job(f"j{i:05d}", titles[i % 6], 0, float(rng.integers(20, 80) * 100), **flags)
        job["latitude"], job["longitude"] = _offset(rng.normal(0, 3), rng.normal(0, 3))
        jobs.append(job)
    profiles = []
    for i in range(n_profiles):
        p = _profile(f"p{i:04d}", [titles[i % 6]], float(rng.integers(20, 60) * 100),
                     group=[None, "mother", "senior"][i % 3], mode=["bike", "walk"][i % 2])
        p["home_lat"], p["home_lon"] = _offset(rng.normal(0, 3), rng.normal(0, 3))
        profiles.append(p)
    return jobs, profiles


def test_ring_search_equals_whole_circle_and_brute_force() -> None:
    jobs, profiles = _random_world(3, 3000, 150)
    con = duckdb.connect()
    _load(con, jobs, profiles)
    stats: dict = {}
    matching.run_match(con, "ringed", stats=stats)
    matching.run_match(con, "whole", rings=(1.0,))
    ringed = con.execute("select profile_id, rank, job_id from ringed order by all").fetchall()
    assert ringed == con.execute("select profile_id, rank, job_id from whole order by all").fetchall()
    assert stats["searched_within_0.25_radius"] == 150 and stats.get("searched_within_1_radius", 0) < 150
    # brute force: every job against every profile in numpy
    jl = np.array([j["latitude"] for j in jobs])
    jn = np.array([j["longitude"] for j in jobs])
    for p in profiles[:40]:
        radius = geo.radius_km(15, p["mode"])
        d = geo.haversine_km(p["home_lat"], p["home_lon"], jl, jn)
        scores = []
        for j, dist in zip(jobs, d, strict=True):
            if dist > radius or matching.trade_of(j["title"]) not in p["trades"]:
                continue
            title = 1.0 if matching.keyword_mask(j["title"]) & p["kw_mask"] else 0.6
            pay = j["salary_monthly_max"]
            salary = 1.0 if pay >= p["salary_expected"] else max(0.0, (pay / p["salary_expected"] - 0.5) * 2)
            flag = {"mother": j["for_mothers"], "senior": j["for_seniors"]}.get(p["profile_group"])
            if p["profile_group"] == "mother":
                sched = 1.0 if flag else (0.6 if j["is_flexible"] else 0.2)
            elif p["profile_group"] == "senior":
                sched = 1.0 if flag else (0.5 if j["is_flexible"] else 0.2)
            else:
                sched = 1.0
            scores.append((round((40 * (1 - dist / radius) + 30 * title + 20 * salary + 10 * sched) * 10_000),
                           j["job_id"]))
        scores.sort(key=lambda s: (-s[0], s[1]))
        got = [r[2] for r in ringed if r[0] == p["profile_id"]]
        assert got == [job_id for _, job_id in scores[: matching.TOP_N]], p["profile_id"]


# -- incremental, on a real warehouse schema ------------------------------------------------------
def _warehouse(path: Path, jobs: list[dict], profiles: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    ensure_schema(con)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    for j in jobs:
        _put_job(con, j, now)
    for p in profiles:
        con.execute("insert into core.profile (profile_id, source, source_record_id, trades, kw_mask, salary_expected,"
                    " hours, profile_group, mode, minutes, home_lat, home_lon, content_hash) "
                    "values (?, 'test', ?, ?, ?::hugeint, ?, ?, ?, ?, 15, ?, ?, 'h0')",
                    [p["profile_id"], p["profile_id"], p["trades"], str(p["kw_mask"]), p["salary_expected"],
                     p["hours"], p["profile_group"], p["mode"], p["home_lat"], p["home_lon"]])
    return con


def _put_job(con: duckdb.DuckDBPyConnection, j: dict, now: datetime) -> None:
    con.execute("delete from core.job where job_id = ?", [j["job_id"]])
    con.execute("insert into core.job (job_id, match_key, title, latitude, longitude, salary_monthly_min, "
                "salary_monthly_max, employment_type, is_short_term, is_flexible, is_temporary, is_daily_pay, "
                "for_mothers, for_seniors, for_disabled, n_postings, n_sources, first_seen_at, last_seen_at, status) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?, 'open')",
                [j["job_id"], j["job_id"], j["title"], j["latitude"], j["longitude"], j["salary_monthly_min"],
                 j["salary_monthly_max"], j["employment_type"], j["is_short_term"], j["is_flexible"],
                 j["is_temporary"], j["is_daily_pay"], j["for_mothers"], j["for_seniors"], j["for_disabled"], now,
                 now])


def _matches(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select profile_id, rank, job_id, round(score, 6) from core.job_match order by all").fetchall()


def test_incremental_recompute_touches_only_affected_profiles(tmp_path: Path) -> None:
    jobs, profiles = _random_world(11, 2000, 300)
    con = _warehouse(tmp_path / "w.duckdb", jobs, profiles)
    first = refresh_matches(con)
    assert first["full_recompute"] and first["profiles_recomputed"] == 300
    assert refresh_matches(con)["profiles_recomputed"] == 0  # nothing changed, nothing recomputed

    # move one job 2 km: affected = profiles of its trade whose circle holds its old or its new position
    moved = dict(jobs[7])
    old = (moved["latitude"], moved["longitude"])
    moved["latitude"] += 2 / 111.195
    _put_job(con, moved, datetime(2026, 11, 21, tzinfo=UTC))
    trade = matching.trade_of(moved["title"])
    expected = {p["profile_id"] for p in profiles if trade in p["trades"] and any(
        geo.haversine_km(p["home_lat"], p["home_lon"], lat, lon) <= geo.radius_km(15, p["mode"])
        for lat, lon in (old, (moved["latitude"], moved["longitude"])))}
    before = {r[0]: r for r in _matches(con)}
    stats = refresh_matches(con)
    assert not stats["full_recompute"] and stats["jobs_changed"] == 2  # its old and its new position
    assert 0 < stats["profiles_recomputed"] == len(expected) < 300
    touched = {r[0] for r in con.execute(
        "select profile_id from core.job_match where computed_at = (select max(computed_at) from core.job_match)"
    ).fetchall()}
    assert touched <= expected
    incremental = _matches(con)
    unaffected = {k: v for k, v in before.items() if k not in expected}
    assert all(r in incremental for r in unaffected.values())

    # one profile changes: only it is recomputed
    con.execute("update core.profile set salary_expected = 9000, content_hash = 'h1' where profile_id = 'p0005'")
    stats = refresh_matches(con)
    assert stats["profiles_recomputed"] == 1 and stats["profiles_changed"] == 1
    incremental = _matches(con)

    # the incremental state equals a full recompute from scratch
    assert refresh_matches(con, full=True)["profiles_recomputed"] == 300
    assert _matches(con) == incremental
