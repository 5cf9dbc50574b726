"""Survey responses appended to a Google Sheet, for teams that live in Sheets (optional).

With write_back_spreadsheet set, every submitted response also gets a row in `sheet_outbox`, in
the same transaction. `push_pending` appends unsent rows to the spreadsheet, one tab per survey
(created with a header row), and marks them sent; a failure leaves them unsent with the error, to
be retried by the next push. The response itself is in the app store either way, so the sheet can
never lose one. Before appending, the tab's first column (response ids) is read, so a row the
sheet took just before a crash is not appended twice. Cells go in RAW, never as formulas.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import gspread
import pandas as pd
import sqlalchemy as sa
from gspread.exceptions import WorksheetNotFound

from data_sources.errors import DataSourceError
from data_sources.sheets import open_spreadsheet
from store import tables
from store.database import AppStore
from surveys.definition import Survey, text_in
from surveys.registry import load_survey

BATCH = 500


@dataclass(frozen=True)
class PushResult:
    sent: int
    failed: int
    error: str | None = None


def enqueue(connection: sa.Connection, *, response_id: int, now: datetime) -> None:
    """Called inside the submit transaction, so a stored response is always queued."""
    connection.execute(tables.sheet_outbox.insert().values(response_id=response_id, created_at=now, attempts=0))


def pending(app_store: AppStore) -> pd.DataFrame:
    """Unsent responses: response id, survey slug, attempts, last error."""
    outbox, responses, surveys = tables.sheet_outbox, tables.responses, tables.surveys
    return app_store.run(
        sa.select(outbox.c.response_id, surveys.c.slug, outbox.c.attempts, outbox.c.last_error)
        .join(responses, responses.c.id == outbox.c.response_id)
        .join(surveys, surveys.c.id == responses.c.survey_id)
        .where(outbox.c.sent_at.is_(None))
        .order_by(outbox.c.response_id)
        .limit(BATCH)
    )


def header(survey: Survey) -> list[str]:
    columns = ["response_id", "submitted_at_utc", "member_id", "locale"]
    for question in survey.questions:
        if question.type == "matrix":
            columns += [f"{question.id}.{row.id}" for row in question.rows]
        else:
            columns.append(question.id)
        if question.other:
            columns.append(f"{question.id}.other")
    return columns


def _cell(survey: Survey, question_id: str, number: float | None, text: str | None) -> str:
    """An answer as a person reads it: option labels, whole numbers, Yes/No."""
    base = question_id.split(".", 1)[0]
    question = next((q for q in survey.questions if q.id == base), None)
    language = survey.languages[0]
    if question is not None and question.type == "yes_no" and number is not None:
        return "Yes" if number else "No"
    if question is not None and question.type in ("choice", "multi") and text and question_id == base:
        labels = {option.id: text_in(option.label, language) for option in question.options}
        chosen = json.loads(text) if question.type == "multi" else [text]
        order = list(labels)
        chosen.sort(key=lambda choice: order.index(choice) if choice in labels else len(order))
        return ", ".join(labels.get(choice, "Other") for choice in chosen)
    if text is not None:
        return text
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def _rows(app_store: AppStore, response_ids: list[int], survey: Survey) -> list[list[str]]:
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
    for response_id, group in found.groupby("id", sort=True):
        first = group.iloc[0]
        row = dict.fromkeys(columns, "")
        row.update(
            response_id=str(response_id),
            submitted_at_utc=str(first["submitted_at"]),
            member_id=first["member_id"] if isinstance(first["member_id"], str) else "",
            locale=first["locale"] or "",
        )
        for answer in group.dropna(subset=["question_id"]).itertuples():
            if answer.question_id in row:
                number = None if pd.isna(answer.value_num) else answer.value_num
                text = answer.value_text if isinstance(answer.value_text, str) else None
                row[answer.question_id] = _cell(survey, answer.question_id, number, text)
        rows.append([row[column] for column in columns])
    return rows


def _tab(spreadsheet: gspread.Spreadsheet, survey: Survey) -> tuple[gspread.Worksheet, set[str]]:
    """The survey's tab (made with its header when missing) and the response ids already in it."""
    try:
        worksheet = spreadsheet.worksheet(survey.slug)
    except WorksheetNotFound:
        worksheet = spreadsheet.add_worksheet(survey.slug, rows=1000, cols=len(header(survey)))
        worksheet.append_row(header(survey))
        return worksheet, set()
    values = worksheet.get_all_values()
    if not values:
        worksheet.append_row(header(survey))
    return worksheet, {row[0] for row in values[1:] if row}


def push_pending(
    app_store: AppStore, client: Callable[[], gspread.Client], *, spreadsheet: str, now: datetime
) -> PushResult:
    """Append every unsent response to its survey's tab; failures are recorded, never raised.
    `client` opens the gspread client only when something is waiting."""
    waiting = pending(app_store)
    if waiting.empty:
        return PushResult(sent=0, failed=0)
    outbox = tables.sheet_outbox
    sent, failed, error = 0, 0, None
    try:
        book = open_spreadsheet(client(), spreadsheet)
    except DataSourceError as problem:
        return _failed(app_store, waiting["response_id"].tolist(), problem.user_message)
    for slug, group in waiting.groupby("slug", sort=True):
        ids = [int(value) for value in group["response_id"]]
        stored = load_survey(app_store, str(slug))
        try:
            worksheet, present = _tab(book, stored.survey)
            rows = [row for row in _rows(app_store, ids, stored.survey) if row[0] not in present]
            if rows:
                worksheet.append_rows(rows, value_input_option="RAW")
        except (gspread.exceptions.APIError, OSError) as problem:
            result = _failed(app_store, ids, f"The sheet did not take the responses: {problem}")
            failed, error = failed + result.failed, result.error
            continue
        with app_store.begin() as connection:
            connection.execute(
                outbox.update().where(outbox.c.response_id.in_(ids)).values(sent_at=now, attempts=outbox.c.attempts + 1)
            )
        sent += len(ids)
    return PushResult(sent=sent, failed=failed, error=error)


def _failed(app_store: AppStore, ids: list[int], message: str) -> PushResult:
    outbox = tables.sheet_outbox
    with app_store.begin() as connection:
        connection.execute(
            outbox.update()
            .where(outbox.c.response_id.in_(ids))
            .values(attempts=outbox.c.attempts + 1, last_error=message)
        )
    return PushResult(sent=0, failed=len(ids), error=message)
