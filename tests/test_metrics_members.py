"""Members page metrics on the fixture community (tests/community.py), on DuckDB, SQLite and PostgreSQL.

Members at P's end (1-7 March 2025): alice bob carol dave erin gina hank (frank joins at the end,
tom is team). Weeks start on Monday; the fixture's activities by week are in the comments below.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial

import pandas as pd
import pytest
import sqlalchemy as sa

from metrics import cohorts, contributions, levels, members, movers, retention, scope, sections
from metrics.filters import Filters, day_number, month_number
from metrics.levels import LevelRules
from tests import community
from tests.conftest import WAREHOUSE_ENGINES, databases, make_warehouse

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
# Small thresholds so the fixture's few activities reach every level.
SMALL = LevelRules(champion_weeks=2, champion_contributions=3, regular_weeks=2, regular_contributions=2)


def test_growth_by_channel(warehouse):
    rows = members.growth_table(warehouse.run(members.growth_by_dimension_query(filters=P, dimension="channel")))
    # event: bob dave gina, all before P. forum: alice hank before P, carol erin new.
    assert rows.to_dict("records") == [
        {"value": "event", "members": 3, "new_members": 0, "growth_rate": 0.0},
        {"value": "forum", "members": 4, "new_members": 2, "growth_rate": 1.0},
    ]


def test_the_team_is_its_members_marked_so(warehouse):
    assert warehouse.run(scope.team_query())["member_id"].tolist() == ["tom"]


def test_unknown_dimension_is_refused():
    with pytest.raises(ValueError, match="Unknown member dimension 'email'"):
        members.growth_by_dimension_query(filters=P, dimension="email")


def test_new_members_by_week_by_region(warehouse):
    rows = warehouse.run(members.new_members_by_week_query(filters=P, dimension="region"))
    # carol (US) joins Sunday 2 March, in the week of 24 February; erin (US) on 7 March.
    assert rows.values.tolist() == [[day_number(date(2025, 2, 24)), "US", 1], [day_number(date(2025, 3, 3)), "US", 1]]


def cohort_rows(grid):
    return {
        (cohort.isoformat()[:7], size): list(group["active"])
        for (cohort, size), group in grid.groupby(["cohort", "size"], sort=True)
    }


def test_cohort_retention_grid(warehouse):
    grid = cohorts.cohort_grid(warehouse.run(cohorts.cohort_activity_query(filters=P)), filters=P)
    # Active months up to P's end: gina never; hank January and March; dave December to February;
    # alice February and March; bob February; carol and erin March. Every month to March is a cell.
    assert cohort_rows(grid) == {
        ("2024-06", 1): [0] * 10,
        ("2024-10", 1): [0, 0, 0, 1, 0, 1],
        ("2024-12", 1): [1, 1, 1, 0],
        ("2025-01", 1): [0, 1, 1],
        ("2025-02", 1): [1, 0],
        ("2025-03", 2): [2],
    }
    march = grid[grid["cohort"] == date(2025, 3, 1)].iloc[0]
    assert (march["months_since"], march["share"]) == (0, 1.0)


def test_the_grid_reaches_the_month_of_the_periods_last_day_exactly(warehouse):
    def march_cohort(filters: Filters) -> list[int]:
        grid = cohorts.cohort_grid(warehouse.run(cohorts.cohort_activity_query(filters=filters)), filters=filters)
        return cohort_rows(grid)[("2025-03", 3)]

    # carol, erin and frank joined in March and were active in it; nobody of them in April before the 2nd.
    assert march_cohort(Filters(start=date(2025, 3, 25), end=date(2025, 4, 1))) == [3]  # last day 31 March
    assert march_cohort(Filters(start=date(2025, 3, 26), end=date(2025, 4, 2))) == [3, 0]  # last day 1 April


@pytest.mark.parametrize(
    ("end", "so_far"),
    [
        (date(2025, 4, 1), set()),  # the period ends with March: every month whole
        (date(2025, 4, 2), {("2024-10", 6), ("2024-12", 4), ("2025-01", 3), ("2025-02", 2), ("2025-03", 1)}),
        (date(2025, 3, 8), {("2024-10", 5), ("2024-12", 3), ("2025-01", 2), ("2025-02", 1), ("2025-03", 0)}),
    ],
)
def test_the_cells_of_a_month_not_over_are_told_apart(warehouse, end, so_far):
    # The period's last month, where it ends before that month does: every cohort's newest cell.
    filters = Filters(start=end - timedelta(days=7), end=end)
    grid = cohorts.cohort_grid(warehouse.run(cohorts.cohort_activity_query(filters=filters)), filters=filters)
    told = grid[grid["so_far"]]
    expected = {(c, k) for c, k in so_far} | ({("2024-06", 10 if end.month == 4 else 9)} if so_far else set())
    assert {(c.isoformat()[:7], k) for c, k in zip(told["cohort"], told["months_since"], strict=True)} == expected


def test_a_grid_of_no_members_is_empty_with_its_columns(warehouse):
    nobody = Filters(start=P.start, end=P.end, segment="nobody")
    grid = cohorts.cohort_grid(warehouse.run(cohorts.cohort_activity_query(filters=nobody)), filters=nobody)
    assert grid.empty and list(grid.columns) == ["cohort", "months_since", "size", "active", "share", "so_far"]


def test_cohorts_follow_the_time_zone(warehouse):
    shanghai = Filters(start=P.start, end=P.end, timezone="Asia/Shanghai")
    grid = cohorts.cohort_grid(warehouse.run(cohorts.cohort_activity_query(filters=shanghai)), filters=shanghai)
    rows = cohort_rows(grid)
    # dave's 23:59:59 UTC comment on 28 February is 1 March in Shanghai; erin joins 8 March there.
    assert rows[("2024-12", 1)] == [1, 1, 0, 1]
    assert rows[("2025-03", 1)] == [1]


def test_cohorts_only_go_back_twelve_months(warehouse):
    later = Filters(start=date(2025, 6, 1), end=date(2025, 7, 1))
    grid = cohorts.cohort_grid(warehouse.run(cohorts.cohort_activity_query(filters=later)), filters=later)
    # July 2024 to June 2025: gina (June 2024) falls out.
    assert sorted({c.isoformat()[:7] for c in grid["cohort"]}) == [
        "2024-10",
        "2024-12",
        "2025-01",
        "2025-02",
        "2025-03",
    ]


def test_level_changes(warehouse):
    # Trailing 90 days to 8 March (weeks active, contributions): alice (4, 4) champion; dave (2, 2)
    # and hank (2, 2) regular; bob (1, 1), carol (2, 1), erin (1, 0) casual; gina dormant.
    # To 1 March: dave (3, 3) champion; alice (2, 1), bob (1, 1), hank (1, 1) casual; gina dormant;
    # carol and erin not members yet.
    changes = levels.level_changes(warehouse=warehouse, filters=P, rules=SMALL)
    summary = levels.level_summary(changes)
    assert summary.to_dict("records") == [
        {"level": "champion", "current": 1, "previous": 1, "moved_up": 1, "moved_down": 0, "new": 0},
        {"level": "regular", "current": 2, "previous": 0, "moved_up": 1, "moved_down": 1, "new": 0},
        {"level": "casual", "current": 3, "previous": 3, "moved_up": 0, "moved_down": 0, "new": 2},
        {"level": "dormant", "current": 1, "previous": 1, "moved_up": 0, "moved_down": 0, "new": 0},
    ]
    assert levels.moves(changes) == {"moved_up": 2, "moved_down": 1, "stayed": 2, "new": 2}


def test_a_view_of_newcomers_alone_counts_them_and_no_moves(warehouse):
    # Forum, US, dev: erin alone, who joined during P (1 week active, no contribution: casual). Nobody in
    # the view had a level at the previous period's end (moves once failed on a frame with none).
    erin = replace(P, channel="forum", region="US", segment="dev")
    changes = levels.level_changes(warehouse=warehouse, filters=erin, rules=SMALL)
    assert changes.values.tolist() == [[None, "casual", 1]]
    summary = levels.level_summary(changes).set_index("level")
    assert summary.loc["casual"].to_dict() == {"current": 1, "previous": 0, "moved_up": 0, "moved_down": 0, "new": 1}
    assert summary.drop(index="casual").to_numpy().sum() == 0
    assert levels.moves(changes) == {"moved_up": 0, "moved_down": 0, "stayed": 0, "new": 1}


def test_default_rules_make_nobody_a_champion_in_the_fixture(warehouse):
    summary = levels.level_summary(levels.level_changes(warehouse=warehouse, filters=P))
    assert dict(zip(summary["level"], summary["current"], strict=True)) == {
        "champion": 0,
        "regular": 0,
        "casual": 6,
        "dormant": 1,
    }


def test_members_at_a_level(warehouse):
    rows = warehouse.run(levels.members_at_level_query(filters=P, level="regular", rules=SMALL))
    assert rows.columns.tolist() == [
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
    assert rows.drop(columns="last_day").values.tolist() == [
        ["dave", "Dave", "dev", "event", "US", 2, 2, "champion"],
        ["hank", "Hank", "biz", "forum", "US", 2, 2, "casual"],
    ]
    assert rows["last_day"].tolist() == [day_number(date(2025, 2, 28)), day_number(date(2025, 3, 4))]


def test_an_unknown_level_is_refused_with_the_levels_there_are():
    message = "Unknown engagement level 'gold'; expected one of champion, regular, casual, dormant."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        levels.members_at_level_query(filters=P, level="gold")


def test_dormant_members_have_no_activity(warehouse):
    rows = warehouse.run(levels.members_at_level_query(filters=P, level="dormant", rules=SMALL))
    assert rows[["member_id", "active_weeks", "contributions"]].values.tolist() == [["gina", 0, 0]]


def lists(view: Filters, warehouse, rules: LevelRules, limit: int = levels.AT_LEVEL_SHOWN) -> dict[str, pd.DataFrame]:
    """members_at_level_query's rows of each active level, the same read from the window to the
    period's end (as where a common table expression is computed once) and from every member's
    level (as on ClickHouse)."""
    listed = {}
    for level in levels.ACTIVE_LEVELS:
        asked = partial(levels.members_at_level_query, filters=view, level=level, rules=rules, limit=limit)
        ways = [warehouse.run(asked(tables_read_once=once)) for once in (True, False)]
        pd.testing.assert_frame_equal(ways[0], ways[1], check_dtype=False, obj=f"{level} of {view}")
        listed[level] = ways[0]
    return listed


def test_the_members_at_each_active_level_most_contributions_first(warehouse):
    # The levels as in test_level_changes: alice champion; dave and hank regular (2 contributions
    # each, tied: by id); bob (1), carol (1) and erin (0) casual.
    listed = lists(P, warehouse, SMALL, limit=2)
    assert {level: rows["member_id"].tolist() for level, rows in listed.items()} == {
        "champion": ["alice"],
        "regular": ["dave", "hank"],
        "casual": ["bob", "carol"],  # cut at 2: erin's 0 contributions come last
    }
    for rows in listed.values():
        dormant = levels.members_at_level_query(filters=P, level="dormant")
        assert rows.columns.tolist() == dormant.selected_columns.keys()
        assert all(rows[column].dtype.kind == "i" for column in ("active_weeks", "contributions", "last_day"))
    casual = listed["casual"].drop(columns="last_day").astype(object)
    assert casual.where(casual.notna(), None).values.tolist() == [
        ["bob", "Bob", "dev", "event", "EU", 1, 1, "casual"],  # a reaction in the week of 24 February
        ["carol", "Carol", "biz", "forum", "US", 2, 1, None],  # a login, a post; joined during the period
    ]
    # Cut inside a tie: dave and hank both have the first place's 2 contributions, dave's id comes first.
    first = lists(P, warehouse, SMALL, limit=1)
    assert {level: rows["member_id"].tolist() for level, rows in first.items()} == {
        "champion": ["alice"],
        "regular": ["dave"],
        "casual": ["bob"],
    }
    assert all(rows.empty for rows in lists(P, warehouse, SMALL, limit=0).values())


def test_the_members_at_each_level_of_one_channel(warehouse):
    # Of the event channel's bob, dave and gina: dave regular, bob casual, gina never active.
    event = replace(P, channel="event")
    assert {level: rows["member_id"].tolist() for level, rows in lists(event, warehouse, SMALL).items()} == {
        "champion": [],
        "regular": ["dave"],
        "casual": ["bob"],
    }
    dormant = warehouse.run(levels.members_at_level_query(filters=event, level="dormant", rules=SMALL))
    assert dormant["member_id"].tolist() == ["gina"]


# Windows of 10 days, so that the 90-day windows of the fixture's few weeks tell periods apart.
TEN_DAYS = replace(SMALL, window_days=10)
END = date(2025, 3, 8)


def previous_levels(view: Filters, warehouse) -> dict[str, str | None]:
    """Each listed member's previous level, over the active levels' lists of the view."""
    listed = pd.concat(lists(view, warehouse, TEN_DAYS).values())
    pairs = zip(listed["member_id"], listed["previous_level"], strict=True)
    return {member: None if pd.isna(level) else level for member, level in pairs}


def test_the_listed_members_previous_levels_are_each_periods_own(warehouse):
    """Ending 8 March, every period lists the members of the 10 days to 26 February - 7 March:
    alice champion (2 weeks, 3 contributions); bob, carol, dave and hank casual with 1, erin with 0.
    Their previous levels are each period's own, worked out from the 10 days before its start.
    From 1 March (19-28 February): alice casual (a comment), bob casual (joined 25 February, a
    reaction), dave casual, hank dormant (joined long before, nothing since 20 January), carol and
    erin none (joined since). From 4 March (22 February - 3 March): alice champion (3 weeks, 4
    contributions), carol casual (a login on 2 March, joined before the 4th). From 8 February
    (29 January - 7 February): alice casual (a login), dave and hank dormant, bob joined since.
    From 2 March (20 February - 1 March): alice regular (2 weeks, a comment and a post), carol none
    (she joined that day, in the period)."""
    views = [Filters(start=start, end=END) for start in (date(2025, 3, 1), date(2025, 3, 4), date(2025, 2, 8))]
    views.append(Filters(start=date(2025, 3, 2), end=END))
    assert {level: rows["member_id"].tolist() for level, rows in lists(views[0], warehouse, TEN_DAYS).items()} == {
        "champion": ["alice"],
        "regular": [],
        "casual": ["bob", "carol", "dave", "hank", "erin"],
    }
    expected = [
        {"alice": "casual", "bob": "casual", "carol": None, "dave": "casual", "hank": "dormant", "erin": None},
        {"alice": "champion", "bob": "casual", "carol": "casual", "dave": "casual", "hank": "dormant", "erin": None},
        {"alice": "casual", "bob": None, "carol": None, "dave": "dormant", "hank": "dormant", "erin": None},
        {"alice": "regular", "bob": "casual", "carol": None, "dave": "casual", "hank": "dormant", "erin": None},
    ]
    assert [previous_levels(view, warehouse) for view in views] == expected
    # The same, computed from the activities: in a time zone the rollup was not built in, members
    # are keyed by their ids.
    shanghai = replace(views[1], timezone="Asia/Shanghai")
    assert previous_levels(shanghai, warehouse)["carol"] == "casual"  # joined on 2 March, before the 4th


def test_a_member_filters_lists_are_its_own(warehouse):
    """Of the forum channel's alice, carol, erin and hank (frank joins at the end); the event
    channel's bob and dave."""
    forum = Filters(start=date(2025, 3, 4), end=END, channel="forum")
    expected = {"alice": "champion", "carol": "casual", "hank": "dormant", "erin": None}
    assert previous_levels(forum, warehouse) == expected
    assert set(previous_levels(replace(forum, channel="event"), warehouse)) == {"bob", "dave"}


