"""End to end on a demo warehouse: demo postings + demo profiles + a stations feed → process → the
circle's published tables, the job radar without personal data, the CLI, the map, and an incremental
refresh through the pipeline."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest

from circle import geo
from demo.run import run_demo
from landing.paths import Paths

STATIONS_CSV = "站点编号,站点名称,站点类型,区县代码,乡镇街道,地址,经度,纬度\n" \
               "P1,唐村镇就业驿站,就业驿站,370883,唐村镇,唐村镇政府,117.1245,35.3476\n" \
               "P2,无坐标驿站,零工市场,370811,,,,\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from demo.profiles import write_demo_profiles
    from feeds.reference import ingest_reference
    from jobpool.pipeline import run_all

    base = tmp_path_factory.mktemp("circle")
    home = base / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOBPOOL_HOME", str(home))
        assert run_demo(seed=3, scale=0.4, use_airflow=False)
        profiles = write_demo_profiles(base / "profiles.csv", seed=3, n=300)
        assert ingest_reference(profiles, "profile_demo")["records"] == 300
        stations = base / "stations.csv"
        stations.write_text(STATIONS_CSV, encoding="utf-8")
        assert ingest_reference(stations, "stations_partner")["records"] == 2
        run_all()  # reconcile inside: raises if any landed record is unaccounted for
    with open(profiles, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {"root": Paths(home), "profiles": rows, "base": base}


def _con(world: dict) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(world["root"].warehouse), read_only=True)


def test_reference_batches_load_once_and_stay_out_of_the_job_pipeline(world: dict) -> None:
    con = _con(world)
    try:
        rows = con.execute("select source, kind, loaded from audit.reference_batch").fetchall()
        ref = {(s, k): n for s, k, n in rows}
        # the station without coordinates is rejected; the demo opted in to its own labelled stations
        assert ref == {("profile_demo", "profile"): 300, ("stations_partner", "stations"): 1,
                       ("stations_demo", "stations"): 98}
        assert con.execute("select rejected from audit.reference_batch where source = 'stations_partner'"
                           ).fetchone()[0] == 1
        demo = con.execute("select count(*), bool_and(is_demo), bool_and(name like '%（演示）') from core.station "
                           "where source = 'stations_demo'").fetchone()
        assert demo == (98, True, True)
        assert not con.execute("select count(*) from core.station where source <> 'stations_demo' and is_demo"
                               ).fetchone()[0]
        sources = {r[0] for r in con.execute("select distinct source from audit.batch").fetchall()}
        assert "profile_demo" not in sources and "stations_partner" not in sources
        leaked = "select count(*) from core.job where list_contains(sources, 'profile_demo')"
        assert not con.execute(leaked).fetchone()[0]
        assert con.execute("select count(*) from core.station where source = 'stations_partner'").fetchone()[0] == 1
    finally:
        con.close()


def test_jobs_near_station_agrees_with_the_point_query(world: dict) -> None:
    from circle.publish import jobs_near

    con = _con(world)
    try:
        n_stations = con.execute("select count(*) from core.station").fetchone()[0]
        assert con.execute("select count(*) from published.jobs_near_station").fetchone()[0] == 2 * n_stations
        rows = con.execute("select station_id, latitude, longitude, mode, open_jobs, jobs_for_mothers, "
                           "jobs_full_time + jobs_part_time + jobs_temporary_type + jobs_other_type "
                           "from published.jobs_near_station order by open_jobs desc limit 6").fetchall()
        assert rows[0][4] > 0
        for _, lat, lon, mode, open_jobs, mothers, by_type in rows:
            assert len(jobs_near(con, lat, lon, 15, mode)) == open_jobs == by_type >= mothers
        walk, bike = con.execute("select sum(open_jobs) filter (where mode = 'walk'), sum(open_jobs) "
                                 "filter (where mode = 'bike') from published.jobs_near_station").fetchone()
        assert walk < bike
        gaps = con.execute("select count(*), sum(open_jobs) from published.town_coverage where is_gap").fetchone()
        assert gaps[0] > 0 and gaps[1] > 0
        assert con.execute("select count(*) from published.town_coverage where is_gap and covered").fetchone()[0] == 0
        assert con.execute("select count(*) from published.station_report").fetchone()[0] == n_stations
    finally:
        con.close()


def test_matches_are_open_jobs_inside_the_circle_ranked_best_first(world: dict) -> None:
    con = _con(world)
    try:
        rows = con.execute("""
            select m.profile_id, m.rank, m.score, m.distance_km, m.mode, m.reasons, j.job_id is not null
            from published.job_matches m left join published.open_jobs j using (job_id)
            order by m.profile_id, m.rank""").fetchall()
        assert len(rows) > 20 and all(r[6] for r in rows)
        for _, _, _, km, mode, reasons, _ in rows:
            assert km <= geo.radius_km(15, mode) + 1e-9
            assert re.match(r"\d+\.\d km (by bike|on foot) \(\d+ min\); (title matches|same trade)", reasons)
        by_profile: dict[str, list] = {}
        for r in rows:
            by_profile.setdefault(r[0], []).append(r)
        for ranked in by_profile.values():
            assert [r[1] for r in ranked] == list(range(1, len(ranked) + 1))
            assert [r[2] for r in ranked] == sorted((r[2] for r in ranked), reverse=True)
    finally:
        con.close()


def test_no_personal_data_in_published_tables(world: dict) -> None:
    names = {r["姓名"] for r in world["profiles"]}
    phones = {r["手机"] for r in world["profiles"]}
    homes = {(round(float(r["居住地纬度"]), 4), round(float(r["居住地经度"]), 4)) for r in world["profiles"]}
    con = _con(world)
    try:
        columns = con.execute("select table_name, column_name, data_type from information_schema.columns "
                              "where table_schema = 'published'").fetchall()
        match_cols = {c for t, c, _ in columns if t == "job_matches"}
        assert not match_cols & {"name", "phone", "home_lat", "home_lon", "latitude", "longitude", "source_record_id"}
        ids = con.execute("select profile_id from published.job_matches").fetchall()
        assert ids and all(r[0].startswith("p-") for r in ids)
        for table, column, dtype in columns:
            if dtype == "VARCHAR":
                values = {v for (v,) in con.execute(f'select distinct "{column}" from published.{table}').fetchall()
                          if v}
                assert not any(n in v for v in values for n in names), (table, column)
                assert not any(p in v for v in values for p in phones), (table, column)
        for table in {t for t, c, _ in columns if c == "latitude"}:
            points = {(round(a, 4), round(b, 4)) for a, b in con.execute(
                f"select latitude, longitude from published.{table} where latitude is not null").fetchall()}
            assert not points & homes, table
    finally:
        con.close()


def test_snapshot_carries_the_circle_tables(world: dict) -> None:
    from warehouse.snapshot import connect_published

    con = connect_published(world["root"])
    try:
        for table in ("jobs_near_station", "job_matches", "town_coverage", "station_report"):
            assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0
    finally:
        con.close()


def test_cli_and_map(world: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from jobpool.cli import main
    from tests.support.html import assert_self_contained

    monkeypatch.setenv("JOBPOOL_HOME", str(world["root"].home))
    con = _con(world)
    pid = con.execute("select profile_id from published.job_matches group by 1 order by count(*) desc limit 1"
                      ).fetchone()[0]
    con.close()
    assert main(["match", "--profile", pid]) == 0
    out = capsys.readouterr().out
    assert pid in out and "km by" in out and "rank" in out
    assert main(["stations", "--report", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "merge candidates" in out and "gaps (add a station?)" in out
    assert main(["stations", "--near", "35.41,116.59", "--mode", "walk"]) == 0
    assert "open jobs within 15 min walk" in capsys.readouterr().out
    out_dir = world["base"] / "map"
    assert main(["map", "--out", str(out_dir)]) == 0
    page = (out_dir / "map.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "唐村镇就业驿站" in page
    assert (out_dir / "map.png").read_bytes()[:4] == b"\x89PNG"


def test_a_changed_profile_is_recomputed_alone(world: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from feeds.reference import ingest_reference
    from jobpool.pipeline import publish

    monkeypatch.setenv("JOBPOOL_HOME", str(world["root"].home))
    changed = dict(world["profiles"][0])
    changed["期望月薪"] = "9900"
    path: Path = world["base"] / "profiles-update.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(changed))
        writer.writeheader()
        writer.writerow(changed)
    assert ingest_reference(path, "profile_demo")["status"] == "landed"
    publish()
    con = _con(world)
    try:
        last = con.execute("select full_recompute, profiles_changed, profiles_recomputed, profiles_total "
                           "from audit.match_run order by computed_at desc limit 1").fetchone()
        assert last == (False, 1, 1, 300)
    finally:
        con.close()
