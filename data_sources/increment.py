"""Bring the member-day rollup up to date after rows were appended, touching only what they change.

An incremental sync appends activities (and members) to a warehouse whose rollup was built before
(rollup/build.py). Every rollup row depends on one member's activities only, and activity_changes
is a sum over members, so the rows to redo are those of the members with new activity:

- member_keys: new members get the next keys (a full build numbers members by id instead: keys
  are surrogates, and metrics never order by them), and the group key of their combination of
  dimensions, a new combination the next one in member_groups; a member's first contribution
  within 30 days of joining is the earlier of what it was and their first new one; in a sync's
  build, whose activities and invitations carry their member's key, the rows added or replaced
  get it, and those a new member had before (data_sources/keyed_rows.py);
- activity_days: the touched member-days' rows are summed again with the new rows;
- member_days: the touched members' rows from their active day before the first touched day on
  are rebuilt (a late activity moves their running counts and their previous and next days from
  that day on; the rows before keep theirs, and the counts go on from the row before: `redone`);
- member_months: the touched members' months are rebuilt;
- member_windows: the touched members' rows are rebuilt, over the windows the build kept; on a
  new day, every member's over that day's windows (the kept views' periods have moved);
- activity_changes: the touched members' old share of each day's counts, from those rows on, is
  taken off and their new share added (the rows before give the same share before and after); a
  day and group left with nothing to count is removed, as a full build never has it.
- the kept figures (data_sources.rollup.KeptFigures) for the kept views today: from the rows the
  touched members and the new ones make before and after (`Before` tells a share before what the
  canonical tables hold already), when the figures say how (a share and a merge) and hold those
  views already, and the increment left the other tables they read unchanged (`unchanged`: a
  replaced list of invitations may move any campaign's figures); else, and all whose views have
  moved (a new day: the periods; a campaign ended: the list), computed again, whole; where this
  process keeps none of them, the rollup is said to keep none, so that none is read stale.

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
from data_sources.keyed_rows import key_new_rows
from data_sources.rollup import KEPT, Before, HeldWindows, KeptFigures, compiled_for_kept, windows_to_keep, write_kept
from rollup.build import (
    activity_days_query,
    changes,
    first_contributions,
    keyed_member_days,
    member_months_query,
    member_windows_query,
    rollup_query,
    with_member_columns,
)
from rollup.state import kept_ids, kept_text, kept_windows, windows_of, windows_text
from rollup.tables import (
    BUILT_AT_KEY,
    KEPT_KEYS,
    KEYED,
    WINDOWS_KEY,
    activity_changes,
    activity_rollup,
    info,
    member_groups,
    member_keys,
    member_months,
    member_windows,
    rollup,
)

activities, members = schema.activities, schema.members
CHANGE_KEYS = ("day", *schema.MEMBER_DIMENSIONS)
COUNTS = ("dau", "wau_change", "mau_change")
staging = sa.MetaData()  # temporary tables, gone with the connection (each is dropped when done)


def _temporary(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, staging, *columns, prefixes=["TEMPORARY"])


def _like(table: sa.Table) -> list[sa.Column]:
    """`table`'s columns, for a temporary table of its rows. Points are DOUBLE: a FLOAT is four
    bytes on DuckDB, which rounded every touched member-day's points (2.7 read 2.7000000476837)."""
    return [
        sa.Column(column.name, sa.Double() if isinstance(column.type, sa.Float) else column.type)
        for column in table.columns
    ]


touched_days = _temporary("pulse_touched_days", sa.Column("member_key", sa.Integer), sa.Column("day", sa.Integer))
touched_members = _temporary("pulse_touched_members", sa.Column("member_key", sa.Integer))
# the members whose share of the kept figures is taken: those with new activity, and the new
# members (a campaign's eligible members count everyone who joined before it)
shared_members = _temporary("pulse_shared_members", sa.Column("member_key", sa.Integer))
added_rows = _temporary("pulse_added", *_like(activities))  # appended, and a new member's earlier ones
firsts = _temporary(
    "pulse_firsts", *(sa.Column(name, member_keys.c[name].type) for name in ("member_id", "converted_at"))
)
new_days = _temporary("pulse_new_days", *_like(activity_rollup))
days_merged = _temporary("pulse_days_merged", *_like(activity_rollup))
change_delta = _temporary("pulse_change_delta", *_like(activity_changes))
changes_merged = _temporary("pulse_changes_merged", *_like(activity_changes))
touched_keys = _temporary("pulse_touched_keys", *_like(member_keys), sa.Column("from_day", sa.Integer))
# per touched member, where member_days is redone (_redo_from): the first touched day; from_day, the
# active day before it (else the first touched day), and that row's running counts and previous day
redone = _temporary(
    "pulse_redone",
    *(sa.Column(name, sa.Integer) for name in ("member_key", "first_day", "from_day", "weeks_base")),
    *(sa.Column(name, sa.Integer) for name in ("contributions_base", "from_previous")),
)
redone_days = _temporary("pulse_redone_days", *_like(activity_rollup))  # their activity_days from from_day
redone_rows = _temporary("pulse_redone_rows", sa.Column("member_key", sa.Integer), sa.Column("day", sa.Integer))
window_days = _temporary("pulse_window_days", *_like(rollup))  # the touched members' member-days in the windows