def test_no_member_named_is_no_row(warehouse):
    """A list of ids is bound as one list (metrics.sql.one_of); an empty one keeps nobody."""
    assert warehouse.run(levels.respondent_profiles_query(filters=P, member_ids=[])).empty


def test_the_members_page_reads_the_counts_and_the_shown_level_alone(warehouse, loaders, statements):
    from ui import data

    statements.clear()
    changes = data.load_level_changes(loaders, "v", P)
    casual = data.load_members_at_level(loaders, "v", P, "casual")
    dormant = data.load_members_at_level(loaders, "v", P, "dormant")
    assert len(statements) == 4  # the active members' counts, the member totals, and each list
    # ClickHouse computes a common table expression at each reading: there every member's level is read once.
    once = not warehouse.url.startswith("clickhouse")
    assert warehouse.reads_common_tables_once is once
    assert ("WITH at_level AS" in statements[2]) is once
    expected = levels.level_changes(warehouse=warehouse, filters=P)
    pd.testing.assert_frame_equal(changes.reset_index(drop=True), expected.reset_index(drop=True))
    assert casual["member_id"].tolist() == ["alice", "dave", "hank", "bob", "carol", "erin"]  # by contributions
    assert dormant["member_id"].tolist() == ["gina"]
    assert isinstance(casual["last_day"].iloc[0], date)


