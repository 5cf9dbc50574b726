"""Engagement levels: champion, regular, casual, dormant (DESIGN.md: engagement level).

A member's level is read from their trailing 90 days: how many distinct weeks (Monday start) they
were active in, and how many contributions (activities other than logins) they made. The rules are
the Orbit / crowd.dev practice of levels by steady presence *and* contribution, so a burst of
reactions in one week does not make a champion. Thresholds live in LevelRules and are shown in the
app's help text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

import schema
from data_sources.rollup import added_up
from metrics.filters import Filters, day_number
from metrics.kept import Kept, keep_by_view, period_id
from metrics.member_days import member_attributes
from metrics.member_periods import Windows, fallen_silent, window_figures
from metrics.scope import Runner, people_of
from metrics.sql import count_where, member_conditions
from rollup.tables import (
    LEVELS_KEY,
    LISTED,
    LISTED_SLACK,
    LISTS_KEY,
    level_counts,
    level_lists,
    member_groups,
    member_keys,
    member_windows,
)
from rollup.windows import LEVEL_DAYS, SILENCE_DAYS

LEVELS = ("champion", "regular", "casual", "dormant")  # highest first
ACTIVE_LEVELS = LEVELS[:-1]  # the levels only members with activity in the window reach
SLIPPING_SHOWN = 500  # slipping champions listed, most contributions first
AT_LEVEL_SHOWN = 200  # members listed at a level, most contributions first
members = schema.members
DIMENSIONS = schema.MEMBER_DIMENSIONS  # the member combination the kept levels are by


@dataclass(frozen=True)
class LevelRules:
    """Thresholds over the trailing window; a member meets a level when both numbers reach it."""

    champion_weeks: int = 6
    champion_contributions: int = 20
    regular_weeks: int = 3
    regular_contributions: int = 5
    window_days: int = LEVEL_DAYS


RULES = LevelRules()


def _window(end: date, rules: LevelRules) -> tuple[date, date]:
    return end - timedelta(days=rules.window_days), end


def windows_read(filters: Filters, rules: LevelRules = RULES) -> list[tuple[date, date]]:
    """The windows the level board and the slipping champions read for a view: the level's window
    to the period's end and to its start, and the one to SILENCE_DAYS before its end. The rollup
    keeps each member's figures over the kept views' (rollup/windows.py)."""
    quiet_from = filters.end - timedelta(days=SILENCE_DAYS)
    return [_window(filters.end, rules), _window(filters.start, rules), _window(quiet_from, rules)]


def member_stats(
    filters: Filters,
    windows: Windows,
    *,
    member_ids: list[str] | None = None,
    only: sa.FromClause | None = None,
) -> sa.Subquery:
    """Per in-scope member with activity in any window: member_key, member_id, joined_at, joined_day,
    and weeks_<name>, contributions_<name> and last_day_<name> (day number of the latest activity) for
    each named [start, end) window. `member_ids` restricts it to those members (a profile, a survey's
    respondents); `only` (rows of distinct member_key) narrows it before weeks are counted."""
    per_member = window_figures(filters, windows, member_ids=member_ids, only=only)
    # The id and join time join the per-member figures.
    member = member_attributes(filters, member_ids=member_ids)
    return (
        sa.select(member.c.member_id, member.c.joined_at, *per_member.c)
        .join(member, member.c.member_key == per_member.c.member_key)
        .subquery("member_stats")
    )


def level_of(weeks: sa.ColumnElement, contributions: sa.ColumnElement, rules: LevelRules) -> sa.ColumnElement:
    """The level a member with these window figures reaches (weeks 0 means no activity: dormant)."""
    weeks, contributions = sa.func.coalesce(weeks, 0), sa.func.coalesce(contributions, 0)
    return sa.case(
        ((weeks >= rules.champion_weeks) & (contributions >= rules.champion_contributions), "champion"),
        ((weeks >= rules.regular_weeks) & (contributions >= rules.regular_contributions), "regular"),
        (weeks > 0, "casual"),
        else_="dormant",
    )


def _levels(filters: Filters, rules: LevelRules, *, member_ids: list[str] | None = None) -> sa.Subquery:
    """Every member at the period's end with their level now and at the previous period's end
    (NULL for members who joined during the period)."""
    now, previous, _ = windows_read(filters, rules)
    stats = member_stats(filters, {"now": now, "before": previous}, member_ids=member_ids)
    before = level_of(stats.c.weeks_before, stats.c.contributions_before, rules)
    return (
        sa.select(
            members.c.member_id,
            members.c.name,
            members.c.channel,
            members.c.region,
            members.c.segment,
            stats.c.weeks_now.label("active_weeks"),
            stats.c.contributions_now.label("contributions"),
            stats.c.last_day_now.label("last_day"),
            level_of(stats.c.weeks_now, stats.c.contributions_now, rules).label("level"),
            sa.case((members.c.joined_at < filters.start_utc, before)).label("previous_level"),
        )
        .select_from(members.outerjoin(stats, stats.c.member_id == members.c.member_id))
        .where(*member_conditions(filters), members.c.joined_at < filters.end_utc)
        .where(*([members.c.member_id.in_(member_ids)] if member_ids is not None else []))
        .subquery("levels")
    )


def _leveled(filters: Filters, rules: LevelRules, *, keys: sa.Select | None = None) -> sa.Select:
    """The members with activity in either window who joined before the period's end (of those
    with `keys` only, when given: an increment's share): member_key, active_weeks, contributions and
    last_day in the window to the period's end, and their level then and at the previous period's
    end (previous_level; NULL for those who joined since).

    The window figures carry each member's join day, so nothing here joins the members: on
    PostgreSQL at a million members, joining them for their join times was a third of the level
    board's time."""
    now, before, _ = windows_read(filters, rules)
    only = None if keys is None else keys.subquery("keys")
    figures = window_figures(filters, {"now": now, "before": before}, only=only)
    previous = sa.case(
        (
            figures.c.joined_day < day_number(filters.start),
            level_of(figures.c.weeks_before, figures.c.contributions_before, rules),
        )
    )
    return sa.select(
        figures.c.member_key,
        figures.c.weeks_now.label("active_weeks"),
        figures.c.contributions_now.label("contributions"),
        figures.c.last_day_now.label("last_day"),
        previous.label("previous_level"),
        level_of(figures.c.weeks_now, figures.c.contributions_now, rules).label("level"),
    ).where(figures.c.joined_day < day_number(filters.end))


