"""Google Sheets through gspread: community data read from worksheets, survey responses appended.

Credentials are a service account: the `[gcp_service_account]` table of .streamlit/secrets.toml
(the JSON key's fields) or PULSE_GCP_SERVICE_ACCOUNT_FILE naming the JSON key file. The spreadsheet
must be shared with the account's client_email (README, "Google Sheets").

Values are read unformatted (sheet_values.py), so number formats, currencies, percentages and the
spreadsheet's locale do not matter, and dates are converted with the spreadsheet's own time zone.
Tabs are read in pages; merged cells and hidden or filtered rows are reported as warnings. A
title above a canonical table's header (row 1 "2026年11月 社群成员名单", the header on row 2) is
skipped with a warning, as in a file (data_sources/headers.py), and rows keep the sheet's numbers.

Every failure becomes NotConfigured (key, API switched off) or SourceUnavailable (not shared, not
found, quota, outage) with what to do; nothing from gspread, google-auth or requests escapes.
Google answers 429 when a quota is spent (per minute) and 5xx when it has trouble: reads are
retried with exponential backoff past a minute (Retry-After honoured up to two minutes); a write is retried only on
429, since Google may have applied one it answered 5xx to (write_back.py checks instead).
"""

from __future__ import annotations

import json
import logging
import os
import string
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import gspread
import pandas as pd
import requests
from google.auth.exceptions import GoogleAuthError, RefreshError
from gspread.exceptions import APIError, SpreadsheetNotFound

import logs
from data_sources.errors import InvalidData, NotConfigured, Problem, SourceUnavailable
from data_sources.headers import TITLE_ROWS, canonical_headers, column_letter, table_header_row, title_warning
from data_sources.sheet_values import Kind, convert_column
from data_sources.validate import TABLES, RawTable, as_written, raw_table
from errors import Said
from settings import Settings, SheetsConfig, read_secrets

log = logging.getLogger(__name__)

RETRIED = {408, 429, 500, 502, 503, 504}
Progress = Callable[[str, int, int], None]  # (sheet, rows read so far, rows in all): for a progress line
SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
KEY_FIELDS = ("type", "client_email", "private_key", "token_uri")
PAGE_ROWS = 10_000
PROBE_ROWS = 50  # rows a tab of unknown columns is probed in for date-formatted cells
UNFORMATTED = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
LAYOUT_FIELDS = (
    "properties(timeZone,locale),sheets(properties,merges,basicFilter,data.rowMetadata(hiddenByUser,hiddenByFilter))"
)
KEY_HELP = Said("error.sheets.key_help")
KEPT = Said("error.sheets.kept")
ENABLE_URL = "https://console.cloud.google.com/apis/library/sheets.googleapis.com"


class RetryingHTTPClient(gspread.HTTPClient):
    """gspread's HTTP client with a timeout, retrying quota and server errors with backoff.

    `delays` (seconds) are the waits between attempts: 127 s in all by default, past the minute in
    which Google refills a per-minute quota. gspread's own BackOffHTTPClient keeps its counter on the
    class (shared by every client) and retries writes that Google may already have applied.
    """

    delays: Sequence[float] = (1, 2, 4, 8, 16, 32, 64)
    timeout_seconds: tuple[float, float] = (10, 120)  # connect, read
    longest_wait_seconds: float = 120  # a Retry-After beyond it is not waited for

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout = self.timeout_seconds

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        reading = method.upper() == "GET"
        for delay in [*self.delays, None]:
            try:
                return super().request(method, endpoint, *args, **kwargs)
            except APIError as error:
                status = error.response.status_code
                if delay is None or status not in (RETRIED if reading else {429}):
                    raise
                retry_after = error.response.headers.get("Retry-After", "")
                wait = float(retry_after) if retry_after.isdigit() else delay
                if wait > self.longest_wait_seconds:  # a sync is not held for hours: the error says try later
                    raise
                log.warning("Google Sheets answered %s; asking again in %s s", status, wait)
                time.sleep(wait)
            except (requests.ConnectionError, requests.Timeout):
                if delay is None or not reading:
                    raise
                time.sleep(delay)
        raise AssertionError("unreachable")


