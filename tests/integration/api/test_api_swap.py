"""Publish swaps the snapshot under a client that is paging: the client keeps its version to the last page,
new requests see the new one, and a version beyond the newest few answers 410."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.http]


def publish_more(world: dict, n: int, seed: int) -> None:
    from demo.bench import land_generated
    from jobpool.pipeline import run_all

    land_generated(world["root"], n, seed=seed, id_prefix=f"swap{seed}-",
                   base_date=datetime.now(UTC).date() - timedelta(days=1))
    run_all(world["root"])


def wait_for_new_snapshot(client: httpx.Client, old: str) -> str:
    """The server loads a new current snapshot in the background (seconds) and serves the old one meanwhile."""
    deadline = time.monotonic() + 60
    while True:
        health = client.get("/health").json()
        assert health["published_current"] > old
        if health["snapshot"] != old:
            assert health["snapshot"] == health["published_current"]
            return health["snapshot"]
        assert time.monotonic() < deadline, health
        time.sleep(0.1)


def test_paging_survives_a_publish_and_new_requests_see_it(client: httpx.Client, api_world: dict,
                                                           snapshot_sql: Any) -> None:
    first = client.get("/jobs", params={"limit": 50})
    assert first.status_code == 200
    v1 = first.json()["snapshot"]
    seen = [j["id"] for j in first.json()["jobs"]]
    cursor = first.json()["next_cursor"]

    # readers keep hammering the API while the pipeline publishes: nothing fails, nothing mixes
    failures: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        with httpx.Client(base_url=api_world["url"], timeout=30) as http:
            while not stop.is_set():
                r = http.get("/jobs", params={"district": "370811", "limit": 20})
                if r.status_code != 200 or r.headers["etag"] != f'"{r.json()["snapshot"]}"':
                    failures.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        publish_more(api_world, 300, seed=21)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not failures, failures[:3]

    v2 = wait_for_new_snapshot(client, v1)
    while cursor:  # the rest of the pages, on the version the client started with
        r = client.get("/jobs", params={"limit": 50, "cursor": cursor, "snapshot": v1})
        assert r.status_code == 200 and r.json()["snapshot"] == v1 and r.headers["etag"] == f'"{v1}"'
        seen += [j["id"] for j in r.json()["jobs"]]
        cursor = r.json()["next_cursor"]
    old_ids = {row[0] for row in snapshot_sql(v1, "select job_id from open_jobs")}
    assert len(seen) == len(set(seen)) and set(seen) == old_ids

    fresh = client.get("/jobs", params={"limit": 1})
    assert fresh.json()["snapshot"] == v2
    new_ids = {row[0] for row in snapshot_sql(v2, "select job_id from open_jobs")}
    assert new_ids != old_ids
    assert client.get("/areas", params={"snapshot": v1}).json()["snapshot"] == v1  # still served

    # two more publishes: v1 falls out of the newest three and is closed; asking for it is 410
    publish_more(api_world, 300, seed=22)
    v3 = wait_for_new_snapshot(client, v2)
    publish_more(api_world, 300, seed=23)
    wait_for_new_snapshot(client, v3)
    health = client.get("/health").json()
    assert v1 not in health["snapshots_open"] and len(health["snapshots_open"]) <= 3
    gone = client.get("/jobs", params={"snapshot": v1})
    assert gone.status_code == 410 and "no longer served" in gone.json()["error"]
