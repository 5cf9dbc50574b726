"""Bring the member-day rollup up to date after rows were appended, touching only what they change.

An incremental sync appends activities (and members) to a warehouse whose rollup was built before
(rollup/build.py). Every rollup row depends on one member's activities only, and activity_changes
is a sum over members, so the rows to redo are those of the members with new activity:

- member_keys: new members get the next keys (a full build numbers members by id instead: keys
  are surrogates, and metrics never order by them);
- activity_days: the touched member-days' rows are summed again with the new rows;
- member_days and member_months: the touched members' whole histories are rebuilt (a late activity
  moves their running counts and their previous and next days from that day on);
- activity_changes: the touched members' old share of each day's counts is taken off and their new
  share added; a day and group left with nothing to count is removed, as a full build never has it.

A member new to member_keys brings in their activities recorded earlier as well (activities of an
unknown member count from the sync that makes them known). Runs in the caller's transaction on
DuckDB, SQLite and PostgreSQL; tests/test_incremental_sync.py holds it equal to a full build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import clock
import schema
from rollup.build import activity_days_query, changes, keyed_member_days, member_months_query, rollup_query
from rollup.tables import (
    BUILT_AT_KEY,
    KEYED,
    activity_changes,
    activity_rollup,
    info,
    member_keys,
    member_months,
    rollup,
)

activities, members = schema.activities, schema.members
CHANGE_KEYS = ("day", *schema.MEMBER_DIMENSIONS)
COUNTS = ("dau", "wau_change", "mau_change")
staging = sa.MetaData()  # temporary tables, gone with the connection (each is dropped when done)


def _temporary(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, staging, *columns, prefixes=["TEMPORARY"])


def _like(table: sa.Table) -> list[sa.Column]:
    return [sa.Column(column.name, column.type) for column in table.columns]


touched_days = _temporary("pulse_touched_days", sa.Column("member_key", sa.Integer), sa.Column("day", sa.Integer))
touched_members = _temporary("pulse_touched_members", sa.Column("member_key", sa.Integer))
new_days = _temporary("pulse_new_days", *_like(activity_rollup))
days_merged = _temporary("pulse_days_merged", *_like(activity_rollup))
change_delta = _temporary("pulse_change_delta", *_like(activity_changes))
changes_merged = _temporary("pulse_changes_merged", *_like(activity_changes))
touched_keys = _temporary("pulse_touched_keys", *_like(member_keys))
touched_spans = _temporary(
    "pulse_touched_spans",
    *(sa.Column(name, sa.Integer) for name in ("day", "previous_day", "next_day")),
    *(sa.Column(name, member_keys.c[name].type) for name in schema.MEMBER_DIMENSIONS),
)


@dataclass(frozen=True)
class Touched:
    """What an update redid: activities appended, members added to member_keys, members and
    member-days with new activity."""

    activities: int
    new_members: int
    members: int
    member_days: int


def update_rollup(connection: Connection, *, timezone: str, appended: sa.FromClause) -> Touched:
    """Update the rollup (days in `timezone`, as it was built) for the activities `appended` holds
    (every column of activities; they are in `activities` already) and for members not yet in
    member_keys."""
    for table in staging.sorted_tables:
        connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table.name}"')  # left by a failed run on this connection
        table.create(connection)
    last_key = _add_members(connection)
    rows: sa.Select | sa.CompoundSelect = sa.select(*(appended.c[column.name] for column in activities.columns))
    if _count(connection, member_keys, member_keys.c.member_key > last_key):
        # a new member's activities recorded before they were known count from now on
        newcomers = sa.select(member_keys.c.member_id).where(member_keys.c.member_key > last_key)
        earlier = sa.select(activities).where(
            activities.c.member_id.in_(newcomers), activities.c.activity_id.not_in(sa.select(appended.c.activity_id))
        )
        rows = sa.union_all(rows, earlier)
    connection.execute(
        new_days.insert().from_select(list(new_days.c), activity_days_query(timezone, source=rows.subquery()))
    )
    connection.execute(
        touched_days.insert().from_select(
            ["member_key", "day"], sa.select(new_days.c.member_key, new_days.c.day).distinct()
        )
    )
    connection.execute(
        touched_members.insert().from_select(["member_key"], sa.select(touched_days.c.member_key).distinct())
    )
    _redo_activity_days(connection)
    touched_rows = sa.select(member_keys).where(_touched(member_keys))
    connection.execute(touched_keys.insert().from_select(list(touched_keys.c), touched_rows))
    in_touched = rollup.c.member_key.in_(sa.select(touched_members.c.member_key))
    _add_changes(connection, sign=-1)  # their share before
    connection.execute(sa.delete(rollup).where(in_touched))
    connection.execute(sa.insert(rollup).from_select(list(rollup.c), rollup_query(_touched(activity_rollup))))
    connection.execute(sa.delete(member_months).where(_touched(member_months)))
    connection.execute(sa.insert(member_months).from_select(list(member_months.c), member_months_query(in_touched)))
    _add_changes(connection, sign=1)  # and after
    _merge_changes(connection)
    connection.execute(
        sa.update(info).where(info.c.key == BUILT_AT_KEY).values(value=clock.now().isoformat(timespec="seconds"))
    )
    result = Touched(
        activities=_count(connection, appended),
        new_members=_count(connection, member_keys, member_keys.c.member_key > last_key),
        members=_count(connection, touched_members),
        member_days=_count(connection, touched_days),
    )
    for table in reversed(staging.sorted_tables):
        table.drop(connection)
    return result


def _count(connection: Connection, table: sa.FromClause, *conditions: sa.ColumnElement[bool]) -> int:
    return int(connection.execute(sa.select(sa.func.count()).select_from(table).where(*conditions)).scalar_one())


def _touched(table: sa.Table) -> sa.ColumnElement[bool]:
    return table.c.member_key.in_(sa.select(touched_members.c.member_key))


def _add_members(connection: Connection) -> int:
    """Key the members not in member_keys after its last key; returns that last key."""
    last = int(connection.scalar(sa.select(sa.func.coalesce(sa.func.max(member_keys.c.member_key), 0))) or 0)
    unknown = ~sa.exists().where(member_keys.c.member_id == members.c.member_id)
    keyed = sa.select(
        (sa.literal(last) + sa.func.row_number().over(order_by=members.c.member_id)).label("member_key"),
        *(members.c[name] for name in KEYED),
    ).where(unknown)
    connection.execute(sa.insert(member_keys).from_select(list(member_keys.c), keyed))
    return last


def _redo_activity_days(connection: Connection) -> None:
    """The touched member-days' rows: what they held plus the new rows, per kind and platform."""
    same_day = sa.exists().where(
        touched_days.c.member_key == activity_rollup.c.member_key, touched_days.c.day == activity_rollup.c.day
    )
    both = sa.union_all(sa.select(*activity_rollup.c).where(same_day), sa.select(*new_days.c)).subquery("both")
    groups = [both.c.member_key, both.c.day, both.c.kind, both.c.platform]
    summed = sa.select(*groups, sa.func.sum(both.c.activities), sa.func.sum(both.c.points)).group_by(*groups)
    connection.execute(days_merged.insert().from_select(list(days_merged.c), summed))
    connection.execute(sa.delete(activity_rollup).where(same_day))
    ordered = sa.select(*days_merged.c).order_by(days_merged.c.day)
    connection.execute(sa.insert(activity_rollup).from_select(list(activity_rollup.c), ordered))


