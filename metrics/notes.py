"""Notes on the trend charts: what a manager marks on a day or a range of days ("Discord outage",
"pricing change"), kept in the app store (`notes` table) with who wrote it and when, and the
warehouse's campaigns, which mark themselves (docs/metrics.md, "Notes on the charts").

A note's title is what a person wrote: whoever shows it shows it as text. Streamlit-free, like
metrics/goals.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from errors import Said
from metrics import campaigns
from metrics.filters import Filters
from metrics.goals import GoalRefused, check_period, day_of, moment, words
from metrics.scope import Runner
from store import tables
from store.database import AppStore
from store.keys import inserted_id

TITLE_LIMIT = 200  # characters (the column's size)
# An annotation's columns: its kind ("note" or "campaign"), title, first day, exclusive end, and
# the campaign's id (None for a note).
COLUMNS = ("kind", "title", "start", "end", "campaign_id")


@dataclass(frozen=True)
class Note:
    id: int
    title: str
    start: date
    end: date  # exclusive: a note on one day ends the day after
    created_by: str
    created_at: datetime
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)


def _checked_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise GoalRefused(Said("notes.refused.title"))
    if len(title) > TITLE_LIMIT:
        raise GoalRefused(Said("notes.refused.long", limit=TITLE_LIMIT))
    return title


def add_note(app_store: AppStore, *, title: str, start: date, end: date, by: str, now: datetime) -> int:
    """Keep a note on [start, end) (end exclusive) and return its id."""
    title = _checked_title(title)
    check_period(start, end)
    with app_store.begin() as connection:
        return inserted_id(
            connection.execute(
                tables.notes.insert().values(title=title, start_day=start, end_day=end, created_by=by, created_at=now)
            )
        )


def edit_note(app_store: AppStore, note_id: int, *, title: str, start: date, end: date, by: str, now: datetime) -> None:
    title = _checked_title(title)
    check_period(start, end)
    notes = tables.notes
    with app_store.begin() as connection:
        changed = connection.execute(
            notes.update()
            .where(notes.c.id == note_id)
            .values(title=title, start_day=start, end_day=end, updated_by=by, updated_at=now)
        )
        if changed.rowcount != 1:
            raise GoalRefused(Said("goals.refused.gone"))


def delete_note(app_store: AppStore, note_id: int) -> None:
    with app_store.begin() as connection:
        connection.execute(tables.notes.delete().where(tables.notes.c.id == note_id))


def _note(row: Any) -> Note:
    return Note(
        id=int(row.id),
        title=str(row.title),
        start=day_of(row.start_day),
        end=day_of(row.end_day),
        created_by=str(row.created_by),
        created_at=moment(row.created_at) or datetime.min,
        updated_by=words(row.updated_by),
        updated_at=moment(row.updated_at),
    )


def list_notes(app_store: Runner, *, filters: Filters | None = None) -> list[Note]:
    """Every note (or those overlapping the view's period), latest first."""
    notes = tables.notes
    statement = sa.select(notes).order_by(notes.c.start_day.desc(), notes.c.id.desc())
    if filters is not None:
        statement = statement.where(notes.c.start_day < filters.end, notes.c.end_day > filters.start)
    return [_note(row) for row in app_store.run(statement).itertuples(index=False)]


def chart_marks(*, warehouse: Runner, app_store: Runner, filters: Filters) -> pd.DataFrame:
    """What marks the view's period on a trend chart (COLUMNS), earliest first: the campaigns
    running in it (their local first day to the day after their last, or their start alone) and the
    notes overlapping it."""
    return marks_of(warehouse.run(campaigns.campaigns_query(filters=filters)), app_store=app_store, filters=filters)


def marks_of(running: pd.DataFrame, *, app_store: Runner, filters: Filters) -> pd.DataFrame:
    """chart_marks from the campaigns running in the period (campaigns_query's rows), which the
    app caches with the warehouse's build; the notes are read here, fresh."""
    rows: list[tuple[str, str, date, date, str | None]] = []
    for campaign_id, name, starts_at, ends_at in zip(
        running["campaign_id"], running["name"], running["starts_at"], running["ends_at"], strict=True
    ):
        first = filters.local_date(pd.Timestamp(starts_at).to_pydatetime())
        last = first if pd.isna(ends_at) else filters.local_date(pd.Timestamp(ends_at).to_pydatetime())
        rows.append(("campaign", str(name), first, max(last, first) + timedelta(days=1), str(campaign_id)))
    for note in list_notes(app_store, filters=filters):
        rows.append(("note", note.title, note.start, note.end, None))
    frame = pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)  # a note's campaign_id stays None
    return frame.sort_values(["start", "kind", "title"], kind="stable").reset_index(drop=True)