def service_account_info(settings: Settings) -> dict[str, Any]:
    """The service account key from secrets.toml or the file PULSE_GCP_SERVICE_ACCOUNT_FILE names."""
    path = os.environ.get("PULSE_GCP_SERVICE_ACCOUNT_FILE")
    if path:
        try:
            info = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise NotConfigured(Said("error.sheets.key_file_unreadable", path=path, reason=str(error))) from error
        return _checked_key(info, where=path)
    info = read_secrets(settings.secrets_file).get("gcp_service_account")
    if not isinstance(info, dict):
        raise NotConfigured(Said("error.sheets.no_key", secrets=str(settings.secrets_file)))
    return _checked_key(info, where=Said("error.sheets.key_in", secrets=str(settings.secrets_file)))


def _checked_key(info: object, *, where: str) -> dict[str, Any]:
    """The key's fields, or NotConfigured naming the field that is wrong and what to paste."""
    if not isinstance(info, dict):
        raise NotConfigured(Said("error.sheets.key_not_object", where=where, help=KEY_HELP))
    logs.keep_secret(info.get("private_key"), info.get("private_key_id"))  # never in a log line
    if "installed" in info or "web" in info:
        raise NotConfigured(Said("error.sheets.key_oauth", where=where, help=KEY_HELP))
    missing = [name for name in KEY_FIELDS if not info.get(name)]
    if missing:
        raise NotConfigured(Said("error.sheets.key_lacks", where=where, fields=", ".join(missing), help=KEY_HELP))
    if info["type"] != "service_account":
        raise NotConfigured(Said("error.sheets.key_type", where=where, type=repr(info["type"])))
    key = str(info["private_key"])
    if "\\n" in key and "\n" not in key.strip():
        raise NotConfigured(Said("error.sheets.key_escaped", where=where))
    return info


def open_client(settings: Settings) -> gspread.Client:
    """A gspread client signed in as the configured service account."""
    info = service_account_info(settings)
    try:
        return gspread.service_account_from_dict(info, scopes=SCOPES, http_client=RetryingHTTPClient)
    except (GoogleAuthError, ValueError) as error:
        raise NotConfigured(
            Said("error.sheets.key_unreadable", error=error.__class__.__name__, help=KEY_HELP)
        ) from error


def client_email(client: gspread.Client | gspread.Spreadsheet) -> str:
    """The service account's address, to say whom to share a spreadsheet with."""
    http = client.client if isinstance(client, gspread.Spreadsheet) else client.http_client
    credentials = getattr(http.session, "credentials", None)
    return getattr(credentials, "service_account_email", None) or Said("error.sheets.client_email")


@contextmanager
def google(what: Said, *, email: str, after: str = KEPT) -> Iterator[None]:
    """Turns whatever gspread, google-auth and requests raise into a domain error saying what to do;
    `what` is a Said whose key has a `.capital` twin (the same words starting a sentence)."""
    try:
        yield
    except SpreadsheetNotFound as error:
        what_capital = Said(f"{what.key}.capital", **what.values)
        raise SourceUnavailable(Said("error.sheets.not_found", what=what_capital, email=email)) from error
    except gspread.exceptions.NoValidUrlKeyFound as error:
        raise NotConfigured(Said("error.sheets.not_a_url", what=what)) from error
    except PermissionError as error:  # gspread's open_by_key turns a 403 into a bare PermissionError
        raise _refused(error.__cause__, what, email) from error
    except APIError as error:
        if error.response.status_code == 403:
            raise _refused(error, what, email) from error
        raise _answered(error, what, after) from error
    except RefreshError as error:
        reason = str(error.args[0] if error.args else error)
        raise NotConfigured(Said("error.sheets.key_refused", email=email, reason=reason, help=KEY_HELP)) from error
    except (GoogleAuthError, requests.RequestException) as error:
        raise SourceUnavailable(
            Said("error.sheets.unreachable", what=what, error=error.__class__.__name__, after=after)
        ) from error


