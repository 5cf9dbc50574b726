"""Google Sheets through gspread: community data read from worksheets, survey responses appended.

Credentials are a service account: the `[gcp_service_account]` table of .streamlit/secrets.toml
(the JSON key's fields) or PULSE_GCP_SERVICE_ACCOUNT_FILE naming the JSON key file. The spreadsheet
must be shared with the account's client_email (README, "Google Sheets").

Google answers 429 when a quota is spent and 5xx when it has trouble; both are retried with
exponential backoff (Retry-After honoured). A sheet that still cannot be read raises
SourceUnavailable, and sync keeps the last good warehouse.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gspread
import pandas as pd
import requests
from gspread.exceptions import APIError, SpreadsheetNotFound, WorksheetNotFound

from data_sources.errors import NotConfigured, SourceUnavailable
from data_sources.validate import TABLES, RawTable, raw_table
from settings import Settings, SheetsConfig, read_secrets

RETRIED = {408, 429, 500, 502, 503, 504}


class RetryingHTTPClient(gspread.HTTPClient):
    """gspread's HTTP client, retrying quota and server errors with exponential backoff.

    gspread's own BackOffHTTPClient keeps its counter on the class (shared by every client) and
    waits up to 128 s; this one waits `delays` (seconds) between attempts and then gives up.
    """

    delays: Sequence[float] = (1, 2, 4, 8)

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        for delay in [*self.delays, None]:
            try:
                return super().request(*args, **kwargs)
            except APIError as error:
                if delay is None or error.response.status_code not in RETRIED:
                    raise
                retry_after = error.response.headers.get("Retry-After", "")
                time.sleep(float(retry_after) if retry_after.isdigit() else delay)
            except (requests.ConnectionError, requests.Timeout):
                if delay is None:
                    raise
                time.sleep(delay)
        raise AssertionError("unreachable")


def service_account_info(settings: Settings) -> dict[str, Any]:
    """The service account key from secrets.toml or the file PULSE_GCP_SERVICE_ACCOUNT_FILE names."""
    path = os.environ.get("PULSE_GCP_SERVICE_ACCOUNT_FILE")
    if path:
        try:
            return json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise NotConfigured(
                f"PULSE_GCP_SERVICE_ACCOUNT_FILE ({path}) is not a readable JSON key: {error}"
            ) from error
    info = read_secrets(settings.secrets_file).get("gcp_service_account")
    if not isinstance(info, dict):
        raise NotConfigured(
            "Google Sheets needs a service account: add its JSON key's fields as [gcp_service_account] in "
            f"{settings.secrets_file} or set PULSE_GCP_SERVICE_ACCOUNT_FILE (README, 'Google Sheets')."
        )
    return info


def open_client(settings: Settings) -> gspread.Client:
    """A gspread client signed in as the configured service account."""
    return gspread.service_account_from_dict(
        service_account_info(settings),
        scopes=["https://www.googleapis.com/auth/spreadsheets"],
        http_client=RetryingHTTPClient,
    )


def open_spreadsheet(client: gspread.Client, spreadsheet: str) -> gspread.Spreadsheet:
    """By URL or key; failures become messages that say what to check."""
    try:
        if "/" in spreadsheet:
            return client.open_by_url(spreadsheet)
        return client.open_by_key(spreadsheet)
    except SpreadsheetNotFound as error:
        raise SourceUnavailable(
            f"Spreadsheet {spreadsheet} was not found. Check the key or URL, and that it is shared with "
            "the service account's client_email."
        ) from error
    except gspread.exceptions.NoValidUrlKeyFound as error:
        raise NotConfigured(f"{spreadsheet} is not a Google Sheets URL; give the spreadsheet's URL or key.") from error
    except (APIError, requests.RequestException) as error:
        raise _unavailable(error, f"spreadsheet {spreadsheet}") from error


def _unavailable(error: Exception, what: str) -> SourceUnavailable:
    if isinstance(error, APIError):
        code = error.response.status_code
        detail = f"Google Sheets answered {code} ({error.error.get('message') or error.error.get('status')})"
        if code == 403:
            detail += "; share the spreadsheet with the service account's client_email"
    else:
        detail = f"Google Sheets could not be reached ({error.__class__.__name__})"
    return SourceUnavailable(f"{detail} for {what}, after retrying. The last good data stays in place.")


def fetch_worksheet(
    spreadsheet: gspread.Spreadsheet, *, title: str, table: str, headers: dict[str, str] | None = None
) -> RawTable:
    """One worksheet's cells as shown in the sheet (text), headers renamed to canonical columns."""
    place = f"sheet {title!r}"
    try:
        values = spreadsheet.worksheet(title).get_all_values()
    except WorksheetNotFound as error:
        present = ", ".join(sheet.title for sheet in spreadsheet.worksheets())
        raise SourceUnavailable(
            f"Worksheet {title!r} (for {table}) is not in spreadsheet {spreadsheet.title!r}; it has: {present}. "
            "Check [pulse.sheets.worksheets] in secrets.toml."
        ) from error
    except (APIError, requests.RequestException) as error:
        raise _unavailable(error, place) from error
    if not values:
        return RawTable(name=table, file=place, frame=pd.DataFrame())
    renames = headers or {}
    columns = [renames.get(header.strip(), header.strip()) for header in values[0]]
    width = len(columns)
    rows = [row[:width] + [""] * (width - len(row)) for row in values[1:]]
    return raw_table(pd.DataFrame(rows, columns=columns, dtype="str"), name=table, file=place)


def read_sheets(client: gspread.Client, config: SheetsConfig) -> dict[str, RawTable]:
    """Every configured worksheet as a raw canonical table."""
    unknown = [table for table, _ in config.worksheets if table not in TABLES]
    if unknown:
        raise NotConfigured(
            f"[pulse.sheets.worksheets] names {', '.join(unknown)}; the tables are {', '.join(TABLES)}."
        )
    spreadsheet = open_spreadsheet(client, config.spreadsheet)
    return {
        table: fetch_worksheet(spreadsheet, title=title, table=table, headers=config.header_map(table))
        for table, title in config.worksheets
    }