def test_slipping_champions(warehouse):
    # To 1 April: the champion window is 2 December - 1 March, the quiet window 2 March - 31 March.
    # dave (3 weeks, 3 contributions) was a champion and has been silent since 28 February; alice
    # (3 weeks, 2 contributions) was regular.
    april = Filters(start=date(2025, 3, 25), end=date(2025, 4, 1))
    rows = warehouse.run(levels.slipping_champions_query(filters=april, rules=SMALL, include_email=True))
    assert rows[["member_id", "email", "active_weeks", "contributions", "last_day"]].values.tolist() == [
        ["dave", "dave@example.org", 3, 3, day_number(date(2025, 2, 28))]
    ]
    europe = Filters(start=april.start, end=april.end, region="EU")
    assert warehouse.run(levels.slipping_champions_query(filters=europe, rules=SMALL)).empty


def test_slipping_champions_leave_out_email_unless_asked(warehouse):
    rows = warehouse.run(levels.slipping_champions_query(filters=P, rules=SMALL))
    assert "email" not in rows.columns


def test_a_members_level(warehouse):
    row = warehouse.run(levels.member_level_query(filters=P, member_id="alice", rules=SMALL)).iloc[0]
    assert (row["level"], row["previous_level"], row["active_weeks"], row["contributions"]) == (
        "champion",
        "casual",
        4,
        4,
    )
    assert warehouse.run(levels.member_level_query(filters=P, member_id="tom", rules=SMALL)).empty


