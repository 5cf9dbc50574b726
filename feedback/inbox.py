"""What the inbox lists and what an item's detail shows, as queries on the app store.

Member filters (segment, engagement level) need the community warehouse, a different database: the
inbox first takes the members whose items match the other filters (`inbox_members_query`), asks the
warehouse which of them are in the segment or at the level, and lists only their items, so the row
limit applies after the member filters. `read_inbox` does both steps, asking a function the caller
gives for the members' profiles (the page's is cached per warehouse build), so this package needs no
warehouse query of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from engines import Runner
from feedback.sentiment import LABELS, NEUTRAL_BAND, NOT_SCORED, mood_of
from feedback.targets import DEFAULT_TARGETS, Targets, due_columns, due_order
from feedback.workflow import OPEN, PRIORITIES, Edit
from ids import parse_id
from store import tables

# The assignee filter's two codes beside the names in use (a name never starts with ":" in practice;
# addresses of earlier versions said "(unassigned)"). ME is resolved to the person looking.
UNASSIGNED = ":unassigned"
ME = ":me"
# "Received" filter: items that arrived since the start of a local day (today included).
RECEIVED = ("today", "this_week", "last_7_days", "last_28_days", "last_90_days")
SCORE_BANDS = ("detractor", "passive", "promoter", "no_score")
SENTIMENTS = (*LABELS, NOT_SCORED)  # not scored: in a language without a sentiment model
SORTS = ("age", "due", "priority", "score", "newest")
MAX_AGE_DAYS = 3650  # the "older than" filter's largest value: beyond it no date is left to compare
LIMIT = 2000  # rows the inbox lists at once; narrow the filters to see others

feedback = tables.feedback

# Member ids -> their profiles (member_id, segment, level), from the community warehouse.
ProfilesOf = Callable[[list[str]], pd.DataFrame]


@dataclass(frozen=True)
class InboxFilters:
    """The inbox's filters; empty means "any". The default lists open items, oldest first."""

    statuses: tuple[str, ...] = OPEN
    priorities: tuple[str, ...] = ()
    assignee: str | None = None  # a name, or UNASSIGNED
    theme: str | None = None  # the accepted theme, else the suggested one
    tag: str | None = None
    sentiment: str | None = None
    score_band: str | None = None
    older_than_days: int | None = None
    received_since: datetime | None = None  # naive UTC (received_since below)
    search: str | None = None
    segment: str | None = None
    level: str | None = None
    sort: str = "age"

    @property
    def needs_members(self) -> bool:
        return bool(self.segment or self.level)

    def keeps(self, profiles: pd.DataFrame) -> list[str]:
        """Of these member profiles (member_id, segment, level), the members the filters keep."""
        kept = profiles
        if self.segment:
            kept = kept[kept["segment"] == self.segment]
        if self.level:
            kept = kept[kept["level"] == self.level]
        return kept["member_id"].tolist()


