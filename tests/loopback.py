"""The loopback HTTP servers' shared parts (chat_server.py, platform_server.py): a handler base that
answers JSON or text with headers, a queue of scripted failures, and serving a handler on 127.0.0.1
in a thread for the length of a `with`."""

from __future__ import annotations

import json
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Answering(BaseHTTPRequestHandler):
    """A quiet handler with `answer(status, body, headers)`: a str as text/html, anything else as JSON."""

    def log_message(self, *args: object) -> None:
        pass

    def answer(self, status: int, body: object, headers: dict | None = None) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if isinstance(body, str) else "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@dataclass
class Scripted:
    """Failures to answer instead of the real thing: (service, status, body, headers), in order."""

    failures: deque = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(
        self, service: str, status: int, body: object, *, times: int = 1, headers: dict | None = None
    ) -> None:
        for _ in range(times):
            self.failures.append((service, status, body, headers or {}))

    def _scripted(self, service: str) -> tuple | None:
        with self.lock:
            found = next((f for f in self.failures if service.startswith(f[0])), None)
            if found is not None:
                self.failures.remove(found)
            return found


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that closed or reset its connection (a keep-alive connection dropped after the answer,
        under load) is no error of the double's: socketserver would print a traceback to stderr, where a
        test reading the CLI's stderr would find it. Any other error is printed as before."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free port of 127.0.0.1; yields the base URL."""
    httpd = _Server(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
