"""Every way feedback arrives (survey answers, imports, manual entry) goes through `add_feedback`,
so each item gets its language, sentiment and suggested theme once, when it arrives, and starts its
history with a "created" entry."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feedback.sentiment import Language, language_of, sentiment_of
from feedback.themes import suggest_theme
from feedback.workflow import unmerge_removed
from store import tables
from store.database import AppStore

MAX_TEXT = 20_000  # longer texts are refused by import and entry: feedback, not documents
KEY_BATCH = 500


@dataclass(frozen=True)
class NewFeedback:
    source: str
    text: str
    created_at: datetime  # naive UTC, like every timestamp in the app store
    member_id: str | None = None
    score: float | None = None
    score_kind: str | None = None  # "nps" or "csat"
    response_id: int | None = None
    question_id: str | None = None
    import_key: str | None = None
    import_batch: int | None = None  # the import (import_batches.id) that brought it, for undoing
    tags: tuple[str, ...] = ()  # an imported item's question, when a file has several text columns
    language: str | None = None  # the language it was given in, when known (a survey's): see enrichment


@dataclass(frozen=True)
class Enrichment:
    """What is computed from an item's text on arrival, stored in the feedback columns of the same
    names (`asdict` gives them). Frozen, as one instance is shared by every caller of the cache."""

    language: Language
    sentiment: float | None  # -1 to 1; None: not scored (a language without a model, feedback.sentiment)
    suggested_theme: str | None


@lru_cache(maxsize=1024)
def enrichment(text: str, declared: str | None = None) -> Enrichment:
    """What is computed from the text on arrival (remembered for repeated texts, and so a caller can
    compute it before taking a write lock); `declared` is the language it was given in where known
    (a survey answer's), which decides what the text itself cannot tell."""
    language = language_of(text, declared)
    return Enrichment(language, sentiment_of(text, language), suggest_theme(text))


def import_key(item: NewFeedback) -> str:
    """Identifies an imported row by what it says, so the same row imported twice is one item."""
    parts = (item.source, item.created_at.isoformat(sep=" "), item.member_id or "", item.text.strip(), *item.tags)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def record(store: AppStore, item: NewFeedback, *, actor: str, now: datetime) -> int:
    """Add one item in a transaction of its own (manual entry); returns its id."""
    with store.begin() as connection:
        (new_id,) = add_feedback(connection, [item], actor=actor, now=now)
    return new_id


def add_feedback(connection: Connection, items: list[NewFeedback], *, actor: str, now: datetime) -> list[int]:
    """Insert the items (those whose import_key is already stored are skipped) with their
    enrichment and a "created" history entry, in the caller's transaction; returns the new ids."""
    keys = [item.import_key for item in items if item.import_key]
    known: set[str] = set()
    for start in range(0, len(keys), KEY_BATCH):  # bounded IN lists: SQLite limits bound values
        batch = keys[start : start + KEY_BATCH]
        stored = sa.select(tables.feedback.c.import_key).where(tables.feedback.c.import_key.in_(batch))
        known.update(connection.execute(stored).scalars())
    fresh, seen = [], set()
    for item in items:
        if item.import_key and (item.import_key in known or item.import_key in seen):
            continue
        seen.add(item.import_key)
        fresh.append(item)
    if not fresh:
        return []
    rows = [
        {
            "source": item.source,
            "response_id": item.response_id,
            "question_id": item.question_id,
            "member_id": item.member_id,
            "created_at": item.created_at,
            "text": item.text,
            "score": item.score,
            "score_kind": item.score_kind if item.score is not None else None,
            "status": "new",
            "updated_at": now,
            "import_key": item.import_key,
            "import_batch": item.import_batch,
            "tags": list(item.tags) or None,
            "version": 1,
            **asdict(enrichment(item.text, item.language)),
        }
        for item in fresh
    ]
    inserted = connection.execute(
        tables.feedback.insert().returning(tables.feedback.c.id, sort_by_parameter_order=True), rows
    )
    ids = [row.id for row in inserted]
    connection.execute(
        tables.feedback_events.insert(),
        [
            {"feedback_id": id_, "version": 1, "actor": actor, "at": now, "field": "created", "new_value": item.source}
            for id_, item in zip(ids, fresh, strict=True)
        ],
    )
    return ids


def remove_feedback(connection: Connection, ids: list[int], *, actor: str, now: datetime) -> int:
    """Delete the items with their history, in the caller's transaction (an import undone, an
    imported answer gone); items merged into them stand alone again, reopened, with `actor` and
    `now` in their history (workflow.unmerge_removed). Returns how many."""
    feedback, removed, removing = tables.feedback, 0, set(ids)
    for start in range(0, len(ids), KEY_BATCH):
        batch = ids[start : start + KEY_BATCH]
        unmerge_removed(connection, batch, removing=removing, actor=actor, now=now)
        connection.execute(tables.feedback_events.delete().where(tables.feedback_events.c.feedback_id.in_(batch)))
        removed += connection.execute(feedback.delete().where(feedback.c.id.in_(batch))).rowcount
    return removed


def rescore(store: AppStore) -> int:
    """Compute every item's language, sentiment and suggested theme again from its text (and a survey
    answer's from the language its response was given in), with the rules as they are now (items
    keep the scores they got on arrival until this runs); returns how many items changed. Managers'
    fields (theme, status, …), the version and the history are left alone: these columns are
    computed, not edited."""
    columns, responses = tables.feedback.c, tables.responses
    changed = 0
    with store.begin() as connection:
        stored = connection.execute(
            sa.select(
                columns.id,
                columns.text,
                columns.language,
                columns.sentiment,
                columns.suggested_theme,
                responses.c.locale,
            ).select_from(tables.feedback.outerjoin(responses, responses.c.id == columns.response_id))
        ).all()
        for row in stored:
            fresh = enrichment(row.text, row.locale)
            if (row.language, row.sentiment, row.suggested_theme) != (
                fresh.language,
                fresh.sentiment,
                fresh.suggested_theme,
            ):
                connection.execute(tables.feedback.update().where(columns.id == row.id).values(**asdict(fresh)))
                changed += 1
    return changed
