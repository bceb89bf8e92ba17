"""Every endpoint and filter of the read API against the snapshot it names, over a real uvicorn server."""

from __future__ import annotations

import json
import shutil
from datetime import date
from typing import Any

import duckdb
import httpx
import pytest

from circle import geo
from transforms.vocabulary import towns

pytestmark = [pytest.mark.integration, pytest.mark.http]


def pages(client: httpx.Client, path: str, params: dict[str, Any], key: str = "jobs") -> tuple[str, list[dict]]:
    """Every item of a listing, following next_cursor; all pages must come from one snapshot."""
    items: list[dict] = []
    version = None
    params = dict(params)
    while True:
        r = client.get(path, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert r.headers["etag"] == f'"{body["snapshot"]}"'
        assert version in (None, body["snapshot"])
        version = body["snapshot"]
        items += body[key]
        if not body["next_cursor"]:
            return version, items
        params["cursor"] = body["next_cursor"]


def ids(version: str, snapshot_sql: Any, where: str, params: list[Any] | None = None) -> set[str]:
    return {r[0] for r in snapshot_sql(version, f"select job_id from open_jobs where {where}", params)}


def test_health_names_the_current_snapshot_and_its_age(client: httpx.Client, api_world: dict) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    current = (api_world["root"].published / "current").resolve().name
    assert body["snapshot"] == current and r.headers["etag"] == f'"{current}"'
    assert 0 <= body["age_seconds"] < 3600 and body["open_jobs"] > 500


def test_paging_returns_every_open_job_once_newest_first(client: httpx.Client, snapshot_sql: Any) -> None:
    version, jobs = pages(client, "/jobs", {"limit": 100})
    got = [j["id"] for j in jobs]
    assert len(got) == len(set(got))
    assert set(got) == ids(version, snapshot_sql, "true")
    keys = [(date.fromisoformat(j["date_posted"] or "1970-01-01").toordinal(), j["id"]) for j in jobs]
    assert keys == sorted(keys, key=lambda k: (-k[0], k[1]))  # undated jobs last


@pytest.mark.parametrize(("params", "where", "args"), [
    ({"district": "370811"}, "district_adcode = ?", ["370811"]),
    ({"employment_type": "PART_TIME"}, "employment_type = ?", ["PART_TIME"]),
    ({"employment_type": "TEMPORARY,PER_DIEM"}, "employment_type in ('TEMPORARY', 'PER_DIEM')", []),
    ({"short_term": "true"}, "is_short_term", []),
    ({"flexible": "true"}, "is_flexible", []),
    ({"temporary": "false"}, "not is_temporary", []),
    ({"group": "mother"}, "for_mothers", []),
    ({"group": "银龄岗"}, "for_seniors", []),
    ({"group": "disabled"}, "for_disabled", []),
    ({"group": "mother,senior"}, "for_mothers and for_seniors", []),
    ({"min_monthly_pay": 6000}, "salary_currency = 'CNY' and coalesce(salary_monthly_max, salary_monthly_min) >= 6000",
     []),
    ({"posted_since": "2026-11-25"}, "date_posted >= date '2026-11-25'", []),
    ({"q": "保洁"}, "title like '%保洁%' or employer_name like '%保洁%'", []),
    ({"district": "370883", "group": "mother", "employment_type": "FULL_TIME"},
     "district_adcode = '370883' and for_mothers and employment_type = 'FULL_TIME'", []),
])
def test_each_filter_matches_the_snapshot(client: httpx.Client, snapshot_sql: Any, params: dict, where: str,
                                          args: list) -> None:
    version, jobs = pages(client, "/jobs", {**params, "limit": 50})
    expected = ids(version, snapshot_sql, where, args)
    assert expected, f"the test pool has no job for {params}"
    assert {j["id"] for j in jobs} == expected


def test_town_filter_takes_a_town_adcode(client: httpx.Client, snapshot_sql: Any) -> None:
    version = client.get("/health").json()["snapshot"]
    name, n = snapshot_sql(version, "select town, count(*) from open_jobs where town is not null "
                                    "group by town order by 2 desc limit 1")[0]
    town = next(t for t in towns() if t["name"] == name)
    _, jobs = pages(client, "/jobs", {"town": town["adcode"], "limit": 100})
    assert len(jobs) == n and all(j["town"] == name for j in jobs)
    wrong_district = "370811" if town["district_adcode"] != "370811" else "370812"
    r = client.get("/jobs", params={"town": town["adcode"], "district": wrong_district})
    assert r.status_code == 422 and "lies in district" in r.json()["error"]


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_near_a_point_within_minutes_equals_brute_force(client: httpx.Client, snapshot_sql: Any, mode: str) -> None:
    lat, lon = 35.4150, 116.5870  # 任城区
    version, jobs = pages(client, "/jobs", {"near": f"{lat},{lon}", "mode": mode, "minutes": 15,
                                            "sort": "distance", "limit": 100})
    rows = snapshot_sql(version, "select job_id, latitude, longitude from open_jobs where latitude is not null")
    radius = geo.radius_km(15, mode)
    expected = {r[0] for r in rows if geo.haversine_km(lat, lon, r[1], r[2]) <= radius}
    assert expected and {j["id"] for j in jobs} == expected
    dists = [j["distance_km"] for j in jobs]
    assert dists == sorted(dists) and max(dists) <= radius + 1e-9
    assert all(abs(j["travel_minutes"] - j["distance_km"] / geo.speeds()[mode] * 60) < 0.06 for j in jobs)
    by_date = pages(client, "/jobs", {"near": f"{lat},{lon}", "mode": mode, "limit": 100})[1]
    assert {j["id"] for j in by_date} == expected


def test_job_is_schema_org_jobposting_with_lineage(client: httpx.Client, snapshot_sql: Any) -> None:
    version = client.get("/health").json()["snapshot"]
    job_id = snapshot_sql(version, "select job_id from open_jobs where n_sources > 1 and salary_min is not null "
                                   "order by job_id limit 1")[0][0]
    r = client.get(f"/jobs/{job_id}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@context"].startswith("https://schema.org") and doc["@type"] == "JobPosting"
    for required in ("title", "description", "datePosted", "hiringOrganization", "jobLocation"):  # Google's list
        assert doc[required], required
    assert doc["hiringOrganization"]["@type"] == "Organization" and doc["hiringOrganization"]["name"]
    assert doc["jobLocation"]["@type"] == "Place"
    assert doc["jobLocation"]["address"]["@type"] == "PostalAddress"
    assert doc["jobLocation"]["geo"]["@type"] == "GeoCoordinates"
    assert doc["identifier"]["value"] == job_id
    assert doc["employmentType"] in ("FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "PER_DIEM", "OTHER")
    salary = doc["baseSalary"]
    assert salary["@type"] == "MonetaryAmount" and salary["value"]["@type"] == "QuantitativeValue"
    assert salary["value"]["unitText"] in ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")
    date.fromisoformat(doc["datePosted"]), date.fromisoformat(doc["validThrough"])
    expected = snapshot_sql(version, "select source, source_record_id from job_sources where job_id = ? "
                                     "order by all", [job_id])
    assert [(s["source"], s["source_record_id"]) for s in doc["sources"]] == expected and len(expected) > 1
    assert doc["snapshot"] == version
    assert client.get("/jobs/ffffffffffffffff").status_code == 404  # no redirects table in this snapshot


def test_etag_and_if_none_match(client: httpx.Client) -> None:
    first = client.get("/jobs", params={"district": "370811"})
    etag = first.headers["etag"]
    again = client.get("/jobs", params={"district": "370811"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
    other = client.get("/jobs", params={"district": "370811"}, headers={"If-None-Match": '"20000101T000000000000"'})
    assert other.status_code == 200
    pinned = client.get("/areas", params={"snapshot": json.loads(first.text)["snapshot"]},
                        headers={"If-None-Match": etag})
    assert pinned.status_code == 304


def test_stations_and_jobs_near_a_station(client: httpx.Client, snapshot_sql: Any) -> None:
    version, stations = pages(client, "/stations", {"limit": 40}, key="stations")
    assert len(stations) == snapshot_sql(version, "select count(*) from station_report")[0][0] > 40
    assert [s["demand_rank"] for s in stations] == sorted(s["demand_rank"] for s in stations)
    busy = max(stations, key=lambda s: s["open_jobs_bike"])
    assert busy["open_jobs_bike"] > 0
    _, jobs = pages(client, f"/stations/{busy['id']}/jobs", {"limit": 25})
    assert len(jobs) == busy["open_jobs_bike"]  # the published count by bike, 15 minutes
    assert [j["distance_km"] for j in jobs] == sorted(j["distance_km"] for j in jobs)
    walk = client.get(f"/stations/{busy['id']}/jobs", params={"mode": "walk", "limit": 100}).json()
    assert walk["count"] == min(busy["open_jobs_walk"], 100)
    _, in_district = pages(client, "/stations", {"district": "370811", "kind": "gig_market"}, key="stations")
    assert in_district and all(s["district_adcode"] == "370811" and s["kind"] == "gig_market" for s in in_district)
    assert client.get("/stations/nope:none/jobs").status_code == 404


def test_seeker_matches_by_pseudonym_without_personal_data(client: httpx.Client, api_world: dict,
                                                          snapshot_sql: Any) -> None:
    version = client.get("/health").json()["snapshot"]
    profile_id, n = snapshot_sql(version, "select profile_id, count(*) from job_matches group by 1 "
                                          "order by 2 desc, 1 limit 1")[0]
    r = client.get(f"/seekers/{profile_id}/matches")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == n and [m["rank"] for m in body["matches"]] == list(range(1, n + 1))
    assert all(m["reasons"] and m["url"] == f"/jobs/{m['job_id']}" for m in body["matches"])
    text = r.text
    for person in api_world["profiles"]:  # names, phones and home points never leave the warehouse
        assert person["姓名"] not in text and person["手机"] not in text
        assert person["居住地经度"][:9] not in text
    assert client.get("/seekers/p-0000000000000000/matches").status_code == 404


def test_areas_count_open_jobs_by_district_type_and_group(client: httpx.Client, snapshot_sql: Any) -> None:
    version, cells = pages(client, "/areas", {"limit": 50}, key="areas")
    assert len(cells) == snapshot_sql(version, "select count(*) from jobs_by_area")[0][0]
    _, mothers = pages(client, "/areas", {"district": "370811", "group": "mother"}, key="areas")
    assert sum(c["open_jobs"] for c in mothers) == len(ids(version, snapshot_sql,
                                                           "district_adcode = '370811' and for_mothers"))
    _, full = pages(client, "/areas", {"employment_type": "FULL_TIME", "group": "all"}, key="areas")
    assert sum(c["open_jobs"] for c in full) == len(ids(version, snapshot_sql, "employment_type = 'FULL_TIME'"))


def test_retired_job_redirects_to_the_job_it_merged_into(client: httpx.Client, api_world: dict) -> None:
    """A snapshot whose published.job_redirects names a retired id (a copy of the current one, named as a
    version just older than current) answers a retired id with 308 to the surviving job."""
    from api.snapshots import MEMORY_LIMIT, THREADS

    published = api_world["root"].published
    current = (published / "current").resolve()
    survivor = client.get("/jobs", params={"limit": 1}).json()["jobs"][0]["id"]
    from datetime import datetime, timedelta

    version = datetime.strptime(current.name, "%Y%m%dT%H%M%S%f")  # warehouse.snapshot's version format
    fake = f"{version - timedelta(microseconds=1):%Y%m%dT%H%M%S%f}"
    folder = published / fake
    shutil.copytree(current, folder)
    try:
        con = duckdb.connect(str(folder / "published.duckdb"), config={"threads": THREADS,
                                                                        "memory_limit": MEMORY_LIMIT})
        con.execute("create or replace table job_redirects as select 'deadbeefdeadbeef' as retired_job_id, "
                    "? as job_id, now() as merged_at", [survivor])
        con.execute("update snapshot_info set version = ?", [fake])
        con.close()
        info = json.loads((folder / "snapshot.json").read_text())
        (folder / "snapshot.json").write_text(json.dumps({**info, "version": fake}))
        r = client.get("/jobs/deadbeefdeadbeef", params={"snapshot": fake}, follow_redirects=False)
        assert r.status_code == 308 and r.headers["location"] == f"/jobs/{survivor}?snapshot={fake}"
        followed = client.get("/jobs/deadbeefdeadbeef", params={"snapshot": fake}, follow_redirects=True)
        assert followed.status_code == 200 and followed.json()["identifier"]["value"] == survivor
        assert client.get("/jobs/deadbeefdeadbeef").status_code == 404  # current redirects nothing
    finally:
        shutil.rmtree(folder, ignore_errors=True)
