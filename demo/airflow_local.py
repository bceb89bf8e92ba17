"""Run a real ``airflow standalone`` (Airflow 3.3) on SQLite: for `jobpool-demo` and end-to-end tests.

Unit tests with ``dag.test()`` skip the scheduler, the dag-processor, the Execution API and
asset-triggered scheduling; this harness exercises all of them against a throwaway AIRFLOW_HOME.

Gotchas we hit (settings that mattered), so nobody has to relearn them:

* ``airflow standalone`` starts its components as ``airflow <cmd>`` via PATH, so the venv's
  ``bin`` must be first on PATH, or a different Airflow (or none) is started.
* Tasks reach the api-server through ``[core] execution_api_server_url``; it must point at the
  port we picked (``http://127.0.0.1:<port>/execution/``) or every task fails at start-up.
* Task processes call ``setpgid`` and leave our process group, and a task busy in user code ignores
  SIGTERM once its supervisor is gone; killing the standalone group is not enough. Shutdown also
  kills every process whose cwd is our home (standalone is started with ``cwd=home``; matching on
  AIRFLOW_HOME in ``/proc/<pid>/environ`` fails because setproctitle overwrites it).
* Auth (SimpleAuthManager, forced by standalone): we write our own passwords file for ``admin``
  and get a JWT from ``POST /auth/token`` (JSON username/password), then send
  ``Authorization: Bearer <token>``. We avoid ``simple_auth_manager_all_admins=True``: it works via
  a middleware that appends an Authorization header to *every* request (read in the source).
* Precaution: ``[api_auth] jwt_secret`` and ``[api] secret_key`` are pinned in the env so every
  component signs/checks tokens with the same key regardless of what ``airflow.cfg`` generates.
* Besides ``[api] port``, the scheduler and triggerer bind log servers on fixed ports 8793/8794
  (``[logging] worker_log_server_port`` / ``trigger_log_server_port``); two instances (parallel CI
  jobs, a dev's local Airflow) collide unless those are randomised too.
* Defaults are slow for tests: ``[dag_processor] refresh_interval`` is 300 s (new files are not
  seen for 5 min) and ``min_file_process_interval`` 30 s; DAGs are paused at creation and examples
  are loaded. All are overridden below (names verified with ``airflow config list --defaults``).
* DAG-run REST responses call the run id ``dag_run_id``; :meth:`AirflowStandalone.dag_runs`
  adds a ``run_id`` alias.
* ``POST /api/v2/assets/events`` needs the numeric asset id (look it up with
  ``GET /api/v2/assets?uri_pattern=``), and the api-server adds ``from_rest_api: true`` to extra.
* A name-only ``Asset("x")`` gets ``uri == "x"``; match on name or uri when looking it up.
* An ``AssetWatcher`` fires as soon as the triggerer runs it, which can be before the api-server
  answers: a task started then may die on an Execution API read timeout, and the run it belongs to
  exists before start-up "finishes". Tasks need retries (``jobpool/dag_defaults.py``), and a caller
  judging runs must not assume the only runs are the ones it triggered (``demo/run.py``).
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

# The running interpreter's bin: its `airflow` must be the one standalone starts (first on PATH).
VENV_BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 180.0
ADMIN_USER = "admin"
# Running tasks (e.g. in time.sleep) may ignore SIGTERM once their supervisor is gone; do not wait long.
STOP_GRACE = 3.0
#: seconds between tries of an api-server call that failed on the server's side (5xx, e.g. SQLite
#: 'database is locked' while the scheduler writes) or never answered; the call is tried len + 1 times
API_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)


def _free_ports(count: int) -> list[int]:
    """Let the kernel pick distinct unused ports so parallel CI jobs (and harnesses) do not collide."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _tail(path: Path, lines: int = 80) -> str:
    """Last lines of a file, for failure messages that must be readable in CI output."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


class AirflowStandalone:
    """Context manager owning one ``airflow standalone`` process tree and its AIRFLOW_HOME."""

    def __init__(
        self,
        dags_folder: Path,
        home: Path,
        env: dict[str, str] | None = None,
        *,
        expect_dag_ids: set[str] | None = None,
    ) -> None:
        """``expect_dag_ids`` makes start-up wait for exactly these DAGs instead of guessing from files."""
        self.dags_folder = Path(dags_folder).resolve()
        self.home = Path(home).resolve()
        self.extra_env = dict(env or {})
        self.expect_dag_ids = set(expect_dag_ids) if expect_dag_ids is not None else None
        self.port = 0
        self._worker_log_port = 0
        self._trigger_log_port = 0
        self.env: dict[str, str] = {}
        self.log_path = self.home / "standalone.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self._password = secrets.token_urlsafe(16)
        self._token: str | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """Root URL of the api-server (REST API, UI and Execution API share it)."""
        return f"http://127.0.0.1:{self.port}"

    def _build_env(self) -> dict[str, str]:
        """Isolated env: inherited AIRFLOW_* settings are dropped so a developer's config cannot leak in."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        base["PATH"] = f"{VENV_BIN}{os.pathsep}{base.get('PATH', '')}"
        passwords = self.home / "simple_auth_manager_passwords.json"
        passwords.write_text(json.dumps({ADMIN_USER: self._password}) + "\n")
        base.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW_CONFIG": str(self.home / "airflow.cfg"),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
                # Scheduler: loop fast so asset-triggered runs are created within ~1 s.
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
                # DAG processor: list the folder and re-parse files often (defaults: 300 s and 30 s).
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "3",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL": "1",
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "600",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
                # Scheduler and triggerer also serve logs, on fixed ports 8793/8794 by default.
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self._worker_log_port),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self._trigger_log_port),
                "FORCE_COLOR": "",
                "NO_COLOR": "1",
            }
        )
        base.update(self.extra_env)
        return base

    def __enter__(self) -> AirflowStandalone:
        self.home.mkdir(parents=True, exist_ok=True)
        self.port, self._worker_log_port, self._trigger_log_port = _free_ports(3)
        self.env = self._build_env()
        migrate = self.run_cli("db", "migrate")
        if migrate.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout}\n{migrate.stderr}")
        self._log_file = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            [str(VENV_BIN / "airflow"), "standalone"],
            cwd=self.home,
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group, so shutdown can signal the whole tree
        )
        try:
            self._wait_until_ready(STARTUP_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _dag_files(self) -> set[str]:
        """Files that look like they define a DAG; a helper module defining none would stall start-up,
        so callers with such modules pass ``expect_dag_ids``."""
        files = set()
        for path in self.dags_folder.rglob("*.py"):
            text = path.read_bytes()
            if b"airflow" in text and (b"@dag" in text or b"DAG(" in text):
                files.add(str(path.relative_to(self.dags_folder)))
        return files

    def import_errors(self) -> dict[str, str]:
        """Import errors recorded by the dag-processor, keyed by file path relative to the folder."""
        data = self.api("GET", "/api/v2/importErrors", params={"limit": 1000})
        return {e["filename"]: e["stack_trace"] for e in data["import_errors"]}

    def _wait_until_ready(self, timeout: float) -> None:
        """Block until the api-server is healthy and every DAG file is serialised (or has an import error)."""
        deadline = time.monotonic() + timeout
        expected = self._dag_files()
        last_error = "not polled yet"
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"airflow standalone exited with {self._proc.returncode}:\n{_tail(self.log_path)}")
            try:
                health = self.api("GET", "/api/v2/monitor/health", auth=False)
                components = ("metadatabase", "scheduler", "dag_processor", "triggerer")
                unhealthy = [c for c in components if (health.get(c) or {}).get("status") != "healthy"]
                if unhealthy:
                    last_error = f"unhealthy components: {unhealthy}"
                else:
                    dags = self.api("GET", "/api/v2/dags", params={"limit": 1000})["dags"]
                    if self.expect_dag_ids is not None:
                        missing = self.expect_dag_ids - {d["dag_id"] for d in dags if not d["is_stale"]}
                    else:
                        seen = {d["relative_fileloc"] for d in dags if not d["is_stale"]}
                        missing = expected - seen - set(self.import_errors())
                    if not missing:
                        return
                    last_error = f"not serialised yet: {sorted(missing)}"
            except (OSError, urllib.error.URLError, KeyError, ValueError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.5)
        raise AssertionError(f"Airflow not ready after {timeout:.0f}s ({last_error})\n{self.diagnostics()}")

    def _our_processes(self) -> list[psutil.Process]:
        """Every live process started for this AIRFLOW_HOME, including ones that left our group."""
        found: dict[int, psutil.Process] = {}
        if self._proc is not None:
            try:
                root = psutil.Process(self._proc.pid)
                found[root.pid] = root
                found.update({p.pid: p for p in root.children(recursive=True)})
            except psutil.NoSuchProcess:
                pass
        # setproctitle clobbers /proc/<pid>/environ of workers, so their cwd (home) is the reliable mark.
        marker = str(self.home)
        for proc in psutil.process_iter(["pid"]):
            if proc.pid in found or proc.pid == os.getpid():
                continue
            try:
                cwd = proc.cwd().removesuffix(" (deleted)")
                if cwd == marker or proc.environ().get("AIRFLOW_HOME") == marker:
                    found[proc.pid] = proc
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        return list(found.values())

    def stop(self) -> None:
        """SIGTERM the process group and strays, then SIGKILL whatever survives, then reap."""
        if self._proc is None:
            return
        procs = self._our_processes()
        try:
            os.killpg(self._proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        for proc in procs:
            try:
                proc.terminate()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(procs, timeout=STOP_GRACE)
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for proc in alive + self._our_processes():
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(self._our_processes(), timeout=5)
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # ------------------------------------------------------------------ CLI and REST
    def run_cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run the airflow CLI against this instance (same env); never raises on non-zero exit."""
        return subprocess.run(
            [str(VENV_BIN / "airflow"), *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _get_token(self) -> str:
        """JWT for the generated admin user from SimpleAuthManager's ``POST /auth/token``."""
        if self._token is None:
            body = {"username": ADMIN_USER, "password": self._password}
            self._token = self.api("POST", "/auth/token", body=body, auth=False)["access_token"]
        return self._token

    def api(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        timeout: float = 30,
    ) -> Any:
        """Call the api-server and decode JSON; HTTP errors are raised with the response body."""
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self._get_token()}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        # On SQLite, a write the api-server makes while the scheduler writes can fail with a 500
        # ("Database error": the database is locked) and roll back, so trying again is safe; the first
        # demo on a busy machine died of exactly that when it triggered its second DAG.
        for delay in (*API_RETRY_DELAYS, None):
            try:
                with urllib.request.urlopen(request, timeout=timeout) as resp:
                    payload = resp.read()
                return json.loads(payload) if payload else None
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode(errors="replace")
                if exc.code < 500 or delay is None:
                    raise urllib.error.HTTPError(exc.url, exc.code, f"{exc.reason}: {detail}", exc.headers,
                                                 None) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                if delay is None:
                    raise
            time.sleep(delay)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ DAG runs
    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Start a manual run through the REST API (the CLI costs ~4 s of imports per call)."""
        run = self.api(
            "POST",
            f"/api/v2/dags/{urllib.parse.quote(dag_id)}/dagRuns",
            body={"logical_date": None, "conf": conf or {}},
        )
        return str(run["dag_run_id"])

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        """All runs of a DAG, oldest first; each dict also has ``run_id`` (REST calls it ``dag_run_id``)."""
        data = self.api(
            "GET",
            f"/api/v2/dags/{urllib.parse.quote(dag_id)}/dagRuns",
            params={"limit": 1000, "order_by": "id"},
        )
        runs = list(data["dag_runs"])
        for run in runs:
            run["run_id"] = run["dag_run_id"]
        return runs

    def wait_for_run(
        self,
        dag_id: str,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = 120,
        poll: float = 0.5,
    ) -> dict[str, Any]:
        """First run of ``dag_id`` matching ``predicate``; on timeout fail with logs attached."""
        deadline = time.monotonic() + timeout
        runs: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            runs = self.dag_runs(dag_id)
            for run in runs:
                if predicate(run):
                    return run
            time.sleep(poll)
        summary = [{k: r.get(k) for k in ("run_id", "run_type", "state")} for r in runs]
        task_logs = "\n".join(self.task_logs(dag_id, r["run_id"]) for r in runs)
        raise AssertionError(
            f"No run of {dag_id!r} matched within {timeout:.0f}s; runs: {summary}\n"
            f"--- task logs ---\n{task_logs}\n{self.diagnostics()}"
        )

    def task_logs(self, dag_id: str, run_id: str) -> str:
        """Best-effort concatenation of the run's task log files (read from disk, no API needed)."""
        root = glob.escape(str(self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"))
        parts = []
        for name in sorted(glob.glob(root + "/**/*.log", recursive=True)):
            parts.append(f"==> {name} <==\n{_tail(Path(name), 200)}")
        return "\n".join(parts) or f"<no task logs for {dag_id}/{run_id}>"

    def diagnostics(self) -> str:
        """Tail of standalone.log plus the newest scheduler and dag-processor logs."""
        parts = [f"==> {self.log_path} <==\n{_tail(self.log_path, 120)}"]
        logs = self.home / "logs"
        for sub in ("scheduler", "dag_processor"):
            files = sorted((logs / sub).rglob("*.log"), key=lambda p: p.stat().st_mtime)
            for path in files[-3:]:
                parts.append(f"==> {path} <==\n{_tail(path, 40)}")
        return "\n".join(parts)

    # ------------------------------------------------------------------ assets
    def asset_id(self, asset: str | int) -> int:
        """Numeric id of an asset given its uri or name (the events endpoint only accepts ids)."""
        if isinstance(asset, int):
            return asset
        for key in ("uri_pattern", "name_pattern"):
            found = self.api("GET", "/api/v2/assets", params={key: asset, "limit": 1000})["assets"]
            for item in found:
                if asset in (item.get("uri"), item.get("name")):
                    return int(item["id"])
        raise LookupError(f"asset {asset!r} not registered (is a DAG using it parsed?)")

    def post_asset_event(self, asset_uri_or_id: str | int, extra: dict[str, Any] | None = None) -> dict:
        """Record an asset event via REST, as an external system would, which schedules consumers."""
        body = {"asset_id": self.asset_id(asset_uri_or_id), "extra": extra or {}}
        return dict(self.api("POST", "/api/v2/assets/events", body=body))