def received_since(code: str, *, today: date, timezone: str) -> datetime:
    """The start (naive UTC) of a RECEIVED code on the community's `today`: local midnight of today,
    of this week's Monday, or of the day 6, 27 or 89 days before today (so 7, 28 or 90 days with
    today)."""
    days = {"today": 0, "this_week": today.weekday(), "last_7_days": 6, "last_28_days": 27, "last_90_days": 89}
    first = today - timedelta(days=days[code])
    local = datetime.combine(first, datetime.min.time(), ZoneInfo(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def score_band(band: str) -> sa.ColumnElement[bool]:
    """NPS bands (detractor 0-6, passive 7-8, promoter 9-10); on CSAT items 1-2, 3 and 4-5."""
    score, kind = feedback.c.score, feedback.c.score_kind
    if band == "no_score":
        return score.is_(None)
    nps, csat = {"detractor": ((0, 6), (1, 2)), "passive": ((7, 8), (3, 3)), "promoter": ((9, 10), (4, 5))}[band]
    return sa.or_(
        sa.and_(kind == "nps", score.between(*nps)),
        sa.and_(kind == "csat", score.between(*csat)),
    )


def sentiment_is(label: str) -> sa.ColumnElement[bool]:
    value = feedback.c.sentiment
    if label == NOT_SCORED:
        return value.is_(None)
    if label == "negative":
        return value <= -NEUTRAL_BAND
    if label == "positive":
        return value >= NEUTRAL_BAND
    return sa.and_(value > -NEUTRAL_BAND, value < NEUTRAL_BAND)


def theme_of() -> sa.ColumnElement[str]:
    return sa.func.coalesce(feedback.c.theme, feedback.c.suggested_theme)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def inbox_conditions(filters: InboxFilters, *, now: datetime) -> list[sa.ColumnElement[bool]]:
    """Every filter that runs in SQL (all but the member ones), with values bound."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.statuses:
        conditions.append(feedback.c.status.in_(filters.statuses))
    if filters.priorities:
        conditions.append(feedback.c.priority.in_(filters.priorities))
    if filters.assignee == UNASSIGNED:
        conditions.append(feedback.c.assignee.is_(None))
    elif filters.assignee:
        conditions.append(feedback.c.assignee == filters.assignee)
    if filters.theme:
        conditions.append(theme_of() == filters.theme)
    if filters.tag:
        # Tags are a JSON list; its text holds the tag as a JSON string (written by the same encoder).
        conditions.append(sa.cast(feedback.c.tags, sa.Text).like(_like(json.dumps(filters.tag)), escape="\\"))
    if filters.sentiment:
        conditions.append(sentiment_is(filters.sentiment))
    if filters.score_band:
        conditions.append(score_band(filters.score_band))
    if filters.older_than_days:
        conditions.append(feedback.c.created_at < now - timedelta(days=filters.older_than_days))
    if filters.received_since is not None:
        conditions.append(feedback.c.created_at >= filters.received_since)
    search = (filters.search or "").strip()
    if search.startswith("#") and (item_id := parse_id(search[1:])) is not None:
        conditions.append(feedback.c.id == item_id)
    elif search:
        conditions.append(sa.func.lower(feedback.c.text).like(_like(search.lower()), escape="\\"))
    return conditions


def _priority_rank() -> sa.ColumnElement[int]:
    return sa.case({name: rank for rank, name in enumerate(reversed(PRIORITIES))}, value=feedback.c.priority, else_=99)


def duplicates_count() -> sa.ScalarSelect:
    copies = feedback.alias("copies")
    return sa.select(sa.func.count()).where(copies.c.duplicate_of == feedback.c.id).scalar_subquery()


def not_team(team: tuple[str, ...]) -> sa.ColumnElement[bool]:
    """Items not from the team's members: what every figure counts (metrics.scope), so the list and
    its tiles agree."""
    if not team:
        return sa.true()
    return sa.or_(feedback.c.member_id.is_(None), feedback.c.member_id.not_in(team))


def inbox_members_query(filters: InboxFilters, *, now: datetime, team: tuple[str, ...] = ()) -> sa.Select:
    """The members whose items the SQL filters select: what the member filters are checked on."""
    return (
        sa.select(feedback.c.member_id)
        .where(*inbox_conditions(filters, now=now), not_team(team), feedback.c.member_id.is_not(None))
        .distinct()
    )


def inbox_query(
    filters: InboxFilters,
    *,
    now: datetime,
    member_ids: list[str] | None = None,
    limit: int = LIMIT,
    team: tuple[str, ...] = (),
    targets: Targets = DEFAULT_TARGETS,
) -> sa.Select:
    """The items the filters select, in the chosen order, with how many duplicates each absorbed;
    `member_ids` (when the member filters are set) keeps those members' items only; items of the
    `team` are left out. "due" lists them by their next response target under `targets`, the most
    overdue first (feedback.targets)."""
    orders: dict[str, list[sa.ColumnElement]] = {
        "age": [feedback.c.created_at.asc()],
        "due": [*due_order(targets), feedback.c.created_at.asc()],
        "newest": [feedback.c.created_at.desc()],
        "priority": [_priority_rank(), feedback.c.created_at.asc()],
        "score": [feedback.c.score.is_(None), feedback.c.score.asc(), feedback.c.created_at.asc()],
    }
    order = orders[filters.sort]
    return (
        sa.select(
            feedback.c.id,
            feedback.c.created_at,
            feedback.c.source,
            feedback.c.member_id,
            feedback.c.text,
            feedback.c.score,
            feedback.c.score_kind,
            feedback.c.sentiment,
            feedback.c.language,
            feedback.c.status,
            feedback.c.priority,
            feedback.c.assignee,
            feedback.c.tags,
            theme_of().label("theme"),
            (feedback.c.theme.is_(None) & feedback.c.suggested_theme.is_not(None)).label("theme_suggested"),
            feedback.c.duplicate_of,
            duplicates_count().label("duplicates"),
            feedback.c.first_response_at,
            feedback.c.version,
        )
        .where(*inbox_conditions(filters, now=now), not_team(team))
        .where(feedback.c.member_id.in_(member_ids) if member_ids is not None else sa.true())
        .order_by(*order, feedback.c.id)
        .limit(limit)
    )


def with_members(
    items: pd.DataFrame, profiles: pd.DataFrame, *, now: datetime, targets: Targets = DEFAULT_TARGETS
) -> pd.DataFrame:
    """The inbox frame: items with their member's segment and level, age in days, where each stands
    against its next response target (feedback.targets.due_columns: due_hours, overdue, breaching),
    and sentiment as a word."""
    members = profiles.reindex(columns=["member_id", "segment", "level"]).drop_duplicates("member_id")
    frame = items.merge(members, on="member_id", how="left")
    created = pd.to_datetime(frame["created_at"])
    age = (pd.Timestamp(now) - created) / pd.Timedelta(days=1)
    return frame.assign(
        age_days=age.round(1),
        **due_columns(frame, targets=targets, now=now),
        mood=frame["sentiment"].map(mood_of),
        tags=frame["tags"].map(lambda value: list(value) if isinstance(value, list) else []),
    ).reset_index(drop=True)


def read_inbox(
    store: Runner,
    filters: InboxFilters,
    *,
    profiles_of: ProfilesOf,
    now: datetime,
    targets: Targets = DEFAULT_TARGETS,
    team: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The inbox's rows with their members' segment and level (`with_members`), leaving out the
    `team`'s items as every figure does. With a member filter set, the members of the items the
    other filters select are checked first, so the row limit applies after it."""
    member_ids = None
    if filters.needs_members:
        candidates = store.run(inbox_members_query(filters, now=now, team=team))["member_id"].tolist()
        member_ids = filters.keeps(profiles_of(candidates))
    items = store.run(inbox_query(filters, now=now, member_ids=member_ids, team=team, targets=targets))
    profiles = profiles_of(items["member_id"].dropna().unique().tolist())
    return with_members(items, profiles, now=now, targets=targets)


@dataclass(frozen=True)
class BulkChange:
    """One change for every selected item; None leaves a field as each item has it."""

    status: str | None = None
    priority: str | None = None
    assignee: str | None = None  # a name, or UNASSIGNED to clear it
    add_tag: str | None = None

    def __bool__(self) -> bool:
        return any((self.status, self.priority, self.assignee, (self.add_tag or "").strip()))


def bulk_edits(rows: pd.DataFrame, change: BulkChange) -> list[Edit]:
    """One Edit per selected row (the inbox frame's id, version and tags, as the list loaded them),
    naming the version loaded: workflow.save applies them in one transaction, all or nothing. A tag
    is added to each item's own tags."""
    edits = []
    tag = (change.add_tag or "").strip()
    for item_id, version, tags in zip(rows["id"], rows["version"], rows["tags"], strict=True):
        changes: dict[str, object] = {}
        if change.status:
            changes["status"] = change.status
        if change.priority:
            changes["priority"] = change.priority
        if change.assignee:
            changes["assignee"] = None if change.assignee == UNASSIGNED else change.assignee
        held = list(tags) if isinstance(tags, list) else []
        if tag and tag not in held:
            changes["tags"] = [*held, tag]
        if changes:
            edits.append(Edit(int(item_id), int(version), changes))
    return edits


@dataclass(frozen=True)
class InboxChoices:
    """Values in use, for the filter menus and the editors."""

    assignees: list[str]
    themes: list[str]  # accepted, else suggested
    tags: list[str]


def read_choices(store: Runner) -> InboxChoices:
    tags = {tag for value in store.run(tags_query())["tags"] if isinstance(value, list) for tag in value}
    return InboxChoices(
        assignees=store.run(choices_query("assignee"))["value"].tolist(),
        themes=store.run(choices_query("theme"))["value"].tolist(),
        tags=sorted(tags),
    )


@dataclass(frozen=True)
class ItemDetail:
    """One item as its detail shows it; `item` (one row) is empty when no item has the id."""

    item: pd.DataFrame
    duplicates: pd.DataFrame
    history: pd.DataFrame


def read_item(store: Runner, item_id: int) -> ItemDetail:
    return ItemDetail(
        item=store.run(item_query(item_id)),
        duplicates=store.run(duplicates_query(item_id)),
        history=store.run(history_query(item_id)),
    )


def item_query(item_id: int) -> sa.Select:
    return sa.select(feedback, duplicates_count().label("duplicates")).where(feedback.c.id == item_id)


def duplicates_query(item_id: int) -> sa.Select:
    """Items merged into this one, oldest first."""
    return (
        sa.select(feedback.c.id, feedback.c.created_at, feedback.c.member_id, feedback.c.text)
        .where(feedback.c.duplicate_of == item_id)
        .order_by(feedback.c.created_at, feedback.c.id)
    )


def history_query(item_id: int) -> sa.Select:
    """The item's audit log, oldest first: who changed which field from what to what; notes too."""
    events = tables.feedback_events
    return (
        sa.select(events.c.at, events.c.actor, events.c.field, events.c.old_value, events.c.new_value)
        .where(events.c.feedback_id == item_id)
        .order_by(events.c.at, events.c.id)
    )


def choices_query(column: str) -> sa.Select:
    """Distinct assignees or themes in use, for the filter menus."""
    value = theme_of() if column == "theme" else feedback.c[column]
    return sa.select(value.label("value")).where(value.is_not(None)).distinct().order_by(value)


def tags_query() -> sa.Select:
    """Every item's tag list; the distinct tags are gathered in Python (JSON lists differ per engine)."""
    return sa.select(feedback.c.tags).where(feedback.c.tags.is_not(None))


def theme_suggestions_query() -> sa.Select:
    """Suggested themes not yet accepted on open items, with how many items carry each."""
    return (
        sa.select(feedback.c.suggested_theme.label("suggested"), sa.func.count().label("items"))
        .where(feedback.c.theme.is_(None), feedback.c.suggested_theme.is_not(None), feedback.c.status.in_(OPEN))
        .group_by(feedback.c.suggested_theme)
        .order_by(sa.func.count().desc(), feedback.c.suggested_theme)
    )


def items_with_suggestion_query(suggested: str) -> sa.Select:
    """Open items whose suggested theme has not been accepted yet: what "accept" changes."""
    return sa.select(feedback.c.id, feedback.c.version).where(
        feedback.c.theme.is_(None), feedback.c.suggested_theme == suggested, feedback.c.status.in_(OPEN)
    )


def theme_edits(store: Runner, *, suggested: str, theme: str) -> list[Edit]:
    """Accepting a suggestion (under its own name or another): one edit per open item carrying it,
    each naming the version read now, for workflow.save."""
    items = store.run(items_with_suggestion_query(suggested))
    return [
        Edit(int(id_), int(version), {"theme": theme})
        for id_, version in zip(items["id"], items["version"], strict=True)
    ]
