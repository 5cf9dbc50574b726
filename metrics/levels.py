"""Engagement levels: champion, regular, casual, dormant (DESIGN.md: engagement level).

A member's level is read from their trailing 90 days: how many distinct weeks (Monday start) they
were active in, and how many contributions (activities other than logins) they made. The rules are
the Orbit / crowd.dev practice of levels by steady presence *and* contribution, so a burst of
reactions in one week does not make a champion. Thresholds live in LevelRules and are shown in the
app's help text.

The Members page's level changes of the kept views (metrics.filters.kept_views) are kept by the
rollup by view and member combination (level_counts, registered below like the Engagement page's
figures: metrics/contributions.py), so a member filter sums a few rows; the members listed at a
level are read from the window to the period's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa

import schema
from data_sources.rollup import added_up
from metrics.filters import Filters, day_number
from metrics.kept import keep_by_view, kept_view, summed
from metrics.member_days import member_attributes
from metrics.member_periods import Windows, fallen_silent, window_figures
from metrics.scope import Runner, people_of
from metrics.sql import count_where, member_conditions, one_of
from rollup.tables import LEVELS_KEY, level_counts
from rollup.windows import LEVEL_DAYS, SILENCE_DAYS

LEVELS = ("champion", "regular", "casual", "dormant")  # highest first
ACTIVE_LEVELS = LEVELS[:-1]  # the levels only members with activity in the window reach
SLIPPING_SHOWN = 500  # slipping champions listed, most contributions first
AT_LEVEL_SHOWN = 200  # members listed at a level, most contributions first
members = schema.members


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
    """The windows the level changes, the lists at a level and the slipping champions read for a
    view: the level's window to the period's end and to its start, and the one to SILENCE_DAYS
    before its end. The rollup keeps each member's figures over the kept views' (rollup/windows.py)."""
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
        .where(*([one_of(members.c.member_id, member_ids)] if member_ids is not None else []))
        .subquery("levels")
    )


def previous_level(
    joined_day: sa.ColumnElement,
    weeks: sa.ColumnElement,
    contributions: sa.ColumnElement,
    filters: Filters,
    rules: LevelRules,
) -> sa.ColumnElement:
    """A member's level at the previous period's end (`weeks` and `contributions` in the window to
    the period's start): NULL for a member who joined on the period's first day or later."""
    return sa.case((joined_day < day_number(filters.start), level_of(weeks, contributions, rules)))


def _leveled(
    filters: Filters, rules: LevelRules, *, keys: sa.Select | None = None, by_members: bool = False
) -> sa.Select:
    """The members with activity in either window who joined before the period's end (of those with
    the rollup `keys` alone, when given: an increment's share): member_key, active_weeks,
    contributions and last_day in the window to the period's end, and their level then and at the
    previous period's end (previous_level; NULL for those who joined since); `by_members`, with
    their channel, region and segment.

    The window figures carry each member's join day, so nothing here joins the members: on
    PostgreSQL at a million members, joining them for their join times was a third of the level
    board's time."""
    now, before, _ = windows_read(filters, rules)
    figures = window_figures(filters, {"now": now, "before": before}, keys=keys, by_members=by_members)
    previous = previous_level(
        figures.c.joined_day, figures.c.weeks_before, figures.c.contributions_before, filters, rules
    )
    return sa.select(
        figures.c.member_key,
        *(figures.c[name] for name in schema.MEMBER_DIMENSIONS if by_members),
        figures.c.weeks_now.label("active_weeks"),
        figures.c.contributions_now.label("contributions"),
        figures.c.last_day_now.label("last_day"),
        previous.label("previous_level"),
        level_of(figures.c.weeks_now, figures.c.contributions_now, rules).label("level"),
    ).where(figures.c.joined_day < day_number(filters.end))


def _counted(leveled: sa.FromClause, *by: sa.ColumnElement) -> sa.Select:
    grouped = [*by, leveled.c.previous_level, leveled.c.level]
    return sa.select(*grouped, sa.cast(sa.func.count(), sa.BigInteger).label("members")).group_by(*grouped)


def active_level_changes_query(*, filters: Filters, rules: LevelRules = RULES) -> sa.Select:
    """Rows (previous_level, level, members) for the members with activity in either window: read
    from the rollup's level_counts where it keeps the view (and the rules are RULES), summed over
    the member combinations a member filter keeps, else computed from the members' window figures
    (at a million members 0.065 s on DuckDB unfiltered, the full join of two windows' figures)."""
    computed = _counted(_leveled(filters, rules).subquery("leveled"))
    if rules != RULES:
        return computed.order_by(*computed.selected_columns[:2])
    kept = summed(level_counts, filters, by=("previous_level", "level"), counts=("members",))
    counts = kept_view("level_changes", LEVELS_KEY, filters, kept, computed)
    return sa.select(*counts.c).order_by(counts.c.previous_level, counts.c.level)


def level_counts_query(*, filters: Filters, keys: sa.Select | None = None) -> sa.Select:
    """active_level_changes_query's rows of a view by member combination (channel, region,
    segment), of the members with the rollup `keys` alone when given: what level_counts keeps."""
    leveled = _leveled(filters, RULES, keys=keys, by_members=True).subquery("leveled")
    return _counted(leveled, *(leveled.c[name] for name in schema.MEMBER_DIMENSIONS))


keep_by_view(
    level_counts,
    LEVELS_KEY,
    figures=lambda view, keys: level_counts_query(filters=view, keys=keys),
    merge=added_up("members"),
)


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


def _changes(changes: pd.DataFrame) -> list[tuple[str | None, str, int]]:
    """level_changes' rows as (previous_level, level, members), a blank previous level None. A
    dozen rows: read in Python, pandas took 10 ms a rerun of the Members page for level_summary and
    moves."""
    rows = zip(*(changes[name].tolist() for name in ("previous_level", "level", "members")), strict=True)
    return [(previous if isinstance(previous, str) else None, level, int(members)) for previous, level, members in rows]


def level_summary(changes: pd.DataFrame) -> pd.DataFrame:
    """Per level, highest first: members now, at the previous period's end, and how many of those
    now at the level moved up into it, moved down into it, or are newcomers."""
    rank = {level: n for n, level in enumerate(LEVELS)}
    counts = {level: dict.fromkeys(("current", "previous", "moved_up", "moved_down", "new"), 0) for level in LEVELS}
    for previous, level, members in _changes(changes):
        if previous in counts:
            counts[previous]["previous"] += members
        if level not in counts:
            continue
        counts[level]["current"] += members
        if previous is None:
            counts[level]["new"] += members
        elif previous in rank and rank[previous] > rank[level]:
            counts[level]["moved_up"] += members
        elif previous in rank and rank[previous] < rank[level]:
            counts[level]["moved_down"] += members
    return pd.DataFrame([{"level": level, **counts[level]} for level in LEVELS])


def moves(changes: pd.DataFrame) -> dict[str, int]:
    """Members whose level rose, fell or stayed since the previous period's end (newcomers apart)."""
    rank = {level: n for n, level in enumerate(LEVELS)}
    counted = dict.fromkeys(("moved_up", "moved_down", "stayed", "new"), 0)
    for previous, level, members in _changes(changes):
        if previous is None:
            counted["new"] += members
        elif previous in rank and level in rank:
            step = rank[previous] - rank[level]
            counted["moved_up" if step > 0 else "moved_down" if step < 0 else "stayed"] += members
    return counted


def members_at_level_query(
    *,
    filters: Filters,
    level: str,
    rules: LevelRules = RULES,
    limit: int = AT_LEVEL_SHOWN,
    tables_read_once: bool = True,
) -> sa.Select:
    """The members at a level at the period's end, most contributions first (at most `limit`;
    ties by id): member_id, name, segment, channel, region, active_weeks, contributions, last_day
    (a day number) and previous_level (at the previous period's end; NULL for those who joined
    since). Dormant members are every in-scope member without activity in the window; an active
    level's are read from the window to the period's end alone (_active_at_level), where the
    database computes a common table expression once (`tables_read_once`: not ClickHouse, where
    reading every member's level once is quicker; Warehouse.reads_common_tables_once)."""
    if level not in LEVELS:
        raise ValueError(f"Unknown engagement level {level!r}; expected one of {', '.join(LEVELS)}.")
    if level in ACTIVE_LEVELS and tables_read_once:
        return _active_at_level(filters, level, rules, limit)
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


def _active_at_level(filters: Filters, level: str, rules: LevelRules, limit: int) -> sa.Select:
    """members_at_level_query's rows of an active level. A member's level is their window to the
    period's end's alone, so that window's figures are read for the members in scope, and the one to
    the period's start for the `limit` listed alone (their previous level): at a million members
    the two windows joined for every member were most of the list's time (0.05 s of a segment's
    first view on DuckDB; the counts beside it come from level_counts)."""
    now, before, _ = windows_read(filters, rules)
    figures = window_figures(filters, {"now": now}, name="now_figures")
    at_level = (
        sa.select(
            figures.c.member_key,
            figures.c.joined_day,
            figures.c.weeks_now.label("active_weeks"),
            figures.c.contributions_now.label("contributions"),
            figures.c.last_day_now.label("last_day"),
        )
        .where(
            level_of(figures.c.weeks_now, figures.c.contributions_now, rules) == level,
            figures.c.joined_day < day_number(filters.end),
        )
        .cte("at_level")
    )
    # The `limit`-th most contributions at the level: members with fewer are not among the first,
    # whatever their id, so only those with as many or more are joined to their ids and ordered.
    least = (
        sa.select(at_level.c.contributions)
        .order_by(at_level.c.contributions.desc())
        .limit(1)
        .offset(max(limit - 1, 0))  # a limit of 0 lists nobody, as LIMIT 0 below says
        .scalar_subquery()
    )
    member = member_attributes(filters, name="listed_member")
    listed = (
        sa.select(at_level, member.c.member_id)
        .join(member, member.c.member_key == at_level.c.member_key)
        .where(at_level.c.contributions >= sa.func.coalesce(least, -1))
        .order_by(at_level.c.contributions.desc(), member.c.member_id)
        .limit(limit)
        .cte("listed")
    )
    keys = sa.select(listed.c.member_key).subquery("listed_keys")
    earlier = window_figures(filters, {"before": before}, only=keys, name="before_figures")
    weeks, contributions = earlier.c.weeks_before, earlier.c.contributions_before
    previous = previous_level(listed.c.joined_day, weeks, contributions, filters, rules)
    return (
        sa.select(
            members.c.member_id,
            members.c.name,
            members.c.segment,
            members.c.channel,
            members.c.region,
            listed.c.active_weeks,
            listed.c.contributions,
            listed.c.last_day,
            previous.label("previous_level"),
        )
        .select_from(
            listed.join(members, members.c.member_id == listed.c.member_id).outerjoin(
                earlier, earlier.c.member_key == listed.c.member_key
            )
        )
        .order_by(listed.c.contributions.desc(), members.c.member_id)
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
