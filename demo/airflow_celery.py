"""Run the production topology on the host: Airflow 3 with CeleryExecutor, PostgreSQL and Redis.

Same components as ``docker-compose.yml`` (api-server, scheduler, dag-processor, triggerer and N
``airflow celery worker``), each its own process, against real PostgreSQL and Redis on 127.0.0.1.
Each instance creates its own PostgreSQL database and Celery queue and drops/abandons them on exit,
so parallel runs and a developer's Airflow do not see each other's tasks.

Gotchas beyond those in :mod:`demo.airflow_local` (whose lifecycle/REST helpers we reuse):

* The task instance ``hostname`` is computed in the worker by ``[core] hostname_callable``, not from
  ``--celery-hostname``; two workers on one host would both report the machine name. Each worker
  gets ``JOBPOOL_WORKER_NAME`` and ``hostname_callable`` = :func:`worker_hostname`.
* Every worker serves its task logs on ``[logging] worker_log_server_port``; two on one host collide
  unless each gets its own port.
* Stale Celery messages from an earlier run (same broker db) would be executed by new workers and
  fail; a fresh queue name per instance (``[operators] default_queue`` + ``celery worker -q``) avoids it.
* ``DROP DATABASE`` fails while components hold connections; stop every process first, then
  terminate leftover backends.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil

from demo.airflow_local import STOP_GRACE, VENV_BIN, AirflowStandalone, _free_ports, _tail

PG_DSN = os.environ.get("JOBPOOL_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("JOBPOOL_TEST_REDIS", "redis://127.0.0.1:6379/7")
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
WAREHOUSE_POOL = "warehouse"


def worker_hostname() -> str:
    """``[core] hostname_callable`` for workers sharing one host: the name we gave the worker."""
    return os.environ.get("JOBPOOL_WORKER_NAME") or socket.getfqdn()


def _pg_admin(sql: str) -> None:
    """Run one statement on the ``postgres`` maintenance database (CREATE/DROP DATABASE need autocommit)."""
    import psycopg2

    con = psycopg2.connect(f"{PG_DSN}/postgres")
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


class AirflowCelery(AirflowStandalone):
    """Context manager owning an Airflow+Celery deployment's processes, its database and its queue."""

    def __init__(
        self,
        dags_folder: Path,
        home: Path,
        env: dict[str, str] | None = None,
        *,
        expect_dag_ids: set[str] | None = None,
        workers: int = 2,
        concurrency: int = 2,
    ) -> None:
        super().__init__(dags_folder, home, env, expect_dag_ids=expect_dag_ids)
        suffix = secrets.token_hex(4)
        self.database = f"jobpool_airflow_test_{suffix}"
        self.queue = f"jobpool_{suffix}"
        self.worker_names = [f"worker{i + 1}" for i in range(workers)]
        self.concurrency = concurrency
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[Any] = []
        self._db_created = False

    def _build_env(self) -> dict[str, str]:
        """The standalone env with the executor, metadata DB and broker swapped for the production ones."""
        env = super()._build_env()
        db = f"{PG_DSN}/{self.database}"
        env.update({
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db.replace("postgresql://", "postgresql+psycopg2://", 1),
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + db,
            "AIRFLOW__CELERY__BROKER_URL": REDIS_URL,
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            "JOBPOOL_WAREHOUSE_POOL": WAREHOUSE_POOL,
        })
        env.update(self.extra_env)
        return env

    def _start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.home / f"{name}.log").open("wb")
        self._logs.append(log)
        self._procs[name] = subprocess.Popen(
            [str(VENV_BIN / "airflow"), *args], cwd=self.home, env=env, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def __enter__(self) -> AirflowCelery:
        self.home.mkdir(parents=True, exist_ok=True)
        self.port, self._worker_log_port, self._trigger_log_port = _free_ports(3)
        self.env = self._build_env()
        _pg_admin(f'CREATE DATABASE "{self.database}"')
        self._db_created = True
        try:
            for args in (("db", "migrate"),
                         ("pools", "set", WAREHOUSE_POOL, "1", "JobPool warehouse: one writer at a time")):
                done = self.run_cli(*args)
                if done.returncode != 0:
                    raise RuntimeError(f"airflow {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
            for cmd in COMPONENTS:
                self._start(cmd, [cmd], self.env)
            log_ports = _free_ports(len(self.worker_names))
            for name, port in zip(self.worker_names, log_ports, strict=True):
                env = dict(self.env, JOBPOOL_WORKER_NAME=name,
                           AIRFLOW__CORE__HOSTNAME_CALLABLE="demo.airflow_celery.worker_hostname",
                           AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(port))
                self._start(name, ["celery", "worker", "--celery-hostname", f"{name}@%h",
                                   "--concurrency", str(self.concurrency), "--queues", self.queue,
                                   "--without-gossip", "--without-mingle"], env)
            self._proc = self._procs["api-server"]
            self._wait_until_ready(180.0)
            self._wait_for_workers(120.0)
        except BaseException:
            self.stop()
            raise
        return self

    def _check_alive(self) -> None:
        for name, proc in self._procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"airflow {name} exited with {proc.returncode}:\n"
                                   f"{_tail(self.home / f'{name}.log')}")

    def _wait_for_workers(self, timeout: float) -> None:
        """Celery prints ``celery@<name> ready.`` once it consumes; tasks sent earlier all go to one worker."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            logs = [(self.home / f"{n}.log").read_text(errors="replace") for n in self.worker_names]
            if all(" ready." in text for text in logs):
                return
            time.sleep(0.5)
        raise AssertionError(f"Celery workers not ready after {timeout:.0f}s\n{self.diagnostics()}")

    def _our_processes(self) -> list[psutil.Process]:
        found: dict[int, psutil.Process] = {p.pid: p for p in super()._our_processes()}
        for proc in self._procs.values():
            try:
                root = psutil.Process(proc.pid)
                found[root.pid] = root
                found.update({p.pid: p for p in root.children(recursive=True)})
            except psutil.NoSuchProcess:
                pass
        return list(found.values())

    def stop(self) -> None:
        """Stop every component (and task processes that left their group), then drop the database."""
        if self._procs:
            procs = self._our_processes()
            for proc in self._procs.values():
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            _, alive = psutil.wait_procs(procs, timeout=STOP_GRACE * 2)
            for proc in alive + self._our_processes():
                try:
                    proc.kill()
                except psutil.NoSuchProcess:
                    pass
            psutil.wait_procs(self._our_processes(), timeout=5)
            for proc in self._procs.values():
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            self._procs = {}
            self._proc = None
        for log in self._logs:
            log.close()
        self._logs = []
        if self._db_created:
            _pg_admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.database}'")
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.database}"')
            self._db_created = False

    def diagnostics(self) -> str:
        parts = [f"==> {self.home / name}.log <==\n{_tail(self.home / f'{name}.log', 60)}" for name in self._procs]
        return "\n".join(parts) or super().diagnostics()

    def _wait_until_ready(self, timeout: float) -> None:
        self._check_alive()
        super()._wait_until_ready(timeout)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Task instances of one run via REST (each has ``hostname``, ``state``, ``pool``)."""
        path = f"/api/v2/dags/{quote(dag_id)}/dagRuns/{quote(run_id, safe='')}/taskInstances"
        data = self.api("GET", path, params={"limit": 1000})
        return list(data["task_instances"])
