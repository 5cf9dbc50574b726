"""Storing a member's answers exactly once.

Every form carries an idempotency key (kept in the member's browser tab, never in the address, so a
refresh keeps it and a forwarded address does not: ui/survey_session.py).
Submitting writes the response, its answers, the used invitation and the feedback items in one
transaction keyed by it: a double click, a retry or two racing requests store one response, and the
later ones learn that it is already stored. A personal token is spent in the same transaction, with a
conditional update, so two responses can never use one link. When the store fails nothing is half
written; the caller keeps the answers on screen and may retry with the same key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from errors import PulseError, Said
from feedback.intake import NewFeedback, add_feedback, enrichment, remove_feedback
from store import tables
from store.database import AppStore, StoreError
from store.keys import inserted_id
from surveys.answers import AnswerRow, Problem, answer_rows, check_survey, feedback_texts, response_score
from surveys.definition import Survey
from surveys.links import token_hash
from surveys.registry import Availability, StoredSurvey, availability, completed_responses
from surveys.write_back import enqueue

STORE_FAILED = Said("error.store.answers")  # the member's page says survey.unreachable_kept


class Outcome(StrEnum):
    STORED = "stored"
    ALREADY_STORED = "already_stored"  # this key's response was stored before (double click, retry)
    LINK_USED = "link_used"  # the personal link already answered the survey
    LINK_INVALID = "link_invalid"  # no such token for this survey
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    LIMIT = "limit"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    response_id: int | None = None


class AnswersInvalid(PulseError):
    """Raised by submit when answers fail the definition's checks (a required one missing, a value
    out of range); `problems` maps question id to problem. Nothing was stored."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        super().__init__(f"{len(problems)} answer(s) need attention: {', '.join(problems)}")
        self.problems = problems


