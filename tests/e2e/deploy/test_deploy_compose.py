"""Lint the deployment files without a Docker engine: docker-compose.yml, Dockerfile and .env.example
must agree with each other, with the repository and with the installed Airflow CLI."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from tests.support.paths import REPO

AIRFLOW = Path(sys.executable).parent / "airflow"
AIRFLOW_SERVICES = {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker"}
VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in (REPO / ".env.example").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    return {k: v for k, v in pairs}


def _resolve(value: str, env: dict[str, str]) -> str:
    """Substitute ${VAR:-default} the way compose does, using .env.example values then defaults."""
    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), (match.group(0).split("-", 1)[1][:-1] if ":-" in match.group(0) else "")
        return env.get(name) or default
    return VAR.sub(sub, value).replace("$$", "$")


def _airflow_commands(*group: str) -> set[str]:
    """Sub-command names from the installed CLI's own ``--help`` (the source of truth for valid commands)."""
    out = subprocess.run([str(AIRFLOW), *group, "--help"], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    body = out.split("Positional Arguments:", 1)[1].split("Options:", 1)[0]
    return {m.group(1) for m in re.finditer(r"^ {4,6}([a-z][a-z-]+)", body, re.M)}


def test_topology_mirrors_airflow_official_compose(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert AIRFLOW_SERVICES | {"postgres", "redis"} == set(services)
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"
        assert service["healthcheck"]["test"], name
    for name in AIRFLOW_SERVICES:
        assert services[name]["image"] == "${JOBPOOL_IMAGE:-jobpool:latest}"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("postgres", "redis"):
        image = services[name]["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name} image must be pinned: {image}"


def test_every_variable_is_documented(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    used = set(VAR.findall((REPO / "docker-compose.yml").read_text()))
    assert used, "compose file uses no variables?"
    assert used - set(env_example) == set(), "undocumented in .env.example"
    assert set(env_example) - used == set(), "documented in .env.example but unused"
    text = (REPO / ".env.example").read_text().splitlines()
    for i, line in enumerate(text):  # each setting (or its block) has an explanatory comment above it
        if line and not line.startswith("#"):
            above = [t for t in text[:i] if t.strip() == "" or t.startswith("#")]
            assert above and any(t.startswith("#") for t in text[max(0, i - 4):i]), line


def test_services_point_at_each_other(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    services = compose["services"]
    envs = {name: {k: _resolve(str(v), env_example) for k, v in services[name]["environment"].items()}
            for name in AIRFLOW_SERVICES}
    secrets = {env["AIRFLOW__API_AUTH__JWT_SECRET"] for env in envs.values()}
    assert len(secrets) == 1, "every component must sign/check Execution API tokens with one key"
    api_port = services["airflow-apiserver"]["ports"][0].rsplit(":", 1)[1]
    for name, env in envs.items():
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert urlparse(env["AIRFLOW__CELERY__BROKER_URL"]).hostname == "redis", name
        assert urlparse(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).hostname == "postgres", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://"), name
        assert urlparse(env["AIRFLOW__CELERY__RESULT_BACKEND"]).hostname == "postgres", name
        api = urlparse(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert (api.hostname, str(api.port), api.path) == ("airflow-apiserver", api_port, "/execution/"), name
        assert env["JOBPOOL_HOME"] == "/data", name
        assert env["JOBPOOL_WAREHOUSE_POOL"] == "warehouse", name
    init = " ".join(services["airflow-init"]["command"])
    assert "pools set warehouse 1" in init, "the pool the process DAG uses must be created"


def test_volumes_and_dags_folder(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    services = compose["services"]
    named = set(compose.get("volumes") or {})
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        targets = {}
        for volume in services[name]["volumes"]:
            host, target = re.sub(r":(ro|rw)$", "", volume).rsplit(":", 1)
            targets[target] = host
            if host in named:
                continue
            resolved = _resolve(host, env_example)
            data_dirs = {_resolve(f"${{{v}}}", env_example) for v in env_example if v.startswith("JOBPOOL_")
                         and v.endswith("_DIR")}
            assert (REPO / resolved).exists() or resolved in data_dirs, f"{name}: bind source {host} missing"
        assert {"/data", "/data/landing", "/data/warehouse", "/opt/airflow/logs"} <= set(targets), name
        dags_host = targets[env["AIRFLOW__CORE__DAGS_FOLDER"]]
        assert (REPO / dags_host).resolve() == REPO / "dags", name
        assert any((REPO / dags_host).glob("*.py"))


def test_commands_are_real_airflow_commands(compose: dict[str, Any]) -> None:
    top = _airflow_commands()
    assert {"scheduler", "api-server", "celery", "db"} <= top  # the parser reads what it should
    groups: dict[str, set[str]] = {}
    services = compose["services"]
    for name in AIRFLOW_SERVICES:
        command = services[name]["command"]
        if services[name].get("entrypoint") == "/bin/bash":
            script = command[command.index("-c") + 1]
            invocations = [shlex.split(part)[1:] for part in script.split("&&")]
        else:
            invocations = [shlex.split(command) if isinstance(command, str) else list(command)]
        for args in invocations:
            assert args[0] in top, f"{name}: airflow {args[0]} is not a command"
            if args[0] not in ("scheduler", "api-server", "dag-processor", "triggerer"):
                sub = groups.setdefault(args[0], _airflow_commands(args[0]))
                assert args[1] in sub, f"{name}: airflow {args[0]} {args[1]} is not a command ({sorted(sub)})"
    for name in ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-apiserver"):
        assert services[name]["command"] == name.removeprefix("airflow-").replace("apiserver", "api-server")


def test_dockerfile_copies_real_paths_and_installs_the_lock() -> None:
    lines = (REPO / "Dockerfile").read_text().splitlines()
    copies = [shlex.split(line)[1:-1] for line in lines if line.startswith("COPY ")]
    assert copies
    for sources in copies:
        for source in sources:
            assert (REPO / source).exists(), f"COPY source {source} missing"
    copied = {s for sources in copies for s in sources}
    for package in ("jobpool", "crawlers", "transforms", "warehouse", "dags"):
        assert package in copied, f"{package} is not in the image"
    text = "\n".join(lines)
    assert "-r requirements.lock" in text
    lock = (REPO / "requirements.lock").read_text()
    pinned = re.search(r'"apache-airflow==([^"]+)"', (REPO / "pyproject.toml").read_text())
    assert pinned and f"apache-airflow=={pinned.group(1)}\n" in lock
    assert re.search(r"^celery==", lock, re.M) and "psycopg2-binary==" in lock
    assert lines[-1] == 'ENTRYPOINT ["airflow"]'
