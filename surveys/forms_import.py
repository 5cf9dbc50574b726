"""Responses from a Google Form (its responses sheet or CSV export) stored as a survey's responses.

Each column is matched to a question of the survey's definition: by an explicit mapping (column
header → question id), else by the question's text in any of its languages; a grid question's
columns are "Question [Row]". "Timestamp" is when the response was submitted, "Email Address" (or
"Email") finds the member. Answers are read the way Forms writes them: option labels (a checkbox
question's joined by ", "), scale numbers, Yes/No; an answer no option matches is the "other" text
where the question allows it (each type's `read_cell`, surveys/question_types.py).

An import is all or nothing, and each row is keyed by its content, so importing the same export
again stores nothing twice. Free-text answers reach the feedback inbox as web answers do.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa

from data_sources.errors import InvalidData, Problem
from data_sources.validate import Parsing, RawTable, parse_timestamps
from engines import Runner
from errors import Listed, Said
from feedback.importer import member_ids_by_email_query
from store import tables
from store.database import AppStore
from surveys.answers import answer_rows, check_answer
from surveys.definition import Question, Survey
from surveys.question_types import TYPES
from surveys.question_types import plain as _plain
from surveys.registry import StoredSurvey
from surveys.submission import store_response

log = logging.getLogger(__name__)
TIMESTAMP_HEADERS = ("timestamp", "时间戳记", "提交时间")
EMAIL_HEADERS = ("email address", "email", "电子邮件地址")
MESSAGES = ("range", "yes_no", "choice", "matrix", "too_long")  # problems said as forms.problem.<code>


@dataclass
class FormsImport:
    added: int
    already_there: int
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedResponse:
    """One row of a responses sheet, checked against the survey."""

    row: int  # its number in the sheet, for problems
    answers: dict[str, Any]
    submitted_at: datetime  # naive UTC
    email: str  # lower case; "" when the form did not collect addresses


def match_columns(survey: Survey, columns: list[str], explicit: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Column → question id, (question id, row id) for a grid row, or the role "submitted_at" /
    "email"; and the columns left unmatched."""
    by_text: dict[str, Question] = {}
    for question in survey.questions:
        for words in question.text.values():
            by_text[_plain(words)] = question
    matched: dict[str, Any] = {}
    unmatched = []
    for column in columns:
        plain = _plain(column)
        grid = re.fullmatch(r"(.*)\[(.+)\]", column.strip())
        if column in explicit:
            matched[column] = explicit[column]
        elif plain in TIMESTAMP_HEADERS:
            matched[column] = "submitted_at"
        elif plain in EMAIL_HEADERS:
            matched[column] = "email"
        elif plain in by_text:
            matched[column] = by_text[plain].id
        elif grid and _plain(grid[1]) in by_text and TYPES[by_text[_plain(grid[1])].type].grid:
            question = by_text[_plain(grid[1])]
            row = next((r.id for r in question.rows if _plain(grid[2]) in {_plain(w) for w in r.label.values()}), None)
            if row is None:
                unmatched.append(column)
            else:
                matched[column] = (question.id, row)
        else:
            unmatched.append(column)
    return matched, unmatched


def _problem(problem: tuple[str, dict], cell: str) -> Said | None:
    code, values = problem
    if code in ("required", "matrix_rows", "other_missing"):
        return None  # a form may leave out what the survey requires; an import keeps what was given
    return Said(f"forms.problem.{code if code in MESSAGES else 'other'}", **{**values, "value": repr(cell)})