@dataclass(frozen=True)
class Touched:
    """What an update redid: activities appended, members added to member_keys, members and
    member-days with new activity."""

    activities: int
    new_members: int
    members: int
    member_days: int


def update_rollup(
    connection: Connection, *, timezone: str, appended: sa.FromClause, unchanged: frozenset[str] = frozenset()
) -> Touched:
    """Update the rollup (days in `timezone`, as it was built) for the activities `appended` holds
    (every column of activities; they are in `activities` already) and for members not yet in
    member_keys. `unchanged`: the other canonical tables the increment left as they were (the kept
    figures that read one it replaced are computed whole)."""
    for table in staging.sorted_tables:
        connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table.name}"')  # left by a failed run on this connection
        table.create(connection)
    last_key = _add_members(connection)
    is_new = member_keys.c.member_key > last_key
    newcomers = sa.select(member_keys.c.member_id).where(is_new)
    rows: sa.Select | sa.CompoundSelect = sa.select(*(appended.c[column.name] for column in activities.columns))
    if _count(connection, member_keys, is_new):
        # a new member's activities recorded before they were known count from now on
        earlier = sa.select(activities).where(
            activities.c.member_id.in_(newcomers), activities.c.activity_id.not_in(sa.select(appended.c.activity_id))
        )
        rows = sa.union_all(rows, earlier)
    connection.execute(added_rows.insert().from_select([column.name for column in activities.columns], rows))
    _redo_conversions(connection, added_rows)
    connection.execute(
        new_days.insert().from_select(list(new_days.c), activity_days_query(timezone, source=added_rows))
    )
    connection.execute(
        touched_days.insert().from_select(
            ["member_key", "day"], sa.select(new_days.c.member_key, new_days.c.day).distinct()
        )
    )
    connection.execute(
        touched_members.insert().from_select(["member_key"], sa.select(touched_days.c.member_key).distinct())
    )
    shared = sa.union(sa.select(touched_members.c.member_key), sa.select(member_keys.c.member_key).where(is_new))
    connection.execute(shared_members.insert().from_select(["member_key"], shared))
    keys = sa.select(shared_members.c.member_key)
    before = Before(activity_ids=sa.select(appended.c.activity_id), member_ids=newcomers)
    shares = _shares_before(connection, timezone, keys, before, unchanged)
    _redo_activity_days(connection)
    _redo_from(connection)
    key_new_rows(connection, touched_keys=touched_keys.name, last_key=last_key)
    in_touched = rollup.c.member_key.in_(sa.select(touched_members.c.member_key))
    _add_changes(connection, sign=-1)  # their share before
    _delete_redone(connection)
    connection.execute(sa.insert(rollup).from_select(list(rollup.c), _redone_rows(timezone)))
    connection.execute(sa.delete(member_months).where(_touched(member_months)))
    connection.execute(sa.insert(member_months).from_select(list(member_months.c), member_months_query(in_touched)))
    windows = _redo_windows(connection, timezone)
    _add_changes(connection, sign=1)  # and after
    _merge_changes(connection)
    kept = _redo_kept(connection, timezone, shares, keys, windows)
    built_at = clock.now().isoformat(timespec="seconds")
    connection.execute(sa.update(info).where(info.c.key == BUILT_AT_KEY).values(value=built_at))
    if windows:  # what member_windows now holds, said to be this build's
        connection.execute(
            sa.update(info).where(info.c.key == WINDOWS_KEY).values(value=windows_text(built_at, windows))
        )
    for key, ids in kept.items():  # and the kept figures
        connection.execute(sa.update(info).where(info.c.key == key).values(value=kept_text(built_at, ids)))
    result = Touched(
        activities=_count(connection, appended),
        new_members=_count(connection, member_keys, is_new),
        members=_count(connection, touched_members),
        member_days=_count(connection, touched_days),
    )
    for table in reversed(staging.sorted_tables):
        table.drop(connection)
    return result