def _counted(leveled: sa.FromClause) -> sa.Select:
    return sa.select(leveled.c.previous_level, leveled.c.level, sa.func.count().label("members")).group_by(
        leveled.c.previous_level, leveled.c.level
    )


def active_level_changes_query(*, filters: Filters, rules: LevelRules = RULES) -> sa.Select:
    """Rows (previous_level, level, members) for the members with activity in either window."""
    return _counted(_leveled(filters, rules).subquery("leveled"))


def member_totals_query(*, filters: Filters) -> sa.Select:
    """One row: members in scope who joined before the period (members_before) and during it."""
    joined = members.c.joined_at
    return sa.select(
        count_where(joined < filters.start_utc).label("members_before"),
        count_where(joined >= filters.start_utc).label("newcomers"),
    ).where(*member_conditions(filters), joined < filters.end_utc)


def level_changes(*, warehouse: Runner, filters: Filters, rules: LevelRules = RULES) -> pd.DataFrame:
    """Rows (previous_level, level, members): how many members went from one level to another
    between the previous period's end and this period's end; previous_level None for newcomers.

    Members with no activity in either window are dormant at both ends. They are counted as all
    members minus the active ones rather than by joining every member to the active ones, which
    was half of the Members page's time at a million members."""
    active = warehouse.run(active_level_changes_query(filters=filters, rules=rules))
    return _with_quiet(active, warehouse.run(member_totals_query(filters=filters)).iloc[0])


