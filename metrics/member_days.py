"""Member-days: one row per member and local day with activity, the grain most metrics count in,
read from the rollup tables where a database has them.

Active members, churn, movers, levels, cohorts, campaign lift and the leaderboard all ask "which
members were active on which days", and at 10M activities answering it from `activities` (a time
zone conversion, a join to members on a text id and a DISTINCT per query) was most of a page's time.

So sync writes the answer once into the rollup tables (rollup/: tables.py says what each holds,
build.py how it is built, data_sources/rollup.py writes them). This module is the read side.

Metrics ask `member_days(filters, first, end)` (or `activity_days`) for a period's rows, a
`FromRollup`. The choice between the tables and the same rows computed from `activities` is made
when the statement is compiled for a database: `Warehouse` marks each engine's dialect with the time
zone of the rollup it found (`rollup.state.mark_dialect`), and a statement whose time zone matches
reads the tables. Warehouses queried in place without them (or with a rollup of an older version,
which lacks tables metrics now read), and views in another time zone, get the computed rows: same
columns, same answers.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause

import sa_internals
import schema
from metrics.filters import Filters, day_number
from metrics.sql import member_conditions, one_of
from rollup.build import activity_day_columns, grouped_activities
from rollup.tables import DIALECT_ATTRIBUTE, activity_rollup, member_groups, member_keys, rollup

activities, members = schema.activities, schema.members


def _with_member(days: sa.FromClause) -> sa.Select:
    """The member-days computed from activities (keyed by the member's id) beside the member's
    join time and dimensions."""
    return sa.select(
        days.c.member_id.label("member_key"),
        members.c.member_id,
        days.c.day,
        days.c.activities,
        days.c.contributions,
        days.c.points,
        members.c.joined_at,
        *(members.c[name] for name in schema.MEMBER_DIMENSIONS),
    ).join(members, members.c.member_id == days.c.member_id)


@sa_internals.cache_key_includes(
    timezone=sa_internals.STRING, from_rollup=sa_internals.CLAUSE, computed=sa_internals.CLAUSE
)
class FromRollup(TableClause):
    """A FROM item with two equivalent definitions: `from_rollup` reads the rollup tables, which
    the statement uses where the database has them in the view's time zone; `computed` derives the
    same rows from the canonical tables everywhere else."""

    __visit_name__ = "pulse_from_rollup"
    inherit_cache = True

    def __init__(
        self, name: str, timezone: str, from_rollup: sa.Select | sa.CompoundSelect, computed: sa.Select
    ) -> None:
        super().__init__(name, *(sa.column(column.name, column.type) for column in from_rollup.selected_columns))
        self.timezone = timezone
        self.from_rollup = from_rollup
        self.computed = computed


@compiles(FromRollup)
def _compile_from_rollup(element: FromRollup, compiler: SQLCompiler, **kw: object) -> str:
    if not sa_internals.in_from_list(kw):
        return ""
    uses_rollup = getattr(compiler.dialect, DIALECT_ATTRIBUTE, None) == element.timezone
    chosen = element.from_rollup if uses_rollup else element.computed
    return sa_internals.render_in_place(element, element.name, chosen.subquery(element.name), compiler, kw)


def member_days(
    filters: Filters,
    first: date,
    end: date,
    *,
    member_ids: list[str] | None = None,
    keys: sa.Select | None = None,
    name: str = "days",
) -> FromRollup:
    """Member-days of in-scope members (filters' member conditions, never the team) on local days
    [first, end), optionally of the given members only, or of those with the rollup `keys` (an
    increment's share: from the rollup only, the member keys joined narrowed to them too, where
    hashing a million of them for a few thousand members' rows was most of the share). Columns:
    member_key, member_id, day, activities, contributions, points, joined_at, channel, region,
    segment."""
    in_days = (rollup.c.day >= day_number(first), rollup.c.day < day_number(end))
    scope = (
        day_in_scope(rollup, filters) if member_ids is None else key_in_scope(rollup.c.member_key, filters, member_ids)
    )
    # The id and join time come from member_keys and the dimensions from member_groups, each joined
    # outer on its unique key (every member-day has both), so PostgreSQL drops the join a query
    # reads no column of: the contributions per member scan member_days alone, and the campaigns'
    # lift, which reads the dimensions only, no longer joins a million member keys.
    from_rollup = (
        sa.select(
            rollup.c.member_key,
            member_keys.c.member_id,
            rollup.c.day,
            rollup.c.activities,
            rollup.c.contributions,
            rollup.c.points,
            member_keys.c.joined_at,
            *(member_groups.c[name] for name in schema.MEMBER_DIMENSIONS),
        )
        .select_from(
            rollup.outerjoin(
                member_keys, sa.and_(member_keys.c.member_key == rollup.c.member_key, *of_keys(member_keys, keys))
            ).outerjoin(member_groups, member_groups.c.group_key == rollup.c.group_key)
        )
        .where(scope, *in_days, *of_keys(rollup, keys))
    )
    conditions = [
        activities.c.occurred_at >= filters.utc(first),
        activities.c.occurred_at < filters.utc(end),
        *of_key_ids(activities.c.member_id, keys),
    ]
    if member_ids is not None:
        conditions.append(one_of(activities.c.member_id, member_ids))
    days = grouped_activities(filters.timezone, *conditions)
    from_activities = _with_member(days).where(*member_conditions(filters))
    return FromRollup(name, filters.timezone, from_rollup, from_activities)


def activity_days(
    filters: Filters, first: date, end: date, *, keys: sa.Select | None = None, name: str = "activity_days"
) -> FromRollup:
    """Activities of in-scope members (of those with the rollup `keys` only, when given: an
    increment's share) on local days [first, end) per member, day, kind and platform. Columns:
    member_key, day, kind, platform, activities, points. For the figures by kind or platform: from
    the rollup they count integer keys, not text ids joined to a million members."""
    source = activity_rollup
    from_rollup = sa.select(*source.c).where(
        source.c.day >= day_number(first),
        source.c.day < day_number(end),
        key_in_scope(source.c.member_key, filters),
        *of_keys(source, keys),
    )
    conditions = [
        activities.c.occurred_at >= filters.utc(first),
        activities.c.occurred_at < filters.utc(end),
        *of_key_ids(activities.c.member_id, keys),
    ]
    grouped = grouped_activities(filters.timezone, *conditions, by=(activities.c.kind, activities.c.platform))
    computed = (
        sa.select(*activity_day_columns(grouped, grouped.c.member_id))
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
    return key.in_(keys.where(one_of(member_keys.c.member_id, member_ids)) if member_ids is not None else keys)


def day_in_scope(days: sa.FromClause, filters: Filters) -> sa.ColumnElement[bool]:
    """Whether rows of member_days (or a table with its member_key and group_key) are of in-scope
    members: never the team, ruled out by key; member filters by the few group keys they keep
    (member_groups), not by matching a million member keys."""
    team = key_in_scope(days.c.member_key, filters.all_members())
    if not filters.selects_members:
        return team
    groups = sa.select(member_groups.c.group_key).where(*member_conditions(filters, member_groups, with_team=False))
    return team & days.c.group_key.in_(groups)


def member_attributes(
    filters: Filters, *, member_ids: list[str] | None = None, keys: sa.Select | None = None, name: str = "attributes"
) -> FromRollup:
    """In-scope members (of the given ones only, or of those with the rollup `keys`, when given)
    keyed like member_days (member_key, member_id, joined_at, channel, region, segment): to join
    per-member aggregates of member-days to, which is cheaper than carrying the text columns
    through the aggregation."""
    columns = ("member_id", "joined_at", *schema.MEMBER_DIMENSIONS)
    from_rollup = sa.select(member_keys.c.member_key, *(member_keys.c[column] for column in columns)).where(
        *member_conditions(filters, member_keys), *of_keys(member_keys, keys)
    )
    computed = sa.select(members.c.member_id.label("member_key"), *(members.c[column] for column in columns)).where(
        *member_conditions(filters), *of_key_ids(members.c.member_id, keys)
    )
    if member_ids is not None:
        from_rollup = from_rollup.where(one_of(member_keys.c.member_id, member_ids))
        computed = computed.where(one_of(members.c.member_id, member_ids))
    return FromRollup(name, filters.timezone, from_rollup, computed)


def of_keys(table: sa.FromClause, keys: sa.Select | None) -> list[sa.ColumnElement[bool]]:
    """`table`'s rows whose member_key is among the rollup `keys` of an increment's share, when
    given (no condition otherwise)."""
    return [] if keys is None else [table.c.member_key.in_(keys)]


def of_key_ids(member_id: sa.ColumnElement, keys: sa.Select | None) -> list[sa.ColumnElement[bool]]:
    """`member_id` among the ids of the members with the rollup `keys`, when given: the rows of a
    table that carries member ids, not keys (a canonical table, or what is computed from one)."""
    if keys is None:
        return []
    return [member_id.in_(sa.select(member_keys.c.member_id).where(member_keys.c.member_key.in_(keys)))]