def _refused(error: BaseException | None, what: Said, email: str) -> NotConfigured | SourceUnavailable:
    body = error.error if isinstance(error, APIError) else {}
    reasons = {detail.get("reason") for detail in body.get("details", []) if isinstance(detail, dict)}
    said = f"403 {body.get('status', 'PERMISSION_DENIED')}: {body.get('message', 'permission denied')}"
    if "SERVICE_DISABLED" in reasons:
        return NotConfigured(Said("error.sheets.api_disabled", said=said.split(". ")[0], url=ENABLE_URL, email=email))
    return SourceUnavailable(Said("error.sheets.refused", what=what, said=said, email=email))


def _answered(error: APIError, what: Said, after: str) -> SourceUnavailable:
    status = error.response.status_code
    said = f"{error.error.get('status') or status}: {error.error.get('message', '')}".strip(": ")
    if status == 429:
        return SourceUnavailable(Said("error.sheets.quota", what=what, said=said, after=after))
    return SourceUnavailable(Said("error.sheets.answered", status=status, what=what, said=said, after=after))


def open_spreadsheet(client: gspread.Client, spreadsheet: str, *, after: str = KEPT) -> gspread.Spreadsheet:
    """By URL or key; failures become messages that say what to check, then `after`."""
    with google(Said("sheets.spreadsheet", name=spreadsheet), email=client_email(client), after=after):
        if "/" in spreadsheet:
            return client.open_by_url(spreadsheet)
        return client.open_by_key(spreadsheet)


@dataclass(frozen=True)
class Tab:
    row_count: int
    merges: tuple[str, ...] = ()  # A1 ranges
    hidden: tuple[tuple[int, str], ...] = ()  # (row number, "user" or "filter")


@dataclass(frozen=True)
class Layout:
    """What spreadsheets.get says about the spreadsheet: its time zone, locale and tabs."""

    time_zone: str
    locale: str
    tabs: dict[str, Tab]

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


class SheetTables(dict[str, RawTable]):
    """The tables of one spreadsheet, with every tab's warnings."""

    @property
    def warnings(self) -> list[str]:
        return [warning for table in self.values() for warning in table.warnings]


def describe(spreadsheet: gspread.Spreadsheet) -> Layout:
    """Time zone, locale, row counts, merges and hidden rows: one spreadsheets.get."""
    with google(Said("sheets.spreadsheet", name=repr(spreadsheet.title)), email=client_email(spreadsheet)):
        metadata = spreadsheet.fetch_sheet_metadata(params={"fields": LAYOUT_FIELDS})
    tabs = {}
    for sheet in metadata.get("sheets", []):
        properties = sheet["properties"]
        rows = [meta for part in sheet.get("data", []) for meta in part.get("rowMetadata", [])]
        hidden = tuple(
            (number, "filter" if meta.get("hiddenByFilter") else "user")
            for number, meta in enumerate(rows, start=1)
            if meta.get("hiddenByUser") or meta.get("hiddenByFilter")
        )
        merges = tuple(_a1(merge) for merge in sheet.get("merges", []))
        row_count = properties.get("gridProperties", {}).get("rowCount", 1000)
        tabs[properties["title"]] = Tab(row_count=row_count, merges=merges, hidden=hidden)
    own = metadata.get("properties", {})
    return Layout(time_zone=own.get("timeZone", "UTC"), locale=own.get("locale", "en_US"), tabs=tabs)


def _a1(grid: dict[str, int]) -> str:
    first = f"{column_letter(grid.get('startColumnIndex', 0))}{grid.get('startRowIndex', 0) + 1}"
    return f"{first}:{column_letter(grid['endColumnIndex'] - 1)}{grid['endRowIndex']}"  # the ends are exclusive


