"""A local HTTP server on 127.0.0.1 that answers the part of the Sheets v4 API gspread uses here, as
Google documents it, so tests meet what real users meet.

Real gspread and google-auth talk to it: an AuthorizedSession whose requests for
sheets.googleapis.com go to this server, and a service account whose token_uri is this server's
/token. What it does as Google does:
- values.get honours valueRenderOption (FORMATTED_VALUE, the default, shows what a person sees;
  UNFORMATTED_VALUE gives numbers and booleans) and dateTimeRenderOption (SERIAL_NUMBER, the
  default, or FORMATTED_STRING); trailing empty cells and rows are left out, and a range with
  nothing in it has no `values` key.
- spreadsheets.get answers properties.locale and timeZone, each sheet's gridProperties, merges and
  basicFilter; rowMetadata (hiddenByUser, hiddenByFilter; false ones omitted) only when `fields`
  asks for data.
- values.append takes USER_ENTERED (strings parsed as if typed: 'text stays text, numbers and
  ISO dates become numbers and dates) or RAW (stored as sent), and answers updates.updatedRange.
- Errors carry Google's bodies: 403 PERMISSION_DENIED for a sheet not shared with the account,
  403 with reason SERVICE_DISABLED when the API is off, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED,
  500 INTERNAL, 503 UNAVAILABLE (optionally after applying an append), 400 invalid_grant from
  /token for a revoked key.

A cell is held as Google holds it: text, a number, a boolean, a datetime or date (a serial
number shown as a date), or Shown (a number with the text its format displays).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import gspread
import requests
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2.service_account import Credentials

from data_sources.headers import column_letter
from data_sources.sheets import RetryingHTTPClient

GOOGLE = "https://sheets.googleapis.com"
EPOCH = datetime(1899, 12, 30)  # serial number 0 in Sheets
EMAIL = "pulse-sync@pulse-project.iam.gserviceaccount.com"
STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}
STATUS |= {500: "INTERNAL", 503: "UNAVAILABLE"}
MESSAGES = {
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of "
    "service 'sheets.googleapis.com' for consumer 'project_number:123456789'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}
DISABLED = (
    "Google Sheets API has not been used in project 123456789 before or it is disabled. Enable it by visiting "
    "https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=123456789 then retry. "
    "If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry."
)


@dataclass(frozen=True)
class Shown:
    """A number and the text its number format shows (what FORMATTED_VALUE answers)."""

    value: float
    text: str
    date_like: bool = False  # a date, time or date-time format: FORMATTED_STRING answers the text


@dataclass
class Book:
    title: str
    sheets: dict[str, list[list[Any]]]
    locale: str = "en_US"
    time_zone: str = "Etc/GMT"
    shared: bool = True
    merges: dict[str, list[str]] = field(default_factory=dict)  # sheet → A1 ranges
    hidden: dict[str, dict[int, str]] = field(default_factory=dict)  # sheet → {row number: "user" | "filter"}
    filtered: set[str] = field(default_factory=set)  # sheets with a basic filter


@dataclass
class SheetsServer:
    """The spreadsheets it holds, errors to answer next, and every request it saw."""

    books: dict[str, Book] = field(default_factory=dict)
    failures: deque = field(default_factory=deque)
    seen: list[tuple[str, str]] = field(default_factory=list)
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    api_enabled: bool = True
    revoked: bool = False
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(
        self, status: int, *, times: int = 1, retry_after: str | None = None, applied: bool = False, on: str = ""
    ) -> None:
        """Answer the next requests (whose path holds `on`) with `status`; `applied`: do an
        append's work first (one Google made before its answer was lost)."""
        for _ in range(times):
            self.failures.append((status, retry_after, applied, on))

    def next_failure(self, path: str) -> tuple | None:
        with self.lock:
            failure = next((failure for failure in self.failures if failure[3] in path), None)
            if failure is not None:
                self.failures.remove(failure)
            return failure

    def add(self, key: str, title: str, **sheets: list[list[Any]]) -> Book:
        self.books[key] = Book(title=title, sheets={name.replace("_", " "): rows for name, rows in sheets.items()})
        return self.books[key]

    def params(self, path_end: str) -> list[dict[str, list[str]]]:
        """The query parameters of every request whose path ends with `path_end`."""
        return [query for (_, path), query in zip(self.seen, self.queries, strict=True) if path.endswith(path_end)]


