"""Survey responses appended to a Google Sheet, for teams that live in Sheets (optional).

With write_back_spreadsheet set, every submitted response also gets a row in `sheet_outbox`, in
the same transaction. `push_pending` appends unsent rows to the spreadsheet, one tab per survey
(created with a header row), and marks them sent; a failure leaves them unsent with the error, to
be retried by the next push. The response itself is in the app store either way, so the sheet can
never lose one.

Exactly once: each row carries its response id in column A, and before every append (the first,
and again after a 5xx, which leaves it unknown whether Google applied it; a timeout leaves the rows
for the next push, which reads the column first) that column is read, so a row the sheet already
took is never appended twice. One push runs at a time, whatever the processes and servers: a push
holds the store's lease (sheet_push_lease) while it reads and appends. Typed: rows go in with
USER_ENTERED, numbers as numbers and the submission time as a date-time, so a sheet formula can sum
and sort them; every text cell starts with an apostrophe, which Sheets keeps as text and does not
show, so an answer is never read as a formula, number or date.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import gspread
import pandas as pd
import sqlalchemy as sa
from gspread.exceptions import APIError, WorksheetNotFound
from gspread.utils import ValueInputOption

from data_sources.errors import DataSourceError
from data_sources.sheets import client_email, google, open_spreadsheet
from errors import Said, kept
from store import tables
from store.database import AppStore
from surveys.definition import Survey
from surveys.question_types import TYPES, Cell, answer_cell
from surveys.registry import load_survey

log = logging.getLogger(__name__)

BATCH = 500
ATTEMPTS = 3  # appends per batch when Google's answers leave it unknown whether it took the rows
AMBIGUOUS = {500, 502, 503, 504}
QUEUED = Said("error.write_back.queued")


@dataclass(frozen=True)
class PushResult:
    sent: int
    failed: int
    error: str | None = None


def enqueue(connection: sa.Connection, *, response_id: int, now: datetime) -> None:
    """Called inside the submit transaction, so a stored response is always queued."""
    connection.execute(tables.sheet_outbox.insert().values(response_id=response_id, created_at=now, attempts=0))


def pending(app_store: AppStore) -> pd.DataFrame:
    """Unsent responses: response id, survey slug, attempts, last error (English, and kept with its
    key and values: errors.kept_text says it in a language)."""
    outbox, responses, surveys = tables.sheet_outbox, tables.responses, tables.surveys
    return app_store.run(
        sa.select(
            outbox.c.response_id, surveys.c.slug, outbox.c.attempts, outbox.c.last_error, outbox.c.last_error_said
        )
        .join(responses, responses.c.id == outbox.c.response_id)
        .join(surveys, surveys.c.id == responses.c.survey_id)
        .where(outbox.c.sent_at.is_(None))
        .order_by(outbox.c.response_id)
        .limit(BATCH)
    )


def header(survey: Survey) -> list[str]:
    columns = ["response_id", "submitted_at_utc", "member_id", "locale"]
    for question in survey.questions:
        columns += TYPES[question.type].columns(question)
        if question.other:
            columns.append(f"{question.id}.other")
    return columns


def _typed(value: Cell) -> Cell:
    """A cell for USER_ENTERED: numbers as numbers; text behind an apostrophe, so it stays text."""
    return f"'{value}" if isinstance(value, str) and value else value


def _rows(app_store: AppStore, response_ids: list[int], survey: Survey) -> list[list[Cell]]:
    responses, answers = tables.responses, tables.answers
    found = app_store.run(
        sa.select(
            responses.c.id,
            responses.c.submitted_at,
            responses.c.member_id,
            responses.c.locale,
            answers.c.question_id,
            answers.c.value_num,
            answers.c.value_text,
        )
        .outerjoin(answers, answers.c.response_id == responses.c.id)
        .where(responses.c.id.in_(response_ids))
        .order_by(responses.c.id)
    )
    columns = header(survey)
    rows = []
    for _, group in found.groupby("id", sort=True):
        first = group.iloc[0]
        row: dict[str, Cell] = dict.fromkeys(columns, "")
        row.update(
            response_id=int(first["id"]),
            member_id=_typed(first["member_id"]) if isinstance(first["member_id"], str) else "",
            locale=_typed(first["locale"] or ""),
        )
        answered = group.dropna(subset=["question_id"])
        for question_id, value_num, value_text in zip(
            answered["question_id"], answered["value_num"], answered["value_text"], strict=True
        ):
            if question_id in row:
                number = None if pd.isna(value_num) else float(value_num)
                text = value_text if isinstance(value_text, str) else None
                row[question_id] = _typed(answer_cell(survey, question_id, number, text, survey.languages[0]))
        row["submitted_at_utc"] = first["submitted_at"].strftime("%Y-%m-%d %H:%M:%S")  # read as a date-time
        rows.append([row[column] for column in columns])
    return rows


def _present(worksheet: gspread.Worksheet) -> set[str] | None:
    """Response ids in column A (the header's cell included); None for an empty tab, which Google
    answers without a `values` key."""
    quoted = "'" + worksheet.title.replace("'", "''") + "'"
    params: dict[str, str | int | bool | float | list[str] | None] = {
        "valueRenderOption": "UNFORMATTED_VALUE",
        "majorDimension": "COLUMNS",
    }
    columns = worksheet.spreadsheet.values_get(f"{quoted}!A:A", params=params).get("values")
    if not columns:
        return None
    return {str(value) for value in columns[0]}


def _tab(spreadsheet: gspread.Spreadsheet, survey: Survey) -> gspread.Worksheet:
    """The survey's tab, made when missing."""
    try:
        return spreadsheet.worksheet(survey.slug)
    except WorksheetNotFound:
        return spreadsheet.add_worksheet(survey.slug, rows=1000, cols=len(header(survey)))


def _append_once(worksheet: gspread.Worksheet, header_row: list[Cell], rows: list[list[Cell]]) -> None:
    """Append the rows the tab lacks, header first in an empty tab; after an ambiguous failure the
    tab is read again, so what Google took before failing is not appended twice."""
    for attempt in range(1, ATTEMPTS + 1):
        present = _present(worksheet)
        missing = [row for row in rows if str(row[0]) not in (present or set())]
        waiting = ([header_row] if present is None else []) + missing
        if not waiting:
            return
        try:
            worksheet.append_rows(waiting, value_input_option=ValueInputOption.user_entered, table_range="A1")
            return
        except APIError as error:
            if error.response.status_code not in AMBIGUOUS or attempt == ATTEMPTS:
                raise
            log.warning("Google Sheets answered %s to an append; checking what it took", error.response.status_code)


LEASE = timedelta(minutes=10)  # longer than a push with every retry; a crashed pusher's lease runs out


@contextmanager
def _lease(app_store: AppStore, now: datetime) -> Iterator[bool]:
    """Whether this push holds the store's one push lease (False: another process is pushing and
    this one leaves the rows to it). Taking it is one UPDATE, or the INSERT of its only row."""
    lease, holder = tables.sheet_push_lease, uuid.uuid4().hex
    with app_store.begin() as connection:
        taken = connection.execute(
            lease.update().where(lease.c.id == 1, lease.c.until < now).values(holder=holder, until=now + LEASE)
        ).rowcount
    if not taken:
        try:
            with app_store.begin() as connection:
                connection.execute(lease.insert().values(id=1, holder=holder, until=now + LEASE))
            taken = 1
        except sa.exc.IntegrityError:
            taken = 0
    try:
        yield bool(taken)
    finally:
        if taken:
            with app_store.begin() as connection:
                connection.execute(lease.delete().where(lease.c.id == 1, lease.c.holder == holder))


def push_pending(
    app_store: AppStore, client: Callable[[], gspread.Client], *, spreadsheet: str, now: datetime
) -> PushResult:
    """Append every unsent response to its survey's tab; failures are recorded, never raised.
    `client` opens the gspread client only when something is waiting. One push at a time across
    processes (the store's lease); a push that finds another under way sends nothing."""
    if pending(app_store).empty:
        return PushResult(sent=0, failed=0)
    with _lease(app_store, now) as leased:
        if not leased:
            return PushResult(sent=0, failed=0)
        return _push(app_store, client, spreadsheet=spreadsheet, now=now)


def _push(app_store: AppStore, client: Callable[[], gspread.Client], *, spreadsheet: str, now: datetime) -> PushResult:
    waiting = pending(app_store)
    if waiting.empty:
        return PushResult(sent=0, failed=0)
    outbox = tables.sheet_outbox
    sent, failed, error = 0, 0, None
    try:
        book = open_spreadsheet(client(), spreadsheet, after=QUEUED)
    except DataSourceError as problem:
        log.warning("Write-back: the sheet did not open, %d responses wait: %s", len(waiting), problem.user_message)
        return _failed(app_store, waiting["response_id"].tolist(), error=problem.said())
    for slug, group in waiting.groupby("slug", sort=True):
        ids = [int(value) for value in group["response_id"]]
        stored = load_survey(app_store, str(slug))
        if stored is None:  # no readable definition (one an older release wrote): nothing to lay the rows out by
            result = _failed(app_store, ids, error=Said("error.write_back.no_definition", slug=repr(slug)))
            failed, error = failed + result.failed, result.error
            continue
        try:
            tab = Said("sheets.tab", slug=repr(slug), spreadsheet=spreadsheet)
            with google(tab, email=client_email(book), after=QUEUED):
                worksheet = _tab(book, stored.survey)
                header_row: list[Cell] = [_typed(column) for column in header(stored.survey)]
                _append_once(worksheet, header_row, _rows(app_store, ids, stored.survey))
        except DataSourceError as problem:
            result = _failed(app_store, ids, error=Said("error.write_back.not_taken", reason=problem.said()))
            failed, error = failed + result.failed, result.error
            continue
        with app_store.begin() as connection:
            connection.execute(
                outbox.update().where(outbox.c.response_id.in_(ids)).values(sent_at=now, attempts=outbox.c.attempts + 1)
            )
        sent += len(ids)
    log.info("Write-back: %d responses appended, %d wait for the next try; %s", sent, failed, error or "no error")
    return PushResult(sent=sent, failed=failed, error=error)


def _failed(app_store: AppStore, ids: list[int], *, error: str) -> PushResult:
    """Count a failed attempt for the rows; `error` (a Said) is kept with its key and values, so
    the Data page says it in the reader's language, and in English for the CLI and the log."""
    outbox = tables.sheet_outbox
    with app_store.begin() as connection:
        connection.execute(
            outbox.update()
            .where(outbox.c.response_id.in_(ids))
            .values(attempts=outbox.c.attempts + 1, last_error=str(error), last_error_said=kept(error))
        )
    return PushResult(sent=0, failed=len(ids), error=str(error))
