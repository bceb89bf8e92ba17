"""A small threaded HTTP/1.1 server on 127.0.0.1 with configurable behaviours per path, to exercise
spiders against real sockets: failures then recovery, a page that never answers, redirect loops,
huge pages, odd encodings, ETag/Last-Modified with 304s. The crawl tests and bench/crawl_bench.py
use it; it is not for production.

Routes map a path to a behaviour::

    with BoardServer({"/a.html": Page("<html>…"), "/b": Flaky([500, 429], Page(...))}) as srv:
        srv.url + "/a.html"

A route may also be a callable ``path -> behaviour | None`` (``fallback``) for generated boards.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Page:
    """A 200 answer. ``validators`` adds ETag and Last-Modified and answers 304 to a matching
    conditional request."""

    body: bytes | str
    content_type: str = "text/html; charset=utf-8"
    encoding: str = "utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = False
    last_modified: float = 1_700_000_000.0

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body.encode(self.encoding)


@dataclass
class Flaky:
    """Answers with the given statuses in turn (one per request), then with ``then`` for good."""

    statuses: list[int]
    then: Page
    retry_after: str | None = None
    _served: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> int | Page:
        with self._lock:
            i = self._served
            self._served += 1
        return self.statuses[i] if i < len(self.statuses) else self.then


@dataclass
class Hang:
    """Never answers (until the server shuts down)."""


@dataclass
class Redirect:
    to: str
    status: int = 302


@dataclass
class Huge:
    """``size`` bytes of HTML; with ``declare_length`` False the length is not announced (the
    client only finds out while reading)."""

    size: int
    declare_length: bool = True


Behaviour = Page | Flaky | Hang | Redirect | Huge


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: C901 (one branch per behaviour)
        path = self.path.split("?", 1)[0]
        self.server.log.append((path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()))
        behaviour: Any = self.server.routes.get(path)
        if behaviour is None and self.server.fallback is not None:
            behaviour = self.server.fallback(path)
        if isinstance(behaviour, Flaky):
            retry_after = behaviour.retry_after
            behaviour = behaviour.next()
            if isinstance(behaviour, int):
                self._send(behaviour, b"temporarily failing", "text/plain",
                           {"Retry-After": retry_after} if retry_after and behaviour in (429, 503) else {})
                return
        if behaviour is None:
            self._send(404, b"not found", "text/plain")
        elif isinstance(behaviour, Hang):
            self.server.stopping.wait()
            self.close_connection = True
        elif isinstance(behaviour, Redirect):
            self._send(behaviour.status, b"", "text/plain", {"Location": behaviour.to})
        elif isinstance(behaviour, Huge):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if behaviour.declare_length:
                self.send_header("Content-Length", str(behaviour.size))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            chunk = b"<p>" + b"x" * 65_530 + b"</p>\n"
            sent = 0
            try:
                while sent < behaviour.size:
                    part = chunk[: behaviour.size - sent]
                    self.wfile.write(part)
                    sent += len(part)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        else:
            self._page(behaviour)

    def _page(self, page: Page) -> None:
        body = page.payload()
        headers = dict(page.headers)
        if page.validators:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = formatdate(page.last_modified, usegmt=True)
            headers.update({"ETag": etag, "Last-Modified": modified})
            if self.headers.get("If-None-Match") == etag or (
                    "If-None-Match" not in self.headers and self.headers.get("If-Modified-Since") == modified):
                self._send(304, b"", None, headers)
                return
        self._send(page.status, body, page.content_type, headers)

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, routes: dict[str, Behaviour], fallback: Callable[[str], Behaviour | None] | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.fallback = fallback
        self.log: list[tuple[str, dict[str, str], float]] = []
        self.stopping = threading.Event()


@dataclass
class Served:
    url: str
    server: _Server

    @property
    def log(self) -> list[tuple[str, dict[str, str], float]]:
        """(path, lower-cased request headers, monotonic time) of every request, in arrival order."""
        return self.server.log

    def hits(self, path: str) -> list[tuple[dict[str, str], float]]:
        """The requests for one path: (headers, time) each."""
        return [(h, t) for p, h, t in self.server.log if p == path]


@contextmanager
def board_server(routes: dict[str, Behaviour] | None = None,
                 fallback: Callable[[str], Behaviour | None] | None = None) -> Iterator[Served]:
    """Serve the routes on a free port of 127.0.0.1 in a daemon thread; shut down on exit."""
    server = _Server(dict(routes or {}), fallback)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name="board-server")
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", server)
    finally:
        server.stopping.set()
        time.sleep(0.05)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