def serial(moment: datetime | date) -> float:
    """Sheets' serial number of a wall-clock time: days since 1899-12-30."""
    start = moment if isinstance(moment, datetime) else datetime(moment.year, moment.month, moment.day)
    return (start - EPOCH) / timedelta(days=1)


def _formatted(cell: Any, locale: str) -> str:
    """What a person sees with the default formats of `locale` (en_US, de_DE or zh_CN)."""
    if isinstance(cell, Shown):
        return cell.text
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, datetime):
        day = {"de_DE": f"{cell.day}.{cell.month}.{cell.year}", "zh_CN": f"{cell.year}/{cell.month}/{cell.day}"}
        return day.get(locale, f"{cell.month}/{cell.day}/{cell.year}") + cell.strftime(" %H:%M:%S")
    if isinstance(cell, date):
        return _formatted(datetime(cell.year, cell.month, cell.day), locale).split(" ")[0]
    if isinstance(cell, float):
        text = f"{cell:.10g}"
        return text.replace(".", ",") if locale == "de_DE" else text
    return str(cell)


def _rendered(cell: Any, options: dict[str, list[str]], locale: str) -> Any:
    value_option = options.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
    date_option = options.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0]
    if value_option == "FORMATTED_VALUE" or isinstance(cell, str):
        return _formatted(cell, locale)
    date_like = isinstance(cell, date) or (isinstance(cell, Shown) and cell.date_like)
    if date_like and date_option == "FORMATTED_STRING":
        return _formatted(cell, locale)
    if isinstance(cell, date):
        return serial(cell)
    return cell.value if isinstance(cell, Shown) else cell


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _bounds(a1: str) -> tuple[int, int, int, int]:
    """(first row, last row, first column, last column), 1-based and inclusive, of an A1 range
    like A1:C9, 2:5001 or A:A; open ends are 10**7."""
    start, _, end = a1.partition(":")
    ends = []
    for part, default in ((start, 1), (end or start, 10**7)):
        letters, digits = re.fullmatch(r"([A-Za-z]*)(\d*)", part).groups()
        ends.append((int(digits) if digits else default, _column_number(letters) if letters else default))
    return ends[0][0], ends[1][0], ends[0][1], ends[1][1]


def _split_range(range_name: str) -> tuple[str, str]:
    title, _, a1 = range_name.partition("!")
    if title.startswith("'") and title.endswith("'"):
        title = title[1:-1].replace("''", "'")
    return title, a1


def _entered(value: Any, option: str) -> Any:
    """A value sent to values.append as Google stores it: RAW as sent; USER_ENTERED as if typed."""
    if option == "RAW" or not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    try:
        return datetime.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T][\d:.]+", value) else float(value)
    except ValueError:
        return value  # text, and "=…" a formula Google would evaluate (kept as its text here)


