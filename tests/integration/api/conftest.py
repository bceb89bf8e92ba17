"""A published pool built by the real pipeline (generated postings, the demo stations, demo seekers) and
the read API over it, served by a real uvicorn on 127.0.0.1 in a thread: shared by the API tests."""

from __future__ import annotations

import csv
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
import uvicorn

from landing.paths import Paths


def build_pool(home: Path, base: Path) -> dict[str, Any]:
    """Postings dated by today's calendar (so jobs are open), stations and seekers, through run_all."""
    from demo.bench import land_generated
    from demo.profiles import write_demo_profiles
    from demo.stations import land_demo_stations
    from feeds.reference import ingest_reference
    from jobpool.pipeline import run_all

    root = Paths(home)
    land_generated(root, 3000, seed=11, base_date=datetime.now(UTC).date() - timedelta(days=3))
    land_demo_stations(root)
    profiles = write_demo_profiles(base / "profiles.csv", seed=3, n=300)
    assert ingest_reference(profiles, "profile_demo", root=root)["records"] == 300
    run_all(root)
    with open(profiles, encoding="utf-8") as fh:
        return {"root": root, "profiles": list(csv.DictReader(fh))}


@pytest.fixture(scope="session")
def api_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from api.app import create_app

    base = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOBPOOL_HOME", str(base / "home"))
        world = build_pool(base / "home", base)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(world["root"]), log_level="warning", access_log=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        world["url"] = f"http://127.0.0.1:{port}"
        try:
            yield world
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            sock.close()


@pytest.fixture
def client(api_world: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_world["url"], timeout=30) as http:
        yield http


@pytest.fixture
def snapshot_sql(api_world: dict[str, Any]) -> Any:
    """Query the snapshot a response names, opened directly: what the API must agree with."""

    def run(version: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        from api.snapshots import MEMORY_LIMIT, THREADS  # the server's config: DuckDB shares the open file

        con = duckdb.connect(str(api_world["root"].published / version / "published.duckdb"), read_only=True,
                             config={"threads": THREADS, "memory_limit": MEMORY_LIMIT})
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return run