def _add_changes(connection: Connection, *, sign: int) -> None:
    """Add the touched members' share of activity_changes, taken off (-1) or put on (+1). Their
    member-days are kept apart first: `changes` reads them three times."""
    connection.execute(sa.delete(touched_spans))
    keyed = keyed_member_days(keys=touched_keys)
    connection.execute(touched_spans.insert().from_select(list(touched_spans.c), keyed))
    part = changes(touched_spans, *schema.MEMBER_DIMENSIONS).subquery("part")
    factor: sa.ColumnClause[Any] = sa.literal_column(str(sign))
    signed = sa.select(*(part.c[name] for name in CHANGE_KEYS), *(part.c[name] * factor for name in COUNTS))
    connection.execute(change_delta.insert().from_select([*CHANGE_KEYS, *COUNTS], signed))


def _merge_changes(connection: Connection) -> None:
    """activity_changes' rows for the days and groups the delta touches, summed with it; a row left
    at zero in every count goes, as a full build never has one."""
    same = sa.exists().where(
        *(change_delta.c[name].is_not_distinct_from(activity_changes.c[name]) for name in CHANGE_KEYS)
    )
    both = sa.union_all(
        sa.select(*activity_changes.c).where(same), sa.select(*(change_delta.c[c.name] for c in activity_changes.c))
    ).subquery("both")
    keys = [both.c[name] for name in CHANGE_KEYS]
    sums = [sa.func.sum(both.c[name]) for name in COUNTS]
    summed = sa.select(*keys, *sums).group_by(*keys).having(sa.or_(*(total != 0 for total in sums)))
    connection.execute(changes_merged.insert().from_select([*CHANGE_KEYS, *COUNTS], summed))
    connection.execute(sa.delete(activity_changes).where(same))
    columns = [changes_merged.c[c.name] for c in activity_changes.c]
    connection.execute(sa.insert(activity_changes).from_select(list(activity_changes.c), sa.select(*columns)))