class _Refused(Exception):  # private control flow inside submit: not a PulseError
    """Rolls the transaction back with an outcome found only after writing began; never escapes
    submit, which turns it into a Result."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


@dataclass(frozen=True)
class Invitation:
    id: int
    member_id: str
    used: bool


def find_invitation(connection: Connection, *, slug: str, token: str) -> Invitation | None:
    """The invitation behind a personal token, only if it belongs to this survey."""
    invitations, surveys = tables.invitations, tables.surveys
    row = connection.execute(
        sa.select(invitations.c.id, invitations.c.member_id, invitations.c.used_at)
        .join(surveys, surveys.c.id == invitations.c.survey_id)
        .where(invitations.c.token_hash == token_hash(token), surveys.c.slug == slug)
    ).first()
    return None if row is None else Invitation(id=row.id, member_id=row.member_id, used=row.used_at is not None)


def check_link(app_store: AppStore, *, slug: str, token: str) -> Outcome | None:
    """Why a personal link cannot be used (unknown or already used), or None when it can."""
    with _store_errors(), app_store.read() as connection:
        invitation = find_invitation(connection, slug=slug, token=token)
    if invitation is None:
        return Outcome.LINK_INVALID
    return Outcome.LINK_USED if invitation.used else None


def response_state(app_store: AppStore, *, key: str) -> bool | None:
    """None when no response has this key, else whether it was completed."""
    responses = tables.responses
    with _store_errors(), app_store.read() as connection:
        row = connection.execute(sa.select(responses.c.completed).where(responses.c.idempotency_key == key)).first()
    return None if row is None else bool(row.completed)


def _mark_link(connection: Connection, *, slug: str, token: str, column: str, now: datetime) -> None:
    invitations, surveys = tables.invitations, tables.surveys
    ours = sa.select(surveys.c.id).where(surveys.c.slug == slug)
    connection.execute(
        invitations.update()
        .where(
            invitations.c.token_hash == token_hash(token),
            invitations.c.survey_id.in_(ours),
            invitations.c[column].is_(None),
        )
        .values({column: now})
    )


def mark_opened(app_store: AppStore, *, slug: str, token: str, now: datetime) -> None:
    """Note when a personal link was first opened (the invitations' "opened" figure)."""
    with _store_errors(), app_store.begin() as connection:
        _mark_link(connection, slug=slug, token=token, column="opened_at", now=now)


def start_response(
    app_store: AppStore, *, stored: StoredSurvey, key: str, locale: str, now: datetime, token: str | None = None
) -> None:
    """Record that someone began answering (the completion rate's denominator); once per key. With
    a personal link's token, also when its member started (the invitations' "started" figure)."""
    if token:
        with _store_errors(), app_store.begin() as connection:
            _mark_link(connection, slug=stored.slug, token=token, column="started_at", now=now)
    try:
        with app_store.begin() as connection:
            connection.execute(
                tables.responses.insert().values(
                    survey_id=stored.id,
                    started_at=now,
                    completed=False,
                    idempotency_key=key,
                    locale=locale,
                    source="web",
                )
            )
    except sa.exc.IntegrityError:
        pass  # already started under this key


@dataclass(frozen=True)
class _Submission:
    stored: StoredSurvey
    answers: dict[str, Any]
    key: str
    token: str | None
    locale: str
    now: datetime
    write_back: bool


def submit(
    app_store: AppStore,
    *,
    stored: StoredSurvey,
    answers: dict[str, Any],
    key: str,
    token: str | None = None,
    locale: str = "en",
    now: datetime,
    write_back: bool = False,
) -> Result:
    """Check the answers, then store the response once (queued for the write-back sheet when
    `write_back`). Raises AnswersInvalid for answers that fail the definition (every answer is
    checked before any condition looks at it, so malformed input is never a TypeError) and
    StoreError when the store cannot be written (nothing is written then)."""
    problems = check_survey(stored.survey, answers)
    if problems:
        raise AnswersInvalid(problems)
    submission = _Submission(
        stored=stored, answers=answers, key=key, token=token, locale=locale, now=now, write_back=write_back
    )
    for row in feedback_texts(stored.survey, answer_rows(stored.survey, answers)):
        enrichment(row.value_text)  # scored now, outside the write lock; the transaction reuses it
    with _store_errors():
        try:
            with app_store.begin() as connection:
                return _write(connection, submission)
        except _Refused as refused:
            return Result(refused.outcome)
        except sa.exc.IntegrityError as error:
            # A concurrent request with the same key won the race; its response is the one stored.
            if response_state(app_store, key=key):
                return Result(Outcome.ALREADY_STORED)
            raise StoreError(STORE_FAILED) from error


def _write(connection: Connection, submission: _Submission) -> Result:
    stored, responses = submission.stored, tables.responses
    existing = connection.execute(
        sa.select(responses.c.id, responses.c.completed).where(responses.c.idempotency_key == submission.key)
    ).first()
    if existing is not None and existing.completed:
        return Result(Outcome.ALREADY_STORED, existing.id)

    invitation = None
    if submission.token is not None:
        invitation = find_invitation(connection, slug=stored.slug, token=submission.token)
        if invitation is None:
            return Result(Outcome.LINK_INVALID)
        if invitation.used:
            return Result(Outcome.LINK_USED)
    if stored.response_limit is not None:  # hold the survey row so racing submitters count in turn
        connection.execute(sa.select(tables.surveys.c.id).where(tables.surveys.c.id == stored.id).with_for_update())
    # Counting responses is needed only against a limit; it grows with the survey, under the write lock.
    completed = completed_responses(connection, stored.slug) if stored.response_limit is not None else 0
    state = availability(stored, now=submission.now, completed=completed)
    if state is not Availability.OPEN:
        return Result(Outcome(state.value))

    member_id = None if stored.anonymous or invitation is None else invitation.member_id
    values = {
        "survey_id": stored.id,
        "member_id": member_id,
        "submitted_at": submission.now,
        "completed": True,
        "locale": submission.locale,
    }
    if existing is None:
        response_id = inserted_id(
            connection.execute(
                responses.insert().values(
                    **values, started_at=submission.now, idempotency_key=submission.key, source="web"
                )
            )
        )
    else:
        updated = connection.execute(
            responses.update()
            .where(responses.c.id == existing.id, responses.c.completed == sa.false())
            .values(**values)
        )
        if updated.rowcount != 1:  # completed by a concurrent request since we looked
            raise _Refused(Outcome.ALREADY_STORED)
        response_id = existing.id

    rows = answer_rows(stored.survey, submission.answers)
    _write_answers(
        connection,
        stored.survey,
        rows,
        response_id=response_id,
        member_id=member_id,
        now=submission.now,
        locale=submission.locale,
    )
    if invitation is not None:
        _spend(connection, invitation, response_id=None if stored.anonymous else response_id, now=submission.now)
    if submission.write_back:
        enqueue(connection, response_id=response_id, now=submission.now)
    return Result(Outcome.STORED, response_id)


def store_response(
    connection: Connection,
    *,
    stored: StoredSurvey,
    rows: list[AnswerRow],
    key: str,
    member_id: str | None,
    submitted_at: datetime,
    locale: str,
    source: str,
    batch: int | None = None,
) -> int:
    """Write a completed response given elsewhere (an imported Google Form), its answers and its
    inbox items, in the caller's transaction; returns its id. `batch` is the import's id."""
    response_id = inserted_id(
        connection.execute(
            tables.responses.insert().values(
                survey_id=stored.id,
                member_id=member_id,
                started_at=submitted_at,
                submitted_at=submitted_at,
                completed=True,
                idempotency_key=key,
                locale=locale,
                source=source,
                import_batch=batch,
            )
        )
    )
    _write_answers(
        connection, stored.survey, rows, response_id=response_id, member_id=member_id, now=submitted_at, locale=locale
    )
    return response_id


def stored_answers(connection: Connection, response_id: int) -> set[tuple[str, str, float | None, str | None]]:
    """A response's answers as (question id, type, number, text), to compare with new ones."""
    answers = tables.answers
    found = connection.execute(
        sa.select(answers.c.question_id, answers.c.question_type, answers.c.value_num, answers.c.value_text).where(
            answers.c.response_id == response_id
        )
    )
    return {(row.question_id, row.question_type, row.value_num, row.value_text) for row in found}


def replace_answers(
    connection: Connection,
    *,
    stored: StoredSurvey,
    rows: list[AnswerRow],
    response_id: int,
    member_id: str | None,
    submitted_at: datetime,
    locale: str,
    batch: int | None,
    actor: str,
    now: datetime,
) -> None:
    """An imported response read again (another mapping, a newer definition, another language): its
    answers become `rows`, in the caller's transaction. Its inbox items whose text is still answered
    keep their triage (their language and sentiment read again in `locale`); those of answers now
    gone are removed (items merged into them reopen, `actor` and `now` in their history), new ones
    added."""
    responses, feedback = tables.responses, tables.feedback
    connection.execute(
        responses.update()
        .where(responses.c.id == response_id)
        .values(survey_id=stored.id, member_id=member_id, import_batch=batch, locale=locale)
    )
    connection.execute(tables.answers.delete().where(tables.answers.c.response_id == response_id))
    items = connection.execute(
        sa.select(feedback.c.id, feedback.c.question_id, feedback.c.text).where(feedback.c.response_id == response_id)
    ).all()
    kept = {(row.question_id, row.value_text) for row in feedback_texts(stored.survey, rows)}
    gone = [item.id for item in items if (item.question_id, item.text) not in kept]
    remove_feedback(connection, gone, actor=actor, now=now)
    still = frozenset((item.question_id, item.text) for item in items if (item.question_id, item.text) in kept)
    for item in items:
        if (item.question_id, item.text) in still:
            fresh = enrichment(item.text, locale)
            connection.execute(
                feedback.update()
                .where(feedback.c.id == item.id)
                .values(language=fresh.language, sentiment=fresh.sentiment)
            )
    _write_answers(
        connection,
        stored.survey,
        rows,
        response_id=response_id,
        member_id=member_id,
        now=submitted_at,
        locale=locale,
        kept=still,
    )


def remove_responses(connection: Connection, ids: list[int], *, actor: str, now: datetime) -> int:
    """Delete responses with their answers, inbox items and write-back rows, in the caller's
    transaction (an import undone); an invitation that led to one stays used; items merged into
    their inbox items reopen, `actor` and `now` in their history. Returns how many."""
    removed = 0
    for start in range(0, len(ids), 500):  # bounded IN lists: SQLite limits bound values
        batch = ids[start : start + 500]
        items = connection.execute(sa.select(tables.feedback.c.id).where(tables.feedback.c.response_id.in_(batch)))
        remove_feedback(connection, list(items.scalars()), actor=actor, now=now)
        connection.execute(tables.answers.delete().where(tables.answers.c.response_id.in_(batch)))
        connection.execute(tables.sheet_outbox.delete().where(tables.sheet_outbox.c.response_id.in_(batch)))
        invitations = tables.invitations
        connection.execute(invitations.update().where(invitations.c.response_id.in_(batch)).values(response_id=None))
        removed += connection.execute(tables.responses.delete().where(tables.responses.c.id.in_(batch))).rowcount
    return removed


def _write_answers(
    connection: Connection,
    survey: Survey,
    rows: list[AnswerRow],
    *,
    response_id: int,
    member_id: str | None,
    now: datetime,
    locale: str | None,
    kept: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """The answers, and one feedback item per non-empty free-text answer with the response's score
    and language, but for those `kept` (question id, text): the items the response has already."""
    if rows:
        connection.execute(tables.answers.insert(), [_answer_row(row, response_id) for row in rows])
    kind, score = response_score(rows) or (None, None)
    items = [
        NewFeedback(
            source="survey",
            text=row.value_text,
            created_at=now,
            member_id=member_id,
            score=score,
            score_kind=kind,
            response_id=response_id,
            question_id=row.question_id,
            language=locale,
        )
        for row in feedback_texts(survey, rows)
        if row.value_text  # always so (feedback_texts keeps answers with text); narrows str | None for mypy
        and (row.question_id, row.value_text) not in kept
    ]
    add_feedback(connection, items, actor="survey", now=now)


def _answer_row(row: AnswerRow, response_id: int) -> dict[str, Any]:
    return {
        "response_id": response_id,
        "question_id": row.question_id,
        "question_type": row.question_type,
        "value_num": row.value_num,
        "value_text": row.value_text,
    }


def _spend(connection: Connection, invitation: Invitation, *, response_id: int | None, now: datetime) -> None:
    """Mark the link used, only if nobody did since it was read. For anonymous surveys the day is
    kept and the response is not, so an invitation cannot be matched to an answer."""
    invitations = tables.invitations
    used_at = now if response_id is not None else now.replace(hour=0, minute=0, second=0, microsecond=0)
    spent = connection.execute(
        invitations.update()
        .where(invitations.c.id == invitation.id, invitations.c.used_at.is_(None))
        .values(used_at=used_at, response_id=response_id)
    )
    if spent.rowcount != 1:
        raise _Refused(Outcome.LINK_USED)


@contextmanager
def _store_errors() -> Iterator[None]:
    """Turn driver failures into StoreError with a message for the member."""
    try:
        yield
    except sa.exc.IntegrityError:
        raise
    except sa.exc.DBAPIError as error:
        raise StoreError(STORE_FAILED) from error