def _spans(numbers: list[int]) -> str:
    """[3, 4, 5, 9] → '3–5, 9'."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _tab_warnings(place: str, tab: Tab, *, title_rows: int = 0) -> list[Said]:
    """What a person should know about a tab (a Said each): merged cells, hidden or filtered rows;
    not those within the `title_rows` skipped above the header (a title merged across its columns)."""
    below = [merge for merge in tab.merges if _last_row(merge) > title_rows]
    warnings = [Said("warning.sheets.merged", place=place, cells=merge) for merge in below]
    for how in ("user", "filter"):
        rows = [number for number, why in tab.hidden if why == how and number > title_rows]
        if rows:
            if len(rows) > 1:
                warnings.append(Said(f"warning.sheets.hidden_{how}.rows", place=place, rows=_spans(rows)))
            else:
                warnings.append(Said(f"warning.sheets.hidden_{how}.row", place=place, row=rows[0]))
    return warnings


def _last_row(a1: str) -> int:
    """The last row of an A1 range (_a1): "A1:E1" ends on row 1."""
    return int(a1.rpartition(":")[2].lstrip(string.ascii_uppercase))


def _values(spreadsheet: gspread.Spreadsheet, range_name: str, **options: str) -> list[list[Any]]:
    """One values.get; a range with nothing in it has no `values` key."""
    return spreadsheet.values_get(range_name, params={**UNFORMATTED, **options}).get("values", [])


def _read_rows(
    spreadsheet: gspread.Spreadsheet, title: str, tab: Tab, *, page_rows: int, progress: Progress | None
) -> list[list[Any]]:
    """Every row of the tab, in pages of `page_rows`; a page's missing trailing rows are blank."""
    rows: list[list[Any]] = []
    quoted = "'" + title.replace("'", "''") + "'"
    for start in range(1, max(tab.row_count, 1) + 1, page_rows):
        end = min(start + page_rows - 1, tab.row_count)
        page = _values(spreadsheet, f"{quoted}!{start}:{end}")
        if page:
            rows.extend([[]] * (start - 1 - len(rows)))
            rows.extend(page)
        log.info("%s: read rows %s–%s of %s", title, start, end, tab.row_count)
        if progress is not None:
            progress(title, end, tab.row_count)
    return rows


def _kinds(table: str, columns: list[str], date_columns: set[int]) -> list[Kind]:
    canonical = {column.name: column for column in TABLES[table].columns} if table in TABLES else {}
    named: dict[str, Kind] = {"Float": "number", "Boolean": "boolean"}
    kinds: list[Kind] = []
    for position, column in enumerate(columns):
        kind = type(canonical[column].type).__name__ if column in canonical else ""
        if kind == "DateTime" or position in date_columns:
            kinds.append("datetime")
        else:
            kinds.append(named.get(kind, "text"))
    return kinds


def _date_columns(spreadsheet: gspread.Spreadsheet, title: str, rows: list[list[Any]]) -> set[int]:
    """Columns where a number of the first rows is shown as a date (FORMATTED_STRING gives text):
    how a tab outside the canonical model (a Forms responses sheet) tells its dates from numbers."""
    quoted = "'" + title.replace("'", "''") + "'"
    shown = _values(spreadsheet, f"{quoted}!2:{PROBE_ROWS + 1}", dateTimeRenderOption="FORMATTED_STRING")
    found = set()
    for serials, texts in zip(rows[1 : PROBE_ROWS + 1], shown, strict=False):
        for position, (raw, text) in enumerate(zip(serials, texts, strict=False)):
            if isinstance(raw, int | float) and not isinstance(raw, bool) and isinstance(text, str):
                found.add(position)
    return found


