"""Engagement page metrics on the fixture community, on DuckDB, SQLite and PostgreSQL.

Activities in P (1-7 March 2025) of community members: alice post 1st (forum), event_attend 3rd
(in person, 50 points given), comment 3rd (forum); carol login 2nd, post 5th (discord); hank
comment 4th (discord); erin login 7th (forum). Default points: post 10, comment 5, login 0.
In Q (22-28 February): alice comment, bob login and reaction, dave comment, all on the forum.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from metrics import contributions, levels
from metrics.filters import Filters, day_number, with_dates

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))


def figures(warehouse, filters: Filters, period: str = "current") -> dict[str, float | None]:
    return contributions.engagement_figures(
        warehouse.run(contributions.contribution_counts_query(filters=filters)), period=period
    )


def test_engagement_figures(warehouse):
    # Contributions: alice 3, carol 1, hank 1 = 5 by 4 active members. Half of 5 needs alice alone.
    assert figures(warehouse, P) == {
        "active_members": 4,
        "contributors": 3,
        "contributions": 5,
        "contributions_per_active_member": 1.25,
        "absence_factor": 1,
    }


def test_engagement_figures_are_the_current_periods_unless_asked(warehouse):
    counts = warehouse.run(contributions.contribution_counts_query(filters=P))
    assert contributions.engagement_figures(counts)["contributions"] == 5  # P's, as above
    assert contributions.engagement_figures(counts, period="previous")["contributions"] == 3  # Q's


def test_absence_factor_with_even_contributors(warehouse):
    # Q: alice, bob, dave one contribution each; two of them are needed to reach half of 3.
    assert figures(warehouse, P.previous())["absence_factor"] == 2


def test_one_query_gives_both_periods(warehouse):
    # Q as P's previous period: alice, bob (his login is no contribution) and dave one each.
    assert (
        figures(warehouse, P, "previous")
        == figures(warehouse, P.previous())
        == {
            "active_members": 3,
            "contributors": 3,
            "contributions": 3,
            "contributions_per_active_member": 1.0,
            "absence_factor": 2,
        }
    )


@pytest.mark.parametrize(
    ("counts", "factor"),
    [
        # 15 in all: the 5 (0 before), then two of the 2s (5 and 7 before); the third has 9 >= 7.5.
        ([(5, 1), (2, 3), (1, 4)], 3),
        ([(1, 4)], 2),  # 4 in all: the first two (0 and 1 before); the third has 2, half
        ([(10, 1), (1, 10)], 1),  # the 10 alone makes half of 20
        ([(0, 7)], 0),  # members active without contributing
        ([], 0),
    ],
)
def test_absence_factor_counts_tied_members_by_hand(counts, factor):
    assert contributions.absence_factor(counts) == factor


def test_absence_factor_equals_ranking_members_one_by_one():
    rng = random.Random(8)
    for _ in range(200):
        counts = [(made, rng.randint(1, 6)) for made in rng.sample(range(0, 30), rng.randint(1, 6))]
        ranked = sorted((made for made, members in counts for _ in range(members) if made > 0), reverse=True)
        total = sum(ranked)
        expected = sum(1 for n, made in enumerate(ranked) if 2 * sum(ranked[:n]) < total)
        assert contributions.absence_factor(counts) == expected, counts


def test_quiet_period_has_no_ratio(warehouse):
    quiet = Filters(start=date(2023, 1, 1), end=date(2023, 1, 8))
    assert figures(warehouse, quiet) == {
        "active_members": 0,
        "contributors": 0,
        "contributions": 0,
        "contributions_per_active_member": None,
        "absence_factor": 0,
    }


def test_active_members_by_platform(warehouse):
    rows = warehouse.run(contributions.active_by_platform_query(filters=P))
    assert rows.values.tolist() == [["discord", 2, 0], ["forum", 2, 3], ["in person", 1, 0]]


def test_activity_by_day_kind_and_platform(warehouse):
    rows = warehouse.run(contributions.activity_by_bucket_query(filters=P))
    first = day_number(P.start)
    assert [(r.bucket - first, r.kind, r.platform, r.activities) for r in rows.itertuples()] == [
        (0, "post", "forum", 1),
        (1, "login", "discord", 1),
        (2, "comment", "forum", 1),
        (2, "event_attend", "in person", 1),
        (3, "comment", "discord", 1),
        (4, "post", "discord", 1),
        (6, "login", "forum", 1),
    ]


def test_long_periods_are_bucketed_by_week(warehouse):
    quarter = Filters(start=date(2025, 1, 1), end=date(2025, 4, 1))
    rows = warehouse.run(contributions.activity_by_bucket_query(filters=quarter))
    monday = day_number(date(2025, 3, 3))
    assert rows.loc[rows["bucket"] == monday, ["kind", "platform", "activities"]].values.tolist() == [
        ["comment", "discord", 1],  # hank 4th
        ["comment", "forum", 1],  # alice 3rd
        ["event_attend", "in person", 1],
        ["login", "forum", 1],  # erin
        ["post", "discord", 1],  # carol
        ["post", "forum", 1],  # frank, Saturday 8th
    ]


def test_leaderboard(warehouse):
    rows = warehouse.run(contributions.top_contributors_query(filters=P))
    # alice 10 + 5 + 50 (given) = 65; carol 0 + 10; hank 5; erin has only a login: no points.
    assert rows[["rank", "member_id", "points", "contributions", "active_days"]].values.tolist() == [
        [1, "alice", 65, 3, 2],
        [2, "carol", 10, 1, 2],
        [3, "hank", 5, 1, 1],
    ]


def test_leaderboard_by_platform_and_kind(warehouse):
    discord = warehouse.run(contributions.top_contributors_query(filters=P, platform="discord"))
    # carol: a login (no contribution) on 2 March and a post on 5 March; hank: a comment on 4 March.
    assert discord[["member_id", "points", "contributions", "active_days"]].values.tolist() == [
        ["carol", 10, 1, 2],
        ["hank", 5, 1, 1],
    ]
    comments = warehouse.run(contributions.top_contributors_query(filters=P, kind="comment"))
    # A tie on points and contributions is broken by member id.
    assert comments[["rank", "member_id", "points"]].values.tolist() == [[1, "alice", 5], [2, "hank", 5]]


def test_leaderboard_follows_member_filters(warehouse):
    us = Filters(start=P.start, end=P.end, region="US")
    assert warehouse.run(contributions.top_contributors_query(filters=us))["member_id"].tolist() == ["carol", "hank"]


def test_a_dormant_member_never_active_has_no_last_day(warehouse):
    # gina never did anything: the one dormant member at P's end, and her last day is none, not a date.
    rows = with_dates(warehouse.run(levels.members_at_level_query(filters=P, level="dormant")), "last_day")
    assert rows[["member_id", "last_day"]].values.tolist() == [["gina", None]]


@pytest.mark.parametrize(("end", "bucket"), [(date(2025, 4, 1), 1), (date(2025, 4, 2), 7)])
def test_a_period_of_up_to_31_days_is_shown_by_day_and_a_longer_one_by_week(end, bucket):
    # March 2025 is 31 days: by day; a day more, by week (Monday weeks).
    assert contributions.bucket_days(Filters(start=date(2025, 3, 1), end=end)) == bucket


def test_a_member_active_only_on_the_periods_first_day_is_active_in_it(boundary_warehouse):
    # tests/boundaries.py over 2-8 March against 23 February - 1 March: ivy posts on the 2nd (the first day)
    # and joe attends on the 3rd, both on the forum; nobody is active in the period before.
    rows = boundary_warehouse.run(
        contributions.active_by_platform_query(filters=Filters(start=date(2025, 3, 2), end=date(2025, 3, 9)))
    )
    assert rows[["platform", "current", "previous"]].values.tolist() == [["forum", 2, 0]]


def test_a_single_point_puts_a_member_on_the_leaderboard(warehouse):
    # Q = 22-28 February: alice's comment on the 23rd and dave's on the 28th (5 points each, tied: by member
    # id); bob's login (no points) on the 25th and reaction (1 point) on the 26th.
    q = Filters(start=date(2025, 2, 22), end=date(2025, 3, 1))
    expected = [[1, "alice", 5, 1, 1], [2, "dave", 5, 1, 1], [3, "bob", 1, 1, 2]]
    for narrowed in ({}, {"platform": "forum"}):
        rows = warehouse.run(contributions.top_contributors_query(filters=q, **narrowed))
        assert rows[["rank", "member_id", "points", "contributions", "active_days"]].values.tolist() == expected


def test_activity_by_day_leaves_out_an_activity_exactly_at_the_periods_end(warehouse):
    # Q computed from activities on every engine ("Etc/UTC" has UTC's days but no rollup): alice's post
    # at exactly 00:00 on 1 March, Q's end, is not in it; dave's comment in Q's last second is.
    q = Filters(start=date(2025, 2, 22), end=date(2025, 3, 1), timezone="Etc/UTC")
    rows = warehouse.run(contributions.activity_by_bucket_query(filters=q))
    first = day_number(date(2025, 2, 22))
    assert [(r.bucket - first, r.kind, r.platform, r.activities) for r in rows.itertuples()] == [
        (1, "comment", "forum", 1),
        (3, "login", "forum", 1),
        (4, "reaction", "forum", 1),
        (6, "comment", "forum", 1),
    ]