def parse_responses(
    raw: RawTable, *, survey: Survey, explicit: dict[str, str], parsing: Parsing
) -> tuple[list[ParsedResponse], list[str]]:
    """The rows and warnings; raises InvalidData naming file, row and column of every problem."""
    frame = raw.frame
    matched, unmatched = match_columns(survey, list(frame.columns), explicit)
    problems: list[Problem] = []
    ids = {question.id for question in survey.questions}
    for column, target in matched.items():
        if isinstance(target, str) and target not in ids | {"submitted_at", "email"}:
            problems.append(
                Problem(raw.file, None, column, Said("forms.not_a_question", target=repr(target), survey=survey.slug))
            )
    if "submitted_at" not in matched.values():
        problems.append(Problem(raw.file, None, None, Said("forms.no_timestamp")))
    if problems:
        raise InvalidData(problems)
    warnings: list[str] = [Said("forms.unmatched", file=raw.file, columns=Listed(unmatched))] if unmatched else []
    stamp_column = next(column for column, target in matched.items() if target == "submitted_at")
    stamps, _ = parse_timestamps(frame[stamp_column].astype("str").str.strip(), parsing=parsing)
    rows = []
    for position, (index, cells) in enumerate(frame.iterrows()):
        number = int(cast(int, index)) + raw.first_row  # the frame's index: row positions in the sheet
        if pd.isna(stamps.iloc[position]):
            problems.append(
                Problem(raw.file, number, stamp_column, Said("forms.bad_stamp", cell=repr(cells[stamp_column])))
            )
            continue
        answers: dict[str, Any] = {}
        for column, target in matched.items():
            text = str(cells[column]).strip()
            if not text or target in ("submitted_at", "email"):
                continue
            question_id, row = target if isinstance(target, tuple) else (target, None)
            question = survey.question(question_id)
            TYPES[question.type].read_cell(question, text, answers, row=row)
        for column, target in matched.items():
            if isinstance(target, tuple):  # one grid row: its own cell is checked, not the whole grid
                question = survey.question(target[0])
                point = answers.get(question.id, {}).get(target[1])
                problem = None if point is None else TYPES[question.type].check(question, {target[1]: point})
                if problem and (message := _problem(problem, str(cells[column]))):  # always, for a grid row
                    problems.append(Problem(raw.file, number, column, message))
                continue
            if target in ids and target in answers:
                question_id = target
                problem = check_answer(survey.question(question_id), answers)
                message = problem and _problem(problem, str(cells[column]).strip())
                if message:
                    problems.append(Problem(raw.file, number, column, message))
        email_column = next((column for column, target in matched.items() if target == "email"), None)
        email = str(cells[email_column]).strip().lower() if email_column else ""
        rows.append(ParsedResponse(number, answers, stamps.iloc[position].to_pydatetime(), email))
    if problems:
        raise InvalidData(sorted(set(problems), key=lambda p: (p.row or 0, str(p.column))))
    return rows, warnings


def _key(slug: str, submitted_at: datetime, email: str, answers: dict[str, Any]) -> str:
    """The same row imported again gets the same key, so it is stored once."""
    content = repr((slug, submitted_at.isoformat(), email, sorted(answers.items(), key=lambda item: item[0])))
    return "forms:" + hashlib.sha256(content.encode()).hexdigest()[:40]


def import_responses(
    app_store: AppStore,
    warehouse: Runner,
    *,
    stored: StoredSurvey,
    raw: RawTable,
    explicit: dict[str, str] | None = None,
    parsing: Parsing,
) -> FormsImport:
    """Store every row as a completed response of `stored` (source google_forms), all or none."""
    rows, warnings = parse_responses(raw, survey=stored.survey, explicit=explicit or {}, parsing=parsing)
    warnings = [*getattr(raw, "warnings", ()), *warnings]  # a responses sheet's hidden rows, merged cells
    emails = sorted({row.email for row in rows if row.email})
    known: dict[str, str] = {}
    if emails and not stored.anonymous:
        found = warehouse.run(member_ids_by_email_query(emails))
        known = dict(zip(found["email"], found["member_id"], strict=True))
        missing = [email for email in emails if email not in known]
        if missing:
            warnings.append(Said("forms.unknown_emails", file=raw.file, count=len(missing)))
    added = 0
    with app_store.begin() as connection:
        for row in rows:
            key = _key(stored.slug, row.submitted_at, row.email, row.answers)
            exists = connection.scalar(
                sa.select(tables.responses.c.id).where(tables.responses.c.idempotency_key == key)
            )
            if exists is not None:
                continue
            store_response(
                connection,
                stored=stored,
                rows=answer_rows(stored.survey, row.answers),
                key=key,
                member_id=None if stored.anonymous else known.get(row.email),
                submitted_at=row.submitted_at,
                locale=stored.survey.languages[0],
                source="google_forms",
            )
            added += 1
    log.info(
        "Forms import of %s into %s: %d rows, %d added, %d there already, %d warnings",
        raw.file,
        stored.slug,
        len(rows),
        added,
        len(rows) - added,
        len(warnings),
    )
    return FormsImport(added=added, already_there=len(rows) - added, warnings=warnings)