# The boundary community (tests/boundaries.py): ivy joins at 00:00 on 1 March (P's start), joe at
# 00:00 on 3 March, kim (never active), sam and sue long before. sam and sue each have 6 active weeks
# and 20 contributions up to Wednesday 5 February, the default champion thresholds exactly; sue
# also logs in at 00:00 on 6 February, when the 30 days of silence before P's end begin.


def test_a_member_joining_exactly_at_the_periods_start_is_new_in_it(boundary_warehouse):
    counts = boundary_warehouse.run(members.member_counts_query(filters=P))
    # Members at P's end: all five; new in P: ivy (at its start) and joe; before it: kim sam sue.
    assert members.growth(counts) == {"members": 5, "new_members": 2, "growth_rate": 2 / 3, "n_growth_rate": 3}


def test_filters_no_member_meets_together_count_0_members_not_1_or_none(boundary_warehouse):
    # Every member of the boundary community is in EU, so forum members in US are nobody: the one
    # row of counts is summed over no rows, and each count is 0 (not NULL), with no growth rate.
    counts = boundary_warehouse.run(members.member_counts_query(filters=replace(P, channel="forum", region="US")))
    assert counts.values.tolist() == [[0, 0, 0]]
    assert members.growth(counts) == {"members": 0, "new_members": 0, "growth_rate": None, "n_growth_rate": 0}


def test_a_member_joining_exactly_at_the_periods_start_has_no_previous_level(boundary_warehouse):
    row = boundary_warehouse.run(levels.member_level_query(filters=P, member_id="ivy")).iloc[0]
    # One post on 2 March: casual now; a newcomer at P's start, so no level at the previous period's end.
    assert (row["level"], row["previous_level"], row["active_weeks"], row["contributions"]) == ("casual", None, 1, 1)


def test_thresholds_exactly_met_make_a_champion_at_both_ends(boundary_warehouse):
    row = boundary_warehouse.run(levels.member_level_query(filters=P, member_id="sam")).iloc[0]
    # To 8 March and to 1 March the 90-day window holds all of sam's 20 posts in 6 weeks.
    assert (row["level"], row["previous_level"], row["active_weeks"], row["contributions"]) == (
        "champion",
        "champion",
        6,
        20,
    )


def test_level_changes_count_a_member_joining_at_the_start_as_new(boundary_warehouse):
    changes = levels.level_changes(warehouse=boundary_warehouse, filters=P)
    # sam and sue champion at both ends; kim (never active) dormant at both; ivy and joe joined in P
    # (ivy exactly at its start) and are casual.
    assert changes.values.tolist() == [["champion", "champion", 2], ["dormant", "dormant", 1], [None, "casual", 2]]
    assert levels.moves(changes) == {"moved_up": 0, "moved_down": 0, "stayed": 3, "new": 2}


def test_a_champion_silent_for_exactly_the_silence_is_slipping(boundary_warehouse):
    rows = boundary_warehouse.run(levels.slipping_champions_query(filters=P))
    # Silence from 8 March - 30 days = 6 February; champion window 8 November - 5 February. sam's last
    # activity is on 5 February: slipping. sue logged in at 00:00 on 6 February: not silent.
    assert rows[["member_id", "active_weeks", "contributions", "last_day"]].values.tolist() == [
        ["sam", 6, 20, day_number(date(2025, 2, 5))]
    ]


def test_new_members_by_week_count_a_member_joining_exactly_at_the_start(boundary_warehouse):
    rows = boundary_warehouse.run(members.new_members_by_week_query(filters=P, dimension="channel"))
    # ivy (forum) joins at 00:00 on Saturday 1 March, in the week of 24 February; joe (event) on 3 March.
    assert rows.values.tolist() == [
        [day_number(date(2025, 2, 24)), "forum", 1],
        [day_number(date(2025, 3, 3)), "event", 1],
    ]


def test_new_members_by_week_keep_only_the_filtered_members(boundary_warehouse):
    rows = boundary_warehouse.run(
        members.new_members_by_week_query(filters=replace(P, channel="event"), dimension="region")
    )
    # Of ivy (forum) and joe (event), both EU, only joe came through an event.
    assert rows.values.tolist() == [[day_number(date(2025, 3, 3)), "EU", 1]]


def test_growth_by_channel_counts_a_member_joining_exactly_at_the_start_as_new(boundary_warehouse):
    rows = members.growth_table(
        boundary_warehouse.run(members.growth_by_dimension_query(filters=P, dimension="channel"))
    )
    # event: joe, new, and no one before P: no rate (NaN in the frame). forum: kim sam sue before P and
    # ivy, new at its start: 1 / 3.
    assert rows[["value", "members", "new_members"]].values.tolist() == [["event", 1, 1], ["forum", 4, 1]]
    assert rows["growth_rate"].isna().tolist() == [True, False]
    assert rows["growth_rate"].iloc[1] == 1 / 3


def test_the_members_report_section_of_the_boundary_community(boundary_warehouse):
    section = sections.members_section(warehouse=boundary_warehouse, filters=P)
    # Previous period [22 February, 1 March): kim, sam and sue are members, nobody joins or is active.
    # In P ivy and joe join and each contributes within a day: both converted.
    assert section["kpis"] == {
        "members": {"current": 5, "previous": 3},
        "new_members": {"current": 2, "previous": 0},
        "growth_rate": {"current": 2 / 3, "previous": 0.0},
        "churned": {"current": 0, "previous": 0},
        "churn_rate": {"current": None, "previous": None},
        "returning": {"current": 0, "previous": 0},
        "newcomer_conversion": {"current": 1.0, "previous": None},
    }
    everyone = [{"value": "EU", "members": 5, "new_members": 2, "growth_rate": 2 / 3}]
    assert section["growth_by"] == {
        "channel": [
            {"value": "event", "members": 1, "new_members": 1, "growth_rate": None},
            {"value": "forum", "members": 4, "new_members": 1, "growth_rate": 1 / 3},
        ],
        "region": everyone,
        "segment": [{**everyone[0], "value": "dev"}],
    }
    stayed = {"moved_up": 0, "moved_down": 0, "new": 0}
    assert section["engagement_levels"] == [
        {"level": "champion", "current": 2, "previous": 2, **stayed},
        {"level": "regular", "current": 0, "previous": 0, **stayed},
        {"level": "casual", "current": 2, "previous": 0, **stayed, "new": 2},
        {"level": "dormant", "current": 1, "previous": 1, **stayed},
    ]
    assert section["level_moves"] == {"moved_up": 0, "moved_down": 0, "stayed": 3, "new": 2}
    assert section["slipping_champions"] == [
        {
            "member_id": "sam",
            "name": "Sam",
            "segment": "dev",
            "channel": "forum",
            "region": "EU",
            "active_weeks": 6,
            "contributions": 20,
            "last_active": "2025-02-05",  # dates as ISO text, for JSON
        }
    ]
    # Cohorts by join month to March: sam and sue (October) active in January and February; kim
    # (January) never; ivy and joe (March) in March.
    assert section["cohorts"] == [
        {"cohort": "2024-10", "size": 2, "share_active": [0.0, 0.0, 0.0, 1.0, 1.0, 0.0], "last_month_partial": True},
        {"cohort": "2025-01", "size": 1, "share_active": [0.0, 0.0, 0.0], "last_month_partial": True},
        {"cohort": "2025-03", "size": 2, "share_active": [1.0], "last_month_partial": True},
    ]


