"""Member-days: one row per member and local day with activity, the grain most metrics count in,
and the rollup tables that store them.

Active members, churn, movers, levels, cohorts, campaign lift and the leaderboard all ask "which
members were active on which days", and at 10M activities answering it from `activities` (a time
zone conversion, a join to members on a text id and a DISTINCT per query) was most of a page's time.

So sync writes the answer once (data_sources/rollup.py): `member_keys` gives every member an integer
key beside their join time, team flag and dimensions; `activity_days` counts activities per member,
day, kind and platform (what the figures by kind or platform read); `member_days` holds (member_key,
day, activities, contributions, points, the member's previous and next active day, and running
counts of their active weeks and contributions) in day order, so a period reads only its own rows;
`member_months` groups them by month (metrics/member_periods.py);
`activity_changes` holds the DAU/WAU/MAU changes per day (metrics/activity.py); `pulse_info` records
the time zone the days are in and the rollup's version.

Metrics ask `member_days(filters, first, end)` (or `activity_days`) for a period's rows, a
`FromRollup`. The choice between the tables and the same rows computed from `activities` is made
when the statement is compiled for a database: `Warehouse` marks each engine's dialect with the time
zone of the rollup it found (`mark_dialect`), and a statement whose time zone matches reads the
tables. Warehouses queried in place without them (or with a rollup of an older version, which lacks
tables metrics now read), and views in another time zone, get the computed rows: same columns, same
answers.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.visitors import InternalTraversal

import schema
from metrics.filters import Filters, day_number
from metrics.sql import day_of, member_conditions, week_start

activities, members = schema.activities, schema.members
DEFAULT_POINTS = {"event_attend": 20, "post": 10, "comment": 5, "message": 2, "reaction": 1, "login": 0}
OTHER_KIND_POINTS = 1
TIMEZONE_KEY = "member_days_timezone"
BUILT_AT_KEY = "member_days_built_at"  # UTC, ISO 8601
VERSION_KEY = "rollup_version"
VERSION = "4"  # raise when the rollup's tables change: an older rollup is then not read
DIALECT_ATTRIBUTE = "pulse_member_days_timezone"

rollup_metadata = sa.MetaData()
KEYED = ("member_id", "joined_at", "is_team", *schema.MEMBER_DIMENSIONS)  # what member_keys copies
member_keys = sa.Table(  # members with an integer key; the member-days carry only the key
    "member_keys",
    rollup_metadata,
    sa.Column("member_key", sa.Integer, primary_key=True),
    *(sa.Column(name, members.c[name].type, nullable=members.c[name].nullable) for name in KEYED),
)
rollup = sa.Table(
    "member_days",
    rollup_metadata,
    sa.Column("member_key", sa.Integer, nullable=False),
    sa.Column("day", sa.Integer, nullable=False),
    sa.Column("activities", sa.Integer, nullable=False),
    sa.Column("contributions", sa.Integer, nullable=False),
    sa.Column("points", sa.Float, nullable=False),
    # The member's active day before and after this one (NULL: none), over their whole history:
    # coverage changes (metrics/activity.py) and first days in a period (metrics/retention.py).
    sa.Column("previous_day", sa.Integer),
    sa.Column("next_day", sa.Integer),
    # Running counts over the member's history up to this day: distinct active weeks (Monday start)
    # and contributions. A window's figures are its last day's less its first's (member_periods.py).
    sa.Column("weeks_so_far", sa.Integer, nullable=False),
    sa.Column("contributions_so_far", sa.Integer, nullable=False),
)
activity_rollup = sa.Table(  # activities per member, local day, kind and platform; see activity_days()
    "activity_days",
    rollup_metadata,
    sa.Column("member_key", sa.Integer, nullable=False),
    sa.Column("day", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("platform", sa.String),
    sa.Column("activities", sa.Integer, nullable=False),
    sa.Column("points", sa.Float, nullable=False),
)
activity_changes = sa.Table(  # see metrics/activity.py: per day and member combination, team left out
    "activity_changes",
    rollup_metadata,
    sa.Column("day", sa.Integer, nullable=False),
    *(sa.Column(name, sa.String) for name in schema.MEMBER_DIMENSIONS),
    sa.Column("dau", sa.Integer, nullable=False),
    sa.Column("wau_change", sa.Integer, nullable=False),
    sa.Column("mau_change", sa.Integer, nullable=False),
)
info = sa.Table(
    "pulse_info",
    rollup_metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.String, nullable=False),
)


def is_contribution(kind: sa.ColumnElement = activities.c.kind) -> sa.ColumnElement[bool]:
    """A contribution is any activity other than a login (`kind`: the activity's kind)."""
    return kind != "login"


def points() -> sa.ColumnElement:
    """The activity's points where the source gives them, else the default for its kind."""
    default = sa.case(
        *((activities.c.kind == kind, sa.literal(value)) for kind, value in DEFAULT_POINTS.items()),
        else_=sa.literal(OTHER_KIND_POINTS),
    )
    return sa.func.coalesce(activities.c.points, default)


def _grouped_activities(
    filters: Filters, *conditions: sa.ColumnElement[bool], by: tuple[sa.ColumnElement, ...] = ()
) -> sa.Subquery:
    """Activities grouped by member, local day and the `by` columns (grouping before the join to
    members is what keeps the build fast: one pass over narrow rows)."""
    day = day_of(activities.c.occurred_at, filters)
    return (
        sa.select(
            activities.c.member_id,
            day.label("day"),
            *by,
            sa.func.count().label("activities"),
            sa.func.sum(sa.case((is_contribution(), 1), else_=0)).label("contributions"),
            sa.func.sum(points()).label("points"),
        )
        .where(*conditions)
        .group_by(activities.c.member_id, day, *by)
        .subquery("activity_days")
    )


def _with_member(
    days: sa.FromClause, key: sa.ColumnElement, source: sa.FromClause, *, key_column: str = "member_id"
) -> sa.Select:
    """The member-days beside the member's id, join time and dimensions from `source` (members, or
    member_keys joined on the integer key)."""
    return sa.select(
        key.label("member_key"),
        source.c.member_id,
        days.c.day,
        days.c.activities,
        days.c.contributions,
        days.c.points,
        source.c.joined_at,
        *(source.c[name] for name in schema.MEMBER_DIMENSIONS),
    ).join(source, source.c[key_column] == days.c[key_column])


def member_keys_query() -> sa.Select:
    """Every member with an integer key, for `CREATE TABLE member_keys AS`."""
    return sa.select(
        sa.func.row_number().over(order_by=members.c.member_id).label("member_key"),
        *(members.c[name] for name in KEYED),
    ).order_by(members.c.member_id)


def activity_days_query(timezone: str) -> sa.Select:
    """Activities of known members (team included) per member key, day in `timezone`, kind and
    platform, in day order, for `CREATE TABLE activity_days AS` once member_keys exists."""
    in_zone = Filters(start=date(1970, 1, 1), end=date(1970, 1, 2), timezone=timezone)  # only its zone is read
    grouped = _grouped_activities(in_zone, by=(activities.c.kind, activities.c.platform))
    return (
        sa.select(*_activity_day_columns(grouped, member_keys.c.member_key))
        .join(member_keys, member_keys.c.member_id == grouped.c.member_id)
        .order_by(grouped.c.day)
    )


def _activity_day_columns(grouped: sa.Subquery, key: sa.ColumnElement) -> list[sa.ColumnElement]:
    """activity_days' columns from _grouped_activities by kind and platform, with `key` as member_key."""
    return [
        key.label("member_key"),
        *(grouped.c[column.name] for column in activity_rollup.c if column.name != "member_key"),
    ]


def rollup_query() -> sa.Select:
    """Every member-day, in day order, for `CREATE TABLE member_days AS` once activity_days exists:
    its rows summed per member and day, with each member's previous and next active day and the
    running counts of weeks and contributions."""
    source = activity_rollup
    days = (
        sa.select(
            source.c.member_key,
            source.c.day,
            sa.func.sum(source.c.activities).label("activities"),
            sa.func.sum(sa.case((is_contribution(source.c.kind), source.c.activities), else_=0)).label("contributions"),
            sa.func.sum(source.c.points).label("points"),
        )
        .group_by(source.c.member_key, source.c.day)
        .subquery("summed")
    )
    order: dict[str, Any] = {"partition_by": days.c.member_key, "order_by": days.c.day}  # keyword arguments of over()
    return sa.select(
        *days.c,
        sa.func.lag(days.c.day).over(**order).label("previous_day"),
        sa.func.lead(days.c.day).over(**order).label("next_day"),
        sa.func.dense_rank()
        .over(partition_by=days.c.member_key, order_by=week_start(days.c.day))
        .label("weeks_so_far"),
        sa.func.sum(days.c.contributions).over(**order, rows=(None, 0)).label("contributions_so_far"),
    ).order_by(days.c.day)


class FromRollup(TableClause):
    """A FROM item with two equivalent definitions: `from_rollup` reads the rollup tables, which
    the statement uses where the database has them in the view's time zone; `computed` derives the
    same rows from the canonical tables everywhere else."""

    __visit_name__ = "pulse_from_rollup"
    inherit_cache = True
    # ClassVar, as SQLAlchemy reads it from the class (and ruff's RUF012 asks); TableClause annotates
    # it as a plain attribute, which mypy will not let a subclass redeclare.
    _traverse_internals: ClassVar = [  # type: ignore[misc]
        *TableClause._traverse_internals,
        ("timezone", InternalTraversal.dp_string),
        ("from_rollup", InternalTraversal.dp_clauseelement),
        ("computed", InternalTraversal.dp_clauseelement),
    ]

    def __init__(
        self, name: str, timezone: str, from_rollup: sa.Select | sa.CompoundSelect, computed: sa.Select
    ) -> None:
        super().__init__(name, *(sa.column(column.name, column.type) for column in from_rollup.selected_columns))
        self.timezone = timezone
        self.from_rollup = from_rollup
        self.computed = computed


@compiles(FromRollup)
def _compile_from_rollup(element: FromRollup, compiler: SQLCompiler, **kw: Any) -> str:
    if not kw.get("asfrom"):
        return ""
    linter = kw.pop("from_linter", None)
    if linter is not None:  # joins name this element, not the subquery it renders as
        linter.froms[element] = element.name
    uses_rollup = getattr(compiler.dialect, DIALECT_ATTRIBUTE, None) == element.timezone
    chosen = element.from_rollup if uses_rollup else element.computed
    return compiler.process(chosen.subquery(element.name), **kw)


def member_days(
    filters: Filters, first: date, end: date, *, member_ids: list[str] | None = None, name: str = "days"
) -> FromRollup:
    """Member-days of in-scope members (filters' member conditions, never the team) on local days
    [first, end), optionally of the given members only. Columns: member_key, member_id, day,
    activities, contributions, points, joined_at, channel, region, segment."""
    keys = member_keys
    from_rollup = _with_member(rollup, rollup.c.member_key, keys, key_column="member_key").where(
        *member_conditions(filters, keys), rollup.c.day >= day_number(first), rollup.c.day < day_number(end)
    )
    conditions = [activities.c.occurred_at >= filters.utc(first), activities.c.occurred_at < filters.utc(end)]
    if member_ids is not None:
        from_rollup = from_rollup.where(keys.c.member_id.in_(member_ids))
        conditions.append(activities.c.member_id.in_(member_ids))
    days = _grouped_activities(filters, *conditions)
    from_activities = _with_member(days, days.c.member_id, members).where(*member_conditions(filters))
    return FromRollup(name, filters.timezone, from_rollup, from_activities)


def activity_days(filters: Filters, first: date, end: date, *, name: str = "activity_days") -> FromRollup:
    """Activities of in-scope members on local days [first, end) per member, day, kind and platform.
    Columns: member_key, day, kind, platform, activities, points. For the figures by kind or
    platform: from the rollup they count integer keys, not text ids joined to a million members."""
    source = activity_rollup
    from_rollup = sa.select(*source.c).where(
        source.c.day >= day_number(first), source.c.day < day_number(end), key_in_scope(source.c.member_key, filters)
    )
    conditions = [activities.c.occurred_at >= filters.utc(first), activities.c.occurred_at < filters.utc(end)]
    grouped = _grouped_activities(filters, *conditions, by=(activities.c.kind, activities.c.platform))
    computed = (
        sa.select(*_activity_day_columns(grouped, grouped.c.member_id))
        .join(members, members.c.member_id == grouped.c.member_id)
        .where(*member_conditions(filters))
    )
    return FromRollup(name, filters.timezone, from_rollup, computed)


def key_in_scope(
    key: sa.ColumnElement, filters: Filters, member_ids: list[str] | None = None
) -> sa.ColumnElement[bool]:
    """Whether a member key is in scope (of the given members only, when given). Without member
    filters only the team is out, and ruling out its few keys is cheaper than matching a million."""
    if member_ids is None and not filters.selects_members:
        return key.not_in(sa.select(member_keys.c.member_key).where(member_keys.c.is_team == sa.true()))
    keys = sa.select(member_keys.c.member_key).where(*member_conditions(filters, member_keys))
    return key.in_(keys.where(member_keys.c.member_id.in_(member_ids)) if member_ids is not None else keys)


def member_attributes(filters: Filters, *, member_ids: list[str] | None = None, name: str = "attributes") -> FromRollup:
    """In-scope members (of the given ones only, when given) keyed like member_days (member_key,
    member_id, joined_at, channel, region, segment): to join per-member aggregates of member-days
    to, which is cheaper than carrying the text columns through the aggregation."""
    columns = ("member_id", "joined_at", *schema.MEMBER_DIMENSIONS)
    from_rollup = sa.select(member_keys.c.member_key, *(member_keys.c[column] for column in columns)).where(
        *member_conditions(filters, member_keys)
    )
    computed = sa.select(members.c.member_id.label("member_key"), *(members.c[column] for column in columns)).where(
        *member_conditions(filters)
    )
    if member_ids is not None:
        from_rollup = from_rollup.where(member_keys.c.member_id.in_(member_ids))
        computed = computed.where(members.c.member_id.in_(member_ids))
    return FromRollup(name, filters.timezone, from_rollup, computed)


def rollup_timezone(engine: Engine) -> str | None:
    """The time zone of this database's rollup, or None when it has none of this version."""
    state = rollup_state(engine)
    return state.get(TIMEZONE_KEY) if rollup_is_current(state) else None


def rollup_is_current(state: dict[str, str]) -> bool:
    """Whether a rollup (as rollup_state describes it) has the tables this version of metrics reads."""
    return state.get(VERSION_KEY) == VERSION


def rollup_state(engine: Engine) -> dict[str, str]:
    """What pulse_info says about the rollup (time zone, when built); {} when there is none."""
    try:
        with engine.connect() as connection:
            return {row.key: row.value for row in connection.execute(sa.select(info.c.key, info.c.value))}
    except sa.exc.DBAPIError:
        return {}


def mark_dialect(engine: Engine) -> None:
    """Record on the engine's dialect which member_days table (if any) its statements may read.
    Each engine has its own dialect and compiled-statement cache, so the mark and the cache agree."""
    setattr(engine.dialect, DIALECT_ATTRIBUTE, rollup_timezone(engine))
