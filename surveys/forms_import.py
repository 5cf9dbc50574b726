"""Responses from a Google Form (its responses sheet, or its CSV or Excel download) stored as a survey's
responses.

Each column is matched to a question of the survey's definition: by an explicit mapping (column
header, or column letter for a header the form repeats, → question id), else by the question's text
in any of its languages; a grid question's columns are "Question [Row]". "Timestamp" is when the
response was submitted, "Email Address" (or "Email") finds the member. Answers are read the way
Forms writes them: option labels (a checkbox question's joined by ", "), scale numbers, Yes/No; an
answer no option matches is the "other" text where the question allows it (each type's `read_cell`,
surveys/question_types.py). A mapping naming a header the file does not have is refused with the
closest headers; a row with no answer to any mapped question (a timestamp only) is skipped and
counted.

A response is known by its survey, its submission time to the second and its respondent (the
address, and its place among the responses of that second), never by its answers: the same
responses downloaded as CSV, as .xlsx (whose times carry milliseconds or are serial numbers) or read
from the responses sheet are the same responses, and importing again with another mapping or a newer
definition updates them instead of adding them twice. A form is in the survey language whose
question texts its headers match (a Spanish form of an [en, es] survey: es), and its responses are
stored in that language, so their written answers are scored as it or marked not scored
(feedback.sentiment), never read as English. An import is all or nothing and is recorded as
a batch (store.tables.import_batches) that can be undone as a whole. Free-text answers reach the
feedback inbox as web answers do.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa

from catalog.locale import LanguageName
from data_sources.errors import InvalidData, Problem
from data_sources.files import unknown_column
from data_sources.headers import column_letter
from data_sources.validate import Parsing, RawTable, sheet_times
from engines import Runner
from errors import Listed, Said
from feedback.importer import member_ids_by_email_query
from feedback.sentiment import has_model
from store import tables
from store.batches import finish_batch, new_batch, undo_batch
from store.database import AppStore
from surveys.answers import answer_rows, check_answer
from surveys.definition import Question, Survey, text_in
from surveys.question_types import TYPES
from surveys.question_types import plain as _plain
from surveys.registry import StoredSurvey
from surveys.submission import remove_responses, replace_answers, store_response, stored_answers

log = logging.getLogger(__name__)
TIMESTAMP_HEADERS = ("timestamp", "时间戳记", "時間戳記", "提交时间", "marca temporal", "marca de tiempo")
EMAIL_HEADERS = ("email address", "email", "电子邮件地址", "電子郵件地址", "dirección de correo electrónico")
MESSAGES = ("range", "yes_no", "choice", "matrix", "too_long")  # problems said as forms.problem.<code>
LETTERS = re.compile(r"[A-Z]{1,3}")
SOURCE = "google_forms"


@dataclass
class FormsImport:
    added: int
    already_there: int  # the same responses, unchanged
    updated: int = 0  # the same responses, read again with other answers (another mapping or definition)
    empty: int = 0  # rows answering no mapped question (a timestamp only): skipped
    batch: int | None = None  # import_batches.id, for undoing; None when nothing was written
    warnings: list[str] = field(default_factory=list)
    language: str = "en"  # the survey language the form is written in (form_language)


@dataclass(frozen=True)
class ParsedResponse:
    """One row of a responses sheet, checked against the survey."""

    row: int  # its number in the sheet, for problems
    answers: dict[str, Any]
    submitted_at: datetime  # naive UTC, to the second
    email: str  # lower case; "" when the form did not collect addresses


@dataclass
class ColumnCount:
    """What a dry run found in one column: the question it maps to, the answers it gives, and those
    refused with why (a Said each, counted)."""

    column: str
    question: str  # question id, "question id [row id]" for a grid row
    text: str  # the question's text in the survey's first language
    answers: int = 0
    refused: Counter[str] = field(default_factory=Counter)


@dataclass
class Parsed:
    """A responses file read against a survey: the rows to store, what each column gave, the rows
    left out as empty, the problems (none for an import to go ahead) and warnings."""

    rows: list[ParsedResponse]
    columns: list[ColumnCount]
    empty: int
    problems: list[Problem]
    warnings: list[str]
    unmatched: list[str] = field(default_factory=list)  # columns no question matched
    language: str = "en"  # the survey language the form is written in (form_language): its responses' locale

    def refusal(self, file: str, *, warnings: Sequence[str] = ()) -> InvalidData:
        """The problems, then the columns left unmatched (a mistyped header shows beside what it
        caused); with the file's or sheet's own `warnings` (hidden rows, merged cells), said beside."""
        left = [Problem(file, None, None, Said("forms.unmatched_here", columns=Listed(self.unmatched)))]
        return InvalidData([*self.problems, *(left if self.unmatched else [])], warnings=warnings)


def _headers(columns: list[str]) -> dict[str, list[str]]:
    """Header as written → its columns; a repeated header's columns are named "F: header"
    (data_sources.files.export_columns)."""
    found: dict[str, list[str]] = {}
    for position, column in enumerate(columns):
        prefix = f"{column_letter(position)}: "
        found.setdefault(column.removeprefix(prefix), []).append(column)
    return found


def resolve_mapping(columns: list[str], explicit: dict[str, str], *, file: str) -> tuple[dict[str, str], list[Problem]]:
    """The mapping by column name: a header as written, or a column letter (F) for a header the file
    repeats. A header the file lacks is refused naming the closest ones; a repeated one asks for
    its letters."""
    headers = _headers(columns)
    resolved: dict[str, str] = {}
    problems: list[Problem] = []
    for given, target in explicit.items():
        name = given.strip()
        if name in columns:
            resolved[name] = target
        elif LETTERS.fullmatch(name) and (position := _position(name)) < len(columns):
            resolved[columns[position]] = target
        elif name in headers:  # repeated: "Age" is both F and N
            letters = [column.split(":", 1)[0] for column in headers[name]]
            said = Said("forms.map_repeated", letters=Listed(letters), first=letters[0], target=target)
            problems.append(Problem(file, None, name, said))
        else:
            problems.append(unknown_column(file, name, list(headers)))
    return resolved, problems


def _position(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


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


def form_language(survey: Survey, columns: list[str]) -> str:
    """The survey language a form is written in: the one whose question texts its headers match
    most (a Spanish form of an [en, es] survey is `es`; ties go to the earlier), else the survey's
    first. Its responses are stored in it, so their written answers are scored, or not, as that
    language (feedback.sentiment)."""
    headers = {_plain(re.sub(r"\s*\[.+\]\s*$", "", column)) for column in columns}  # a grid's "Q [row]" is Q
    matches = {
        code: sum(_plain(question.text[code]) in headers for question in survey.questions if code in question.text)
        for code in survey.languages
    }
    best = max(survey.languages, key=lambda code: matches[code])  # max keeps the first of equals
    return best if matches[best] else survey.languages[0]


def language_note(code: str) -> Said:
    """Which language a form's responses are stored in, and that their written answers are not
    scored when it has no sentiment model (feedback.sentiment)."""
    key = "imports.forms_language" if has_model(code) else "imports.forms_language_unscored"
    return Said(key, name=LanguageName(code))


def _problem(problem: tuple[str, dict], cell: str) -> Said | None:
    code, values = problem
    if code in ("required", "matrix_rows", "other_missing"):
        return None  # a form may leave out what the survey requires; an import keeps what was given
    return Said(f"forms.problem.{code if code in MESSAGES else 'other'}", **{**values, "value": repr(cell)})


def _describe(survey: Survey, target: Any) -> tuple[str, str]:
    question_id, row = target if isinstance(target, tuple) else (target, None)
    question = survey.question(question_id)
    words = text_in(question.text, survey.languages[0])
    if row is None:
        return question_id, words
    label = next(text_in(r.label, survey.languages[0]) for r in question.rows if r.id == row)
    return f"{question_id} [{row}]", f"{words} [{label}]"


def read_responses(raw: RawTable, *, survey: Survey, explicit: dict[str, str], parsing: Parsing) -> Parsed:
    """Every row checked, every problem found (file, row, column); nothing raised for bad cells."""
    frame = raw.frame
    columns = list(frame.columns)
    mapping, problems = resolve_mapping(columns, explicit, file=raw.file)
    matched, unmatched = match_columns(survey, columns, mapping)
    ids = {question.id for question in survey.questions}
    for column, target in matched.items():
        if isinstance(target, str) and target not in ids | {"submitted_at", "email"}:
            problems.append(
                Problem(raw.file, None, column, Said("forms.not_a_question", target=repr(target), survey=survey.slug))
            )
    if "submitted_at" not in matched.values():
        problems.append(Problem(raw.file, None, None, Said("forms.no_timestamp")))
    warnings: list[str] = [Said("forms.unmatched", file=raw.file, columns=Listed(unmatched))] if unmatched else []
    if problems:
        return Parsed([], [], 0, problems, warnings, unmatched)
    counts = {
        column: ColumnCount(column, *_describe(survey, target))
        for column, target in matched.items()
        if target not in ("submitted_at", "email")
    }
    stamp_column = next(column for column, target in matched.items() if target == "submitted_at")
    email_column = next((column for column, target in matched.items() if target == "email"), None)
    stamps = sheet_times(frame[stamp_column], parsing=parsing)
    rows, empty = [], 0
    for position, (index, cells) in enumerate(frame.iterrows()):
        number = int(cast(int, index)) + raw.first_row  # the frame's index: row positions in the sheet
        given = {column: str(cells[column]).strip() for column in counts}
        if not any(given.values()):
            empty += 1  # a timestamp (and an address) only: no answer to store
            continue
        if pd.isna(stamps.iloc[position]):
            problems.append(
                Problem(raw.file, number, stamp_column, Said("forms.bad_stamp", cell=repr(cells[stamp_column])))
            )
            continue
        answers: dict[str, Any] = {}
        for column, text in given.items():
            if text:
                question_id, row = matched[column] if isinstance(matched[column], tuple) else (matched[column], None)
                TYPES[survey.question(question_id).type].read_cell(survey.question(question_id), text, answers, row=row)
        bad = False
        for column, text in given.items():
            if not text:
                continue
            message = _check(survey, matched[column], answers, text)
            if message:
                problems.append(Problem(raw.file, number, column, message))
                counts[column].refused[message] += 1
                bad = True
            else:
                counts[column].answers += 1
        email = str(cells[email_column]).strip().lower() if email_column else ""
        if not bad:
            rows.append(ParsedResponse(number, answers, stamps.iloc[position].to_pydatetime(), email))
    problems = sorted(set(problems), key=lambda p: (p.row or 0, str(p.column)))
    return Parsed(rows, list(counts.values()), empty, problems, warnings, unmatched, form_language(survey, columns))


def _check(survey: Survey, target: Any, answers: dict[str, Any], cell: str) -> Said | None:
    """What is wrong with one cell's answer, as read into `answers`."""
    if isinstance(target, tuple):  # one grid row: its own cell is checked, not the whole grid
        question = survey.question(target[0])
        point = answers.get(question.id, {}).get(target[1])
        problem = None if point is None else TYPES[question.type].check(question, {target[1]: point})
        return _problem(problem, cell) if problem else None
    problem = check_answer(survey.question(target), answers)
    return _problem(problem, cell) if problem else None


