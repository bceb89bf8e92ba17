"""A tiny local web server for the demo boards (generated sites are crawled over real HTTP).

Why: spiders must be exercised against real HTTP (robots.txt, sitemaps, 404s, pagination), but the
generated files cannot know the port, so they carry the literal ``{BASE}`` which is replaced per
response with this server's own base URL.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PLACEHOLDER = b"{BASE}"
SUBSTITUTED = {".html": "text/html; charset=utf-8", ".xml": "application/xml; charset=utf-8",
               ".txt": "text/plain; charset=utf-8"}


class _Handler(SimpleHTTPRequestHandler):
    """Static files; ``{BASE}`` filled in for HTML/XML/text; no request logging."""

    base_url = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _substituted(self) -> tuple[bytes, str] | None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file() or path.suffix not in SUBSTITUTED:
            return None
        return path.read_bytes().replace(PLACEHOLDER, self.base_url.encode()), SUBSTITUTED[path.suffix]

    def _respond(self, head_only: bool) -> None:
        found = self._substituted()
        if found is None:  # binary/CSV files, directory redirects and 404s: the standard behaviour
            if head_only:
                super().do_HEAD()
            else:
                super().do_GET()
            return
        body, ctype = found
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._respond(head_only=False)

    def do_HEAD(self) -> None:
        self._respond(head_only=True)


@dataclass(frozen=True)
class Served:
    url: str
    directory: Path


@contextmanager
def serve(directory: Path, host: str = "127.0.0.1") -> Iterator[Served]:
    """Serve ``directory`` on a free port in a daemon thread; shut down on exit."""
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise FileNotFoundError(f"nothing to serve: {directory} is not a directory")
    handler = type("DemoHandler", (_Handler,), {})
    server = ThreadingHTTPServer((host, 0), partial(handler, directory=str(directory)))
    server.daemon_threads = True
    handler.base_url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name=f"demo-server-{directory.name}", daemon=True)
    thread.start()
    try:
        yield Served(handler.base_url, directory)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    """``python -m demo.server DIR``: print the URL, serve until Ctrl-C."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m demo.server DIR", file=sys.stderr)
        return 2
    with serve(Path(args[0])) as served:
        print(served.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
