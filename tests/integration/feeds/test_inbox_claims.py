"""Two ingests at once (the watcher's run and a manual trigger, a retry beside a first attempt still
alive, ``jobpool ingest`` beside Airflow) land an inbox file once: a file is claimed atomically before
it is landed, and the same bytes by two paths are one batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from demo.generate import generate_site
from feeds.events import FAULT_ENV, InjectedFault, run_ingest
from feeds.inbox import PROCESSING, claim, scan_inbox
from landing.contract import read_manifest
from landing.paths import Paths

# One ingest in a child process: import everything, say ready, wait for "go", then ingest at once.
CHILD = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import feeds.csv_fast  # noqa: F401  (imported before the start line, not after it)
    from feeds.events import run_ingest
    from feeds.inbox import scan_inbox

    mode, ready, go, named = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    ready.touch()
    while not go.exists():
        time.sleep(0.0005)
    if mode == "scan":  # the watcher's run, or `jobpool ingest`
        results = scan_inbox(settle_seconds=0)
    else:  # a manual trigger naming the file (in the inbox, or a copy elsewhere); the inbox is not scanned
        results = run_ingest({"source": "gig_station", "file": named}, settle_seconds=3600)
    print(json.dumps([r.as_dict() for r in results]))
""")


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    generate_site(site, seed=3, scale=1.0)
    return site / "feeds" / "gig_station.csv"


def _deliver(feed: Path, home: Paths, name: str = "gig.csv") -> Path:
    dest = home.inbox / "gig_station" / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(feed, dest)
    return dest


def _race(modes: list[str], named: Path, tmp_path: Path) -> list[dict]:
    """Start one child per mode, release them together, return every result they reported."""
    tmp_path.mkdir()
    go = tmp_path / "go"
    children = []
    for i, mode in enumerate(modes):
        ready = tmp_path / f"ready-{i}"
        children.append((ready, subprocess.Popen([sys.executable, "-c", CHILD, mode, str(ready), str(go), str(named)],
                                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    deadline = time.monotonic() + 120
    while not all(ready.exists() for ready, _ in children):
        assert time.monotonic() < deadline, "children did not start"
        assert all(proc.poll() is None for _, proc in children), [proc.communicate() for _, proc in children]
        time.sleep(0.01)
    go.touch()
    results = []
    for _, proc in children:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        results.extend(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.mark.parametrize("modes", [["scan", "scan"], ["named", "scan"], ["scan", "named"], ["copy", "scan"]])
def test_two_concurrent_ingests_land_an_inbox_file_once(modes: list[str], feed: Path, home: Paths,
                                                        tmp_path: Path) -> None:
    inbox_file = _deliver(feed, home)
    named, copy = inbox_file, "copy" in modes
    if copy:  # a manual trigger names a copy of the same bytes outside the inbox
        named = tmp_path / "elsewhere" / "gig.csv"
        named.parent.mkdir()
        shutil.copy(feed, named)
        modes = ["named" if m == "copy" else m for m in modes]
    for race in range(2):  # a first delivery, then the same bytes again
        results = _race(modes, named, tmp_path / f"race{race}")
        statuses = sorted(r["status"] for r in results)
        expected = ["landed"] if race == 0 else ["duplicate"]  # the file is reported once, landed once
        if copy:  # ... and the copy once more, as a duplicate of whichever landed first
            expected = sorted([*expected, "duplicate"])
        assert statuses == expected, results
        manifest = read_manifest(home)
        assert len(manifest) == 1 and manifest[0]["record_count"] > 0, manifest
        assert not inbox_file.exists() and not list((home.inbox / PROCESSING).rglob("*.csv"))
        archived = list((home.home / "archive" / "gig_station").iterdir())
        assert len(archived) == 1, archived  # archived once, by the ingest that claimed it
        shutil.rmtree(home.home / "archive")  # next race: the same bytes again, a duplicate from now on
        _deliver(feed, home)


def test_a_held_claim_is_left_alone_and_an_abandoned_one_taken_over(feed: Path, home: Paths) -> None:
    held = claim(_deliver(feed, home), "gig_station", home)
    assert held is not None and held.path.parent.parent == home.inbox / PROCESSING / "gig_station"
    assert claim(home.inbox / "gig_station" / "gig.csv", "gig_station", home) is None  # already taken
    assert scan_inbox(home, settle_seconds=0) == []  # another ingest is landing it: hands off
    assert held.path.exists() and read_manifest(home) == []

    os.close(held.fd)  # its ingest dies: the kernel drops the lock, the file stays claimed
    results = scan_inbox(home, settle_seconds=0)
    assert [(r.file, r.status) for r in results] == [("gig.csv", "landed")] and results[0].records > 0
    assert not held.path.exists() and not held.path.parent.exists()
    assert (home.home / "archive" / "gig_station" / "gig.csv").exists()
    assert scan_inbox(home, settle_seconds=0) == []


def test_fault_injection_fails_only_the_attempts_asked_for(feed: Path, home: Paths,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    delivered = _deliver(feed, home)
    assert FAULT_ENV not in os.environ  # production never sets it: the hook is inert by default
    monkeypatch.setenv(FAULT_ENV, "1")
    with pytest.raises(InjectedFault, match="attempt 1"):
        run_ingest(attempt=1, settle_seconds=0)
    assert delivered.exists() and read_manifest(home) == []  # failed before touching anything
    assert [r.status for r in run_ingest(attempt=2, settle_seconds=0)] == ["landed"]
    monkeypatch.delenv(FAULT_ENV)
    _deliver(feed, home, "again.csv")
    assert [r.status for r in run_ingest(attempt=1, settle_seconds=0)] == ["duplicate"]
