"""Goals and notes: kept in the app store (SQLite and PostgreSQL), refused when they make no sense,
found for a view, and measured with the projection docs/metrics.md defines, worked by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest

from errors import PulseError
from metrics import goals, notes
from metrics.filters import Filters
from metrics.goals import Goal, GoalRefused, Status, progress, trend_end
from metrics.kpi import Kpi
from store.database import AppStore
from tests.conftest import migrated_store, new_migrated_store

NOW = datetime(2026, 1, 5, 9, 30)
Q1 = (date(2026, 1, 1), date(2026, 4, 1))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, new_postgres_database) -> Iterator[AppStore]:
    kept = new_migrated_store(request.param, tmp_path, new_postgres_database, "goals")
    yield kept
    kept.dispose()


def test_a_goal_is_kept_with_who_set_it_and_changed_and_deleted(store):
    goal_id = goals.add_goal(store, kpi="mau", start=Q1[0], end=Q1[1], target=6000, by="ana@example.org", now=NOW)
    (kept,) = goals.list_goals(store)
    assert kept == Goal(
        id=goal_id, kpi="mau", start=Q1[0], end=Q1[1], target=6000.0, created_by="ana@example.org", created_at=NOW
    )
    later = datetime(2026, 2, 1, 8, 0)
    goals.edit_goal(
        store,
        goal_id,
        kpi="dau_avg",
        start=date(2026, 2, 1),
        end=date(2026, 3, 1),
        target=65.5,
        by="bo@example.org",
        now=later,
        channel="forum",
        region="EU",
        segment="dev",
    )
    (changed,) = goals.list_goals(store)
    assert changed == Goal(
        id=goal_id,
        kpi="dau_avg",
        start=date(2026, 2, 1),
        end=date(2026, 3, 1),
        target=65.5,
        channel="forum",
        region="EU",
        segment="dev",
        created_by="ana@example.org",
        created_at=NOW,
        updated_by="bo@example.org",
        updated_at=later,
    )
    # Beside a goal never changed, the changed one's time and names do not make the other's none a value.
    other = goals.add_goal(store, kpi="mau", start=Q1[0], end=Q1[1], target=10, by="ana@example.org", now=NOW)
    unchanged = next(goal for goal in goals.list_goals(store) if goal.id == other)
    assert (unchanged.channel, unchanged.updated_by, unchanged.updated_at) == (None, None, None)
    goals.delete_goal(store, other)
    goals.delete_goal(store, goal_id)
    assert goals.list_goals(store) == []
    with pytest.raises(GoalRefused) as refused:
        goals.edit_goal(store, goal_id, kpi="mau", start=Q1[0], end=Q1[1], target=1, by="bo@example.org", now=later)
    assert refused.value.key == "goals.refused.gone"


@pytest.mark.parametrize(
    ("kpi", "start", "end", "target", "key"),
    [
        ("mau", date(2026, 3, 1), date(2026, 3, 1), 10, "goals.refused.period"),  # ends as it starts
        ("mau", date(2026, 3, 1), date(2026, 2, 1), 10, "goals.refused.period"),
        ("daily_happiness", *Q1, 10, "goals.refused.kpi"),
        ("active_rate", *Q1, 1.2, "goals.refused.percent"),  # 120%
        ("churn_rate", *Q1, -0.1, "goals.refused.percent"),
        ("nps", *Q1, 140, "goals.refused.score"),
        ("mau", *Q1, 60.5, "goals.refused.count"),
        ("new_members", *Q1, -3, "goals.refused.count"),
        ("dau_avg", *Q1, -1.5, "goals.refused.negative"),
        ("mau", *Q1, float("nan"), "goals.refused.number"),
        ("mau", date(2026, 1, 1), date(2030, 1, 1), 10, "goals.refused.long"),
    ],
)
def test_nonsense_goals_are_refused_with_a_catalog_message(tmp_path, kpi, start, end, target, key):
    store = migrated_store(tmp_path / "app.db")
    with pytest.raises(GoalRefused) as refused:
        goals.add_goal(store, kpi=kpi, start=start, end=end, target=target, by="ana@example.org", now=NOW)
    assert isinstance(refused.value, PulseError) and refused.value.key == key
    assert goals.list_goals(store) == []


NOBODY = {"channel": None, "region": None, "segment": None}
LONGEST_FROM_2000 = (date(2000, 1, 1), date(2000, 1, 1) + timedelta(days=goals.LONGEST))


@pytest.mark.parametrize(
    ("kpi", "start", "end", "target"),
    [
        ("nps", *Q1, -100),  # a score's bounds, exactly
        ("nps", *Q1, 100),
        ("active_rate", *Q1, 0),  # a share's bounds, exactly
        ("active_rate", *Q1, 1),
        ("mau", *Q1, 0),  # no member: a count may be 0
        ("dau_avg", *Q1, 0),
        ("mau", *LONGEST_FROM_2000, 10),  # from the earliest day, exactly the longest period
    ],
)
def test_a_target_exactly_at_its_kinds_bounds_is_kept(kpi, start, end, target):
    assert goals.check(kpi=kpi, start=start, end=end, target=target, members=NOBODY) is None


@pytest.mark.parametrize(
    ("kpi", "start", "end", "target", "members", "key", "values"),
    [
        ("nps", *Q1, -100.5, NOBODY, "goals.refused.score", {"target": -100.5}),
        ("nps", *Q1, 100.5, NOBODY, "goals.refused.score", {"target": 100.5}),
        ("active_rate", *Q1, 1.2, NOBODY, "goals.refused.percent", {"target": 120.0}),
        ("active_rate", *Q1, -0.0134, NOBODY, "goals.refused.percent", {"target": -1.3}),  # as a person reads it
        ("mau", *Q1, -1, NOBODY, "goals.refused.count", {"target": -1}),
        ("mau", *Q1, 2.5, NOBODY, "goals.refused.count", {"target": 2.5}),
        ("dau_avg", *Q1, -0.5, NOBODY, "goals.refused.negative", {"target": -0.5}),
        ("happiness", *Q1, 1, NOBODY, "goals.refused.kpi", {"kpi": "happiness"}),
        ("mau", *Q1, True, NOBODY, "goals.refused.number", {}),
        ("mau", *Q1, 10, {**NOBODY, "region": "x" * 201}, "goals.refused.members", {"limit": 200}),
        ("mau", *Q1, 10, {**NOBODY, "city": "Paris"}, "goals.refused.members", {"limit": 200}),
        ("mau", Q1[0], Q1[0], 10, NOBODY, "goals.refused.period", {"start": "2026-01-01", "last": "2025-12-31"}),
        (
            "mau",
            date(1999, 12, 31),
            date(2000, 2, 1),
            10,
            NOBODY,
            "goals.refused.long",
            {"days": 1098, "earliest": "2000-01-01"},
        ),
        (
            "mau",
            LONGEST_FROM_2000[0],
            LONGEST_FROM_2000[1] + timedelta(days=1),
            10,
            NOBODY,
            "goals.refused.long",
            {"days": 1098, "earliest": "2000-01-01"},
        ),
    ],
)
def test_a_refused_goal_says_which_rule_with_the_values_a_person_reads(kpi, start, end, target, members, key, values):
    with pytest.raises(GoalRefused) as refused:
        goals.check(kpi=kpi, start=start, end=end, target=target, members=members)
    assert (refused.value.key, refused.value.values) == (key, values)


def test_targets_of_the_right_kind_are_kept(tmp_path):
    store = migrated_store(tmp_path / "app.db")
    for kpi, target in (("nps", 40), ("nps", -100), ("churn_rate", 0.05), ("active_rate", 1), ("dau_avg", 12.5)):
        goals.add_goal(store, kpi=kpi, start=Q1[0], end=Q1[1], target=target, by="ana@example.org", now=NOW)
    assert sorted(goal.target for goal in goals.list_goals(store)) == [-100, 0.05, 1, 12.5, 40]


def test_a_goals_members_are_kept_with_names_up_to_their_limit(store):
    longest = "c" * goals.NAME_LIMIT  # exactly the column's size: kept
    members = {"channel": longest, "region": "EU", "segment": "dev"}
    goal_id = goals.add_goal(
        store, kpi="mau", start=Q1[0], end=Q1[1], target=10, by="a@example.org", now=NOW, **members
    )
    (kept,) = goals.list_goals(store)
    assert (kept.id, kept.channel, kept.region, kept.segment) == (goal_id, longest, "EU", "dev")
    with pytest.raises(GoalRefused):
        goals.add_goal(
            store, kpi="mau", start=Q1[0], end=Q1[1], target=10, by="a@example.org", now=NOW, segment=longest + "c"
        )


def test_the_goals_of_a_view_are_those_of_its_members_overlapping_its_period(store):
    def add(kpi: str, start: date, end: date, target: float, **members: str) -> int:
        return goals.add_goal(
            store, kpi=kpi, start=start, end=end, target=target, by="a@example.org", now=NOW, **members
        )

    january = add("mau", date(2026, 1, 1), date(2026, 2, 1), 5000)
    quarter = add("mau", *Q1, 6000)
    add("mau", date(2026, 4, 1), date(2026, 7, 1), 7000)  # the next quarter
    add("mau", *Q1, 900, region="EU")  # the EU's own
    nps = add("nps", date(2026, 1, 15), date(2026, 1, 20), 40)
    view = Filters(start=date(2026, 1, 10), end=date(2026, 1, 17))  # the 10th to the 16th
    found = goals.goals_for_view(store, view)
    assert [goal.id for goal in found] == [january, quarter, nps]  # by first day, then last
    # The tile shows the goal holding the view's last day that ends first; NPS's holds the 16th too.
    assert {kpi: goal.id for kpi, goal in goals.tile_goals(found, view).items()} == {"mau": january, "nps": nps}
    europe = Filters(start=date(2026, 1, 10), end=date(2026, 1, 17), region="EU")
    assert [goal.target for goal in goals.goals_for_view(store, europe)] == [900]
    later = Filters(start=date(2026, 1, 25), end=date(2026, 2, 5))  # the NPS goal is over by then
    assert {kpi: goal.id for kpi, goal in goals.tile_goals(goals.goals_for_view(store, later), later).items()} == {
        "mau": quarter
    }


def test_goals_are_listed_latest_period_first_and_by_kpi(store):
    def add(kpi: str, start: date, end: date) -> int:
        return goals.add_goal(store, kpi=kpi, start=start, end=end, target=10, by="a@example.org", now=NOW)

    year = add("mau", date(2026, 1, 1), date(2027, 1, 1))
    second = add("mau", date(2026, 4, 1), date(2026, 7, 1))
    first = add("mau", date(2026, 1, 1), date(2026, 7, 1))  # the same end as the second, an earlier start
    again = add("mau", date(2026, 4, 1), date(2026, 7, 1))  # the same period as the second, set later
    nps = add("nps", date(2026, 1, 1), date(2026, 4, 1))
    assert [goal.id for goal in goals.list_goals(store)] == [year, again, second, first, nps]
    assert [goal.id for goal in goals.list_goals(store, kpi="nps")] == [nps]


def test_goals_touching_a_view_only_at_its_edges_are_not_its_and_a_tile_takes_the_nearest_deadline_set_last(store):
    def add(kpi: str, start: date, end: date) -> int:
        return goals.add_goal(store, kpi=kpi, start=start, end=end, target=10, by="a@example.org", now=NOW)

    x = add("mau", date(2026, 1, 14), date(2026, 2, 1))
    y = add("mau", date(2026, 1, 12), date(2026, 2, 1))  # the same deadline as x, set after it
    late = add("mau", date(2026, 1, 16), date(2026, 3, 1))  # from the view's last day, a later deadline
    last = add("mau", date(2026, 1, 16), date(2026, 2, 1))  # from the view's last day, the same deadline, set last
    ended = add("dau_avg", date(2026, 1, 12), date(2026, 1, 16))  # ends as the view's last day begins
    add("mau", date(2026, 1, 1), date(2026, 1, 10))  # ends exactly as the view starts
    add("mau", date(2026, 1, 17), date(2026, 2, 1))  # starts exactly at the view's end
    view = Filters(start=date(2026, 1, 10), end=date(2026, 1, 17))  # the 10th to the 16th
    found = goals.goals_for_view(store, view)
    assert [goal.id for goal in found] == [ended, y, x, last, late]  # by first day, then last day
    assert {kpi: goal.id for kpi, goal in goals.tile_goals(found, view).items()} == {"mau": last}
    earlier = Filters(start=date(2026, 1, 9), end=date(2026, 1, 16))  # the 9th to the 15th: x and y hold it
    assert {kpi: goal.id for kpi, goal in goals.tile_goals(goals.goals_for_view(store, earlier), earlier).items()} == {
        "mau": y,
        "dau_avg": ended,
    }


@pytest.mark.parametrize(
    ("kpi", "key", "margin"),
    [
        (Kpi(current=0.5, previous=None, sample=4), "active_rate", 0.49),  # 1.96 · √(0.25 / 4)
        (Kpi(current=0.0, previous=None, sample=4), "active_rate", 0.0),  # a share's bounds, exactly
        (Kpi(current=1.0, previous=None, sample=4), "active_rate", 0.0),
        (Kpi(current=1.5, previous=None, sample=4), "active_rate", None),  # no share
        (Kpi(current=None, previous=None, sample=4), "active_rate", None),
        (Kpi(current=0.5, previous=None, sample=0), "active_rate", None),
        (Kpi(current=0.5, previous=None, sample=4), "mau", None),  # a count has none
        (Kpi(current=20.0, previous=None, margin=7.5, sample=4), "nps", 7.5),  # its own
    ],
)
def test_a_rates_margin_is_taken_at_its_bounds_and_none_where_it_has_none(kpi, key, margin):
    found = goals.rate_margin(kpi, goals.SPECS[key])
    assert found == (None if margin is None else pytest.approx(margin))


def test_a_least_squares_line_is_extended_to_the_last_day():
    # x = 0..3, mean 1.5; y mean 12.75; slope = 8.5 / 5 = 1.7; at day 9: 12.75 + 1.7 × 7.5 = 25.5.
    assert trend_end([10, 12, 14, 15], days=10) == pytest.approx(25.5)
    assert trend_end([7], days=30) == 7


def goal(kpi: str, target: float, start: date = date(2026, 1, 1), end: date = date(2026, 1, 11)) -> Goal:
    return Goal(id=1, kpi=kpi, start=start, end=end, target=target)


def test_mau_is_projected_by_its_line_over_the_days_so_far():
    # 4 days of 10 into 2026-01-01..10: MAU 10, 12, 14, 15 → 25.5 on the 10th.
    mau = Kpi(current=15, previous=None)
    ahead = progress(goal("mau", 25), today=date(2026, 1, 4), kpi=mau, daily=[10, 12, 14, 15])
    assert (ahead.current, ahead.projected, ahead.share, ahead.status) == (
        15,
        pytest.approx(25.5),
        0.6,
        Status.ON_TRACK,
    )
    behind = progress(goal("mau", 26), today=date(2026, 1, 4), kpi=mau, daily=[10, 12, 14, 15])
    assert behind.status is Status.BEHIND and behind.share == pytest.approx(15 / 26)


def test_a_count_of_the_period_is_projected_at_its_pace():
    # 12 new members in 4 of 10 days: 30 at that pace.
    new = progress(goal("new_members", 30), today=date(2026, 1, 4), kpi=Kpi(current=12, previous=None))
    assert (new.projected, new.share, new.status) == (30, 0.4, Status.ON_TRACK)
    # 1,000 members, 40 of them joined in the 4 days: 960 + 40 × 10 / 4 = 1,060.
    members = progress(goal("members", 1100), today=date(2026, 1, 4), kpi=Kpi(current=1000, previous=None), base=960)
    assert (members.projected, members.status) == (1060, Status.BEHIND)


def test_a_score_is_on_track_when_the_target_is_within_its_margin():
    # NPS 36 ± 5: a target of 40 is within reach, 42 is not; lower-is-better rates judge the other way.
    nps = Kpi(current=36, previous=None, margin=5)
    assert progress(goal("nps", 40), today=date(2026, 1, 4), kpi=nps).status is Status.ON_TRACK
    far = progress(goal("nps", 42), today=date(2026, 1, 4), kpi=nps)
    assert (far.projected, far.margin, far.share, far.status) == (36, 5, None, Status.BEHIND)
    # churn 10% of 100 members: margin 1.96 × √(0.1 × 0.9 / 100) = 0.0588 (5.9 points): a target of 5%
    # is within it, one of 3% is not.
    churn = Kpi(current=0.10, previous=None, sample=100)
    near = progress(goal("churn_rate", 0.05), today=date(2026, 1, 4), kpi=churn)
    assert (near.margin, near.status) == (pytest.approx(0.0588), Status.ON_TRACK)
    assert progress(goal("churn_rate", 0.03), today=date(2026, 1, 4), kpi=churn).status is Status.BEHIND
    assert progress(goal("churn_rate", 0.05), today=date(2026, 1, 4), kpi=Kpi(0.04, None, sample=100)).status is (
        Status.ON_TRACK
    )


def test_a_goal_is_met_or_missed_once_its_period_is_over_and_waits_before_it_starts():
    mau = Kpi(current=24, previous=None)
    assert progress(goal("mau", 25), today=date(2026, 2, 1), kpi=mau, daily=[20] * 10).status is Status.MISSED
    assert progress(goal("mau", 24), today=date(2026, 1, 11), kpi=mau, daily=[20] * 10).status is Status.MET
    # On its last day a goal still runs: 24 so far, a flat line of 20s projects 20.
    assert progress(goal("mau", 24), today=date(2026, 1, 10), kpi=mau, daily=[20] * 10).status is Status.BEHIND
    assert progress(goal("mau", 24), today=date(2025, 12, 31), kpi=None).status is Status.UPCOMING
    assert progress(goal("nps", 40), today=date(2026, 1, 3), kpi=Kpi(None, None)).status is Status.NO_DATA


def test_a_goal_is_measured_over_its_own_period_as_the_pages_measure_its_kpi(app_store, duckdb_warehouse):
    # The fixture community (tests/community.py) over P = 1-7 March 2025: MAU 6 on the 7th,
    # 7 members of whom 2 joined in P, newcomer figures as tests/test_overview_report.py has them.
    def measured(kpi: str, target: float, end: date, today: date = date(2025, 3, 7)) -> goals.Progress:
        kept = Goal(id=1, kpi=kpi, start=date(2025, 3, 1), end=end, target=target)
        return goals.measure(kept, warehouse=duckdb_warehouse, app_store=app_store, timezone="UTC", today=today)

    # On 8 March P is over: its MAU of 6 met a goal of 6 and missed one of 7.
    over = measured("mau", 6, date(2025, 3, 8), today=date(2025, 3, 8))
    assert (over.current, over.status) == (6, Status.MET)
    assert measured("mau", 7, date(2025, 3, 8), today=date(2025, 3, 8)).status is Status.MISSED
    # New members: 2 in the first 7 of 14 days → 4 at that pace.
    paced = measured("new_members", 4, date(2025, 3, 15))
    assert (paced.current, paced.projected, paced.share, paced.status) == (2, 4, 0.5, Status.ON_TRACK)
    # Members: 5 before March, 2 joined in 7 of 14 days → 5 + 2 × 14 / 7 = 9.
    assert measured("members", 10, date(2025, 3, 15)).projected == 9
    # Contributions come from the Engagement page's figures, churned from the Members page's.
    assert measured("churned", 5, date(2025, 3, 8)).current == 2


def test_a_goal_is_measured_from_its_first_day(app_store, duckdb_warehouse):
    # New members from Sunday 2 March 2025 (carol joined that morning) to the 9th: on its first day,
    # one of a target of 7, one day of seven, so 7 at that pace.
    goal = Goal(id=1, kpi="new_members", start=date(2025, 3, 2), end=date(2025, 3, 9), target=7)
    measured = goals.measure(
        goal, warehouse=duckdb_warehouse, app_store=app_store, timezone="UTC", today=date(2025, 3, 2)
    )
    assert (measured.current, measured.projected, measured.status) == (1, 7, Status.ON_TRACK)
    before = goals.measure(
        goal, warehouse=duckdb_warehouse, app_store=app_store, timezone="UTC", today=date(2025, 3, 1)
    )
    assert (before.current, before.status) == (None, Status.UPCOMING)


def test_a_views_goals_are_measured_and_documented_in_plain_values(store, duckdb_warehouse):
    # US members joining in 1-14 March 2025: carol and erin in its first 7 days, so 4 at that pace.
    goal_id = goals.add_goal(
        store,
        kpi="new_members",
        start=date(2025, 3, 1),
        end=date(2025, 3, 15),
        target=4,
        by="ana@example.org",
        now=NOW,
        region="US",
    )
    goals.add_goal(
        store, kpi="mau", start=date(2025, 3, 1), end=date(2025, 3, 15), target=4, by="ana@example.org", now=NOW
    )  # everyone's
    view = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8), region="US")
    (measured,) = goals.measure_view(warehouse=duckdb_warehouse, app_store=store, filters=view, today=date(2025, 3, 7))
    assert goals.document(measured) == {
        "id": goal_id,
        "kpi": "new_members",
        "start": "2025-03-01",
        "end": "2025-03-15",
        "target": 4.0,
        "channel": None,
        "region": "US",
        "segment": None,
        "set_by": "ana@example.org",
        "as_of": "2025-03-07",
        "current": 2,
        "projected": 4,
        "margin": None,
        "share": 0.5,
        "status": "on_track",
    }


def test_a_note_is_edited_with_who_changed_it_and_its_title_is_checked_again(store):
    note_id = notes.add_note(
        store, title="Outage", start=date(2025, 3, 3), end=date(2025, 3, 4), by="ana@example.org", now=NOW
    )
    later = datetime(2026, 1, 6, 8)
    notes.edit_note(
        store,
        note_id,
        title=" Discord  outage",
        start=date(2025, 3, 2),
        end=date(2025, 3, 5),
        by="bo@example.org",
        now=later,
    )
    (kept,) = notes.list_notes(store)
    assert (
        kept.id,
        kept.title,
        kept.start,
        kept.end,
        kept.created_by,
        kept.created_at,
        kept.updated_by,
        kept.updated_at,
    ) == (
        note_id,
        "Discord outage",
        date(2025, 3, 2),
        date(2025, 3, 5),
        "ana@example.org",
        NOW,
        "bo@example.org",
        later,
    )
    longest = "x" * notes.TITLE_LIMIT  # exactly the limit: kept; one more is refused
    notes.edit_note(store, note_id, title=longest, start=date(2025, 3, 2), end=date(2025, 3, 5), by="bo", now=later)
    assert notes.list_notes(store)[0].title == longest
    for title, key, values in (
        ("x" * (notes.TITLE_LIMIT + 1), "notes.refused.long", {"limit": 200}),
        ("  ", "notes.refused.title", {}),
    ):
        with pytest.raises(GoalRefused) as refused:
            notes.edit_note(
                store, note_id, title=title, start=date(2025, 3, 2), end=date(2025, 3, 5), by="bo", now=later
            )
        assert (refused.value.key, refused.value.values) == (key, values)
    notes.delete_note(store, note_id)
    with pytest.raises(GoalRefused) as gone:  # deleted meanwhile
        notes.edit_note(store, note_id, title="Back", start=date(2025, 3, 2), end=date(2025, 3, 5), by="bo", now=later)
    assert gone.value.key == "goals.refused.gone"


def test_a_views_notes_overlap_it_by_a_day_latest_first(store):
    def add(title: str, start: date, end: date) -> int:
        return notes.add_note(store, title=title, start=start, end=end, by="a@example.org", now=NOW)

    add("Before", date(2025, 2, 20), date(2025, 3, 1))  # ends exactly as the view starts
    add("After", date(2025, 3, 8), date(2025, 3, 9))  # starts exactly at the view's end
    add("First day", date(2025, 2, 28), date(2025, 3, 2))
    add("Last day", date(2025, 3, 7), date(2025, 3, 8))
    add("Also last day", date(2025, 3, 7), date(2025, 3, 10))  # the same start, noted later
    view = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
    assert [note.title for note in notes.list_notes(store, filters=view)] == ["Also last day", "Last day", "First day"]


def test_campaigns_mark_the_charts_from_their_first_local_day_to_the_day_after_their_last(boundary_warehouse, tmp_path):
    store = migrated_store(tmp_path / "app.db")
    view = Filters(start=date(2025, 3, 1), end=date(2025, 3, 16))
    marks = notes.chart_marks(warehouse=boundary_warehouse, app_store=store, filters=view)
    # The teaser runs 17 February to 00:00 on 3 March (its last day), the launch party four hours of
    # 3 March, the webinar has a start alone (15 March).
    assert [tuple(row) for row in marks.itertuples(index=False)] == [
        ("campaign", "Teaser", date(2025, 2, 17), date(2025, 3, 4), "teaser"),
        ("campaign", "Launch party", date(2025, 3, 3), date(2025, 3, 4), "launch"),
        ("campaign", "Webinar", date(2025, 3, 15), date(2025, 3, 16), "webinar"),
    ]
    store.dispose()


def test_a_note_is_kept_and_campaigns_mark_the_charts_with_it(store, duckdb_warehouse):
    note_id = notes.add_note(
        store, title="  Discord   outage ", start=date(2025, 3, 3), end=date(2025, 3, 4), by="ana@example.org", now=NOW
    )
    notes.add_note(store, title="Old news", start=date(2025, 1, 1), end=date(2025, 1, 2), by="ana@example.org", now=NOW)
    (kept, _) = notes.list_notes(store)
    assert (kept.id, kept.title, kept.start, kept.last, kept.created_by) == (
        note_id,
        "Discord outage",
        date(2025, 3, 3),
        date(2025, 3, 3),
        "ana@example.org",
    )
    view = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
    marks = notes.chart_marks(warehouse=duckdb_warehouse, app_store=store, filters=view)
    assert ("note", "Discord outage", date(2025, 3, 3), date(2025, 3, 4), None) in [
        tuple(row) for row in marks.itertuples(index=False)
    ]
    assert "Old news" not in set(marks["title"])
    assert set(marks["kind"]) == {"note", "campaign"}
    with pytest.raises(GoalRefused) as refused:
        notes.add_note(store, title="   ", start=date(2025, 3, 3), end=date(2025, 3, 4), by="a@example.org", now=NOW)
    assert refused.value.key == "notes.refused.title"
    notes.delete_note(store, note_id)
    assert [note.title for note in notes.list_notes(store)] == ["Old news"]


def test_deleting_a_goal_keeps_the_others_and_an_edit_keeps_a_views_order_by_id(store):
    def add(target: float) -> int:
        return goals.add_goal(store, kpi="mau", start=Q1[0], end=Q1[1], target=target, by="a@example.org", now=NOW)

    first, second, third = add(10), add(20), add(30)
    goals.delete_goal(store, second)
    assert [goal.id for goal in goals.list_goals(store)] == [third, first]  # the same period: the one set last first
    # Edited, the first goal is written again (on PostgreSQL a new row version after the third's): the view's
    # goals of one period still come in the order they were set.
    goals.edit_goal(store, first, kpi="mau", start=Q1[0], end=Q1[1], target=15, by="b@example.org", now=NOW)
    assert [goal.id for goal in goals.goals_for_view(store, Filters(start=Q1[0], end=Q1[1]))] == [first, third]


def test_a_stored_day_read_back_as_a_time_is_its_day():
    assert goals.day_of(datetime(2026, 1, 5, 9, 30)) == date(2026, 1, 5)
    assert type(goals.day_of(datetime(2026, 1, 5))) is date
    assert goals.day_of(date(2026, 1, 5)) == date(2026, 1, 5)


def test_a_goal_so_far_is_for_its_own_members_up_to_today():
    kept = Goal(id=1, kpi="new_members", start=date(2025, 3, 1), end=date(2025, 3, 15), target=4, region="US")
    assert kept.so_far(timezone="UTC", today=date(2025, 3, 7)) == Filters(
        start=date(2025, 3, 1), end=date(2025, 3, 8), region="US"
    )
    assert kept.so_far(timezone="UTC", today=date(2025, 4, 1)).end == date(2025, 3, 15)  # all of it


def test_a_lower_is_better_target_exactly_reached_is_met():
    # Churn of exactly 5% against a target of 5%, once the period is over: met; 5.1% missed.
    assert progress(goal("churn_rate", 0.05), today=date(2026, 2, 1), kpi=Kpi(0.05, None)).status is Status.MET
    assert progress(goal("churn_rate", 0.05), today=date(2026, 2, 1), kpi=Kpi(0.051, None)).status is Status.MISSED


def test_a_falling_count_is_projected_to_zero_not_below():
    # MAU 9, 6, 3 on the first 3 of 10 days: the line (mean 6 at day 1, slope -3) reads 6 - 3 × 8 = -18 on
    # the 10th; a count cannot fall below 0.
    falling = progress(goal("mau", 5), today=date(2026, 1, 3), kpi=Kpi(3, None), daily=[9, 6, 3])
    assert (falling.projected, falling.status) == (0.0, Status.BEHIND)
    # A score is no count: NPS -20 stays -20.
    assert progress(goal("nps", 10), today=date(2026, 1, 3), kpi=Kpi(-20, None)).projected == -20


def test_the_share_of_a_target_of_one_is_taken_and_of_zero_is_none():
    assert progress(goal("new_members", 1), today=date(2026, 1, 4), kpi=Kpi(1, None)).share == 1.0
    nothing = progress(goal("new_members", 0), today=date(2026, 1, 4), kpi=Kpi(1, None))
    assert (nothing.share, nothing.status) == (None, Status.ON_TRACK)


def test_a_target_exactly_at_the_margins_edge_is_on_track():
    # NPS 36 ± 5: a target of 41 is exactly 5 away, within reach; 41.5 is not.
    nps = Kpi(current=36, previous=None, margin=5)
    assert progress(goal("nps", 41), today=date(2026, 1, 4), kpi=nps).status is Status.ON_TRACK
    assert progress(goal("nps", 41.5), today=date(2026, 1, 4), kpi=nps).status is Status.BEHIND


def test_a_goals_mau_is_projected_by_the_line_of_its_days_and_members_from_those_before(app_store, duckdb_warehouse):
    def measured(kpi: str, target: float, start: date, end: date, today: date) -> goals.Progress:
        kept = Goal(id=1, kpi=kpi, start=start, end=end, target=target)
        return goals.measure(kept, warehouse=duckdb_warehouse, app_store=app_store, timezone="UTC", today=today)

    # MAU on 1-7 March 2025: 3, 4, 4, 5, 5, 5, 6 (tests/test_metrics_overview.py). x = 0..6, mean 3; mean y 32/7;
    # slope = (-9 - 8 - 4 + 0 + 5 + 10 + 18) / 28 = 3/7; on the 14th (day 13): 32/7 + 3/7 × 10 = 62/7 ≈ 8.86.
    mau = measured("mau", 8, date(2025, 3, 1), date(2025, 3, 15), date(2025, 3, 7))
    assert (mau.current, mau.projected, mau.status) == (6, pytest.approx(62 / 7), Status.ON_TRACK)
    # Members on 3-5 March: alice bob carol dave gina hank (6), nobody joined: 6 before, 6 at the end of 3-9 March.
    members = measured("members", 7, date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 5))
    assert (members.current, members.projected, members.status) == (6, 6, Status.BEHIND)
