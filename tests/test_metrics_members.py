"""Members page metrics on the fixture community (tests/community.py), on DuckDB, SQLite and PostgreSQL.

Members at P's end (1-7 March 2025): alice bob carol dave erin gina hank (frank joins at the end,
tom is team). Weeks start on Monday; the fixture's activities by week are in the comments below.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from metrics import cohorts, levels, members, scope, sections
from metrics.filters import Filters, day_number
from metrics.levels import LevelRules

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


def test_a_grid_of_no_members_is_empty_with_its_columns(warehouse):
    nobody = Filters(start=P.start, end=P.end, segment="nobody")
    grid = cohorts.cohort_grid(warehouse.run(cohorts.cohort_activity_query(filters=nobody)), filters=nobody)
    assert grid.empty and list(grid.columns) == ["cohort", "months_since", "size", "active", "share"]


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
    assert rows[["member_id", "active_weeks", "contributions", "previous_level"]].values.tolist() == [
        ["dave", 2, 2, "champion"],
        ["hank", 2, 2, "casual"],
    ]
    assert rows["last_day"].tolist() == [day_number(date(2025, 2, 28)), day_number(date(2025, 3, 4))]


def test_dormant_members_have_no_activity(warehouse):
    rows = warehouse.run(levels.members_at_level_query(filters=P, level="dormant", rules=SMALL))
    assert rows[["member_id", "active_weeks", "contributions"]].values.tolist() == [["gina", 0, 0]]


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
        {"cohort": "2024-10", "size": 2, "share_active": [0.0, 0.0, 0.0, 1.0, 1.0, 0.0]},
        {"cohort": "2025-01", "size": 1, "share_active": [0.0, 0.0, 0.0]},
        {"cohort": "2025-03", "size": 2, "share_active": [1.0]},
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