def _redo_windows(connection: Connection, timezone: str) -> list[tuple[int, int]]:
    """member_windows over the windows the kept views read today (data_sources.rollup
    .windows_to_keep): the touched members' rows when the build keeps those already, else every
    member's over the new ones (the first sync of a day); those windows. None for a rollup written
    before member_windows was (it has no such table)."""
    state = {row.key: row.value for row in connection.execute(sa.select(info.c.key, info.c.value))}
    if WINDOWS_KEY not in state:
        return []
    kept, wanted = windows_of(state), windows_to_keep(timezone)
    if kept == wanted and wanted:
        # their member-days in the windows first: the windows' self-joins read those few, where
        # each read every member's and left the touched members' rows last (0.25 s at a million)
        first, end = min(start for start, _ in wanted), max(end for _, end in wanted)
        in_windows = sa.select(rollup).where(_touched(rollup), rollup.c.day >= first, rollup.c.day < end)
        connection.execute(window_days.insert().from_select(list(window_days.c), in_windows))
        connection.execute(sa.delete(member_windows).where(_touched(member_windows)))
        rows = member_windows_query(wanted, days=window_days)
    else:
        connection.execute(sa.delete(member_windows))
        rows = member_windows_query(wanted)
    connection.execute(sa.insert(member_windows).from_select(list(member_windows.c), rows))
    return wanted


def _shares_before(
    connection: Connection,
    timezone: str,
    keys: sa.Select,
    before: Before,
    unchanged: frozenset[str],
) -> dict[str, sa.Table]:
    """Of the kept figures an increment can update from the members' rows (those with a share and
    a merge, whose other tables it left `unchanged`) and whose table holds today's kept views
    already, the rows the members with `keys` make before it, by pulse_info key: each in a
    temporary table."""
    state = {row.key: row.value for row in connection.execute(sa.select(info.c.key, info.c.value))}
    windows = kept_windows(state)  # as the build or the last increment left member_windows
    shares = {}
    for key, kept in KEPT.items():
        if kept.share is None or kept.merge is None or not kept_ids(state, key) or not kept.reads <= unchanged:
            continue
        if _holds_today(connection, timezone, kept, state):
            shares[key] = _share(connection, timezone, kept, keys, before, windows)
    return shares


def _holds_today(connection: Connection, timezone: str, kept: KeptFigures, state: dict[str, str]) -> bool:
    """Whether the kept figures' table holds today's kept views (the ids pulse_info names)."""
    ids = kept.ids(connection, timezone) if kept.ids else kept.rows(connection, timezone)[0]
    return frozenset(ids) == kept_ids(state, kept.key)


def _share(
    connection: Connection,
    timezone: str,
    kept: KeptFigures,
    keys: sa.Select,
    before: Before | None,
    windows: HeldWindows,
) -> sa.Table:
    """A temporary table of the rows the members with `keys` make of `kept`'s table: before the
    update (`before` says what it appended), or after it (None); member_windows holds `windows`."""
    assert kept.share is not None
    share = _scratch(connection, f"pulse_{'before' if before else 'after'}_{kept.table.name}", kept.table)
    query = kept.share(connection, timezone, keys, before)
    columns = ", ".join(f'"{column.name}"' for column in query.selected_columns)
    connection.exec_driver_sql(
        f'INSERT INTO "{share.name}" ({columns}) {compiled_for_kept(connection, timezone, query, windows=windows)}'
    )
    return share


def _redo_kept(
    connection: Connection, timezone: str, shares: dict[str, sa.Table], keys: sa.Select, windows: HeldWindows
) -> dict[str, list[str]]:
    """The kept figures the rollup holds (pulse_info names them), written again for today's kept
    views: what each holds, by its pulse_info key. Those with a share before (`shares`) are merged
    with the touched members' rows now, unless their merge cannot say (KeptFigures.merge) or the
    day has changed since the share before was taken (past midnight: the views moved); the others
    are computed whole. Those this process does not keep lose their row (its build time alone would
    not do: an increment in the build's second gives the same); a rollup that holds none (written
    before they were) gets none. member_windows holds `windows` by now."""
    state = {row.key: row.value for row in connection.execute(sa.select(info.c.key, info.c.value))}
    held = [key for key in KEPT_KEYS if key in state]
    unknown = [key for key in held if key not in KEPT]
    if unknown:
        connection.execute(sa.delete(info).where(info.c.key.in_(unknown)))
    merged = [
        key for key, before in shares.items() if _merge(connection, timezone, KEPT[key], before, state, keys, windows)
    ]
    known = [key for key in held if key in KEPT and key not in merged]
    written = write_kept(connection, timezone=timezone, keys=known, windows=windows) if known else {}
    return {**{key: sorted(kept_ids(state, key)) for key in merged}, **written}


