"""A local HTTP server on 127.0.0.1 that speaks the part of the Sheets v4 API gspread uses here.

Real gspread talks to it through a requests session that sends sheets.googleapis.com to this
server: the one fake is at the network edge. It serves spreadsheet metadata, values of a range,
appended rows and added worksheets, and can be told to answer the next requests with an error
(429 quota, 500) to test retries.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse

import gspread
import requests

from data_sources.sheets import RetryingHTTPClient

GOOGLE = "https://sheets.googleapis.com"


@dataclass
class Book:
    title: str
    sheets: dict[str, list[list[str]]]


@dataclass
class SheetsServer:
    """The spreadsheets it holds, errors to answer next, and every request it saw."""

    books: dict[str, Book] = field(default_factory=dict)
    failures: deque = field(default_factory=deque)
    seen: list[tuple[str, str]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        for _ in range(times):
            self.failures.append((status, retry_after))

    def add(self, key: str, title: str, **sheets: list[list[str]]) -> Book:
        self.books[key] = Book(title=title, sheets={name.replace("_", " "): rows for name, rows in sheets.items()})
        return self.books[key]


def _sheet_title(range_name: str) -> str:
    title = range_name.split("!", 1)[0]
    if title.startswith("'") and title.endswith("'"):
        title = title[1:-1].replace("''", "'")
    return title


def _handler(server: SheetsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet test output
            pass

        def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str, reason: str, headers: dict[str, str] | None = None) -> None:
            self._send(status, {"error": {"code": status, "message": message, "status": reason}}, headers)

        def _route(self, method: str) -> None:
            path = unquote(urlparse(self.path).path)
            with server.lock:
                server.seen.append((method, path))
                server.queries.append(urlparse(self.path).query)
                failure = server.failures.popleft() if server.failures else None
            if failure is not None:
                status, retry_after = failure
                reason = "RESOURCE_EXHAUSTED" if status == 429 else "INTERNAL"
                headers = {"Retry-After": retry_after} if retry_after else None
                return self._error(status, f"Injected {status}", reason, headers)
            parts = path.removeprefix("/v4/spreadsheets/").split("/", 2)
            key = parts[0].split(":", 1)[0]
            book = server.books.get(key)
            if book is None:
                return self._error(404, "Requested entity was not found.", "NOT_FOUND")
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if len(parts) == 1 and method == "GET":
                return self._send(200, self._metadata(key, book))
            if len(parts) == 1 and parts[0].endswith(":batchUpdate"):
                return self._batch_update(book, body)
            if len(parts) == 3 and parts[1] == "values":
                range_name, _, action = parts[2].partition(":")
                title = _sheet_title(range_name)
                if title not in book.sheets:
                    return self._error(400, f"Unable to parse range: {range_name}", "INVALID_ARGUMENT")
                if method == "GET":
                    values = [row for row in book.sheets[title]]
                    return self._send(200, {"range": range_name, "majorDimension": "ROWS", "values": values})
                if action == "append":
                    rows = [[str(value) for value in row] for row in body["values"]]
                    with server.lock:
                        book.sheets[title].extend(rows)
                    updates = {"updatedRange": range_name, "updatedRows": len(rows)}
                    return self._send(200, {"spreadsheetId": key, "updates": updates})
            return self._error(400, f"Not served by the local Sheets server: {method} {path}", "INVALID_ARGUMENT")

        def _metadata(self, key: str, book: Book) -> dict:
            sheets = [
                {
                    "properties": {
                        "sheetId": index,
                        "title": title,
                        "index": index,
                        "sheetType": "GRID",
                        "gridProperties": {"rowCount": max(len(rows), 1000), "columnCount": 26},
                    }
                }
                for index, (title, rows) in enumerate(book.sheets.items())
            ]
            properties = {"title": book.title, "locale": "en_US", "timeZone": "Etc/GMT"}
            return {"spreadsheetId": key, "properties": properties, "sheets": sheets}

        def _batch_update(self, book: Book, body: dict) -> None:
            replies = []
            for request in body.get("requests", []):
                properties = request["addSheet"]["properties"]
                with server.lock:
                    book.sheets.setdefault(properties["title"], [])
                    index = list(book.sheets).index(properties["title"])
                replies.append({"addSheet": {"properties": {**properties, "sheetId": index, "index": index}}})
            self._send(200, {"replies": replies})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

    return Handler


@contextmanager
def sheets_server() -> Iterator[SheetsServer]:
    state = SheetsServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


class LocalSession(requests.Session):
    """Sends what gspread addresses to Google to the local server instead; never leaves 127.0.0.1."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        if not url.startswith(GOOGLE):
            raise AssertionError(f"a test tried to reach {url}")
        return super().request(method, self.base + url.removeprefix(GOOGLE), *args, **kwargs)


class QuickRetries(RetryingHTTPClient):
    delays = (0.01, 0.02, 0.04)


def local_client(server: SheetsServer) -> gspread.Client:
    """Real gspread, with the production retry client (short waits), talking to the local server."""
    return gspread.Client(auth=None, session=LocalSession(server.url), http_client=QuickRetries)