def test_the_engagement_report_section_of_the_boundary_community(boundary_warehouse):
    section = sections.engagement_section(warehouse=boundary_warehouse, filters=P)
    # In P: ivy's post on 2 March (10 points) and joe's event on 3 March (20); nothing in the week before.
    assert section == {
        "kpis": {
            "active_members": {"current": 2, "previous": 0},
            "contributors": {"current": 2, "previous": 0},
            "contributions": {"current": 2, "previous": 0},
            "contributions_per_active_member": {"current": 1.0, "previous": None},
            "absence_factor": {"current": 1, "previous": 0},
        },
        "active_by_platform": [{"platform": "forum", "current": 2, "previous": 0}],
        "bucket_days": 1,
        "activity": [
            {"bucket": "2025-03-02", "kind": "post", "platform": "forum", "activities": 1},
            {"bucket": "2025-03-03", "kind": "event_attend", "platform": "forum", "activities": 1},
        ],
        "top_contributors": [
            {
                "rank": 1,
                "member_id": "joe",
                "name": "Joe",
                "segment": "dev",
                "points": 20.0,
                "contributions": 1,
                "active_days": 1,
            },
            {
                "rank": 2,
                "member_id": "ivy",
                "name": "Ivy",
                "segment": "dev",
                "points": 10.0,
                "contributions": 1,
                "active_days": 1,
            },
        ],
    }


def test_the_first_cohort_is_counted_back_from_the_month_of_the_periods_last_day(warehouse):
    def cohorts_of(filters: Filters) -> list[str]:
        rows = warehouse.run(cohorts.cohort_activity_query(filters=filters, cohorts=6))
        return sorted({str(c) for c in cohorts.cohort_grid(rows, filters=filters)["cohort"]})

    # Last day 31 March: six months back from March is October, hank's month (dave December, alice January,
    # bob February, carol erin frank March).
    assert cohorts_of(Filters(start=date(2025, 3, 25), end=date(2025, 4, 1))) == [
        "2024-10-01",
        "2024-12-01",
        "2025-01-01",
        "2025-02-01",
        "2025-03-01",
    ]
    # Last day 1 April: six months back from April is November; hank falls out.
    assert cohorts_of(Filters(start=date(2025, 3, 26), end=date(2025, 4, 2))) == [
        "2024-12-01",
        "2025-01-01",
        "2025-02-01",
        "2025-03-01",
    ]


def test_a_member_joining_exactly_as_the_first_cohort_begins_is_in_it(boundary_warehouse):
    # tests/boundaries.py: ivy joins at 00:00 on 1 March (active the 2nd), joe on the 3rd (active that day).
    grid = cohorts.cohort_grid(boundary_warehouse.run(cohorts.cohort_activity_query(filters=P, cohorts=1)), filters=P)
    assert grid.assign(cohort=grid["cohort"].astype(str)).to_dict("records") == [
        {"cohort": "2025-03-01", "months_since": 0, "size": 2, "active": 2, "share": 1.0, "so_far": True}
    ]


def test_new_members_by_dimension_count_a_join_at_either_periods_start(boundary_warehouse):
    # 3-4 March against 1-2 March: ivy joins exactly at 00:00 on the 1st (the previous period's start), joe
    # at 00:00 on the 3rd (this period's start).
    short = Filters(start=date(2025, 3, 3), end=date(2025, 3, 5))

    def new(filters: Filters) -> list[list]:
        counts = retention.conversion_counts(boundary_warehouse)
        rows = movers.new_by_dimension(counts(filters), counts(filters.previous()), dimension="channel")
        return sorted(rows[["value", "previous", "current"]].values.tolist())

    assert new(short) == [["event", 0, 1], ["forum", 1, 0]]
    assert new(replace(short, channel="forum")) == [["forum", 1, 0]]  # the view's members only


def _moves(*rows: tuple[str, int, int]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["value", "previous", "current"])


MOVER_COLUMNS = ["measure", "dimension", "value", "previous", "current", "change", "change_pct"]


def test_movers_keep_a_group_exactly_at_the_base_and_a_change_of_one():
    frames = {
        ("active members", "region"): _moves(("EU", 0, 5), ("US", 5, 0), ("APAC", 4, 4), ("LATAM", 4, 0)),
        ("new members", "channel"): _moves(("forum", 5, 6), ("event", 1, 6), (None, 0, 9), ("chat", 5, 5)),
    }
    rows = movers.top_movers(frames, limit=10)
    # LATAM (4 and 0) and APAC (4 and 4) are under the base in both periods; chat did not move; the group of
    # no channel is none. Largest first; ties by measure, dimension, then value (EU before US).
    assert list(rows.columns) == MOVER_COLUMNS
    assert rows.drop(columns="change_pct").values.tolist() == [
        ["active members", "region", "EU", 0, 5, 5],
        ["active members", "region", "US", 5, 0, -5],
        ["new members", "channel", "event", 1, 6, 5],
        ["new members", "channel", "forum", 5, 6, 1],
    ]
    # The change against the previous period: none from 0; -100%; +500% from 1; +20%.
    pct = rows["change_pct"].tolist()
    assert pd.isna(pct[0]) and pct[1:] == [-1.0, 5.0, pytest.approx(0.2)]
    assert len(movers.top_movers(frames)) == 4  # a limit of 5 by default
    assert movers.top_movers(frames, limit=2)["value"].tolist() == ["EU", "US"]