def _merge(
    connection: Connection,
    timezone: str,
    kept: KeptFigures,
    before: sa.Table,
    state: dict[str, str],
    keys: sa.Select,
    windows: HeldWindows,
) -> bool:
    """Replace `kept`'s rows with its merge of the touched members' share `before` and now; whether
    it could (its merge says, and the table's view is still today's: the share now was taken first,
    so a midnight passed since the share before shows)."""
    assert kept.merge is not None
    after = _share(connection, timezone, kept, keys, None, windows)
    merged = (
        kept.merge(connection, kept.table, before, after, keys)
        if _holds_today(connection, timezone, kept, state)
        else None
    )
    if merged is not None:
        rows = _scratch(connection, f"pulse_merged_{kept.table.name}", kept.table)
        names = [column.name for column in merged.selected_columns]
        connection.execute(rows.insert().from_select(names, merged))
        connection.execute(sa.delete(kept.table))
        connection.execute(kept.table.insert().from_select(names, sa.select(*(rows.c[name] for name in names))))
        rows.drop(connection)
    for table in (before, after):
        table.drop(connection)
    return merged is not None


def _scratch(connection: Connection, name: str, like: sa.Table) -> sa.Table:
    """A new temporary table with `like`'s columns (one a failed run on this connection left goes)."""
    table = sa.Table(name, sa.MetaData(), *_like(like), prefixes=["TEMPORARY"])
    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    table.create(connection)
    return table


def _count(connection: Connection, table: sa.FromClause, *conditions: sa.ColumnElement[bool]) -> int:
    return int(connection.execute(sa.select(sa.func.count()).select_from(table).where(*conditions)).scalar_one())


def _touched(table: sa.Table) -> sa.ColumnElement[bool]:
    return table.c.member_key.in_(sa.select(touched_members.c.member_key))


def _add_members(connection: Connection) -> int:
    """Key the members not in member_keys after its last key, each with the group key of their
    combination of dimensions (a combination new to member_groups gets the next); returns that
    last key."""
    last = int(connection.scalar(sa.select(sa.func.coalesce(sa.func.max(member_keys.c.member_key), 0))) or 0)
    if _count(connection, members) == _count(connection, member_keys):
        return last  # every member keyed (an increment never removes one): no anti-join of a million
    unknown = ~sa.exists().where(member_keys.c.member_id == members.c.member_id)
    dimensions = [members.c[name] for name in schema.MEMBER_DIMENSIONS]

    def same_group(group: sa.FromClause) -> sa.ColumnElement[bool]:
        return sa.and_(*(group.c[name].is_not_distinct_from(members.c[name]) for name in schema.MEMBER_DIMENSIONS))

    new_groups = sa.select(*dimensions).where(unknown, ~sa.exists().where(same_group(member_groups))).distinct()
    new = new_groups.subquery("new_groups")
    last_group = sa.select(sa.func.coalesce(sa.func.max(member_groups.c.group_key), 0)).scalar_subquery()
    keyed_groups = sa.select((last_group + sa.func.dense_rank().over(order_by=list(new.c))).label("group_key"), *new.c)
    connection.execute(sa.insert(member_groups).from_select(list(member_groups.c), keyed_groups))
    keyed = (
        sa.select(
            (sa.literal(last) + sa.func.row_number().over(order_by=members.c.member_id)).label("member_key"),
            *(members.c[name] for name in KEYED),
            member_groups.c.group_key,
        )
        .join(member_groups, same_group(member_groups))
        .where(unknown)
    )
    connection.execute(sa.insert(member_keys).from_select([c.name for c in keyed.selected_columns], keyed))
    return last


def _redo_conversions(connection: Connection, rows: sa.FromClause) -> None:
    """member_keys' first contribution in their first days (first_contributions) of the members
    with new activities `rows`: the earlier of what it held and their first among these (an
    increment only adds activities; a new member's earlier ones are among `rows`)."""
    connection.execute(firsts.insert().from_select(["member_id", "converted_at"], first_contributions(rows)))
    new = sa.select(firsts.c.converted_at).where(firsts.c.member_id == member_keys.c.member_id).scalar_subquery()
    held = member_keys.c.converted_at
    connection.execute(
        sa.update(member_keys)
        .where(member_keys.c.member_id.in_(sa.select(firsts.c.member_id)))
        .values(converted_at=sa.case((held.is_(None) | (new < held), new), else_=held))
    )


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