def fetch_worksheet(
    spreadsheet: gspread.Spreadsheet,
    *,
    title: str,
    table: str,
    headers: dict[str, str] | None = None,
    layout: Layout | None = None,
    page_rows: int = PAGE_ROWS,
    progress: Progress | None = None,
) -> RawTable:
    """One worksheet's values as text validate.py reads (sheet_values.py), headers renamed to
    canonical columns; raises InvalidData for text among a date or number column's values."""
    place = Said("sheets.sheet", name=repr(title))
    layout = layout or describe(spreadsheet)
    tab = layout.tabs.get(title)
    if tab is None:
        raise SourceUnavailable(
            Said(
                "error.sheets.no_worksheet",
                title=repr(title),
                table=table,
                spreadsheet=repr(spreadsheet.title),
                tabs=", ".join(layout.tabs),
                section="[pulse.sheets.worksheets]",
            )
        )
    with google(place, email=client_email(spreadsheet)):
        rows = _read_rows(spreadsheet, title, tab, page_rows=page_rows, progress=progress)
        dates = _date_columns(spreadsheet, title, rows) if table not in TABLES and len(rows) > 1 else set()
    if not rows:
        return RawTable(name=table, file=place, frame=pd.DataFrame(), warnings=tuple(_tab_warnings(place, tab)))
    renames = headers or {}
    at = _header_at(rows, table=table, renames=renames)  # a title above the header: skipped, said
    warnings = (*_tab_warnings(place, tab, title_rows=at), *([title_warning(place, at=at)] if at else []))
    written = tuple(str(header).strip() for header in rows[at])  # for a message naming the headers found
    columns = [renames.get(header, header) for header in written]
    columns = canonical_headers(columns, table=table)  # before the kinds, which are the columns'
    width = len(columns)
    body = [row[:width] + [""] * (width - len(row)) for row in rows[at + 1 :]]
    first_row = at + 2  # the sheet's number of the first row below the header
    texts, problems, notes = {}, [], []
    for position, (column, kind) in enumerate(zip(columns, _kinds(table, columns, dates), strict=True)):
        converted = convert_column(
            [row[position] for row in body],
            kind=kind,
            zone=layout.zone,
            zone_name=layout.time_zone,
            locale=layout.locale,
        )
        texts[position] = converted.texts
        named = as_written(column, {column: written[position]})  # 加入时间 (joined_at), as validate_table says it
        problems += [Problem(place, index + first_row, named, why) for index, why in sorted(converted.refused.items())]
        if converted.note:
            notes.append(Said("warning.column_note", file=place, column=column, note=converted.note))
    if problems:
        raise InvalidData(problems, warnings=[*warnings, *notes])
    frame = pd.DataFrame({position: texts[position] for position in range(width)}, dtype="str")
    frame.columns = columns
    raw = raw_table(frame, name=table, file=place)
    return RawTable(
        name=table,
        file=place,
        frame=raw.frame,
        first_row=first_row,
        warnings=(*warnings, *notes),
        headers=written,
        header_row=at + 1,
    )


def _header_at(rows: list[list[Any]], *, table: str, renames: dict[str, str]) -> int:
    """Which of the tab's first rows is a canonical table's header (data_sources.headers), its
    cells read as the configured mapping names them ([pulse.sheets.headers])."""
    first = [[renames.get(str(cell).strip(), str(cell).strip()) for cell in row] for row in rows[: TITLE_ROWS + 1]]
    return table_header_row(first, table=table)


def read_sheets(client: gspread.Client, config: SheetsConfig, *, progress: Progress | None = None) -> SheetTables:
    """Every configured worksheet as a raw canonical table; `.warnings` tells of merged cells,
    hidden rows and date-only columns."""
    unknown = [table for table, _ in config.worksheets if table not in TABLES]
    if unknown:
        raise NotConfigured(
            Said(
                "error.sheets.unknown_tables",
                section="[pulse.sheets.worksheets]",
                unknown=", ".join(unknown),
                tables=", ".join(TABLES),
            )
        )
    spreadsheet = open_spreadsheet(client, config.spreadsheet)
    layout = describe(spreadsheet)
    tables = SheetTables()
    problems: list[Problem] = []
    warnings: list[str] = []
    for table, title in config.worksheets:  # every tab, so that a refusal says all their problems at once
        try:
            tables[table] = fetch_worksheet(
                spreadsheet,
                title=title,
                table=table,
                headers=config.header_map(table),
                layout=layout,
                progress=progress,
            )
            warnings.extend(tables[table].warnings)
        except InvalidData as error:
            problems.extend(error.problems)
            warnings.extend(error.warnings)
    for warning in warnings:
        log.warning(warning)
    if problems:
        raise InvalidData(problems, warnings=warnings)
    return tables