def _handler(server: SheetsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet test output
            pass

        def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str = "", details: list | None = None, **headers: str) -> None:
            error = {"code": status, "message": message or MESSAGES[status], "status": STATUS[status]}
            if details:
                error["details"] = details
            self._send(status, {"error": error}, {name.replace("_", "-"): value for name, value in headers.items()})

        def _route(self, method: str) -> None:
            url = urlparse(self.path)
            path = unquote(url.path)
            query = parse_qs(url.query)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with server.lock:
                server.seen.append((method, path))
                server.queries.append(query)
            if path == "/token":
                return self._token()
            if path.endswith("/allowedLocations"):  # google-auth's Regional Access Boundary lookup
                return self._send(200, {"locations": ["us-central1"], "encodedLocations": "0x1"})
            if not server.api_enabled:
                reason = {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "SERVICE_DISABLED",
                    "domain": "googleapis.com",
                    "metadata": {"service": "sheets.googleapis.com", "consumer": "projects/123456789"},
                }
                return self._error(403, DISABLED, [reason])
            failure = server.next_failure(path)
            if failure is not None and not failure[2]:
                return self._fail(failure)
            parts = path.removeprefix("/v4/spreadsheets/").split("/", 2)
            key = parts[0].split(":", 1)[0]
            book = server.books.get(key)
            if book is None:
                return self._error(404)
            if not book.shared:
                return self._error(403)
            content = json.loads(body or b"{}")
            if len(parts) == 1 and method == "GET":
                return self._send(200, self._metadata(key, book, query))
            if len(parts) == 1 and parts[0].endswith(":batchUpdate"):
                return self._batch_update(book, content)
            if len(parts) == 3 and parts[1] == "values":
                range_name, action = re.fullmatch(r"(.*?)(?::(append|clear))?", parts[2]).groups()
                title, a1 = _split_range(range_name)
                if title not in book.sheets:
                    return self._error(400, f"Unable to parse range: {range_name}")
                if method == "GET":
                    return self._send(200, self._values(book, title, a1, query))
                if action == "append":
                    answer = self._append(key, book, title, content, query)
                    return self._fail(failure) if failure is not None else self._send(200, answer)
            return self._error(400, f"Not served by the local Sheets server: {method} {path}")

        def _fail(self, failure: tuple[int, str | None, bool, str]) -> None:
            status, retry_after, _, _ = failure
            return self._error(status, **({"Retry_After": retry_after} if retry_after else {}))

        def _token(self) -> None:
            if server.revoked:
                return self._send(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            self._send(200, {"access_token": "local-token", "expires_in": 3599, "token_type": "Bearer"})

        def _values(self, book: Book, title: str, a1: str, query: dict[str, list[str]]) -> dict:
            rows = book.sheets[title]
            top, bottom, left, right = _bounds(a1) if a1 else (1, 10**7, 1, 10**7)
            chosen = [
                [_rendered(cell, query, book.locale) for cell in row[left - 1 : right]]
                for row in rows[top - 1 : bottom]
            ]
            if query.get("majorDimension") == ["COLUMNS"]:
                width = max((len(row) for row in chosen), default=0)
                chosen = [[row[i] if i < len(row) else "" for row in chosen] for i in range(width)]
            for row in chosen:  # trailing empty cells are left out, then trailing empty rows
                while row and row[-1] == "":
                    row.pop()
            while chosen and not chosen[-1]:
                chosen.pop()
            answer = {
                "range": f"{title}!{a1 or f'A1:Z{max(len(rows), 1000)}'}",
                "majorDimension": query.get("majorDimension", ["ROWS"])[0],
            }
            if chosen:
                answer["values"] = chosen
            return answer

        def _append(self, key: str, book: Book, title: str, content: dict, query: dict[str, list[str]]) -> dict:
            option = query.get("valueInputOption", [""])[0]
            if option not in ("RAW", "USER_ENTERED"):
                raise AssertionError("values.append needs valueInputOption RAW or USER_ENTERED")
            rows = [[_entered(value, option) for value in row] for row in content["values"]]
            with server.lock:
                sheet = book.sheets[title]
                while sheet and not any(cell != "" for cell in sheet[-1]):
                    sheet.pop()
                first = len(sheet) + 1
                sheet.extend(rows)
            width = max(len(row) for row in rows)
            updated = f"{title}!A{first}:{column_letter(width - 1)}{first + len(rows) - 1}"
            updates = {"spreadsheetId": key, "updatedRange": updated, "updatedRows": len(rows)}
            return {
                "spreadsheetId": key,
                "tableRange": f"{title}!A1:{column_letter(width - 1)}{first - 1}",
                "updates": updates,
            }

        def _metadata(self, key: str, book: Book, query: dict[str, list[str]]) -> dict:
            with_data = "data" in query.get("fields", [""])[0] or query.get("includeGridData") == ["true"]
            sheets = []
            for index, (title, rows) in enumerate(book.sheets.items()):
                row_count = max(len(rows), 1000)
                sheet: dict[str, Any] = {
                    "properties": {
                        "sheetId": index,
                        "title": title,
                        "index": index,
                        "sheetType": "GRID",
                        "gridProperties": {"rowCount": row_count, "columnCount": 26},
                    }
                }
                merges = [self._grid_range(index, a1) for a1 in book.merges.get(title, [])]
                if merges:
                    sheet["merges"] = merges
                if title in book.filtered:
                    sheet["basicFilter"] = {"range": {"sheetId": index}}
                if with_data:
                    hidden = book.hidden.get(title, {})
                    flags = {"user": "hiddenByUser", "filter": "hiddenByFilter"}
                    metadata = [
                        {"pixelSize": 21, **({flags[hidden[number]]: True} if number in hidden else {})}
                        for number in range(1, row_count + 1)
                    ]
                    sheet["data"] = [{"rowMetadata": metadata, "columnMetadata": []}]
                sheets.append(sheet)
            properties = {
                "title": book.title,
                "locale": book.locale,
                "timeZone": book.time_zone,
                "autoRecalc": "ON_CHANGE",
            }
            return {"spreadsheetId": key, "properties": properties, "sheets": sheets}

        @staticmethod
        def _grid_range(sheet_id: int, a1: str) -> dict:
            top, bottom, left, right = _bounds(a1)
            return {
                "sheetId": sheet_id,
                "startRowIndex": top - 1,
                "endRowIndex": bottom,
                "startColumnIndex": left - 1,
                "endColumnIndex": right,
            }

        def _batch_update(self, book: Book, body: dict) -> None:
            replies = []
            for request in body.get("requests", []):
                properties = request["addSheet"]["properties"]
                with server.lock:
                    book.sheets.setdefault(properties["title"], [])
                    index = list(book.sheets).index(properties["title"])
                replies.append({"addSheet": {"properties": {**properties, "sheetId": index, "index": index}}})
            self._send(200, {"spreadsheetId": "", "replies": replies})

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


@functools.cache
def private_key() -> str:
    """A throwaway RSA key (PEM) for a test service account; small, so it is made in milliseconds."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    encoding, form = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    return key.private_bytes(encoding, form, serialization.NoEncryption()).decode()


def service_account(server: SheetsServer) -> dict[str, str]:
    """A service account key's fields, as in Google's JSON file, signing in at this server."""
    return {
        "type": "service_account",
        "project_id": "pulse-project",
        "private_key_id": "0123456789abcdef",
        "private_key": private_key(),
        "client_email": EMAIL,
        "client_id": "100000000000000000001",
        "token_uri": f"{server.url}/token",
    }


class _ToLocal(requests.Session):
    """Sends what is addressed to any googleapis.com host to the local server instead."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        local = re.sub(r"^https://[a-z0-9.]+\.googleapis\.com", self.base, url)
        if not local.startswith(self.base):
            raise AssertionError(f"a test tried to reach {url}")
        return super().request(method, local, *args, **kwargs)


class LocalSession(AuthorizedSession):
    """Signs requests as a real AuthorizedSession does (token, Regional Access Boundary lookup),
    with every request sent to the local server; never leaves 127.0.0.1."""

    def __init__(self, credentials: Credentials, base: str) -> None:
        super().__init__(credentials, auth_request=Request(session=_ToLocal(base)))
        self.local = _ToLocal(base)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        if not url.startswith(GOOGLE):
            raise AssertionError(f"a test tried to reach {url}")
        return super().request(method, url.replace(GOOGLE, self.local.base, 1), *args, **kwargs)


class QuickRetries(RetryingHTTPClient):
    delays = (0.01, 0.02, 0.04)


def local_client(server: SheetsServer) -> gspread.Client:
    """Real gspread and google-auth, with the production retry client (short waits), talking to
    the local server as a signed-in service account."""
    scopes = ["https://www.googleapis.com/auth/spreadsheets"]
    credentials = Credentials.from_service_account_info(service_account(server), scopes=scopes)
    return gspread.Client(auth=None, session=LocalSession(credentials, server.url), http_client=QuickRetries)
