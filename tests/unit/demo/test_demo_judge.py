"""How ``jobpool-demo`` judges an Airflow session, against a scripted stand-in for Airflow: the runs it
caused and the outcome count, the history does not (a run that failed in an earlier demo used to fail
every later one until ``make clean``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import demo.airflow_local as airflow_local
from demo import run as demo
from landing.paths import Paths

DAG_IDS = ("crawl", "ingest", "process")


class FakeAirflow:
    """One run advances one state per three polls, a round over the three DAGs (queued → running →
    success, or failed when scripted); a landing (crawl or ingest success) queues a process run, as the
    landing asset event does."""

    instances: list[FakeAirflow] = []
    setup: Any = None  # a test's script: called with each new instance

    def __init__(self, dags_folder: Path, home: Path, env: dict[str, str] | None = None,
                 expect_dag_ids: set[str] | None = None) -> None:
        self.base_url = "http://127.0.0.1:1"
        self.runs: dict[str, list[dict[str, Any]]] = {d: [] for d in DAG_IDS}
        self.fail: set[str] = set()  # run ids that end failed
        self.lands: set[str] = {"crawl", "ingest"}  # DAGs whose success emits a landing event
        self.events: list[dict[str, Any]] = []
        self.processed = False
        self.polls = 0
        FakeAirflow.instances.append(self)
        if FakeAirflow.setup is not None:
            FakeAirflow.setup(self)

    def __enter__(self) -> FakeAirflow:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def add(self, dag_id: str, run_type: str, state: str = "queued", run_id: str | None = None) -> str:
        run_id = run_id or f"{run_type}__{dag_id}_{sum(len(r) for r in self.runs.values())}"
        self.runs[dag_id].append({"run_id": run_id, "dag_run_id": run_id, "run_type": run_type, "state": state})
        return run_id

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        return self.add(dag_id, "manual")

    def _tick(self) -> None:
        for dag_id in DAG_IDS:
            for run in self.runs[dag_id]:
                if run["state"] == "queued":
                    run["state"] = "running"
                elif run["state"] == "running":
                    run["state"] = "failed" if run["run_id"] in self.fail else "success"
                    if run["state"] == "success" and dag_id in self.lands:
                        self.add("process", "asset_triggered")
                    if run["state"] == "success" and dag_id == "process":
                        self.processed = True
                    return  # one step per poll

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        self.polls += 1
        if self.polls % 3 == 0:
            self._tick()
        return [dict(r) for r in self.runs[dag_id]]

    def wait_for_run(self, dag_id: str, predicate: Any, timeout: float = 120, poll: float = 0.5) -> dict[str, Any]:
        for _ in range(100):
            for run in self.dag_runs(dag_id):
                if predicate(run):
                    return run
        raise AssertionError(f"no run of {dag_id} matched")

    def api(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return {"task_instances": [{"task_id": "ingest_files", "try_number": 2}] if "manual" in path else []}

    def task_logs(self, dag_id: str, run_id: str) -> str:
        return f"<logs of {dag_id} {run_id}>"

    def post_asset_event(self, asset: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        self.events.append({"asset": asset, "extra": extra})
        self.add("process", "asset_triggered")
        return {}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Paths:
    FakeAirflow.instances.clear()
    monkeypatch.setattr(airflow_local, "AirflowStandalone", FakeAirflow)
    monkeypatch.setattr(demo, "QUIET_SECONDS", 0.0, raising=False)
    monkeypatch.setattr(demo.time, "sleep", lambda seconds: None)
    # the warehouse has one batch to process until a process run succeeds
    monkeypatch.setattr(demo, "_pending_batches",
                        lambda root: 0 if FakeAirflow.instances[-1].processed else 1)
    return Paths(tmp_path / "home")


def _history(af: FakeAirflow) -> None:
    """What a failed earlier demo leaves in the metadata DB: a failed run of every DAG."""
    for dag_id in DAG_IDS:
        af.add(dag_id, "manual", state="failed", run_id=f"old_{dag_id}")


def _run(root: Paths, setup: Any, monkeypatch: pytest.MonkeyPatch) -> list[FakeAirflow]:
    monkeypatch.setattr(FakeAirflow, "setup", staticmethod(setup))
    demo._run_airflow(root, {}, timeout=60)
    return FakeAirflow.instances


def test_failed_runs_of_an_earlier_demo_do_not_fail_this_one(fake: Paths, capsys: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    [af] = _run(fake, _history, monkeypatch)
    out = capsys.readouterr().out
    assert "ingest: success (manual; retried: ingest_files x2)" in out  # a recovered fault is shown
    assert all(r["state"] == "success" for d in DAG_IDS for r in af.runs[d] if not r["run_id"].startswith("old_"))
    assert af.events == []  # the landings' own events started process


def test_a_run_the_demo_triggered_that_fails_after_its_retries_fails_the_demo(
        fake: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    def setup(af: FakeAirflow) -> None:
        _history(af)
        af.fail.add("manual__ingest_4")  # the ingest run this demo triggers (4th run created)

    with pytest.raises(RuntimeError, match="ingest run manual__ingest_4 failed"):
        _run(fake, setup, monkeypatch)


def test_a_failed_watcher_run_is_judged_by_the_outcome(fake: Paths, capsys: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def setup(af: FakeAirflow) -> None:
        af.fail.add(af.add("ingest", "asset_triggered"))  # the inbox watcher's run, before the trigger

    _run(fake, setup, monkeypatch)
    assert "recovered: a later run did the work of 1 failed run(s)" in capsys.readouterr().out


def test_batches_left_unprocessed_by_an_earlier_demo_get_a_landing_event(
        fake: Paths, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    def setup(af: FakeAirflow) -> None:
        _history(af)
        af.lands = set()  # nothing new lands this time: no landing event will come by itself

    [af] = _run(fake, setup, monkeypatch)
    assert [e["asset"] for e in af.events] == ["jobpool_landing"]
    assert "1 landed batch(es) were never processed: sent a landing event" in capsys.readouterr().out
    assert af.runs["process"][-1]["state"] == "success"
