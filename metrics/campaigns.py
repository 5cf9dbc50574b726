"""Campaigns and events: funnel, reach, newcomers, activity lift, cost, post-campaign survey scores.

Definitions (DESIGN.md, made precise in docs/metrics.md):
- a campaign is in the period when it runs during it: starts before the period's end and ends (or,
  without an end, starts) at or after its start;
- registered counts members with a registration or an attendance (attending implies registering);
- reach: members registered, attended, or with an activity carrying the campaign id;
- participants: members who attended or have an activity carrying the campaign id;
- new members through it: reached members who joined from ATTRIBUTION_DAYS before its start until
  its end;
- lift (difference in differences): participants' mean change in active days from the 30 days
  before the start day to the 30 days from it, minus the same change for the comparison group (members
  who joined before the start and whom the campaign neither invited nor reached: an invited member
  who stayed away was exposed to it, and is no control). Members who joined after the start have no
  "before" and are left out of both groups. Every activity counts, the campaign's own included.
  While the 30 days from the start run, the lift is blank and lift_from says the day it is known.
Member filters narrow every count to the members in scope; the campaigns themselves are not filtered.
Cost per participant is budget / participants, and none under a member filter: the budget pays for
the whole campaign, not for the members in scope.

The figures of the campaigns the kept views list (the last 28, 7 and 90 days) are computed ahead,
by member combination, when a sync builds the warehouse (campaign_results: registered below with
data_sources.rollup.keep_figures): a view there that lists only those reads and sums them
(metrics.kept.Kept) instead of going through every member-day of each campaign's window. Every
figure is a sum over members, so an incremental sync takes the rows the members it touches (and
the new members) make before and after it and adds the difference (`kept_share`); one that replaced
the campaigns or their members computes them whole. A database queried in place, whose campaigns
and invitations change without its rollup, computes them: its rollup keeps only what the member-days
alone decide, each member's active days around the start days of the campaigns the last 90 days
list (lift_days), which the lift reads instead of the member-days of each campaign's window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

import clock
import sa_internals
import schema
from data_sources.keyed_rows import keyed_tables
from data_sources.rollup import Before, KeptFigures, added_up, keep_figures
from engines import ReadsSideBySide
from metrics.filters import Filters, day_number, from_day_number, kept_views, narrowed
from metrics.kept import Kept, views_kept
from metrics.member_days import member_attributes, member_days, of_key_ids
from metrics.scope import Runner, in_scope
from metrics.sql import count_where, day_of, days_later, member_conditions, ratio, sum_where
from metrics.surveys import csat_of, nps_of
from rollup.tables import CAMPAIGNS_KEY, KEYED_COLUMN, LIFT_KEY, campaign_results, lift_days, member_keys
from store import tables

LIFT_DAYS = 30
ATTRIBUTION_DAYS = 14
DIMENSIONS = schema.MEMBER_DIMENSIONS  # what results_query(by_members=True) splits each campaign by
activities, campaigns, campaign_members, members = (
    schema.activities,
    schema.campaigns,
    schema.campaign_members,
    schema.members,
)


@dataclass(frozen=True)
class Only:
    """What narrows results_query to some members (an increment's share of the kept figures): the
    rollup keys of those members (`key_set`), the member ids the canonical tables hold that the
    rollup does not count yet (`newcomers`, left out) and the conditions on `activities` each part
    adds; `keyed`, the canonical tables whose rows carry their member's key in this build
    (keyed_tables)."""

    activities: tuple[sa.ColumnElement[bool], ...] = ()
    key_set: sa.Select | None = None
    newcomers: sa.Select | None = None
    keyed: frozenset[str] = frozenset()

    @classmethod
    def of(cls, keys: sa.Select | None, before: Before | None, keyed: frozenset[str] = frozenset()) -> Only:
        """The members with rollup `keys` (all, for None), less what `before` says the canonical
        tables hold that the rollup does not count yet (the share before an increment's update)."""
        if before is None:
            return cls(key_set=keys, keyed=keyed)
        appended = (activities.c.activity_id.not_in(before.activity_ids),)
        return cls(appended, keys, before.member_ids, keyed)

    def people(self, filters: Filters) -> tuple[sa.FromClause, list[sa.ColumnElement[bool]]]:
        """The in-scope members a part reads (member_id, joined_at and the DIMENSIONS) and the
        conditions that take them: `members` for everyone; for some members, their rollup
        attributes found by key (member_attributes), where matching a million members' text ids
        to the keys' was most of an increment's campaign share."""
        if self.key_set is None:
            people: sa.FromClause = members
            conditions = member_conditions(filters)
        else:
            people, conditions = member_attributes(filters, keys=self.key_set, name="people"), []
        if self.newcomers is not None:
            conditions.append(people.c.member_id.not_in(self.newcomers))
        return people, conditions

    def rows(self, table: sa.Table) -> list[sa.ColumnElement[bool]]:
        """`table`'s rows of the members with the rollup keys: by the key they carry where they do
        (an integer's semi-join), else by their member id through member_keys; taken before the
        campaigns' marks are grouped and their invitations matched (an increment's campaign share
        at a million members: 0.30 s by id, 0.21 s by key)."""
        if self.key_set is None:
            return []
        if table.name in self.keyed:
            return [sa_internals.added_column(table, KEYED_COLUMN, sa.Integer).in_(self.key_set)]
        return of_key_ids(table.c.member_id, self.key_set)


EVERYONE = Only()


def _selected(filters: Filters, campaign_id: str | None = None) -> sa.Subquery:
    """The campaigns running during the period (or the one asked for, whatever its dates)."""
    if campaign_id is not None:
        condition = campaigns.c.campaign_id == campaign_id
    else:
        ends = sa.func.coalesce(campaigns.c.ends_at, campaigns.c.starts_at)
        condition = (campaigns.c.starts_at < filters.end_utc) & (ends >= filters.start_utc)
    return (
        sa.select(campaigns.c.campaign_id, campaigns.c.starts_at, campaigns.c.ends_at)
        .where(condition)
        .subquery("selected")
    )


def campaigns_query(*, filters: Filters) -> sa.Select:
    """The campaigns running during the period, earliest first."""
    selected = _selected(filters)
    return (
        sa.select(
            campaigns.c.campaign_id,
            campaigns.c.name,
            campaigns.c.kind,
            campaigns.c.channel,
            campaigns.c.starts_at,
            campaigns.c.ends_at,
            campaigns.c.budget,
            campaigns.c.target,
            campaigns.c.survey_id,
        )
        .join(selected, selected.c.campaign_id == campaigns.c.campaign_id)
        .order_by(campaigns.c.starts_at, campaigns.c.campaign_id)
    )


def _selected_ids(selected: sa.Subquery, campaign_ids: list[str] | None) -> list[str] | sa.Select:
    """What a campaign_id is IN to be among the `selected`: their ids, where the caller knows them
    (exactly those campaigns_query lists), which PostgreSQL then reads by index (and estimates) as it
    cannot from the period's condition; otherwise the subquery's."""
    return sa.select(selected.c.campaign_id) if campaign_ids is None else campaign_ids


def _touches(
    filters: Filters, selected: sa.Subquery, only: Only = EVERYONE, campaign_ids: list[str] | None = None
) -> sa.CTE:
    """Per (campaign, in-scope member it reached): registered, attended, tagged (an activity
    carries the campaign id) as 0/1, participant, with the member's joined_at and dimensions, and
    the campaign's dates (a common table expression: the funnel reads it, and the lift where
    member filters narrow the scope or for an increment's share, _reached); the marks of the
    campaigns with `campaign_ids`, when given (_selected_ids).
    Invitations are counted apart (_invited): most members a campaign touches were only invited,
    and grouping their rows per member was half of the Campaigns page (the lift's computed path
    groups them with its marks all the same, _mark_flags, where that costs least)."""
    flags = _marks_by_member(selected, only, campaign_ids)
    people, in_scope = only.people(filters)
    return (
        sa.select(
            flags,
            people.c.joined_at,
            *(people.c[name] for name in DIMENSIONS),
            selected.c.starts_at,
            selected.c.ends_at,
            _takes_part(flags),
        )
        .join(people, people.c.member_id == flags.c.member_id)
        .join(selected, selected.c.campaign_id == flags.c.campaign_id)
        .where(*in_scope)
        .cte("touches")
    )


def _marks_by_member(selected: sa.Subquery, only: Only, campaign_ids: list[str] | None) -> sa.Subquery:
    """Per (campaign, member id) among the `selected` campaigns' marks: registered, attended and
    tagged, 0/1, whoever the member is (_touches and _reached scope them)."""
    in_selected = _selected_ids(selected, campaign_ids)
    marks = sa.union_all(
        sa.select(
            campaign_members.c.campaign_id,
            campaign_members.c.member_id,
            sa.literal_column("1").label("registered"),  # attending implies registering
            sa.case((campaign_members.c.status == "attended", 1), else_=0).label("attended"),
            sa.literal_column("0").label("tagged"),
        ).where(
            campaign_members.c.campaign_id.in_(in_selected),
            campaign_members.c.status.in_(("registered", "attended")),
            *only.rows(campaign_members),
        ),
        sa.select(
            activities.c.campaign_id,
            activities.c.member_id,
            sa.literal_column("0"),
            sa.literal_column("0"),
            sa.literal_column("1"),
        ).where(activities.c.campaign_id.in_(in_selected), *only.activities, *only.rows(activities)),
    ).subquery("marks")
    return (
        sa.select(
            marks.c.campaign_id,
            marks.c.member_id,
            sa.func.max(marks.c.registered).label("registered"),
            sa.func.max(marks.c.attended).label("attended"),
            sa.func.max(marks.c.tagged).label("tagged"),
        )
        .group_by(marks.c.campaign_id, marks.c.member_id)
        .subquery("flags")
    )


def _takes_part(flags: sa.FromClause) -> sa.Label[bool]:
    """A member the campaign reached takes part when they attended or an activity carries its id."""
    return ((flags.c.attended == 1) | (flags.c.tagged == 1)).label("participant")


def _reached(
    filters: Filters,
    selected: sa.Subquery,
    touches: sa.CTE,
    only: Only = EVERYONE,
    campaign_ids: list[str] | None = None,
) -> sa.FromClause:
    """Per campaign, the members it reached as its lift marks them (campaign_id, member_id,
    participant), in scope now, as the funnel counts them: `touches`' where member filters narrow
    the scope (or for an increment's share); otherwise the campaigns' marks less the team's. The
    lift's rows are of the members the rollup knows, so with no member filter the team is all the
    scope rules out, and no member needs looking up: on PostgreSQL queried in place, finding the
    default view's 72,628 reached members by id was a third of the lift's statement. (In place, a
    reached member deleted from `members` since the rollup was built is marked reached here, where
    `touches` would leave them in the comparison group, until the next `cli.py rollup` drops their
    days.)"""
    if filters.selects_members or only is not EVERYONE:
        return touches
    flags = _marks_by_member(selected, only, campaign_ids)
    team = sa.select(members.c.member_id).where(members.c.is_team == sa.true(), members.c.member_id.is_not(None))
    return (
        sa.select(flags.c.campaign_id, flags.c.member_id, _takes_part(flags))
        .where(flags.c.member_id.not_in(team))
        .subquery("reached")
    )


def _invitations(selected: sa.Subquery, only: Only = EVERYONE, campaign_ids: list[str] | None = None) -> sa.Subquery:
    """The selected campaigns' invitations (campaign_id, member_id, invited: 1), one row per member
    and campaign (campaign_members' key), whatever the member's scope: outer-joined to rows already
    in scope, they mark the members a campaign invited. `only`: of those members alone (an
    increment's share, which would otherwise group every invitation); `campaign_ids`, as _touches."""
    return (
        sa.select(campaign_members.c.campaign_id, campaign_members.c.member_id, sa.literal_column("1").label("invited"))
        .where(
            campaign_members.c.campaign_id.in_(_selected_ids(selected, campaign_ids)),
            campaign_members.c.status == "invited",
            *only.rows(campaign_members),
        )
        .subquery("invitations")
    )


def _invited(filters: Filters, selected: sa.Subquery, by: tuple[str, ...], only: Only) -> sa.Select:
    """Per campaign (and `by` dimensions): the in-scope members invited to it (campaign_members'
    key makes each invitation one row), and eligible_exposed, those of them who joined before its
    start (the funnel adds those it reached uninvited). Found by the join to `selected`, not by the
    campaigns' ids: by those, each PostgreSQL worker hashed every invitation (docs/performance.md)."""
    people, in_scope = only.people(filters)
    keys = [campaign_members.c.campaign_id, *(people.c[name] for name in by)]
    early = people.c.joined_at < selected.c.starts_at
    return (
        sa.select(*keys, sa.func.count().label("invited"), count_where(early).label("eligible_exposed"))
        .select_from(campaign_members)
        .join(people, people.c.member_id == campaign_members.c.member_id)
        .join(selected, selected.c.campaign_id == campaign_members.c.campaign_id)
        .where(campaign_members.c.status == "invited", *in_scope, *only.rows(campaign_members))
        .group_by(*keys)
    )


def _newcomer(touches: sa.CTE) -> sa.ColumnElement[bool]:
    """A reached member who joined from ATTRIBUTION_DAYS before the campaign's start until its end."""
    joined, ends = touches.c.joined_at, sa.func.coalesce(touches.c.ends_at, touches.c.starts_at)
    return (joined >= days_later(touches.c.starts_at, -ATTRIBUTION_DAYS)) & (joined <= ends)


def _start_days(filters: Filters, starts: list[datetime]) -> list[int]:
    """The local days (day numbers) the campaigns starting at `starts` start on, each once."""
    return sorted({day_number(filters.local_date(start)) for start in starts})


def _begins(filters: Filters, selected: sa.Subquery, *columns: sa.ColumnElement[Any]) -> sa.Subquery:
    """Per selected campaign, its id and local start day (start_day, a day number), and `columns`."""
    start_day = day_of(selected.c.starts_at, filters).label("start_day")
    return sa.select(selected.c.campaign_id, start_day, *columns).subquery("begins")


def _window_days(filters: Filters, selected: sa.Subquery, starts: list[datetime], only: Only) -> sa.Subquery:
    """Per selected campaign and in-scope member-day around its start: campaign_id, start_day,
    member_key, the DIMENSIONS, day, and days_before and days_after, 1 and 0 on a day among the
    LIFT_DAYS before the campaign's start day, 0 and 1 on one among the LIFT_DAYS from it. `starts`
    (the selected campaigns' start times) bound the member-days read.

    Each campaign's window becomes its list of days, so member-days meet campaigns on an equal day
    (a hash join on every engine) rather than on a range, which PostgreSQL can only loop over. Who
    is eligible is not read here (_lift_days): the member-days carry no join time, so from the
    rollup they read no column of member_keys, only the dimensions of their group (PostgreSQL then
    drops the join to member_keys)."""
    start_days = _start_days(filters, starts)
    first, end = from_day_number(start_days[0] - LIFT_DAYS), from_day_number(start_days[-1] + LIFT_DAYS)
    days = member_days(filters, first, end, keys=only.key_set)
    # Every campaign meets every offset on an equal key (1) rather than ON true: ClickHouse reorders a
    # cross join after the member-days and filters on the day last (17M rows at 1M activities, 15x slower).
    key: sa.Label[Any] = sa.literal_column("1").label("k")
    offsets = sa.union_all(
        *(sa.select(sa.literal_column(str(offset)).label("offset"), key) for offset in range(-LIFT_DAYS, LIFT_DAYS))
    ).subquery("offsets")
    begins = _begins(filters, selected, key)
    window = (
        sa.select(
            begins.c.campaign_id,
            begins.c.start_day,
            (begins.c.start_day + offsets.c.offset).label("day"),
            sa.case((offsets.c.offset < 0, 1), else_=0).label("days_before"),
            sa.case((offsets.c.offset >= 0, 1), else_=0).label("days_after"),
        )
        .select_from(begins.join(offsets, offsets.c.k == begins.c.k))
        .subquery("window")
    )
    return (
        sa.select(
            window.c.campaign_id,
            window.c.start_day,
            days.c.member_key,
            *(days.c[name] for name in DIMENSIONS),
            days.c.day,
            window.c.days_before,
            window.c.days_after,
        )
        .select_from(days)
        .join(window, window.c.day == days.c.day)
        .subquery("window_days")
    )


def _joined_since(filters: Filters, selected: sa.Subquery, only: Only = EVERYONE) -> sa.CTE:
    """Per selected campaign, the in-scope members who joined at or after its start (member_id and
    dimensions): the lift leaves them out of both groups. They are few, and an index on the join
    time finds them, where those who joined before were nearly every member, read once per
    campaign. A cross join narrowed in WHERE, as ClickHouse joins on equal keys only."""
    people, in_scope = only.people(filters)
    return (
        sa.select(selected.c.campaign_id, people.c.member_id, *(people.c[name] for name in DIMENSIONS))
        .where(people.c.joined_at >= selected.c.starts_at, *in_scope)
        .cte("joined_since")
    )


def _mark_flags(reached: sa.FromClause, since: sa.CTE, invitations: sa.Subquery | None = None) -> sa.Subquery:
    """Per campaign, the members its lift tells apart (campaign_id, member_id): exposed (reached, or
    invited when `invitations` are given: in no comparison group), participant, and late (joined at
    or after its start: in neither group), each 0/1, one row per member. The reached (_reached)
    and the late are in scope now, as the funnel's are; the invitations need not be, as the rows
    these are matched to are.

    Invitations are most of the marks at a million members (0.83 of the default view's 0.97
    million): matched to member-days, grouping them with the others costs less than a second match
    of every member-day (DuckDB); matched to lift_days' few rows per member, the second match costs
    less than the grouping (PostgreSQL)."""
    zero: sa.ColumnClause[Any] = sa.literal_column("0")
    one: sa.ColumnClause[Any] = sa.literal_column("1")
    marked = sa.select(
        reached.c.campaign_id,
        reached.c.member_id,
        one.label("exposed"),
        sa.case((reached.c.participant, 1), else_=0).label("participant"),
        zero.label("late"),  # a reached member who joined late is in joined_since
    )
    late = sa.select(since.c.campaign_id, since.c.member_id, zero, zero, one)
    invited = (
        [] if invitations is None else [sa.select(invitations.c.campaign_id, invitations.c.member_id, one, zero, zero)]
    )
    marks = sa.union_all(marked, late, *invited).subquery("marks")
    return (
        sa.select(
            marks.c.campaign_id,
            marks.c.member_id,
            *(sa.func.max(marks.c[name]).label(name) for name in ("exposed", "participant", "late")),
        )
        .group_by(marks.c.campaign_id, marks.c.member_id)
        .subquery("flags")
    )


def _lift_marks(filters: Filters, flags: sa.Subquery, only: Only = EVERYONE) -> sa.Subquery:
    """_mark_flags' rows by the key member-days carry (member_key for member_id).

    These rows are what a campaign's member-days are matched against: eligibility (joined before
    the start) was a join time read with every member-day, which on PostgreSQL at a million members
    joined 2.3 million of them to the member keys. Only their keys are read from member_attributes."""
    member = member_attributes(filters, keys=only.key_set, name="marked")
    return (
        sa.select(flags.c.campaign_id, member.c.member_key, flags.c.exposed, flags.c.participant, flags.c.late)
        .join(member, member.c.member_id == flags.c.member_id)
        .subquery("lift_marks")
    )


def _marked(marks: sa.FromClause, invitations: sa.FromClause | None = None) -> list[sa.ColumnElement[Any]]:
    """The lift's marks of a row its member's `marks` (and `invitations`, unless they are among the
    marks) were outer-joined to, 0 or 1: eligible (joined before the start), exposed (invited or
    reached: not in the comparison group) and participant."""
    exposed = sa.func.coalesce(marks.c.exposed, 0) == 1
    if invitations is not None:
        exposed = exposed | (sa.func.coalesce(invitations.c.invited, 0) == 1)
    return [
        sa.case((marks.c.late == 1, 0), else_=1).label("eligible"),
        sa.case((exposed, 1), else_=0).label("exposed"),
        sa.func.coalesce(marks.c.participant, 0).label("participant"),
    ]


LIFT_ROWS = ("campaign_id", *DIMENSIONS, "days_before", "days_after")  # with the marks (_marked): _lift_days'
KEPT_DAYS = ("member_id", *DIMENSIONS, "days_before", "days_after")  # lift_days' columns besides start_day


def _lift_days(
    filters: Filters,
    selected: sa.Subquery,
    starts: list[datetime],
    reached: sa.FromClause,
    since: sa.CTE,
    invitations: sa.Subquery,
    only: Only = EVERYONE,
    *,
    per_day: bool = False,
) -> sa.FromClause:
    """Per selected campaign and in-scope member active around its start, the member's days in its
    lift's two windows (LIFT_ROWS) with their marks (_marked): a row per member-day (_window_days',
    every one of its columns when `per_day`), or per member from lift_days, where the rollup keeps
    every selected campaign's start day.

    In a database queried in place the rollup keeps those of the campaigns the last 90 days list:
    there the default view's lift read 2.3 million member-days and matched them to the marked
    members in about 1.7 s of the Campaigns page's 3.5 (PostgreSQL, a million members). The
    member-days alone decide these rows, so kept they are as current as the member-days; who is
    compared with whom (the funnel) is still read live, and matched to them by member id, which
    they carry (keying the marked members was a hash of the million member keys)."""
    days = _window_days(filters, selected, starts, only)
    marks = _lift_marks(filters, _mark_flags(reached, since, invitations), only)
    by_key = days.outerjoin(
        marks, (marks.c.campaign_id == days.c.campaign_id) & (marks.c.member_key == days.c.member_key)
    )
    if per_day:
        return sa.select(*days.c, *_marked(marks)).select_from(by_key).subquery("lift_rows")
    computed = sa.select(*(days.c[name] for name in LIFT_ROWS), *_marked(marks)).select_from(by_key)
    if only is not EVERYONE:  # an increment's share: of the rollup just written, never of kept rows
        return computed.subquery("lift_rows")
    start_days = _start_days(filters, starts)
    begins = _begins(filters, selected)
    kept_days = (
        sa.select(begins.c.campaign_id, *(lift_days.c[name] for name in KEPT_DAYS))
        .select_from(lift_days)
        .join(begins, begins.c.start_day == lift_days.c.start_day)
        .where(lift_days.c.start_day.in_(start_days), *member_conditions(filters, lift_days, with_team=False))
        .subquery("kept_days")
    )
    flags = _mark_flags(reached, since)
    by_id = kept_days.outerjoin(
        flags, (flags.c.campaign_id == kept_days.c.campaign_id) & (flags.c.member_id == kept_days.c.member_id)
    ).outerjoin(
        invitations,
        (invitations.c.campaign_id == kept_days.c.campaign_id) & (invitations.c.member_id == kept_days.c.member_id),
    )
    kept = sa.select(*(kept_days.c[name] for name in LIFT_ROWS), *_marked(flags, invitations)).select_from(by_id)
    ids = [str(day) for day in start_days]
    return Kept("lift_rows", key=LIFT_KEY, timezone=filters.timezone, ids=ids, kept=kept, computed=computed)


def _joined_before(
    filters: Filters, selected: sa.Subquery, since: sa.CTE, by: tuple[str, ...], only: Only
) -> list[sa.Select]:
    """Rows that add up, per campaign (and `by` dimensions), to the in-scope members who joined
    before its start (`eligible`): everyone, less those who joined since (a negative count)."""
    key: sa.Label[Any] = sa.literal_column("1").label("k")  # an equal key, not ON true (ClickHouse)
    people, in_scope = only.people(filters)
    sizes = (
        sa.select(*(people.c[name] for name in by), sa.func.count().label("members"), key)
        .select_from(people)
        .where(*in_scope)
        .group_by(*(people.c[name] for name in by))
        .subquery("sizes")
    )
    each_campaign = sa.select(selected.c.campaign_id, key).subquery("each_campaign")
    everyone = sa.select(
        each_campaign.c.campaign_id, *(sizes.c[name] for name in by), sizes.c.members.label("eligible")
    ).select_from(each_campaign.join(sizes, sizes.c.k == each_campaign.c.k))
    keys = [since.c.campaign_id, *(since.c[name] for name in by)]
    joined_since = sa.select(*keys, (-sa.func.count()).label("eligible")).group_by(*keys)
    return [everyone, joined_since]


FUNNEL = ("invited", "registered", "attended", "reach", "participants", "new_members")
ACTIVE_DAYS = ("participant_before", "participant_after", "comparison_before", "comparison_after")
RESULTS = (*FUNNEL, "eligible", "eligible_exposed", "eligible_participants", *ACTIVE_DAYS)
Part = Literal["whole", "funnel", "lift"]  # of results_query: the lift's part gives ACTIVE_DAYS alone


def _given_by(part: Part) -> tuple[str, ...]:
    """The RESULTS a part of results_query gives (0 in the others)."""
    if part == "lift":
        return ACTIVE_DAYS
    return tuple(name for name in RESULTS if name not in ACTIVE_DAYS) if part == "funnel" else RESULTS


def results_query(
    *,
    filters: Filters,
    starts: list[datetime],
    campaign_id: str | None = None,
    by_members: bool = False,
    only: Only = EVERYONE,
    campaign_ids: list[str] | None = None,
    part: Part = "whole",
) -> sa.Select:
    """Per campaign running in the period (or the one asked for), of in-scope members: the FUNNEL
    (invited, registered, attended, reach, participants, new_members), and for the lift eligible
    (members who joined before the start), eligible_exposed (invited or reached) and
    eligible_participants among them, and the active days before/after of those participants and of
    the comparison group (the eligible not exposed).
    `starts`: the start times of the campaigns asked for (campaigns_query's, or the one campaign's),
    `campaign_ids` their ids where known, exactly those the period lists (the marks are read by
    them, the rest by the period's condition: _selected_ids).

    `by_members`: per campaign and combination of channel, region and segment too (no row for a
    combination whose counts are all 0). `only`: of some members alone (an increment's share).
    Every figure is a count of members or of member-days, and a member is in one combination, so a
    campaign's figures are the sums of its rows, and a member filter's are the sums of the rows it
    keeps (summed_results): its first change needs no query.

    One statement, so the members each campaign reached are looked up once (at a million members,
    with hundreds of thousands invited, that was half of the Campaigns page; without a member
    filter the lift groups their marks again rather than look them up, _reached); its invitations
    are read where they are counted (_invited), and matched to the reached and to the lift's rows. Each
    count is grouped on its own and the groups added up (UNION ALL), rather than joined: a
    combination may hold invitations and no active day, and a NULL dimension would not meet itself
    in a join. `part`: the whole, or the funnel's or the lift's part alone (RESULTS they do not give
    are 0), whose rows add up to the whole's: two statements that PostgreSQL runs side by side from
    one snapshot (results_table), each reading the reached members' marks."""
    by = DIMENSIONS if by_members else ()
    selected = _selected(filters, campaign_id)
    campaign_ids = [campaign_id] if campaign_id is not None else campaign_ids
    touches = _touches(filters, selected, only, campaign_ids)
    since = _joined_since(filters, selected, only)
    invitations = _invitations(selected, only, campaign_ids)
    reached = _reached(filters, selected, touches, only, campaign_ids)
    days = _lift_days(filters, selected, starts, reached, since, invitations, only)
    eligible = days.c.eligible == 1
    per_group = sa.select(
        days.c.campaign_id,
        *(days.c[name] for name in by),
        *(
            sum_where(eligible & member, days.c[count]).label(name)
            for name, member, count in (
                ("participant_before", days.c.participant == 1, "days_before"),
                ("participant_after", days.c.participant == 1, "days_after"),
                ("comparison_before", days.c.exposed == 0, "days_before"),
                ("comparison_after", days.c.exposed == 0, "days_after"),
            )
        ),
    ).group_by(days.c.campaign_id, *(days.c[name] for name in by))
    early = touches.c.joined_at < touches.c.starts_at
    uninvited = sa.func.coalesce(invitations.c.invited, 0) == 0  # (_invited counts the invited)
    counted = (
        sa.select(
            touches.c.campaign_id,
            *(touches.c[name] for name in by),
            count_where(touches.c.registered == 1).label("registered"),
            count_where(touches.c.attended == 1).label("attended"),
            sa.func.count().label("reach"),
            count_where(touches.c.participant).label("participants"),
            count_where(_newcomer(touches)).label("new_members"),
            count_where(early & uninvited).label("eligible_exposed"),
            count_where(early & touches.c.participant).label("eligible_participants"),
        )
        .select_from(
            touches.outerjoin(
                invitations,
                (invitations.c.campaign_id == touches.c.campaign_id) & (invitations.c.member_id == touches.c.member_id),
            )
        )
        .group_by(touches.c.campaign_id, *(touches.c[name] for name in by))
    )
    funnel = [_invited(filters, selected, by, only), counted, *_joined_before(filters, selected, since, by, only)]
    if not by:  # every selected campaign, 0 where nobody counts
        funnel.append(sa.select(selected.c.campaign_id))
    parts = {"whole": [*funnel, per_group], "funnel": funnel, "lift": [per_group]}[part]
    added = sa.union_all(*(_padded(counts, by) for counts in parts)).subquery("added")
    keys = [added.c.campaign_id, *(added.c[name] for name in by)]
    sums = [sa.cast(sa.func.sum(added.c[name]), sa.Integer).label(name) for name in RESULTS]
    grouped = sa.select(*keys, *sums).group_by(*keys)
    # by combination, one whose members all joined after the start adds up to nothing: no row, as
    # an increment's merge leaves none (data_sources.rollup.added_up)
    return grouped.having(sa.or_(*(total != 0 for total in sums))) if by else grouped


def campaign_results_query(
    *,
    filters: Filters,
    starts: list[datetime],
    campaign_ids: list[str] | None = None,
    campaign_id: str | None = None,
    by_members: bool = False,
    part: Part = "whole",
) -> sa.Select:
    """results_query's figures (campaign_id, RESULTS; by member combination too when `by_members`)
    for `campaign_ids`, the campaigns running in the period (or, without them, for the one asked for,
    `campaign_id`, whatever its dates), `starts` their start times: read from campaign_results where the rollup
    keeps them all (metrics.kept.Kept), the rows the member filters keep, each campaign's summed unless
    `by_members` (with a row of zeros for one without any, as results_query has); of a `part`, as
    results_query's."""
    ids = [campaign_id] if campaign_id is not None else list(campaign_ids or [])
    table = campaign_results
    by = DIMENSIONS if by_members else ()
    given = _given_by(part)
    columns = (
        table.c[name] if name in given else sa.cast(sa.literal_column("0"), sa.Integer).label(name) for name in RESULTS
    )
    kept = sa.select(table.c.campaign_id, *(table.c[name] for name in by), *columns).where(
        table.c.campaign_id.in_(ids), *member_conditions(filters, table, with_team=False)
    )
    if not by_members:
        zeros = (sa.cast(sa.literal_column("0"), sa.Integer).label(name) for name in RESULTS)
        every = sa.select(campaigns.c.campaign_id, *zeros).where(campaigns.c.campaign_id.in_(ids))
        rows = sa.union_all(kept, every).subquery("kept_rows")
        sums = (sa.cast(sa.func.sum(rows.c[name]), sa.Integer).label(name) for name in RESULTS)
        kept = sa.select(rows.c.campaign_id, *sums).group_by(rows.c.campaign_id)
    computed = results_query(
        filters=filters,
        starts=starts,
        campaign_id=campaign_id,
        by_members=by_members,
        campaign_ids=campaign_ids,
        part=part,
    )
    figures = Kept(
        "campaign_figures", key=CAMPAIGNS_KEY, timezone=filters.timezone, ids=ids, kept=kept, computed=computed
    )
    return sa.select(*figures.c)


def _listed_by_kept_views(connection: Connection, timezone: str) -> tuple[Filters, list[Any]]:
    """The longest of the views whose figures the rollup keeps (metrics.kept.views_kept) and the
    campaigns it lists."""
    return _listed_by_longest(connection, views_kept(connection, timezone))


def _listed_by_longest(connection: Connection, views: list[Filters]) -> tuple[Filters, list[Any]]:
    """The longest of `views` (kept views end on the same day, so it lists every campaign the others
    list) and the campaigns it lists."""
    view = max(views, key=lambda kept: kept.end - kept.start)
    return view, list(connection.execute(campaigns_query(filters=view)).all())


def kept_views_rows(connection: Connection, timezone: str) -> tuple[list[str], sa.Select | None]:
    """What the rollup keeps in campaign_results: the campaigns the kept views list today in
    `timezone` (their ids) and their figures by member combination (None: no campaign runs). An
    increment merges them from its members' share (kept_share) unless it replaced the campaigns or
    their members."""
    view, listed = _listed_by_kept_views(connection, timezone)
    if not listed:
        return [], None
    starts, ids = [row.starts_at for row in listed], [str(row.campaign_id) for row in listed]
    return ids, results_query(filters=view, starts=starts, by_members=True, campaign_ids=ids)


def kept_views_ids(connection: Connection, timezone: str) -> list[str]:
    """kept_views_rows' campaign ids alone."""
    return [str(row.campaign_id) for row in _listed_by_kept_views(connection, timezone)[1]]


def kept_share(connection: Connection, timezone: str, keys: sa.Select, before: Before | None) -> sa.Select:
    """Of the kept campaigns, the rows the members with rollup `keys` make: before an increment's
    update (`before`: its appended activities and new members left out of the canonical tables the
    funnel reads; the member-days are not updated yet), or after it."""
    view, listed = _listed_by_kept_views(connection, timezone)
    if not listed:  # none runs (midnight passed and the last listed ended): no rows
        return sa.select(*(sa.cast(sa.null(), column.type).label(column.name) for column in campaign_results.c)).where(
            sa.false()
        )
    starts, ids = [row.starts_at for row in listed], [str(row.campaign_id) for row in listed]
    only = Only.of(keys, before, keyed_tables(connection))
    return results_query(filters=view, starts=starts, by_members=True, only=only, campaign_ids=ids)


keep_figures(
    KeptFigures(
        table=campaign_results,
        key=CAMPAIGNS_KEY,
        rows=kept_views_rows,
        ids=kept_views_ids,
        share=kept_share,
        merge=added_up(*RESULTS),
        reads=frozenset({schema.campaigns.name, schema.campaign_members.name}),
    )
)


def lift_days_rows(connection: Connection, timezone: str) -> tuple[list[str], sa.Select | None]:
    """What the rollup keeps in lift_days (in a database queried in place alone: KEPT_ONLY_IN_PLACE):
    each member's active days around the start days (day numbers) of the campaigns the longest kept
    view lists today (the last 90 days), so that any period inside it reads them. There the other
    figures are kept for the default view alone (metrics.kept.views_kept), but these take about 1.4 s
    a campaign at a million members (PostgreSQL) and save its lift's read of two months of
    member-days on every view listing it."""
    view, listed = _listed_by_longest(connection, kept_views(timezone))
    if not listed:
        return [], None
    starts = [row.starts_at for row in listed]
    selected = _selected(view)
    start_day = day_of(selected.c.starts_at, view)
    one_a_day = (  # a campaign of each start day, so that two starting on one day count once
        sa.select(
            sa.func.min(selected.c.campaign_id).label("campaign_id"),
            sa.func.min(selected.c.starts_at).label("starts_at"),
        )
        .group_by(start_day)
        .subquery("one_a_day")
    )
    days = _window_days(view, one_a_day, starts, EVERYONE)
    # Grouped by member key, then given the member's id and dimensions: grouped by those, the 5.5
    # million member-days took 9.2 s at a million members against 6.9 s (PostgreSQL).
    keys = [days.c.start_day, days.c.member_key]
    sums = [sa.cast(sa.func.sum(days.c[name]), sa.Integer).label(name) for name in ("days_before", "days_after")]
    per_member = sa.select(*keys, *sums).group_by(*keys).subquery("per_member")
    rows = sa.select(
        per_member.c.start_day,
        member_keys.c.member_id,
        *(member_keys.c[name] for name in DIMENSIONS),
        per_member.c.days_before,
        per_member.c.days_after,
    ).join(member_keys, member_keys.c.member_key == per_member.c.member_key)
    return [str(day) for day in _start_days(view, starts)], rows


keep_figures(KeptFigures(table=lift_days, key=LIFT_KEY, rows=lift_days_rows, reads=frozenset({schema.campaigns.name})))


def _padded(part: sa.Select, by: tuple[str, ...]) -> sa.Select:
    """`part`'s rows with every column of RESULTS, 0 in those it does not count (INTEGER, so the
    union's columns agree on every engine)."""
    row = part.subquery()
    counts = (
        sa.cast(row.c[name] if name in row.c else sa.literal_column("0"), sa.Integer).label(name) for name in RESULTS
    )
    return sa.select(row.c.campaign_id, *(row.c[name] for name in by), *counts)


def summed_results(rows: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Per campaign (campaign_id, RESULTS), the sums of results_query's rows `by_members` that the
    filters' member filters keep (metrics.filters.narrowed)."""
    kept = narrowed(rows, filters)
    return kept.groupby("campaign_id", as_index=False)[list(RESULTS)].sum()


def lift_known_from(starts_at: datetime, filters: Filters) -> date:
    """The first day a campaign's lift is known: its LIFT_DAYS from the start day are over (a lift
    read while they run compares a few days after the start with 30 before it, and reads as a fall).
    Days are the community's, and today is the clock's, as a period's "so far" is."""
    return filters.local_date(starts_at) + timedelta(days=LIFT_DAYS)


def lift_pending_until(starts_at: datetime, filters: Filters) -> date | None:
    """The last of a campaign's LIFT_DAYS from its start while they are not over (its lift not
    known yet), else None."""
    known = lift_known_from(starts_at, filters)
    return known - timedelta(days=1) if known > clock.today_in(filters.timezone) else None


def comparison_size(row: pd.Series) -> int:
    """The members of a campaign's comparison group (results_query's `row`): those who joined before
    its start and whom it neither invited nor reached."""
    return int(row["eligible"]) - int(row["eligible_exposed"])


def lift(row: pd.Series) -> float | None:
    """Participants' change in mean active days minus the comparison group's; None when either
    group is empty."""
    comparison = comparison_size(row)
    participants = int(row["eligible_participants"])
    if not participants or comparison <= 0:
        return None
    change = (row["participant_after"] - row["participant_before"]) / participants
    return float(change - (row["comparison_after"] - row["comparison_before"]) / comparison)


def survey_scores_by_member_query(*, campaign_ids: list[str], slugs: list[str]) -> sa.Select:
    """Per (survey, member) for the surveys linked to these campaigns (by the survey's campaign_id or
    the campaign's survey_id slug): NPS answers, promoters, detractors, CSAT answers, satisfied (4-5)."""
    surveys, responses, answers = tables.surveys, tables.responses, tables.answers
    value, kind = answers.c.value_num, answers.c.question_type
    return (
        sa.select(
            surveys.c.campaign_id,
            surveys.c.slug,
            responses.c.member_id,
            count_where(kind == "nps").label("nps_answers"),
            count_where((kind == "nps") & (value >= 9)).label("promoters"),
            count_where((kind == "nps") & (value <= 6)).label("detractors"),
            count_where(kind == "csat").label("csat_answers"),
            count_where((kind == "csat") & (value >= 4)).label("satisfied"),
        )
        .join(responses, responses.c.survey_id == surveys.c.id)
        .join(answers, answers.c.response_id == responses.c.id)
        .where(
            responses.c.completed == sa.true(),
            value.is_not(None),
            kind.in_(("nps", "csat")),
            surveys.c.campaign_id.in_(campaign_ids) | surveys.c.slug.in_(slugs),
        )
        .group_by(surveys.c.campaign_id, surveys.c.slug, responses.c.member_id)
    )


def survey_scores(rows: pd.DataFrame, *, campaign_of_slug: dict[str, str]) -> dict[str, dict[str, float | int | None]]:
    """Per campaign id: nps, nps_margin, nps_answers, csat, csat_answers from per-member rows."""
    campaigns: list[Any] = [  # str or None (Any: pandas' stubs refuse None in a list)
        c if c else campaign_of_slug.get(s) for c, s in zip(rows["campaign_id"], rows["slug"], strict=True)
    ]
    rows = rows.assign(campaign=campaigns)
    scores: dict[str, dict[str, float | int | None]] = {}
    counts = ["nps_answers", "promoters", "detractors", "csat_answers", "satisfied"]
    for campaign, group in rows.dropna(subset=["campaign"]).groupby("campaign"):
        total = group[counts].sum().astype("int64")
        nps = nps_of(total)
        scores[str(campaign)] = {
            "nps": None if nps is None else nps.score,
            "nps_margin": None if nps is None else nps.margin,
            "nps_answers": int(total["nps_answers"]),
            "csat": csat_of(total),
            "csat_answers": int(total["csat_answers"]),
        }
    return scores


TABLE_COLUMNS = [
    "campaign_id",
    "name",
    "kind",
    "starts_at",
    "ends_at",
    "invited",
    "registered",
    "attended",
    "attendance_rate",
    "reach",
    "participants",
    "new_members",
    "lift",
    "lift_from",
    "budget",
    "cost_per_participant",
    "nps",
    "nps_answers",
    "csat",
    "csat_answers",
]


Results = Callable[[list[str], list[datetime]], pd.DataFrame]  # campaigns' ids, start times -> campaign_id, RESULTS


def campaign_table(
    *, warehouse: Runner, app_store: Runner, filters: Filters, results: Results | None = None
) -> pd.DataFrame:
    """One row per campaign running in the period, with TABLE_COLUMNS (see the module docstring).
    `results` gives results_query's figures for the campaigns given by id and start time (the app,
    computing ahead: summed from everyone's by member combination, summed_results); by default
    campaign_results_query reads them (kept by the rollup, or computed)."""
    table = results_table(warehouse=warehouse, filters=filters, results=results)
    return with_survey_scores(table, warehouse=warehouse, app_store=app_store, filters=filters)


def with_unrecorded_blank(table: pd.DataFrame, *, narrowed: bool) -> pd.DataFrame:
    """campaign_table as a person reads it: registered and attended blank (not 0) where a
    campaign's list records neither, as a newsletter's or a promotion's does, so that its row beside
    an event's does not read as nobody having come (the funnel leaves those bars out for the same
    reason). Under a member filter (`narrowed`) a 0 is the chosen members' and stays. How a figure
    reads, kept here beside the table because the page (ui) and the meeting report (reports, which
    may not import ui) both show it."""
    if narrowed or table.empty:
        return table
    unrecorded = (table["registered"] == 0) & (table["attended"] == 0)
    blanked = table.astype({"registered": "Int64", "attended": "Int64"})
    blanked.loc[unrecorded, ["registered", "attended"]] = pd.NA
    return blanked


def results_table(*, warehouse: Runner, filters: Filters, results: Results | None = None) -> pd.DataFrame:
    """campaign_table's columns from the warehouse (all but the survey scores): they change with a
    sync, and a lift appears once its days are over (lift_pending_until; the app's loaders keep them
    ten minutes). Empty, with TABLE_COLUMNS, when no campaign runs in the period."""
    listed = warehouse.run(campaigns_query(filters=filters))
    if listed.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    starts = [stamp.to_pydatetime() for stamp in pd.to_datetime(listed["starts_at"])]
    ids = listed["campaign_id"].tolist()
    found = results(ids, starts) if results is not None else _figures(warehouse, filters, starts, ids)
    results_of = found.set_index("campaign_id")
    table = listed.join(results_of[list(FUNNEL)], on="campaign_id")
    table[list(FUNNEL)] = table[list(FUNNEL)].fillna(0).astype("int64")
    table["attendance_rate"] = [ratio(a, r) for a, r in zip(table["attended"], table["registered"], strict=True)]
    pending = [lift_pending_until(start, filters) is not None for start in starts]
    table["lift"] = [
        lift(results_of.loc[c]) if c in results_of.index and not waits else None
        for c, waits in zip(table["campaign_id"], pending, strict=True)
    ]
    table["lift_from"] = [  # said where the lift is blank because its days are still running
        lift_known_from(start, filters) if waits else None for start, waits in zip(starts, pending, strict=True)
    ]
    table["cost_per_participant"] = [  # none under a member filter: the budget is the whole campaign's
        None if pd.isna(b) or filters.selects_members else ratio(b, p)
        for b, p in zip(table["budget"], table["participants"], strict=True)
    ]
    return table


def _figures(warehouse: Runner, filters: Filters, starts: list[datetime], ids: list[str]) -> pd.DataFrame:
    """campaign_results_query's rows of the listed campaigns; where two statements at once finish
    sooner than one (PostgreSQL: Warehouse.runs_statements_side_by_side), its funnel's and its
    lift's parts side by side from one snapshot, added up: at a million members the lift's part
    (1.5 s alone) then runs beside the funnel's (1.7 s), where the whole took 2.6 s
    (docs/performance.md)."""

    def part(name: Part) -> sa.Select:
        return campaign_results_query(filters=filters, starts=starts, campaign_ids=ids, part=name)

    if not (isinstance(warehouse, ReadsSideBySide) and warehouse.runs_statements_side_by_side):
        return warehouse.run(part("whole"))
    parts = pd.concat(warehouse.run_side_by_side([part("funnel"), part("lift")]), ignore_index=True)
    added = parts.groupby("campaign_id", as_index=False, sort=False)[list(RESULTS)].sum()
    return added.astype(dict.fromkeys(RESULTS, "int64"))  # a part without rows comes typed as objects


def with_survey_scores(table: pd.DataFrame, *, warehouse: Runner, app_store: Runner, filters: Filters) -> pd.DataFrame:
    """`table` (results_table) with each campaign's NPS and CSAT from its survey's answers in the
    app store (which arrive all day, without a sync), as TABLE_COLUMNS."""
    if table.empty:
        return table
    table = table.copy()
    slugs = {s: c for s, c in zip(table["survey_id"], table["campaign_id"], strict=True) if isinstance(s, str)}
    per_member = app_store.run(
        survey_scores_by_member_query(campaign_ids=table["campaign_id"].tolist(), slugs=list(slugs))
    )
    scores = survey_scores(in_scope(per_member, warehouse=warehouse, filters=filters), campaign_of_slug=slugs)
    for key in ("nps", "nps_answers", "csat", "csat_answers"):
        table[key] = [scores.get(c, {}).get(key) for c in table["campaign_id"]]
    return table[TABLE_COLUMNS]


def campaign_daily_query(*, filters: Filters, campaign_id: str, starts_at: datetime) -> sa.Select:
    """Rows (day, participant, active): distinct active members per day over the LIFT_DAYS before
    and from the campaign's start (`starts_at`), for participants (true) and the comparison group (false)."""
    selected = _selected(filters, campaign_id)
    reached = _reached(filters, selected, _touches(filters, selected))
    since, invitations = _joined_since(filters, selected), _invitations(selected)
    days = _lift_days(filters, selected, [starts_at], reached, since, invitations, per_day=True)
    participant = days.c.participant == 1
    grouped = (
        sa.select(
            days.c.day,
            sa.case((days.c.eligible == 1, days.c.member_key)).label("member_key"),
            participant.label("participant"),
        )
        .where((days.c.exposed == 0) | participant)
        .subquery("grouped")
    )
    active = sa.func.count(sa.distinct(grouped.c.member_key))
    return (
        sa.select(grouped.c.day, grouped.c.participant, active.label("active"))
        .group_by(grouped.c.day, grouped.c.participant)
        .having(active > 0)  # days with only members who joined later
        .order_by(grouped.c.day, grouped.c.participant)
    )


def campaign_newcomers_query(*, filters: Filters, campaign_id: str, include_email: bool = False) -> sa.Select:
    """The members who came through a campaign (reached, joined in its attribution window), with
    how far they went: attended, registered or took part in its activities."""
    touches = _touches(filters, _selected(filters, campaign_id))
    stage = sa.case((touches.c.attended == 1, "attended"), (touches.c.registered == 1, "registered"), else_="activity")
    columns = [members.c.member_id, members.c.name] + ([members.c.email] if include_email else [])
    return (
        sa.select(*columns, members.c.joined_at, members.c.channel, members.c.segment, stage.label("stage"))
        .select_from(touches)
        .join(members, members.c.member_id == touches.c.member_id)
        .where(_newcomer(touches))
        .order_by(members.c.joined_at, members.c.member_id)
    )


def daily_shares(rows: pd.DataFrame, *, lift_row: pd.Series, starts_at: datetime, filters: Filters) -> pd.DataFrame:
    """Every day of the lift window up to yesterday with, per group ("participants", "comparison"),
    the members active and their share of the group; quiet days are 0 (days to come are left out,
    not drawn as quiet), groups without members are left out."""
    sizes = {
        "participants": int(lift_row["eligible_participants"]),
        "comparison": comparison_size(lift_row),
    }
    start = filters.local_date(starts_at)
    end = min(lift_known_from(starts_at, filters), clock.today_in(filters.timezone))
    days = range(day_number(start - timedelta(days=LIFT_DAYS)), day_number(end))
    counts = {
        (int(day), "participants" if participant else "comparison"): int(active)
        for day, participant, active in zip(rows["day"], rows["participant"], rows["active"], strict=True)
    }
    frame = pd.DataFrame(
        [
            {"day": from_day_number(day), "group": group, "active": counts.get((day, group), 0), "share": 0.0}
            for group, size in sizes.items()
            if size > 0
            for day in days
        ],
        columns=["day", "group", "active", "share"],
    )
    return frame.assign(share=frame["active"] / frame["group"].map(sizes))