def test_movers_show_five_at_most_by_default_and_none_from_no_frames():
    frames = {("active members", "region"): _moves(*((f"R{n}", 10, 10 + n) for n in range(1, 8)))}
    assert movers.top_movers(frames)["value"].tolist() == ["R7", "R6", "R5", "R4", "R3"]
    nothing = movers.top_movers({("active members", "region"): _moves()})
    assert nothing.empty and list(nothing.columns) == MOVER_COLUMNS


def test_new_members_by_dimension_sum_the_conversion_counts_of_each_period():
    columns = ["channel", "region", "segment", "new_members", "converted"]
    current = pd.DataFrame(
        [("forum", "EU", "dev", 2, 1), ("forum", "US", "biz", 3, 0), (None, "EU", "dev", 4, 4)], columns=columns
    )
    previous = pd.DataFrame([("event", "EU", "dev", 1, 1), ("forum", "EU", "biz", 1, 0)], columns=columns)
    by_channel = movers.new_by_dimension(current, previous, dimension="channel")
    # forum 2 + 3 now, 1 before; event only before; the members of no channel a group of their own (movers
    # leave it out: test_movers_keep_a_group_exactly_at_the_base_and_a_change_of_one).
    assert sorted(by_channel.fillna("none").values.tolist()) == [["event", 0, 1], ["forum", 5, 1], ["none", 4, 0]]
    by_region = movers.new_by_dimension(current, previous.iloc[:0], dimension="region")  # nobody joined before
    assert sorted(by_region.values.tolist()) == [["EU", 6, 0], ["US", 3, 0]]
    assert movers.new_by_dimension(current.iloc[:0], previous.iloc[:0], dimension="segment").empty


def test_respondents_profiles_are_those_asked_for_with_their_region(warehouse):
    # With SMALL over the 90 days to 8 March: hank regular, carol casual (test_level_changes).
    rows = warehouse.run(levels.respondent_profiles_query(filters=P, member_ids=["carol", "hank"], rules=SMALL))
    assert sorted(rows.values.tolist()) == [
        ["carol", "forum", "US", "biz", "casual"],
        ["hank", "forum", "US", "biz", "regular"],
    ]