def parse_responses(
    raw: RawTable, *, survey: Survey, explicit: dict[str, str], parsing: Parsing
) -> tuple[list[ParsedResponse], list[str]]:
    """The rows and warnings; raises InvalidData naming file, row and column of every problem (with
    the columns no question matched, so a mistyped header shows beside the problems it causes)."""
    parsed = read_responses(raw, survey=survey, explicit=explicit, parsing=parsing)
    if parsed.problems:
        raise parsed.refusal(raw.file, warnings=getattr(raw, "warnings", ()))
    return parsed.rows, parsed.warnings


def response_keys(slug: str, rows: list[ParsedResponse]) -> list[str]:
    """Each response's key: survey, second and respondent, and its place among the responses of the
    same second and respondent (two anonymous ones in one second), so any download of the same
    responses gives the same keys, whatever the answers or the mapping."""
    seen: Counter[tuple[datetime, str]] = Counter()
    keys = []
    for row in rows:
        place = seen[(row.submitted_at, row.email)]
        seen[(row.submitted_at, row.email)] += 1
        content = "\x1f".join((slug, row.submitted_at.isoformat(timespec="seconds"), row.email, str(place)))
        keys.append("forms:" + hashlib.sha256(content.encode()).hexdigest()[:40])
    return keys


def import_responses(
    app_store: AppStore,
    warehouse: Runner,
    *,
    stored: StoredSurvey,
    raw: RawTable,
    explicit: dict[str, str] | None = None,
    parsing: Parsing,
    actor: str = "cli",
    now: datetime,
) -> FormsImport:
    """Store every row as a completed response of `stored` (source google_forms), all or none; a
    response imported before is updated when its answers differ."""
    parsed = read_responses(raw, survey=stored.survey, explicit=explicit or {}, parsing=parsing)
    if parsed.problems:
        raise parsed.refusal(raw.file, warnings=getattr(raw, "warnings", ()))
    rows = parsed.rows
    warnings = [*getattr(raw, "warnings", ()), *parsed.warnings]  # a responses sheet's hidden rows, merged cells
    if parsed.empty:
        warnings.append(Said("forms.empty_rows", file=raw.file, count=parsed.empty))
    emails = sorted({row.email for row in rows if row.email})
    known: dict[str, str] = {}
    if emails and not stored.anonymous:
        found = warehouse.run(member_ids_by_email_query(emails))
        known = dict(zip(found["email"], found["member_id"], strict=True))
        missing = [email for email in emails if email not in known]
        if missing:
            warnings.append(Said("forms.unknown_emails", file=raw.file, count=len(missing)))
    added = updated = 0
    responses = tables.responses
    with app_store.begin() as connection:
        batch = new_batch(connection, kind=SOURCE, target=stored.slug, file=raw.file, actor=actor, now=now)
        for row, key in zip(rows, response_keys(stored.slug, rows), strict=True):
            answer_list = answer_rows(stored.survey, row.answers)
            member_id = None if stored.anonymous else known.get(row.email)
            existing = connection.execute(
                sa.select(responses.c.id, responses.c.survey_id, responses.c.member_id, responses.c.locale).where(
                    responses.c.idempotency_key == key
                )
            ).first()
            if existing is None:
                store_response(
                    connection,
                    stored=stored,
                    rows=answer_list,
                    key=key,
                    member_id=member_id,
                    submitted_at=row.submitted_at,
                    locale=parsed.language,
                    source=SOURCE,
                    batch=batch,
                )
                added += 1
                continue
            same = {(a.question_id, a.question_type, a.value_num, a.value_text) for a in answer_list}
            now_as = (stored.id, member_id, parsed.language)
            if (existing.survey_id, existing.member_id, existing.locale) == now_as and same == stored_answers(
                connection, existing.id
            ):
                continue
            replace_answers(
                connection,
                stored=stored,
                rows=answer_list,
                response_id=existing.id,
                member_id=member_id,
                submitted_at=row.submitted_at,
                locale=parsed.language,
                batch=batch,
                actor=actor,
                now=now,
            )
            updated += 1
        finish_batch(connection, batch, added=added, updated=updated, skipped=parsed.empty)
    log.info(
        "Forms import %d of %s into %s: %d rows, %d added, %d updated, %d there already, %d empty, %d warnings",
        batch,
        raw.file,
        stored.slug,
        len(rows),
        added,
        updated,
        len(rows) - added - updated,
        parsed.empty,
        len(warnings),
    )
    return FormsImport(
        added=added,
        already_there=len(rows) - added - updated,
        updated=updated,
        empty=parsed.empty,
        batch=batch,
        warnings=warnings,
        language=parsed.language,
    )


def undo_forms_import(app_store: AppStore, batch: int, *, now: datetime, actor: str = "cli") -> int:
    """Remove the responses the import last wrote (added, or updated by it), with their answers and
    inbox items, in one transaction; returns how many. 0 when it was undone before. Items merged
    into those inbox items reopen, `actor` in their history."""
    with app_store.begin() as connection:
        ids = undo_batch(connection, batch, kind=SOURCE, table=tables.responses, now=now)
        removed = 0 if ids is None else remove_responses(connection, ids, actor=actor, now=now)
    log.info("Forms import %d undone: %d responses removed", batch, removed)
    return removed