def _redo_from(connection: Connection) -> None:
    """Where each touched member's member_days are redone: from their active day before the first
    touched day, whose row keeps its previous day and running counts (the counts go on from it).
    Their keys (touched_keys) and their activity_days from that day (redone_days) are kept apart:
    joins on the member's key, where a condition on the day alone makes DuckDB compare every row."""
    firsts = (
        sa.select(touched_days.c.member_key, sa.func.min(touched_days.c.day).label("first_day"))
        .group_by(touched_days.c.member_key)
        .subquery("firsts")
    )
    earlier = sa.select(
        rollup.c.member_key,
        rollup.c.day,
        rollup.c.previous_day,
        rollup.c.weeks_so_far,
        (rollup.c.contributions_so_far - rollup.c.contributions).label("contributions_before"),
        sa.func.row_number().over(partition_by=rollup.c.member_key, order_by=rollup.c.day.desc()).label("latest"),
    )
    earlier = earlier.join(firsts, firsts.c.member_key == rollup.c.member_key).where(rollup.c.day < firsts.c.first_day)
    before = earlier.subquery("before")
    on = (before.c.member_key == firsts.c.member_key) & (before.c.latest == 1)
    rows = sa.select(
        firsts.c.member_key,
        firsts.c.first_day,
        sa.func.coalesce(before.c.day, firsts.c.first_day),
        sa.func.coalesce(before.c.weeks_so_far, 1),  # a member's first row counts its week as the first
        sa.func.coalesce(before.c.contributions_before, 0),
        before.c.previous_day,
    ).select_from(firsts.outerjoin(before, on))
    connection.execute(redone.insert().from_select(list(redone.c), rows))
    keys = sa.select(member_keys, redone.c.from_day).join(redone, redone.c.member_key == member_keys.c.member_key)
    connection.execute(touched_keys.insert().from_select(list(touched_keys.c), keys))
    days = (
        sa.select(activity_rollup)
        .join(redone, redone.c.member_key == activity_rollup.c.member_key)
        .where(activity_rollup.c.day >= redone.c.from_day)
    )
    connection.execute(redone_days.insert().from_select(list(redone_days.c), days))


def _delete_redone(connection: Connection) -> None:
    """The touched members' member_days from their from_day, found by a join, deleted by key and day."""
    found = (
        sa.select(rollup.c.member_key, rollup.c.day)
        .join(redone, redone.c.member_key == rollup.c.member_key)
        .where(rollup.c.day >= redone.c.from_day)
    )
    connection.execute(redone_rows.insert().from_select(list(redone_rows.c), found))
    same = sa.exists().where(redone_rows.c.member_key == rollup.c.member_key, redone_rows.c.day == rollup.c.day)
    connection.execute(sa.delete(rollup).where(same))


def _redone_rows(timezone: str) -> sa.Select:
    """member_days' rows from each touched member's from_day on, computed from those days' activity
    and carried on from the row before: its previous day for the first, its running counts; with
    the member's join day (in `timezone`) and group key."""
    days = rollup_query(source=redone_days).order_by(None).subquery("days")
    part = with_member_columns(days, touched_keys, timezone).subquery("part")
    return (
        sa.select(
            part.c.member_key,
            part.c.day,
            part.c.activities,
            part.c.contributions,
            part.c.points,
            sa.func.coalesce(part.c.previous_day, redone.c.from_previous).label("previous_day"),
            part.c.next_day,
            (part.c.weeks_so_far + redone.c.weeks_base - 1).label("weeks_so_far"),
            (part.c.contributions_so_far + redone.c.contributions_base).label("contributions_so_far"),
            part.c.joined_day,
            part.c.group_key,
        )
        .join(redone, redone.c.member_key == part.c.member_key)
        .order_by(part.c.day)
    )


def _add_changes(connection: Connection, *, sign: int) -> None:
    """Add the touched members' share of activity_changes, taken off (-1) or put on (+1), from the
    day their member_days are redone on."""
    keyed = keyed_member_days(rollup.c.day >= touched_keys.c.from_day, keys=touched_keys).subquery("keyed")
    part = changes(keyed, *schema.MEMBER_DIMENSIONS).subquery("part")
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