# Members active in April before they join: uma joins at 00:00 on 1 April, val exactly at 00:00 on the 5th
# and wes on the 6th; each posts once in April before the 5th (val and wes before joining).
EARLY_POSTERS = [
    ("uma", community.t(2025, 4, 1), community.t(2025, 4, 2, 12)),
    ("val", community.t(2025, 4, 5), community.t(2025, 4, 3, 12)),
    ("wes", community.t(2025, 4, 6), community.t(2025, 4, 4, 12)),
]
# Silent champions of P (champion over [8 November, 6 February), silent since 6 February): old members
# with this many posts on Wednesday 15 January and none after; xc is written before xb, so that only the
# order by id puts xb, tied with xc, first.
SILENT = [("xa", 3), ("xc", 2), ("xb", 2), ("xd", 4)]
# Given points on a forum login (a login counts no contribution): xe also posts and comments on one day.
LOGGED_IN = [
    ("xe", community.t(2025, 3, 3, 12), "login", {"points": 5.0}),
    ("xe", community.t(2025, 3, 4, 12), "post"),
    ("xe", community.t(2025, 3, 4, 13), "comment"),
    ("xf", community.t(2025, 3, 3, 12), "login", {"points": 5.0}),
]
# 21 members joining on 1 January 2025, each posting once on Wednesday 12 February: one more than a
# leaderboard shows.
CROWD = [f"y{n:02}" for n in range(21)]
# 201 members joining on 1 January 2024 who never did anything: dormant, one more than the list of a level shows.
IDLE = [f"z{n:03}" for n in range(201)]
ONE_WEEK = LevelRules(champion_weeks=1, champion_contributions=2, regular_weeks=1, regular_contributions=1)


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def local_members(request, tmp_path_factory):
    """EARLY_POSTERS, SILENT, LOGGED_IN, CROWD and IDLE, all in the forum channel, EU, dev."""
    joined = (
        [(who, at) for who, at, _ in EARLY_POSTERS]
        + [(who, community.t(2024, 10, 1)) for who in [*(who for who, _ in SILENT), "xe", "xf"]]
        + [(who, community.t(2025, 1, 1)) for who in CROWD]
        + [(who, community.t(2024, 1, 1)) for who in IDLE]
    )
    posts = (
        [(who, posted, "post") for who, _, posted in EARLY_POSTERS]
        + [(who, community.t(2025, 1, 15, 12), "post") for who, count in SILENT for _ in range(count)]
        + LOGGED_IN
        + [(who, community.t(2025, 2, 12, 12), "post") for who in CROWD]
    )
    frames = community.frames(
        member_rows=[(who, at, "forum", "EU", "dev", False) for who, at in joined],
        activity_rows=posts,
        campaign_rows=[],
        participation_rows=[],
    )
    directory = tmp_path_factory.mktemp(f"local-members-{request.param}")
    result = make_warehouse(request.param, directory, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_a_cohorts_active_members_are_its_own_not_those_joining_at_the_periods_end_or_after(local_members):
    # 29 March - 4 April: April's cohort is uma alone (val joins exactly at the end, wes after it); of its
    # members uma was active in April: 1 of 1, though val and wes posted before the end.
    view = Filters(start=date(2025, 3, 29), end=date(2025, 4, 5))
    grid = cohorts.cohort_grid(local_members.run(cohorts.cohort_activity_query(filters=view, cohorts=1)), filters=view)
    assert grid.assign(cohort=grid["cohort"].astype(str)).to_dict("records") == [
        {"cohort": "2025-04-01", "months_since": 0, "size": 1, "active": 1, "share": 1.0, "so_far": True}
    ]


def test_slipping_champions_are_cut_to_the_limit_most_contributions_first(local_members):
    def slipping(limit: int) -> list[list]:
        rows = local_members.run(levels.slipping_champions_query(filters=P, rules=ONE_WEEK, limit=limit))
        return rows[["member_id", "contributions"]].values.tolist()

    # All four: most contributions first, xb before xc (2 each) by id.
    assert slipping(10) == [["xd", 4], ["xa", 3], ["xb", 2], ["xc", 2]]
    # Three: the cut leaves out the one of the fewest, the last by id.
    assert slipping(3) == [["xd", 4], ["xa", 3], ["xb", 2]]


def test_a_narrowed_leaderboard_counts_days_once_and_no_contributions_as_0(local_members):
    # The forum in P: xe's login (5 points given) on the 3rd, a post (10) and a comment (5) on the 4th:
    # 20 points, 2 contributions on 2 days; xf's login alone: 5 points, no contribution, 1 day.
    rows = local_members.run(contributions.top_contributors_query(filters=P, platform="forum"))
    assert rows[["member_id", "points", "contributions", "active_days"]].values.tolist() == [
        ["xe", 20, 2, 2],
        ["xf", 5, 0, 1],
    ]
    top = local_members.run(contributions.top_contributors_query(filters=P, platform="forum", limit=1))
    assert top["member_id"].tolist() == ["xe"]


def test_the_leaderboard_shows_twenty(local_members):
    # 10-16 February: the 21 of CROWD with 10 points each, tied: by id, y00 to y19.
    february = Filters(start=date(2025, 2, 10), end=date(2025, 2, 17))
    rows = local_members.run(contributions.top_contributors_query(filters=february))
    assert rows["member_id"].tolist() == CROWD[:20]


def test_the_members_at_a_level_show_two_hundred(local_members):
    # Dormant at P's end: the 201 of IDLE alone (every other member of the frame is active in the 90
    # days to 8 March, or joins later), with no contributions: by id, z000 to z199.
    rows = local_members.run(levels.members_at_level_query(filters=P, level="dormant"))
    assert rows["member_id"].tolist() == IDLE[:200]


def test_the_member_tiles_give_each_period_its_own_churn_and_newcomer_sample(warehouse):
    """The fixture community (tests/test_metrics_overview.py works the figures out): in P, bob and dave
    of Q's alice, bob and dave are gone (2 of 3) and hank returns; in Q nobody was active the week
    before (no rate) and alice and dave return. Newcomers: carol and erin in P (carol converts), bob in Q
    (converts)."""
    kpis = sections.member_kpis(warehouse=warehouse, filters=P)
    assert (kpis["churned"].current, kpis["churned"].previous) == (2, 0)
    assert (kpis["churn_rate"].current, kpis["churn_rate"].previous) == (pytest.approx(2 / 3), None)
    assert (kpis["churn_rate"].sample, kpis["churn_rate"].previous_sample) == (3, 0)
    assert (kpis["returning"].current, kpis["returning"].previous) == (1, 2)
    conversion = kpis["newcomer_conversion"]
    assert (conversion.current, conversion.previous) == (pytest.approx(1 / 2), 1.0)
    assert (conversion.sample, conversion.previous_sample) == (2, 1)


# Five members joining at 10:00 on Tuesday 4 March, one a channel, written in the reverse of the
# channels' order: web, tiktok, forum, event, ads.
CHANNELS_JOINING = ["web", "tiktok", "forum", "event", "ads"]


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def one_week_channels(request, tmp_path_factory):
    frames = community.frames(
        member_rows=[
            (f"n-{channel}", community.t(2025, 3, 4, 10), channel, "EU", "dev", False) for channel in CHANNELS_JOINING
        ],
        activity_rows=[("n-web", community.t(2025, 3, 4, 11), "post")],
        campaign_rows=[],
        participation_rows=[],
    )
    directory = tmp_path_factory.mktemp(f"channels-{request.param}")
    result = make_warehouse(request.param, directory, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_new_members_of_one_week_come_by_channel(one_week_channels):
    rows = one_week_channels.run(members.new_members_by_week_query(filters=P, dimension="channel"))
    week = day_number(date(2025, 3, 3))
    assert rows.values.tolist() == [[week, channel, 1] for channel in sorted(CHANNELS_JOINING)]


def test_a_period_ending_where_it_starts_is_refused_with_both_days():
    # A period of no days (end exactly at its start) is the boundary refused.
    with pytest.raises(
        ValueError, match=re.escape("The period must end after it starts (start 2025-03-01, end 2025-03-01).")
    ):
        Filters(start=date(2025, 3, 1), end=date(2025, 3, 1))


def test_a_champion_silent_through_the_whole_window_is_dormant_with_0_weeks_and_0_contributions(boundary_warehouse):
    # 1 March to 30 June: the window now is 1 April - 29 June, the window before 1 December - 28
    # February. sam's 20 posts in 6 weeks (January to 5 February) all fall in the window before:
    # champion then; none in the window now: dormant, with 0 weeks and 0 contributions (not blank).
    spring = Filters(start=date(2025, 3, 1), end=date(2025, 6, 30))
    row = boundary_warehouse.run(levels.member_level_query(filters=spring, member_id="sam")).iloc[0]
    assert (row["level"], row["previous_level"], row["active_weeks"], row["contributions"]) == (
        "dormant",
        "champion",
        0,
        0,
    )


def test_a_periods_start_in_utc_does_not_depend_on_the_servers_time_zone(monkeypatch):
    # Midnight of 1 March in Shanghai (UTC+8) is 16:00 on 28 February in UTC, whatever time zone
    # the server runs in (here Tokyo, UTC+9: read in the server's zone it would be 01:00 on 1 March).
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        shanghai = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8), timezone="Asia/Shanghai")
        assert shanghai.start_utc == datetime(2025, 2, 28, 16, 0)
    finally:
        monkeypatch.undo()
        time.tzset()


def day_functions_on(warehouse, function, days: list[date]) -> list[int]:
    """`function` (a day construct of rollup/sql.py) of each day's number, computed by the engine."""
    query = sa.select(*(function(sa.literal(day_number(day))).label(f"d{n}") for n, day in enumerate(days)))
    return warehouse.run(query).iloc[0].tolist()


def test_month_numbers_of_days_agree_with_python_on_every_engine(warehouse):
    from rollup.sql import month_of

    days = [
        date(1969, 12, 31),
        date(1970, 1, 1),
        date(2000, 2, 29),
        date(2024, 12, 31),
        date(2025, 1, 1),
        date(2025, 3, 31),
        date(2025, 4, 1),
        date(2099, 12, 31),
    ]
    assert day_functions_on(warehouse, month_of, days) == [month_number(day) for day in days]