def _with_quiet(active: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """level_changes' rows from the active members' (previous_level, level, members) and the
    member totals: the members not among the active ones are dormant at both ends."""
    known = active["previous_level"].notna()
    quiet = {
        "dormant": int(totals["members_before"]) - int(active.loc[known, "members"].sum()),
        None: int(totals["newcomers"]) - int(active.loc[~known, "members"].sum()),
    }
    rows = [(previous, level, int(n)) for previous, level, n in active.itertuples(index=False)]
    rows += [(previous, "dormant", count) for previous, count in quiet.items() if count]
    changes = pd.DataFrame(rows, columns=["previous_level", "level", "members"])
    changes = changes.groupby(["previous_level", "level"], dropna=False, as_index=False)[["members"]].sum()
    changes = changes.astype({"previous_level": object})
    return changes.where(changes.notna(), None).sort_values(["previous_level", "level"], na_position="last")


AT_LEVEL_COLUMNS = [
    "member_id",
    "name",
    "segment",
    "channel",
    "region",
    "active_weeks",
    "contributions",
    "last_day",
    "previous_level",
]


@dataclass(frozen=True)
class LevelBoard:
    """What the Members page shows of engagement levels: level_changes' rows, and for each level
    only active members reach (champion, regular, casual) members_at_level_query's rows."""

    changes: pd.DataFrame
    at_level: dict[str, pd.DataFrame]


def level_board_query(*, filters: Filters, rules: LevelRules = RULES, limit: int = AT_LEVEL_SHOWN) -> sa.CompoundSelect:
    """level_changes' active rows (previous_level, level, members; place 0) and, in the same
    statement, the `limit` members with the most contributions at each active level, as
    members_at_level_query orders them (place: their rank from 1; members 0). Empty text and 0 fill
    the columns a row has no use for: a NULL would need a type, and ClickHouse casts NULL to
    Nullable types only.

    One statement, so the members' window figures, most of the Members page's time at a million
    members, are computed once where the database keeps a common table expression it reads four
    times (DuckDB, PostgreSQL, SQLite; Warehouse.reads_common_tables_once). Each level's list is
    its own LIMIT, not a rank over all members, which PostgreSQL sorted whole (on disk).

    A kept view's (with the usual rules and no longer lists than kept) reads the counts and lists a
    sync's build keeps by member combination instead (level_counts, level_lists): a first change
    of period or member filter on the Members page computed the window figures of a million
    members, 0.1-0.2 s of it (docs/performance.md, "The level board kept")."""
    leveled = _leveled(filters, rules).cte("leveled")
    text: sa.ColumnClause[str] = sa.literal_column("''")
    number: sa.ColumnClause[int] = sa.literal_column("0")
    kept = rules == RULES and limit <= LISTED
    counted: sa.FromClause = _counted(leveled).subquery("counted")
    if kept:
        counted = _kept("counted", LEVELS_KEY, filters, _kept_counts(filters), _counted(leveled))
    counts = sa.select(
        counted.c.previous_level,
        counted.c.level,
        counted.c.members,
        number.label("place"),
        *(text.label(name) for name in AT_LEVEL_COLUMNS[:5]),
        *(number.label(name) for name in ("active_weeks", "contributions", "last_day")),
    )
    lists: list[sa.Select] = []
    for level in ACTIVE_LEVELS:
        computed = _top_at_level(leveled, filters, level, limit)
        if kept:
            at_level = _kept(f"at_{level}", LISTS_KEY, filters, _kept_list(filters, level, limit), computed)
            lists.append(sa.select(*at_level.c))
        else:
            lists.append(computed)
    return sa.union_all(counts, *lists)


def _top_at_level(leveled: sa.CTE, filters: Filters, level: str, limit: int) -> sa.Select:
    """The `limit` members at `level` with the most contributions (ties: member id), computed: the
    level board's rows of a list (previous_level, level, members 0, place, then AT_LEVEL_COLUMNS'
    member_id, name, segment, channel, region, and active_weeks, contributions, last_day)."""
    at_level = leveled.c.level == level
    # The `limit`-th most contributions at the level: members with fewer are not among the top,
    # whatever their id, so only those with as many or more are joined to their ids and ordered.
    least = (
        sa.select(leveled.c.contributions)
        .where(at_level)
        .order_by(leveled.c.contributions.desc())
        .limit(1)
        .offset(max(limit - 1, 0))  # a limit of 0 lists nobody, as LIMIT 0 below says
        .scalar_subquery()
    )
    member = member_attributes(filters, name=f"member_{level}")
    top = (
        sa.select(leveled, member.c.member_id)
        .join(member, member.c.member_key == leveled.c.member_key)
        .where(at_level, leveled.c.contributions >= sa.func.coalesce(least, -1))
        .order_by(leveled.c.contributions.desc(), member.c.member_id)
        .limit(limit)
        .subquery(f"top_{level}")
    )
    place = sa.func.row_number().over(order_by=(top.c.contributions.desc(), top.c.member_id))
    return sa.select(
        top.c.previous_level,
        top.c.level,
        sa.literal_column("0").label("members"),
        place.label("place"),
        members.c.member_id,
        members.c.name,
        members.c.segment,
        members.c.channel,
        members.c.region,
        top.c.active_weeks,
        top.c.contributions,
        top.c.last_day,
    ).join(members, members.c.member_id == top.c.member_id)


def _kept(name: str, key: str, filters: Filters, kept: sa.Select, computed: sa.Select) -> Kept:
    """The view's rows: `kept`, read from the rollup's table of `key` where it keeps the view's
    period, else `computed`."""
    return Kept(name, key=key, timezone=filters.timezone, ids=[period_id(filters)], kept=kept, computed=computed)


def _kept_counts(filters: Filters) -> sa.Select:
    """_counted's rows of a kept view, added up over the member combinations the filters select."""
    table = level_counts
    return (
        sa.select(
            table.c.previous_level, table.c.level, sa.cast(sa.func.sum(table.c.members), sa.BigInteger).label("members")
        )
        .where(table.c.view == period_id(filters), *member_conditions(filters, table, with_team=False))
        .group_by(table.c.previous_level, table.c.level)
    )


def _kept_list(filters: Filters, level: str, limit: int) -> sa.Select:
    """_top_at_level's rows of a kept view: the first at `level` of the member combinations the
    filters select, each combination's first kept (a filter's first `limit` are among them)."""
    table = level_lists
    order = (table.c.contributions.desc(), table.c.member_id)
    return (
        sa.select(
            table.c.previous_level,
            table.c.level,
            sa.literal_column("0").label("members"),
            sa.func.row_number().over(order_by=order).label("place"),
            table.c.member_id,
            table.c.name,
            table.c.segment,
            table.c.channel,
            table.c.region,
            table.c.active_weeks,
            table.c.contributions,
            table.c.last_day,
        )
        .where(table.c.view == period_id(filters), table.c.level == level)
        .where(*member_conditions(filters, table, with_team=False))
        .order_by(*order)
        .limit(limit)
    )


def level_board(
    *, warehouse: Runner, filters: Filters, rules: LevelRules = RULES, limit: int = AT_LEVEL_SHOWN
) -> LevelBoard:
    """The LevelBoard of a view: what level_changes and members_at_level_query give, in two
    statements where those take three (and the members' window figures are computed once)."""
    rows = warehouse.run(level_board_query(filters=filters, rules=rules, limit=limit))
    counts = rows["place"] == 0
    active = rows.loc[counts, ["previous_level", "level", "members"]]
    changes = _with_quiet(active, warehouse.run(member_totals_query(filters=filters)).iloc[0])
    figures = {"active_weeks": "int64", "contributions": "int64", "last_day": "int64"}
    listed = rows.loc[~counts].sort_values("place").astype(figures)
    at_level = {
        level: listed.loc[listed["level"] == level, AT_LEVEL_COLUMNS].reset_index(drop=True) for level in ACTIVE_LEVELS
    }
    return LevelBoard(changes=changes, at_level=at_level)


def level_summary(changes: pd.DataFrame) -> pd.DataFrame:
    """Per level, highest first: members now, at the previous period's end, and how many of those
    now at the level moved up into it, moved down into it, or are newcomers."""
    rank = {level: n for n, level in enumerate(LEVELS)}
    rows = []
    for level in LEVELS:
        now = changes[changes["level"] == level]
        before = changes[changes["previous_level"] == level]
        came = now.dropna(subset=["previous_level"])
        rows.append(
            {
                "level": level,
                "current": int(now["members"].sum()),
                "previous": int(before["members"].sum()),
                "moved_up": int(came.loc[came["previous_level"].map(rank) > rank[level], "members"].sum()),
                "moved_down": int(came.loc[came["previous_level"].map(rank) < rank[level], "members"].sum()),
                "new": int(now.loc[now["previous_level"].isna(), "members"].sum()),
            }
        )
    return pd.DataFrame(rows)


def moves(changes: pd.DataFrame) -> dict[str, int]:
    """Members whose level rose, fell or stayed since the previous period's end (newcomers apart)."""
    rank = {level: n for n, level in enumerate(LEVELS)}
    known = changes.dropna(subset=["previous_level"])
    step = known["previous_level"].map(rank) - known["level"].map(rank)
    return {
        "moved_up": int(known.loc[step > 0, "members"].sum()),
        "moved_down": int(known.loc[step < 0, "members"].sum()),
        "stayed": int(known.loc[step == 0, "members"].sum()),
        "new": int(changes.loc[changes["previous_level"].isna(), "members"].sum()),
    }


def members_at_level_query(
    *, filters: Filters, level: str, rules: LevelRules = RULES, limit: int = AT_LEVEL_SHOWN
) -> sa.Select:
    """The members at a level at the period's end, most contributions first (at most `limit`)."""
    if level not in LEVELS:
        raise ValueError(f"Unknown engagement level {level!r}; expected one of {', '.join(LEVELS)}.")
    levels = _levels(filters, rules)
    return (
        sa.select(
            levels.c.member_id,
            levels.c.name,
            levels.c.segment,
            levels.c.channel,
            levels.c.region,
            sa.func.coalesce(levels.c.active_weeks, 0).label("active_weeks"),
            sa.func.coalesce(levels.c.contributions, 0).label("contributions"),
            levels.c.last_day,
            levels.c.previous_level,
        )
        .where(levels.c.level == level)
        .order_by(levels.c.contributions.desc().nulls_last(), levels.c.member_id)
        .limit(limit)
    )


def slipping_champions_query(
    *, filters: Filters, rules: LevelRules = RULES, include_email: bool = False, limit: int = SLIPPING_SHOWN
) -> sa.Select:
    """Members (joined before the period's end, as the level counts have it) who were champions over
    the window that ended SILENCE_DAYS before the period's end and have had no activity at all
    since: the people to call first. Most contributions first."""
    was = windows_read(filters, rules)[2]
    quiet_from = was[1]
    # Weeks are counted only for the members silent since quiet_from (so none fall after it).
    stats = member_stats(filters, {"was": was}, only=fallen_silent(filters, was[0], quiet_from))
    # Cut to `limit` before the names are joined: joined first, every silent champion met the
    # members table (on PostgreSQL a hash of a million rows).
    champions = (
        sa.select(stats)
        .where(
            level_of(stats.c.weeks_was, stats.c.contributions_was, rules) == "champion",
            stats.c.joined_at < filters.end_utc,
        )
        .order_by(stats.c.contributions_was.desc(), stats.c.member_id)
        .limit(limit)
        .subquery("champions")
    )
    columns = [members.c.member_id, members.c.name]
    if include_email:
        columns.append(members.c.email)
    return (
        sa.select(
            *columns,
            members.c.segment,
            members.c.channel,
            members.c.region,
            champions.c.weeks_was.label("active_weeks"),
            champions.c.contributions_was.label("contributions"),
            champions.c.last_day_was.label("last_day"),
        )
        .select_from(champions)
        .join(members, members.c.member_id == champions.c.member_id)
        .order_by(champions.c.contributions_was.desc(), members.c.member_id)
    )


def member_level_query(*, filters: Filters, member_id: str, rules: LevelRules = RULES) -> sa.Select:
    """One member's level, active weeks and contributions at the period's end (no row for team
    members or members who joined later)."""
    levels = _levels(filters, rules, member_ids=[member_id])
    return sa.select(levels.c.level, levels.c.previous_level, levels.c.active_weeks, levels.c.contributions)


def respondent_profiles_query(*, filters: Filters, member_ids: list[str], rules: LevelRules = RULES) -> sa.Select:
    """Channel, region, segment and level at the period's end of the given members (in scope only):
    what survey results are broken down by."""
    levels = _levels(filters, rules, member_ids=member_ids)
    return sa.select(levels.c.member_id, levels.c.channel, levels.c.region, levels.c.segment, levels.c.level)


PROFILE_COLUMNS = ["member_id", "person_id", "channel", "region", "segment", "level"]


def member_profiles(
    *, warehouse: Runner, filters: Filters, member_ids: list[str], rules: LevelRules = RULES
) -> pd.DataFrame:
    """`respondent_profiles_query`'s columns for ids any of a person's (an inbox item filed under an
    account since merged): member_id as given, person_id its person's canonical id, and the person's
    channel, region, segment and level; in scope only. The warehouse keeps one members row per
    person, so the ids are first mapped to their people (metrics.scope.people_of), then asked for."""
    people = people_of(member_ids, warehouse=warehouse)
    if not people:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    asked = pd.DataFrame({"member_id": list(people), "person_id": list(people.values())}, dtype=object)
    profiles = warehouse.run(
        respondent_profiles_query(filters=filters, member_ids=sorted(set(people.values())), rules=rules)
    )
    joined = asked.merge(profiles.rename(columns={"member_id": "person_id"}), on="person_id")
    return joined[PROFILE_COLUMNS].sort_values("member_id").reset_index(drop=True)


def _window_levels(view: Filters, keys: sa.Select | None) -> sa.Subquery:
    """_leveled's members of a kept view (of those with `keys`, when given) with their combination
    (channel, region, segment), read from member_windows, which holds the view's windows (`_held`):
    one pass over its rows of the two windows, grouped per member, and the combination by the
    member's group key, so the build and an increment's share scan no member table for them."""
    windows = member_windows
    now, before, _ = [(day_number(start), day_number(end)) for start, end in windows_read(view, RULES)]
    in_now = (windows.c.start_day == now[0]) & (windows.c.end_day == now[1])
    in_before = (windows.c.start_day == before[0]) & (windows.c.end_day == before[1])

    def over(window: sa.ColumnElement[bool], column: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.max(sa.case((window, column))), 0)

    team = sa.select(member_keys.c.member_key).where(member_keys.c.is_team == sa.true())
    per_member = (
        sa.select(
            windows.c.member_key,
            sa.func.max(windows.c.group_key).label("group_key"),
            sa.func.max(windows.c.joined_day).label("joined_day"),
            over(in_now, windows.c.weeks).label("weeks_now"),
            over(in_now, windows.c.contributions).label("contributions_now"),
            sa.func.max(sa.case((in_now, windows.c.last_day))).label("last_day_now"),
            over(in_before, windows.c.weeks).label("weeks_before"),
            over(in_before, windows.c.contributions).label("contributions_before"),
        )
        .where(in_now | in_before, windows.c.member_key.not_in(team))
        .where(*([] if keys is None else [windows.c.member_key.in_(keys)]))
        .group_by(windows.c.member_key)
        .subquery("per_member")
    )
    previous = sa.case(
        (
            per_member.c.joined_day < day_number(view.start),
            level_of(per_member.c.weeks_before, per_member.c.contributions_before, RULES),
        )
    )
    group = member_groups
    return (
        sa.select(
            *(group.c[name] for name in DIMENSIONS),
            per_member.c.member_key,
            per_member.c.weeks_now.label("active_weeks"),
            per_member.c.contributions_now.label("contributions"),
            per_member.c.last_day_now.label("last_day"),
            previous.label("previous_level"),
            level_of(per_member.c.weeks_now, per_member.c.contributions_now, RULES).label("level"),
        )
        .join(group, group.c.group_key == per_member.c.group_key)
        .where(per_member.c.joined_day < day_number(view.end))
        .subquery("window_levels")
    )


def _held(connection: Connection, views: list[Filters]) -> list[Filters]:
    """Of the kept views, those whose windows member_windows holds, from which their levels are kept
    (a sync's build and an increment keep the kept views' windows; a rollup built with others keeps
    no levels, and the page computes them)."""
    held = {
        tuple(row)
        for row in connection.execute(sa.select(member_windows.c.start_day, member_windows.c.end_day).distinct())
    }
    return [
        view
        for view in views
        if all((day_number(start), day_number(end)) in held for start, end in windows_read(view, RULES)[:2])
    ]


def _counts_by_combination(view: Filters, keys: sa.Select | None) -> sa.Select:
    """What level_counts keeps of a view: _counted's rows by member combination."""
    rows = _window_levels(view, keys)
    grouped = [*(rows.c[name] for name in DIMENSIONS), rows.c.previous_level, rows.c.level]
    return sa.select(*grouped, sa.func.count().label("members")).group_by(*grouped)


def _listed(view: Filters, keys: sa.Select | None) -> sa.Select:
    """The members at an active level of a view, with level_lists' columns (but its view and
    `complete`)."""
    rows = _window_levels(view, keys)
    member = member_keys
    return (
        sa.select(
            *(rows.c[name] for name in DIMENSIONS),
            rows.c.level,
            member.c.member_id,
            members.c.name,
            *(rows.c[name] for name in ("active_weeks", "contributions", "last_day", "previous_level")),
        )
        .join(member, member.c.member_key == rows.c.member_key)
        .join(members, members.c.member_id == member.c.member_id)
        .where(rows.c.level.in_(ACTIVE_LEVELS))
    )


LIST = ("view", *DIMENSIONS, "level")  # what names a list of level_lists


def _ranked(rows: sa.FromClause, *, complete: sa.ColumnElement[bool]) -> sa.Subquery:
    """`rows` (level_lists' columns but `complete`) with their place in their list (`rank`, from 1
    in _top_at_level's order), its length and, as `complete`, whether it holds every member at its
    level (`complete` of each row, and all of them kept)."""
    by = [rows.c[name] for name in LIST]
    order = (rows.c.contributions.desc(), rows.c.member_id)
    everyone = sa.func.min(sa.case((complete, 1), else_=0)).over(partition_by=by) == 1
    return sa.select(
        *(rows.c[column.name] for column in level_lists.c if column.name != "complete"),
        sa.func.row_number().over(partition_by=by, order_by=order).label("rank"),
        sa.func.count().over(partition_by=by).label("length"),
        (everyone & (sa.func.count().over(partition_by=by) <= LISTED + LISTED_SLACK)).label("complete"),
    ).subquery("ranked")


def _firsts(ranked: sa.Subquery) -> sa.Select:
    """What level_lists keeps of _ranked's rows: each list's first LISTED + LISTED_SLACK."""
    return sa.select(*(ranked.c[column.name] for column in level_lists.c)).where(ranked.c.rank <= LISTED + LISTED_SLACK)


def _lists_built(rows: sa.FromClause) -> sa.Select:
    """What level_lists keeps of the members at an active level of each kept view: each member
    combination's first LISTED + LISTED_SLACK at each level, enough for the first LISTED of any
    member filter's, since those are each among their own combination's first."""
    return _firsts(_ranked(rows, complete=sa.true()))


def _lists_merged(
    connection: Connection, table: sa.FromClause, before: sa.FromClause, after: sa.FromClause, touched: sa.Select
) -> sa.Select | None:
    """level_lists after an increment. An increment only adds activities and members, so no
    member's contributions fall; members who rose a level leave their lists. Each list is its
    level's first, all of them where `complete`: the members beyond its last rank below it. So a
    list keeps its untouched members and takes the touched members now at its level that rank
    above its last (every one, where complete). A list that is not complete and so falls under
    LISTED members is computed again with all the lists (None): LISTED_SLACK members of one list
    must rise a level between two builds for that (each new day's build, at the latest)."""
    last = _ranked(table, complete=table.c.complete)
    ends = (
        sa.select(*(last.c[name] for name in (*LIST, "contributions", "member_id", "complete", "length")))
        .where(last.c.rank == last.c.length)
        .subquery("ends")
    )
    same_list = [ends.c[name].is_not_distinct_from(after.c[name]) for name in LIST]
    above_last = (after.c.contributions > ends.c.contributions) | (
        (after.c.contributions == ends.c.contributions) & (after.c.member_id <= ends.c.member_id)
    )
    # a list no row names had no member at its level: it was complete
    takes = ends.c.view.is_(None) | ends.c.complete | above_last
    columns = [column.name for column in level_lists.c]
    entering = (
        sa.select(*(after.c[name] for name in columns if name != "complete"), sa.func.coalesce(ends.c.complete, True))
        .select_from(after.outerjoin(ends, sa.and_(*same_list)))
        .where(takes)
    )
    touched_ids = sa.select(member_keys.c.member_id).where(member_keys.c.member_key.in_(touched))
    staying = sa.select(*(table.c[name] for name in columns)).where(table.c.member_id.not_in(touched_ids))
    candidates = sa.union_all(staying, entering).subquery("candidates")
    merged = _ranked(candidates, complete=candidates.c.complete)
    # lists not complete before, with how many members they keep now (none: not among the candidates)
    kept_now = sa.select(*(merged.c[name] for name in LIST), merged.c.length).distinct().subquery("kept_now")
    short = (
        sa.select(ends.c.view)
        .select_from(
            ends.outerjoin(kept_now, sa.and_(*(kept_now.c[name].is_not_distinct_from(ends.c[name]) for name in LIST)))
        )
        .where(~ends.c.complete, sa.func.coalesce(kept_now.c.length, 0) < LISTED)
    )
    if connection.scalar(sa.select(short.exists())):
        return None
    return _firsts(merged)


keep_by_view(level_counts, LEVELS_KEY, figures=_counts_by_combination, merge=added_up("members"), held=_held)
keep_by_view(level_lists, LISTS_KEY, figures=_listed, kept_of=_lists_built, merge=_lists_merged, held=_held)
