"""The 15-minute circle: distances, modes, the H3 index against brute force, reference data, and
stations/profiles batches kept out of the job pipeline."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import h3.api.basic_int as h3i
import numpy as np
import pytest

from circle import geo
from circle.publish import jobs_near, prepare_targets, within_pairs
from landing.contract import BatchWriter
from landing.paths import Paths

JINING = (35.41, 116.59)


def _offset(lat: float, lon: float, km_north: float = 0.0, km_east: float = 0.0) -> tuple[float, float]:
    return lat + km_north / 111.195, lon + km_east / (111.195 * np.cos(np.radians(lat)))


def _jobs_con(points: list[tuple[str, float, float]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table jobs (job_id varchar, title varchar, employer_name varchar, town varchar, "
                "employment_type varchar, latitude double, longitude double, for_mothers boolean, for_seniors boolean, "
                "for_disabled boolean, is_short_term boolean, is_flexible boolean, is_temporary boolean)")
    con.executemany("insert into jobs values (?, 'x', 'e', 't', 'FULL_TIME', ?, ?, false, false, false, false, false, "
                    "false)", points)
    return con


def test_haversine_matches_known_distances() -> None:
    assert geo.haversine_km(35.0, 116.0, 36.0, 116.0) == pytest.approx(111.195, rel=1e-4)
    lat, lon = _offset(*JINING, km_east=1.0)
    assert geo.haversine_km(*JINING, lat, lon) == pytest.approx(1.0, rel=1e-4)
    con = duckdb.connect()
    geo.register_duckdb(con)
    sql = con.execute("select haversine_km(?, ?, ?, ?)", [*JINING, lat, lon]).fetchone()[0]
    assert sql == pytest.approx(float(geo.haversine_km(*JINING, lat, lon)), abs=1e-12)


def test_one_km_is_in_the_cycling_circle_not_in_a_five_minute_walk() -> None:
    assert geo.radius_km(15, "bike") == pytest.approx(3.75)
    assert geo.radius_km(5, "walk") == pytest.approx(5 / 12)
    job = _offset(*JINING, km_north=1.0)
    con = _jobs_con([("near", *job), ("far", *_offset(*JINING, km_north=5.0))])
    bike = jobs_near(con, *JINING, minutes=15, mode="bike", jobs_table="jobs")
    assert [j["job_id"] for j in bike] == ["near"]
    assert bike[0]["distance_km"] == pytest.approx(1.0, abs=0.01)
    assert bike[0]["travel_minutes"] == pytest.approx(4.0, abs=0.1)
    assert jobs_near(con, *JINING, minutes=5, mode="walk", jobs_table="jobs") == []
    assert [j["job_id"] for j in jobs_near(con, *JINING, minutes=15, mode="walk", jobs_table="jobs")] == ["near"]


def test_speeds_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBPOOL_SPEEDS", "walk=4,bike=12")
    assert geo.radius_km(15, "bike") == pytest.approx(3.0)
    assert geo.radius_km(15, "walk") == pytest.approx(1.0)
    with pytest.raises(ValueError):
        geo.radius_km(15, "teleport")


@pytest.mark.parametrize("radius", [0.3, 1.25, 3.75, 7.5])
def test_h3_candidates_equal_brute_force(radius: float) -> None:
    rng = np.random.default_rng(int(radius * 100))
    lat = JINING[0] + rng.normal(0, 0.06, 30_000)
    lon = JINING[1] + rng.normal(0, 0.07, 30_000)
    index = geo.PointIndex.build(lat, lon, radius)
    hits = candidates = 0
    for _ in range(150):
        qlat, qlon = JINING[0] + rng.normal(0, 0.08), JINING[1] + rng.normal(0, 0.08)
        rows, dist = index.within(qlat, qlon)
        expected = geo.brute_force_within(qlat, qlon, lat, lon, radius)
        assert sorted(rows.tolist()) == sorted(expected.tolist())
        assert (dist <= radius).all()
        hits += len(rows)
        candidates += len(index.candidates(qlat, qlon))
    # the index prunes: candidates are a small multiple of the true hits, far fewer than 150 × all points
    assert hits > 0 and candidates <= 4 * hits


def test_duckdb_within_pairs_equal_brute_force() -> None:
    rng = np.random.default_rng(5)
    n, m = 4000, 60
    lat, lon = JINING[0] + rng.normal(0, 0.05, n), JINING[1] + rng.normal(0, 0.06, n)
    plat, plon = JINING[0] + rng.normal(0, 0.05, m), JINING[1] + rng.normal(0, 0.06, m)
    radii = np.where(np.arange(m) % 2 == 0, 1.25, 3.75)
    con = _jobs_con([(f"j{i}", float(a), float(b)) for i, (a, b) in enumerate(zip(lat, lon, strict=True))])
    con.execute("create table pts (id varchar, lat double, lon double, radius_km double)")
    con.executemany("insert into pts values (?, ?, ?, ?)",
                    [(f"p{i}", float(plat[i]), float(plon[i]), float(radii[i])) for i in range(m)])
    res = geo.plan(3.75)[0]
    prepare_targets(con, "select job_id as id, latitude, longitude from jobs", res, "t")
    within_pairs(con, "select * from pts", "t", res, "pairs")
    got = set(con.execute("select point_id, target_id from pairs").fetchall())
    want = {(f"p{i}", f"j{j}") for i in range(m)
            for j in geo.brute_force_within(plat[i], plon[i], lat, lon, radii[i]).tolist()}
    assert got == want and len(want) > 1000


def test_h3_parent_macro_equals_h3() -> None:
    con = duckdb.connect()
    geo.register_duckdb(con)
    rng = np.random.default_rng(1)
    for lat, lon in zip(JINING[0] + rng.normal(0, 0.3, 50), JINING[1] + rng.normal(0, 0.3, 50), strict=True):
        cell = h3i.latlng_to_cell(lat, lon, 10)
        for res in geo.RESOLUTIONS:
            assert con.execute("select h3_parent(?::ubigint, ?)", [cell, res]).fetchone()[0] == h3i.cell_to_parent(
                cell, res)


def test_communities_table_is_derived_from_the_shared_reference(real_data: Path) -> None:
    from transforms.reference.build_communities import build_communities
    from transforms.vocabulary import COMMUNITIES_CSV, communities, towns

    rebuilt = build_communities(real_data)
    with open(COMMUNITIES_CSV, encoding="utf-8", newline="") as fh:
        shipped = list(csv.DictReader(fh))
    assert shipped == rebuilt
    rows = communities()
    assert len(rows) > 500 and any(r["latitude"] for r in rows)
    town_codes = {t["adcode"] for t in towns()}
    assert len(town_codes) > 140
    assert sum(r["town_adcode"] in town_codes for r in rows) / len(rows) > 0.9


def test_demo_stations_are_deterministic_labelled_and_inside_jining() -> None:
    from demo.stations import demo_stations
    from transforms.vocabulary import districts, in_jining

    stations = demo_stations()
    assert stations == demo_stations()
    kinds = {s["kind"] for s in stations}
    assert kinds == {"employment_station", "gig_market", "community_point"}
    assert sum(s["kind"] == "employment_station" for s in stations) == len(districts()) == 11
    assert all("演示" in s["name"] and in_jining(s["latitude"], s["longitude"]) for s in stations)
    assert len({s["station_id"] for s in stations}) == len(stations)


def test_profile_and_station_batches_never_enter_the_job_pipeline(home: Paths, tmp_path: Path) -> None:
    from demo.profiles import write_demo_profiles
    from feeds.reference import ingest_reference
    from warehouse.db import connect_reader
    from warehouse.steps import stage

    path = write_demo_profiles(tmp_path / "profiles.csv", seed=1, n=20)
    landed = ingest_reference(path, "profile_demo", root=home)
    assert landed["status"] == "landed" and landed["records"] == 20 and landed["kind"] == "profile"
    assert ingest_reference(path, "profile_demo", root=home)["status"] == "duplicate"
    with BatchWriter(source="gig_board", kind="feed", root=home) as writer:
        writer.add({"title": "收银员", "source_record_id": "1"})
    result = stage(home, "run-test")
    assert result.detail["sources"] == ["gig_board"] and result.records == 1
    con = connect_reader(home.warehouse)
    try:
        assert con.execute("select list(source) from staging.run_batch").fetchone()[0] == ["gig_board"]
    finally:
        con.close()