def test_week_starts_of_days_are_their_mondays_on_every_engine_before_1970_too(warehouse):
    from rollup.sql import week_start

    # 1970-01-01 (day 0) was a Thursday. The engines' % keeps the dividend's sign, so a plain
    # (day + 3) % 7 put days -9..3 (22 Dec 1969 to 4 Jan 1970) in one 13-day week.
    days_and_mondays = [
        (date(1900, 1, 1), date(1900, 1, 1)),  # a Monday
        (date(1969, 12, 21), date(1969, 12, 15)),  # a Sunday
        (date(1969, 12, 22), date(1969, 12, 22)),
        (date(1969, 12, 24), date(1969, 12, 22)),
        (date(1969, 12, 28), date(1969, 12, 22)),
        (date(1969, 12, 29), date(1969, 12, 29)),
        (date(1969, 12, 31), date(1969, 12, 29)),
        (date(1970, 1, 1), date(1969, 12, 29)),
        (date(1970, 1, 4), date(1969, 12, 29)),  # a Sunday
        (date(1970, 1, 5), date(1970, 1, 5)),
        (date(2025, 3, 2), date(2025, 2, 24)),
        (date(2025, 3, 3), date(2025, 3, 3)),
    ]
    days = [day for day, _ in days_and_mondays]
    assert day_functions_on(warehouse, week_start, days) == [day_number(monday) for _, monday in days_and_mondays]


def test_a_member_filter_takes_the_churn_figures_from_the_view_of_everyone(warehouse, loaders, statements):
    from ui import data

    data.load_member_kpis(loaders, "v", P)  # the view of everyone, as a page opens
    europe = replace(P, region="EU")
    statements.clear()
    kpis = data.load_member_kpis(loaders, "v", europe)
    sent = list(statements)
    assert sent, "the member counts are asked for"
    # Neither the activity profile (a pass over member-days) nor the newcomer conversion is asked.
    assert not [statement for statement in sent if "was_active" in statement or "converted" in statement]
    assert kpis == sections.member_kpis(warehouse=warehouse, filters=europe)
    assert kpis["churn_rate"].current == 0.5  # alice and bob active in Q, bob did not come back
    assert kpis["newcomer_conversion"].current is None  # no European newcomer in P (frank joins at its end)


def test_a_member_filter_takes_slipping_champions_from_the_whole_list_of_everyone(
    warehouse, loaders, statements, monkeypatch
):
    import functools

    from metrics.filters import with_dates
    from ui import data

    april = Filters(start=date(2025, 3, 25), end=date(2025, 4, 1))  # dave slips (test_slipping_champions)
    query = functools.partial(levels.slipping_champions_query, rules=SMALL)
    monkeypatch.setattr(levels, "slipping_champions_query", query)
    assert data.load_slipping_champions(loaders, "v", april, True)["member_id"].tolist() == ["dave"]
    statements.clear()
    narrowed = {
        name: data.load_slipping_champions(loaders, "v", replace(april, **{dimension: value}), True)
        for name, (dimension, value) in {"us": ("region", "US"), "forum": ("channel", "forum")}.items()
    }
    assert statements == []  # the list of everyone is whole: both come from it
    monkeypatch.setattr(levels, "SLIPPING_SHOWN", 1)  # now it is cut at its one row: asked again
    data.load_slipping_champions(loaders, "v", replace(april, segment="dev"), True)
    assert len(statements) == 1
    for name, (dimension, value) in {"us": ("region", "US"), "forum": ("channel", "forum")}.items():
        own = with_dates(
            warehouse.run(query(filters=replace(april, **{dimension: value}), include_email=True)), "last_day"
        )
        assert narrowed[name].columns.tolist() == own.columns.tolist(), name
        assert narrowed[name].values.tolist() == own.values.tolist(), name
    assert narrowed["us"]["member_id"].tolist() == ["dave"]
    assert narrowed["forum"].empty


def compiled(statement: sa.Select, engine: sa.Engine) -> tuple[str, str]:
    """A statement's text and parameters as `engine` is sent them."""
    with_params = statement.compile(engine)
    return str(with_params), repr(sorted(with_params.params.items()))


@pytest.mark.parametrize("dimension", [{}, {"region": "EU"}])
def test_the_cohort_grid_and_the_slipping_champions_depend_only_on_where_the_period_ends(warehouse, dimension):
    """What lets every period ending the same day share them (Filters.at_its_end): the statements
    for the last 7, 28 and 365 days, and the period's last day alone, are the same, from the rollup
    (the fixture warehouse's engine) and computed (an engine without one)."""
    end = date(2025, 4, 1)
    views = [Filters(start=end - timedelta(days=days), end=end, **dimension) for days in (1, 7, 28, 365)]
    assert views[-1].at_its_end() == views[0]
    for engine in (warehouse._current_engine(), sa.create_engine("duckdb://")):
        for query in (cohorts.cohort_activity_query, levels.slipping_champions_query):
            assert len({compiled(query(filters=view), engine) for view in views}) == 1, query.__name__
        later = replace(views[1], end=end + timedelta(days=1))
        cohort = cohorts.cohort_activity_query
        assert compiled(cohort(filters=later), engine) != compiled(cohort(filters=views[1]), engine)


def test_periods_ending_the_same_day_share_one_cohort_grid_and_slipping_list(
    warehouse, loaders, statements, monkeypatch
):
    import functools

    from metrics.filters import with_dates
    from ui import data

    query = functools.partial(levels.slipping_champions_query, rules=SMALL)  # dave slips
    monkeypatch.setattr(levels, "slipping_champions_query", query)
    week = Filters(start=date(2025, 3, 25), end=date(2025, 4, 1))
    grid = data.load_cohorts(loaders, "v", week)
    slipping = data.load_slipping_champions(loaders, "v", week, True)
    assert slipping["member_id"].tolist() == ["dave"]
    statements.clear()
    year = replace(week, start=date(2024, 4, 1))
    assert data.load_cohorts(loaders, "v", year).equals(grid)
    assert data.load_slipping_champions(loaders, "v", year, True).equals(slipping)
    assert statements == []
    assert grid.equals(sections.cohort_grid(warehouse=warehouse, filters=year))
    own = with_dates(warehouse.run(query(filters=year, include_email=True)), "last_day")
    assert slipping.values.tolist() == own.values.tolist()
