"""Feedback numbers (DESIGN.md: feedback): open items, age, time to first response, breakdowns, and
the negative-sentiment risk signal.

Feedback lives in the app store and members' channel/region/segment in the warehouse, so rows are
taken per member (or per item) and narrowed with `in_scope`. Medians are taken in pandas over the
items of one period: SQLite has no median, and these are hundreds of rows, not millions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from feedback.sentiment import NEUTRAL_BAND, NOT_SCORED, mood_of
from feedback.targets import DEFAULT_TARGETS, Targets, due_columns
from metrics.filters import Filters
from metrics.scope import Runner, in_scope
from metrics.sql import count_where
from store import tables

feedback = tables.feedback

# The risk rule: the latest 7 days of the period against the 8 weeks before them (pooled).
RISK_BASELINE_WEEKS = 8
RISK_MIN_ITEMS = 5  # in the latest week and in the baseline: fewer is noise
RISK_MIN_RISE = 0.15  # at least 15 percentage points above the baseline share...
RISK_MIN_RATIO = 1.5  # ...and at least one and a half times it

NO_THEME = "(none)"  # open items without a theme, in by_theme (pages show the catalog's words)


def _open_at(moment) -> sa.ColumnElement[bool]:
    return sa.and_(
        feedback.c.created_at < moment,
        sa.or_(feedback.c.closed_at.is_(None), feedback.c.closed_at >= moment),
    )


def open_feedback_by_member_query(*, filters: Filters) -> sa.Select:
    """Per member: feedback items open at the period's end (created before it, not closed by then);
    merged duplicates count through their original."""
    return (
        sa.select(feedback.c.member_id, sa.func.count().label("items"))
        .where(_open_at(filters.end_utc), feedback.c.duplicate_of.is_(None))
        .group_by(feedback.c.member_id)
    )


def open_feedback(*, app_store: Runner, warehouse: Runner, filters: Filters) -> int:
    """How many feedback items from members in scope were open at the end of the period."""
    rows = in_scope(app_store.run(open_feedback_by_member_query(filters=filters)), warehouse=warehouse, filters=filters)
    return int(rows["items"].sum())


def feedback_items_query(*, filters: Filters) -> sa.Select:
    """Items open at the period's end or created in the period: what the Feedback page's figures
    are taken from."""
    created_in_period = sa.and_(feedback.c.created_at >= filters.start_utc, feedback.c.created_at < filters.end_utc)
    return sa.select(
        feedback.c.id,
        feedback.c.member_id,
        feedback.c.created_at,
        feedback.c.first_response_at,
        feedback.c.closed_at,
        feedback.c.status,
        feedback.c.priority,
        feedback.c.sentiment,
        sa.func.coalesce(feedback.c.theme, feedback.c.suggested_theme).label("theme"),
        feedback.c.duplicate_of,
    ).where(sa.or_(_open_at(filters.end_utc), created_in_period))


@dataclass(frozen=True)
class FeedbackSummary:
    """At the period's end: open items, those past their next response target (overdue) and those
    due within a day (breaching), their median age; over items created in the period: median time
    to first response, how many still await one, and the negative share."""

    open: int
    overdue: int
    breaching: int
    median_age_days: float | None
    median_first_response_hours: float | None
    awaiting_response: int
    received: int
    negative_share: float | None  # among the items received that were scored
    by_status: pd.DataFrame  # status, items (open at the end)
    by_theme: pd.DataFrame  # theme, items (open at the end; NO_THEME when no theme)
    by_sentiment: pd.DataFrame  # sentiment, items (received in the period; NOT_SCORED among them)
    not_scored: int = 0  # received in a language without a sentiment model: counted apart, not as neutral


def open_at_end(items: pd.DataFrame, *, filters: Filters) -> pd.Series:
    """Which `feedback_items_query` rows were open at the period's end: created before it and not
    closed by then; merged duplicates count through their original."""
    end = pd.Timestamp(filters.end_utc)
    closed = pd.to_datetime(items["closed_at"])
    return (
        (pd.to_datetime(items["created_at"]) < end) & (closed.isna() | (closed >= end)) & items["duplicate_of"].isna()
    )


def summarise(
    items: pd.DataFrame, *, filters: Filters, targets: Targets = DEFAULT_TARGETS, now: datetime | None = None
) -> FeedbackSummary:
    """The summary of `feedback_items_query` rows (already narrowed to members in scope). Ages and
    response targets (feedback.targets) are taken at the period's end, or at `now` (naive UTC) for a
    period that has not ended yet, as the inbox list takes them."""
    end = pd.Timestamp(filters.end_utc)
    created = pd.to_datetime(items["created_at"])
    first = pd.to_datetime(items["first_response_at"])
    is_open = open_at_end(items, filters=filters)
    aged_at = min(end, pd.Timestamp(now)) if now is not None else end
    age_days = (aged_at - created[is_open]) / pd.Timedelta(days=1)
    received = (created >= pd.Timestamp(filters.start_utc)) & (created < end)
    answered = received & first.notna() & (first < end)
    response_hours = (first[answered] - created[answered]) / pd.Timedelta(hours=1)
    moods = items.loc[received, "sentiment"].map(mood_of)
    scored = moods[moods != NOT_SCORED]
    due = _due_at(items[is_open], targets=targets, at=aged_at)
    return FeedbackSummary(
        open=int(is_open.sum()),
        overdue=int(due["overdue"].sum()),
        breaching=int(due["breaching"].sum()),
        median_age_days=_median(age_days),
        median_first_response_hours=_median(response_hours),
        awaiting_response=int((received & ~answered).sum()),
        received=int(received.sum()),
        negative_share=float((scored == "negative").mean()) if len(scored) else None,
        not_scored=int((moods == NOT_SCORED).sum()),
        by_status=_counts(items.loc[is_open, "status"], "status"),
        by_theme=_counts(items.loc[is_open, "theme"].fillna(NO_THEME), "theme"),
        by_sentiment=_counts(moods, "sentiment"),
    )


def _due_at(opened: pd.DataFrame, *, targets: Targets, at: pd.Timestamp) -> pd.DataFrame:
    """Where items open at `at` stood against their next response target then: open, and answered
    only if the first response came before it (as the inbox list does at now)."""
    first = pd.to_datetime(opened["first_response_at"])
    as_then = opened.assign(status="triaged", first_response_at=first.where(first < at))
    return due_columns(as_then, targets=targets, now=at.to_pydatetime())


def feedback_summary(
    *,
    app_store: Runner,
    warehouse: Runner,
    filters: Filters,
    targets: Targets = DEFAULT_TARGETS,
    now: datetime | None = None,
) -> FeedbackSummary:
    items = in_scope(app_store.run(feedback_items_query(filters=filters)), warehouse=warehouse, filters=filters)
    return summarise(items, filters=filters, targets=targets, now=now)


@dataclass(frozen=True)
class ResponseTimes:
    """Over the items received in the period (members in scope; anonymous ones unless the filters
    select members): how many were first answered by its end and the median hours it took, and of
    those not merged as duplicates, how many were resolved (resolved or won't fix) by its end and the
    median hours from arrival. Medians are None when nothing was answered or resolved."""

    received: int
    answered: int
    median_first_response_hours: float | None
    resolvable: int  # received and not merged into another item
    resolved: int
    median_resolution_hours: float | None


def response_times_query(*, filters: Filters) -> sa.Select:
    """The period's items with when they were first answered and closed, and how."""
    return sa.select(
        feedback.c.member_id,
        feedback.c.created_at,
        feedback.c.first_response_at,
        feedback.c.closed_at,
        feedback.c.status,
    ).where(feedback.c.created_at >= filters.start_utc, feedback.c.created_at < filters.end_utc)


def response_times(*, app_store: Runner, warehouse: Runner, filters: Filters) -> ResponseTimes:
    """The Overview's median time to first response and to resolution (docs/feedback.md: a first
    response is a manager's first change or note; resolution is resolved or won't fix)."""
    items = in_scope(app_store.run(response_times_query(filters=filters)), warehouse=warehouse, filters=filters)
    end = pd.Timestamp(filters.end_utc)
    created = pd.to_datetime(items["created_at"])
    first, closed = pd.to_datetime(items["first_response_at"]), pd.to_datetime(items["closed_at"])
    answered = first.notna() & (first < end)
    resolvable = items["status"] != "duplicate"
    resolved = resolvable & items["status"].isin(("resolved", "wont_fix")) & closed.notna() & (closed < end)
    return ResponseTimes(
        received=len(items),
        answered=int(answered.sum()),
        median_first_response_hours=_median((first[answered] - created[answered]) / pd.Timedelta(hours=1)),
        resolvable=int(resolvable.sum()),
        resolved=int(resolved.sum()),
        median_resolution_hours=_median((closed[resolved] - created[resolved]) / pd.Timedelta(hours=1)),
    )


def open_themes(*, app_store: Runner, warehouse: Runner, filters: Filters, limit: int = 5) -> pd.DataFrame:
    """The `limit` themes with most items from members in scope open at the period's end: theme
    (missing: not themed yet), items, and the id of its newest open item; most items first, then named
    themes before the unthemed, then by name."""
    items = in_scope(app_store.run(feedback_items_query(filters=filters)), warehouse=warehouse, filters=filters)
    opened = items[open_at_end(items, filters=filters)].sort_values(["created_at", "id"])
    rows: list[tuple[str | None, int, int]] = [  # theme, items, newest
        (None if theme == "" else str(theme), len(group), int(group["id"].iloc[-1]))
        for theme, group in opened.groupby(opened["theme"].fillna(""))
    ]
    rows.sort(key=lambda row: (-row[1], row[0] is None, row[0] or ""))
    return pd.DataFrame(rows[:limit], columns=["theme", "items", "newest"])


def _median(values: pd.Series) -> float | None:
    return None if values.empty else round(float(values.median()), 1)


def _counts(values: pd.Series, name: str) -> pd.DataFrame:
    counts = values.value_counts()
    return pd.DataFrame({name: counts.index.astype(str), "items": counts.to_numpy(dtype=int)})


@dataclass(frozen=True)
class NegativeShare:
    """Items with a sentiment and the negative ones, in the latest week and in the baseline weeks."""

    latest_negative: int
    latest_items: int
    baseline_negative: int
    baseline_items: int

    @property
    def latest_share(self) -> float | None:
        return self.latest_negative / self.latest_items if self.latest_items else None

    @property
    def baseline_share(self) -> float | None:
        return self.baseline_negative / self.baseline_items if self.baseline_items else None

    @property
    def alert(self) -> bool:
        """The documented rule: enough items on both sides, and the latest share at least
        RISK_MIN_RISE above the baseline share and at least RISK_MIN_RATIO times it."""
        if self.latest_items < RISK_MIN_ITEMS or self.baseline_items < RISK_MIN_ITEMS:
            return False
        latest, baseline = self.latest_share or 0.0, self.baseline_share or 0.0
        return latest >= baseline + RISK_MIN_RISE and latest >= RISK_MIN_RATIO * baseline


def negative_share_query(*, filters: Filters) -> sa.Select:
    """Per member and window (latest = the period's last 7 days; else the 8 weeks before them):
    items with a sentiment, and how many are negative."""
    latest_start = filters.utc(filters.end - timedelta(days=7))
    baseline_start = filters.utc(filters.end - timedelta(days=7 * (RISK_BASELINE_WEEKS + 1)))
    latest = sa.case((feedback.c.created_at >= latest_start, 1), else_=0).label("latest")
    return (
        sa.select(
            feedback.c.member_id,
            latest,
            sa.func.count().label("items"),
            count_where(feedback.c.sentiment <= -NEUTRAL_BAND).label("negative"),
        )
        .where(
            feedback.c.sentiment.is_not(None),
            feedback.c.created_at >= baseline_start,
            feedback.c.created_at < filters.end_utc,
        )
        .group_by(feedback.c.member_id, latest)
    )


def negative_share(*, app_store: Runner, warehouse: Runner, filters: Filters) -> NegativeShare:
    rows = in_scope(app_store.run(negative_share_query(filters=filters)), warehouse=warehouse, filters=filters)
    latest = rows[rows["latest"] == 1]
    baseline = rows[rows["latest"] == 0]
    return NegativeShare(
        latest_negative=int(latest["negative"].sum()),
        latest_items=int(latest["items"].sum()),
        baseline_negative=int(baseline["negative"].sum()),
        baseline_items=int(baseline["items"].sum()),
    )
