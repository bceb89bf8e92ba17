"""End-to-end proof that the harness drives a real scheduler: asset events from a task and from REST."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo.airflow_local import AirflowStandalone

pytestmark = pytest.mark.airflow

ASSET = "jobpool-test-landing"
TERMINAL = {"success", "failed"}

PRODUCER = """
from airflow.sdk import Asset, dag, task

LANDING = Asset("{asset}")


@dag(dag_id="producer", schedule=None, catchup=False, tags=["harness-test"])
def producer():
    @task(outlets=[LANDING])
    def land(*, outlet_events=None, dag_run=None):
        outlet_events[LANDING].extra = {{"batch": dag_run.conf.get("batch"), "source": "producer"}}

    land()


producer()
"""

CONSUMER = """
import json
import re
from pathlib import Path

from airflow.sdk import DAG, Asset, task

OUT = Path({out!r})

with DAG(dag_id="consumer", schedule=[Asset("{asset}")], catchup=False, tags=["harness-test"]):

    @task
    def record(*, triggering_asset_events=None, run_id=None):
        extras = [dict(ev.extra) for events in triggering_asset_events.values() for ev in events]
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id) + ".json"
        (OUT / name).write_text(json.dumps(extras))

    record()
"""


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AirflowStandalone, Path]]:
    """One standalone for the module: start-up dominates the wall time, so the tests share it."""
    root = tmp_path_factory.mktemp("airflow")
    dags, out = root / "dags", root / "out"
    dags.mkdir()
    out.mkdir()
    (dags / "producer.py").write_text(textwrap.dedent(PRODUCER.format(asset=ASSET)))
    (dags / "consumer.py").write_text(textwrap.dedent(CONSUMER.format(asset=ASSET, out=str(out))))
    with AirflowStandalone(dags_folder=dags, home=root / "home") as af:
        assert af.import_errors() == {}
        yield af, out


def _new_consumer_run(af: AirflowStandalone, before: set[str]) -> dict[str, Any]:
    """Wait for a consumer run not seen before to finish; fail with its task logs if it did not succeed."""
    run = af.wait_for_run("consumer", lambda r: r["run_id"] not in before and r["state"] in TERMINAL, timeout=120)
    assert run["state"] == "success", af.task_logs("consumer", run["run_id"])
    assert run["run_type"] == "asset_triggered"
    return run


def _recorded_extras(out: Path, run_id: str) -> list[dict[str, Any]]:
    """What the consumer task wrote for one run."""
    path = out / (re.sub(r"[^A-Za-z0-9_.-]", "_", run_id) + ".json")
    return list(json.loads(path.read_text()))


def test_task_outlet_triggers_consumer(airflow_env: tuple[AirflowStandalone, Path]) -> None:
    af, out = airflow_env
    before = {r["run_id"] for r in af.dag_runs("consumer")}
    run_id = af.trigger("producer", conf={"batch": "b-42"})
    produced = af.wait_for_run("producer", lambda r: r["run_id"] == run_id and r["state"] in TERMINAL)
    assert produced["state"] == "success", af.task_logs("producer", run_id)

    consumed = _new_consumer_run(af, before)
    assert _recorded_extras(out, consumed["run_id"]) == [{"batch": "b-42", "source": "producer"}]


def test_rest_asset_event_triggers_consumer(airflow_env: tuple[AirflowStandalone, Path]) -> None:
    af, out = airflow_env
    before = {r["run_id"] for r in af.dag_runs("consumer")}
    event = af.post_asset_event(ASSET, {"batch": "rest-7"})
    assert event["extra"]["batch"] == "rest-7"

    consumed = _new_consumer_run(af, before)
    extras = _recorded_extras(out, consumed["run_id"])
    assert extras == [{"batch": "rest-7", "from_rest_api": True}]
