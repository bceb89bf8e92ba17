"""The harness's api-server calls survive the server's transient failures: on SQLite a trigger made
while the scheduler writes can answer 500 "Database error" (database locked), which killed a first
demo on a busy machine. A real HTTP server on 127.0.0.1 answers 500 twice, then 200."""

from __future__ import annotations

import json
import threading
import urllib.error
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import demo.airflow_local as airflow_local
from demo.airflow_local import AirflowStandalone


def _server(failures: int, code: int) -> tuple[ThreadingHTTPServer, list[str]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            seen.append(self.path)
            body = json.dumps({"dag_run_id": "manual__1"} if len(seen) > failures
                              else {"detail": {"reason": "Database error"}}).encode()
            self.send_response(200 if len(seen) > failures else code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AirflowStandalone]:
    monkeypatch.setattr(airflow_local, "API_RETRY_DELAYS", (0.01, 0.01, 0.01))
    h = AirflowStandalone(tmp_path / "dags", tmp_path / "airflow")
    monkeypatch.setattr(h, "_get_token", lambda: "token")
    yield h


def test_a_trigger_that_meets_a_locked_database_is_tried_again(harness: AirflowStandalone) -> None:
    server, seen = _server(failures=2, code=500)
    try:
        harness.port = server.server_address[1]
        assert harness.trigger("ingest") == "manual__1"
    finally:
        server.shutdown()
    assert len(seen) == 3


def test_a_client_error_is_not_retried(harness: AirflowStandalone) -> None:
    server, seen = _server(failures=5, code=409)
    try:
        harness.port = server.server_address[1]
        with pytest.raises(urllib.error.HTTPError, match="409"):
            harness.trigger("ingest")
    finally:
        server.shutdown()
    assert len(seen) == 1
