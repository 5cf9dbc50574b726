"""Overview metrics on the fixture community (tests/community.py), on DuckDB, SQLite and PostgreSQL.

Hand-worked answers, period P = 1-7 March 2025 (UTC), previous Q = 22-28 February:
- members in P: alice bob carol dave erin gina hank = 7 (frank joins at P's end, tom is team).
- new in P: carol, erin = 2; joined before P: 5; growth 2/5.
- DAU by day 1..7 March: alice, carol, alice, hank, carol, -, erin = 1 1 1 1 1 0 1; mean 6/7.
- MAU(d), 30 days ending with d: 3 4 4 5 5 5 6 (alice's 5 Feb falls outside 7 March's window).
- WAU(d): 3 4 4 5 4 4 4.
- stickiness: (1/3 + 1/4 + 1/4 + 1/5 + 1/5 + 0 + 1/6) / 7 = 1.4 / 7 = 0.2.
- churn: active in Q alice bob dave; of those not active in P: bob dave -> 2/3.
- returning: hank (joined before Q, quiet in Q, active in P) = 1.
- newcomer conversion: carol posted within 30 days; erin only logged in (her comment at exactly
  joined_at + 30 days is too late) -> 1/2.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from data_sources.warehouse import Warehouse, build_warehouse
from metrics import activity, feedback, members, retention
from metrics.filters import Filters, narrowed, with_dates
from metrics.overview import movers_frame, overview_kpis
from rollup.tables import member_keys
from schema import MEMBER_DIMENSIONS
from store.database import AppStore
from tests import community
from tests.conftest import WAREHOUSE_ENGINES, databases, make_warehouse, migrated_store

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
SHANGHAI = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8), timezone="Asia/Shanghai")


def test_member_counts_and_growth(warehouse):
    assert members.growth(warehouse.run(members.member_counts_query(filters=P))) == {
        "members": 7,
        "new_members": 2,
        "growth_rate": pytest.approx(2 / 5),
        "n_growth_rate": 5,  # the rate rests on the members who joined before P
    }


def test_growth_of_previous_period(warehouse):
    # Q: members alice bob dave gina hank = 5; new: bob; joined before Q: 4.
    assert members.growth(warehouse.run(members.member_counts_query(filters=P.previous()))) == {
        "members": 5,
        "new_members": 1,
        "growth_rate": pytest.approx(1 / 4),
        "n_growth_rate": 4,
    }


def test_growth_rate_is_none_without_earlier_members(warehouse):
    early = Filters(start=date(2024, 1, 1), end=date(2024, 2, 1))
    assert members.growth(warehouse.run(members.member_counts_query(filters=early)))["growth_rate"] is None


def test_daily_active_members(warehouse):
    daily = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=P)), filters=P)
    assert daily["date"].tolist() == [date(2025, 3, d) for d in range(1, 8)]
    assert daily["dau"].tolist() == [1, 1, 1, 1, 1, 0, 1]
    assert daily["wau"].tolist() == [3, 4, 4, 5, 4, 4, 4]
    assert daily["mau"].tolist() == [3, 4, 4, 5, 5, 5, 6]


def test_activity_tiles(warehouse):
    daily = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=P)), filters=P)
    assert activity.activity_summary(daily) == {
        "dau_avg": pytest.approx(6 / 7),
        "wau": 4,
        "mau": 6,
        "stickiness": pytest.approx(0.2),
    }


def test_stickiness_is_none_when_nobody_was_active(warehouse):
    quiet = Filters(start=date(2023, 1, 1), end=date(2023, 1, 8))
    daily = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=quiet)), filters=quiet)
    assert daily["dau"].sum() == 0
    assert activity.activity_summary(daily)["stickiness"] is None


def test_churn_and_returning(warehouse):
    profile = warehouse.run(retention.activity_profile_query(filters=P))
    # Active in Q: alice, bob, dave; in P: alice (and carol, erin, hank, who were not active in Q).
    assert retention.churn_and_returning(profile) == {
        "churned": 2,
        "churn_rate": pytest.approx(2 / 3),
        "n_churn_rate": 3,
        "returning": 1,
    }


def test_churn_is_none_when_nobody_was_active_before(warehouse):
    # The period before Q (15-21 February) has no activity at all. Returning in Q: alice and dave
    # (joined before 15 February, quiet in it, active in Q); bob joined in Q.
    expected = {"churned": 0, "churn_rate": None, "n_churn_rate": 0, "returning": 2}
    profile = warehouse.run(retention.activity_profile_query(filters=P))
    assert retention.churn_and_returning(profile, period="previous") == expected
    earlier = warehouse.run(retention.activity_profile_query(filters=P.previous()))
    assert retention.churn_and_returning(earlier) == expected


def test_newcomer_conversion(warehouse):
    counts = warehouse.run(retention.newcomer_conversion_query(filters=P))
    assert retention.newcomer_conversion(counts) == pytest.approx(1 / 2)
    # Q: bob reacted the day after joining.
    assert (
        retention.newcomer_conversion(warehouse.run(retention.newcomer_conversion_query(filters=P.previous()))) == 1.0
    )


CONVERTING = [  # joined 1-4 March 2025 (UTC); the hand-worked answer: ben, dan and eve converted, of five
    ("ann", datetime(2025, 3, 1, 10), "forum", "EU", "dev", False),  # a post before joining, one too late
    ("ben", datetime(2025, 3, 1, 10), "forum", "EU", "dev", False),  # a post at the second he joined
    ("cat", datetime(2025, 3, 2), "event", "US", "biz", False),  # logged in only
    ("dan", datetime(2025, 3, 4, 23), "event", "US", "biz", False),  # his first contribution comes late
    ("eve", datetime(2025, 3, 3), None, "US", "biz", False),  # no channel; converted
    ("tim", datetime(2025, 3, 2), "staff", "EU", "team", True),  # team: never counted
]
CONVERTING_ACTIVITIES = [
    ("ann", datetime(2025, 3, 1, 9), "post"),
    ("ann", datetime(2025, 3, 31, 10), "post"),  # exactly joined_at + 30 days
    ("ben", datetime(2025, 3, 1, 10), "post"),
    ("cat", datetime(2025, 3, 2, 1), "login"),
    ("dan", datetime(2025, 3, 5), "login"),
    ("dan", datetime(2025, 4, 3, 22, 59), "reaction"),  # a minute within his 30 days
    ("eve", datetime(2025, 3, 10), "comment"),
    ("tim", datetime(2025, 3, 2, 1), "post"),
]


def test_newcomer_conversion_reads_the_first_contributions_the_rollup_keeps(tmp_path, statements):
    """A built warehouse's member_keys hold each member's first contribution within 30 days of
    joining (none for ann, whose one such post came exactly 30 days after): the conversion of any
    period counts members alone and gives what joining their activities gives."""
    frames = community.frames(member_rows=CONVERTING, activity_rows=CONVERTING_ACTIVITIES, campaign_rows=[])
    frames["campaign_members"] = frames["campaign_members"].iloc[0:0]
    warehouse = Warehouse(f"duckdb:///{build_warehouse(tmp_path / 'warehouse.duckdb', frames, timezone='UTC')}")
    try:
        march = Filters(start=date(2025, 3, 1), end=date(2025, 3, 5))
        for period in (march, Filters(date(2025, 3, 2), date(2025, 3, 3)), replace(march, segment="biz")):
            ours = warehouse.run(retention.newcomer_conversion_query(filters=period))
            assert "FROM member_keys" in statements[-1] and "activities" not in statements[-1]
            theirs = warehouse.run(retention.newcomer_conversion_query(filters=replace(period, timezone="Etc/UTC")))
            assert "activities" in statements[-1]
            by = list(MEMBER_DIMENSIONS)
            pd.testing.assert_frame_equal(_by(ours, by), _by(theirs, by))
        firsts = warehouse.run(sa.select(member_keys.c.member_id, member_keys.c.converted_at))
        held = firsts.set_index("member_id")["converted_at"]
        assert pd.isna(held["ann"]) and held["ben"] == datetime(2025, 3, 1, 10) and pd.isna(held["cat"])
        counts = warehouse.run(retention.newcomer_conversion_query(filters=march))
        assert (int(counts["new_members"].sum()), int(counts["converted"].sum())) == (5, 3)
        assert counts["channel"].isna().sum() == 1  # eve's row: no channel is a combination too
    finally:
        warehouse.dispose()


def _by(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows in the order of `columns` (a GROUP BY's order is the plan's)."""
    return frame.sort_values(columns, na_position="last").reset_index(drop=True)


def test_region_filter_selects_members(warehouse):
    europe = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8), region="EU")
    # EU members: alice bob gina (frank joins at the end, tom is team); alice active 1 and 3 March.
    assert members.growth(warehouse.run(members.member_counts_query(filters=europe)))["members"] == 3
    daily = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=europe)), filters=europe)
    assert daily["dau"].tolist() == [1, 0, 1, 0, 0, 0, 0]
    # Active in Q: alice bob; bob did not come back.
    assert (
        retention.churn_and_returning(warehouse.run(retention.activity_profile_query(filters=europe)))["churn_rate"]
        == 0.5
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.mark.parametrize(
    "narrowing",
    [
        {"region": "EU"},
        {"channel": "event"},
        {"channel": "forum", "region": "US"},
        {"segment": "biz"},
        {"region": "Mars"},
        {"channel": "", "region": "EU"},  # an empty value names no channel, as in SQL
    ],
)
def test_a_member_filter_narrows_the_profile_of_everyone_as_its_own_query_does(warehouse, narrowing):
    everyone = warehouse.run(retention.activity_profile_query(filters=P))
    filters = Filters(start=P.start, end=P.end, **narrowing)
    assert filters.all_members() == P
    kept = narrowed(everyone, filters)
    own = warehouse.run(retention.activity_profile_query(filters=filters))
    pd.testing.assert_frame_equal(_sorted(kept), _sorted(own), check_dtype=False)
    assert len(own) or narrowing == {"region": "Mars"}
    assert retention.churn_and_returning(kept) == retention.churn_and_returning(own)
    for period in (P, P.previous()):  # the newcomer conversion's counts, grouped by the same dimensions
        counts = warehouse.run(retention.newcomer_conversion_query(filters=period))
        asked = warehouse.run(
            retention.newcomer_conversion_query(filters=replace(filters, start=period.start, end=period.end))
        )
        pd.testing.assert_frame_equal(_sorted(narrowed(counts, filters)), _sorted(asked), check_dtype=False)
        assert retention.newcomer_conversion(narrowed(counts, filters)) == retention.newcomer_conversion(asked)
    # EU: alice and bob active in Q, bob did not come back (test_region_filter_selects_members).
    if narrowing.get("region") == "EU":
        assert retention.churn_and_returning(kept)["churn_rate"] == 0.5


def test_time_zone_moves_day_boundaries(warehouse):
    # In Shanghai (UTC+8) dave's 23:59:59 UTC comment is on 1 March, and erin joins on 8 March.
    daily = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=SHANGHAI)), filters=SHANGHAI)
    assert daily["dau"].tolist() == [2, 1, 1, 1, 1, 0, 0]
    assert members.growth(warehouse.run(members.member_counts_query(filters=SHANGHAI)))["new_members"] == 1
    # Active in Q: alice bob; bob is the only one not active in P. dave, quiet in Q now, returns in P
    # beside hank.
    assert retention.churn_and_returning(warehouse.run(retention.activity_profile_query(filters=SHANGHAI))) == {
        "churned": 1,
        "churn_rate": 0.5,
        "n_churn_rate": 2,
        "returning": 2,
    }


def test_new_members_by_week(warehouse):
    weeks = with_dates(warehouse.run(members.new_members_by_week_query(filters=P)), "week")
    # 1 March 2025 is a Saturday: carol (2 March) is in the week of Monday 24 February.
    assert weeks.to_dict("records") == [
        {"week": date(2025, 2, 24), "value": "forum", "new_members": 1},
        {"week": date(2025, 3, 3), "value": "forum", "new_members": 1},
    ]


def test_dimension_values_leave_out_team(warehouse):
    assert members.dimension_values(warehouse.run(members.dimension_values_query())) == {
        "channel": ["event", "forum"],
        "region": ["EU", "US"],
        "segment": ["biz", "dev"],
    }


def test_movers_rank_largest_change_first(warehouse, monkeypatch):
    monkeypatch.setattr("metrics.movers.MIN_BASE", 1)
    rows = movers_frame(warehouse=warehouse, filters=P, limit=3)
    # Active in P vs Q: forum channel alice carol erin hank (4) vs alice (1) = +3; then ties at 2, by
    # dimension: event channel bob dave (2) vs nobody = -2; US carol hank erin (3) vs dave (1) = +2.
    assert rows[["measure", "dimension", "value", "previous", "current", "change"]].values.tolist() == [
        ["active members", "channel", "forum", 1, 4, 3],
        ["active members", "channel", "event", 2, 0, -2],
        ["active members", "region", "US", 1, 3, 2],
    ]


def test_every_overview_kpi_with_its_previous_value_margin_and_sample(warehouse, app_store):
    # P's values as in the module docstring; Q (22-28 February): members alice bob dave gina hank = 5,
    # new bob = 1 (of 4 before Q: growth 1/4); MAU(28 Feb) alice bob dave = 3, active rate 3/5;
    # stickiness (1/1 + 1/2 + 1/2 + 1/3) / 7 = 1/3 (alice 23, bob 25 and 26, dave 28 Feb); nobody active
    # 15-21 Feb, so no churn (of 0); returning alice and dave = 2; bob converted: 1/1; feedback open
    # at Q's end: f2 = 1. NPS in P: alice 10, carol 6, dave 8, an anonymous 9 (tom is team, bob never
    # submitted, hank skipped it, erin's is at P's end): (2 - 1) / 4 = 25, margin
    # 1.96 x 100 x sqrt((1/2 + 1/4 - (1/4)^2) / 4); no answer in Q. A rate's sample is what it divides
    # by (members, members before, MAU, Q's active, new members); counts have none.
    overview = overview_kpis(warehouse=warehouse, app_store=app_store, filters=P)
    kpis = overview.kpis
    margin = 196 * math.sqrt((0.5 + 0.25 - 0.25**2) / 4)
    expected = {
        "members": (7, 5, None, None, None, None),
        "new_members": (2, 1, None, None, None, None),
        "growth_rate": (0.4, 0.25, None, None, 5, 4),
        "dau_avg": (6 / 7, 4 / 7, None, None, None, None),
        "wau": (4, 3, None, None, None, None),
        "mau": (6, 3, None, None, None, None),
        "stickiness": (0.2, 1 / 3, None, None, 6, 3),
        "active_rate": (6 / 7, 3 / 5, None, None, 7, 5),
        "churn_rate": (2 / 3, None, None, None, 3, 0),
        "returning": (1, 2, None, None, None, None),
        "newcomer_conversion": (0.5, 1.0, None, None, 2, 1),
        "nps": (25.0, None, margin, None, 4, None),
        "open_feedback": (3, 1, None, None, None, None),
    }
    fields = ("current", "previous", "margin", "previous_margin", "sample", "previous_sample")
    assert {key: tuple(getattr(kpi, name) for name in fields) for key, kpi in kpis.items()} == {
        key: tuple(value if value is None or isinstance(value, int) else pytest.approx(value) for value in values)
        for key, values in expected.items()
    }
    assert [type(kpi.sample) for kpi in kpis.values() if kpi.sample is not None] == [int] * 6
    # The daily series is P's seven days alone, numbered from 0.
    assert list(overview.daily.columns) == ["date", "dau", "wau", "mau"] and overview.daily.index.tolist() == list(
        range(7)
    )


def test_a_member_joining_exactly_at_the_periods_start_is_a_newcomer(boundary_warehouse):
    # tests/boundaries.py: ivy joins at 00:00 on 1 March, P's first moment, and posts on 2 March; joe
    # joins on 3 March and attends the launch an hour later: two newcomers, both converted.
    counts = boundary_warehouse.run(retention.newcomer_conversion_query(filters=P))
    assert counts[["new_members", "converted"]].sum().tolist() == [2, 2]


def test_stickiness_counts_a_day_whose_mau_is_exactly_one():
    # Day 1: the one monthly active member is active (1/1); day 2: one of two (1/2): mean 3/4.
    daily = pd.DataFrame({"dau": [1, 1], "wau": [1, 2], "mau": [1, 2]})
    assert activity.activity_summary(daily) == {"dau_avg": 1.0, "wau": 2, "mau": 2, "stickiness": 0.75}


def test_a_stored_time_reads_as_a_date_in_the_filters_time_zone():
    # 00:00 UTC on 3 March is still 2 March in Los Angeles and already 3 March (08:00) in Shanghai.
    moment = datetime(2025, 3, 3)
    pacific = Filters(start=P.start, end=P.end, timezone="America/Los_Angeles")
    assert (pacific.local_date(moment), SHANGHAI.local_date(moment)) == (date(2025, 3, 2), date(2025, 3, 3))


def test_a_stored_time_is_read_as_utc_whatever_the_machines_zone(machine_in_tokyo):
    # In Tokyo, 08:00 on 3 March read as local time is 23:00 UTC on 2 March; stored times are UTC:
    # 08:00 UTC on 3 March is its first moment in Los Angeles, 16:00 UTC on 2 March its first in Shanghai.
    pacific = Filters(start=P.start, end=P.end, timezone="America/Los_Angeles")
    assert pacific.local_date(datetime(2025, 3, 3, 8)) == date(2025, 3, 3)
    assert SHANGHAI.local_date(datetime(2025, 3, 2, 16)) == date(2025, 3, 3)


def test_movers_keep_five_by_default(warehouse, monkeypatch):
    monkeypatch.setattr("metrics.movers.MIN_BASE", 1)
    rows = movers_frame(warehouse=warehouse, filters=P)
    # Of the moves of 2 or more (above, then biz segment active carol hank vs nobody, new members by
    # channel forum carol erin vs nobody, by region US carol erin vs nobody), the first five: the sixth,
    # new members in the US, is left out.
    assert rows[["measure", "dimension", "value", "change"]].values.tolist() == [
        ["active members", "channel", "forum", 3],
        ["active members", "channel", "event", -2],
        ["active members", "region", "US", 2],
        ["active members", "segment", "biz", 2],
        ["new members", "channel", "forum", 2],
    ]


def test_an_overview_reads_each_periods_conversion_counts_once(warehouse, app_store):
    # The KPIs of both periods and the movers' new members share them, where no caller keeps them (the CLI's
    # report): two statements, not four.
    asked: list[str] = []

    class Counting:
        def run(self, statement):
            asked.append(str(statement))
            return warehouse.run(statement)

    overview = overview_kpis(warehouse=Counting(), app_store=app_store, filters=P)
    assert sum("converted" in statement for statement in asked) == 2
    assert overview.movers.equals(movers_frame(warehouse=warehouse, filters=P))


# Three newcomers of P on the edges of conversion: uma joins at P's first moment and posts at that
# very moment; vic joins on 2 March at 10:00 and comments at that moment; wes posted on 2 March but
# joined on 3 March and did nothing after.
EDGE_NEWCOMERS = [
    (who, joined, "forum", "EU", "dev", False)
    for who, joined in (("uma", datetime(2025, 3, 1)), ("vic", datetime(2025, 3, 2, 10)), ("wes", datetime(2025, 3, 3)))
]
EDGE_ACTIVITIES = [
    ("uma", datetime(2025, 3, 1), "post"),
    ("vic", datetime(2025, 3, 2, 10), "comment"),
    ("wes", datetime(2025, 3, 2, 12), "post"),
]


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def edge_newcomers(request, tmp_path_factory):
    frames = community.frames(
        member_rows=EDGE_NEWCOMERS, activity_rows=EDGE_ACTIVITIES, campaign_rows=[], participation_rows=[]
    )
    directory = tmp_path_factory.mktemp(f"edge-newcomers-{request.param}")
    result = make_warehouse(request.param, directory, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_a_newcomer_converts_from_the_moment_of_joining_not_before(edge_newcomers):
    # uma and vic converted at their joining moment (uma's also P's start); wes's post came before he joined.
    counts = edge_newcomers.run(retention.newcomer_conversion_query(filters=P))
    assert counts[["new_members", "converted"]].sum().tolist() == [3, 2]


# Members joining exactly as a period begins, for returning members: yan joins at 00:00 on 22 February
# (Q's start) and posts only in P; zoe joins at 00:00 on 15 February (the start of the period before Q)
# and posts only in Q; abe joins at 23:00 on 21 February, just before Q, and posts only in P.
EDGE_RETURNERS = [
    (who, joined, "forum", "EU", "dev", False)
    for who, joined in (
        ("yan", datetime(2025, 2, 22)),
        ("zoe", datetime(2025, 2, 15)),
        ("abe", datetime(2025, 2, 21, 23)),
    )
]
EDGE_RETURNS = [
    ("yan", datetime(2025, 3, 3, 12), "post"),
    ("zoe", datetime(2025, 2, 23, 12), "post"),
    ("abe", datetime(2025, 3, 4, 12), "post"),
]


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def edge_returners(request, tmp_path_factory):
    frames = community.frames(
        member_rows=EDGE_RETURNERS, activity_rows=EDGE_RETURNS, campaign_rows=[], participation_rows=[]
    )
    directory = tmp_path_factory.mktemp(f"edge-returners-{request.param}")
    result = make_warehouse(request.param, directory, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_a_member_joining_exactly_as_the_period_before_begins_is_not_returning(edge_returners):
    profile = edge_returners.run(retention.activity_profile_query(filters=P))
    # P: active in Q zoe, gone in P (1 of 1). Returning: abe (joined before Q, quiet in it, active in
    # P); not yan, who joined exactly at Q's start.
    assert retention.churn_and_returning(profile) == {
        "churned": 1,
        "churn_rate": 1.0,
        "n_churn_rate": 1,
        "returning": 1,
    }
    # Q: nobody active in 15-21 February; zoe, active in Q, joined exactly at that period's start:
    # not returning.
    assert retention.churn_and_returning(profile, period="previous") == {
        "churned": 0,
        "churn_rate": None,
        "n_churn_rate": 0,
        "returning": 0,
    }


def test_a_member_filter_reads_its_periods_answers_from_memory(warehouse, loaders, statements, tmp_path):
    """The Overview's answer figures keep the app store's rows per period (ui.data.PeriodRows): a
    member filter changed on the period asks the store nothing, and its figures are what the
    metrics give it read from the store."""
    from ui import data

    migrated_store(tmp_path / "app.db", filled=True).dispose()
    for view in (P, replace(P, region="EU")):
        statements.clear()
        figures = data.load_overview(loaders, "v", view)
        negative = data.load_negative_share(loaders, "v", view)
        response = data.load_response_times(loaders, "v", view)
        read = [statement for statement in statements if "FROM responses" in statement or "FROM feedback" in statement]
        assert bool(read) is (view == P), view
        store = AppStore(loaders.app_db_url)
        expected = overview_kpis(warehouse=warehouse, app_store=store, filters=view).kpis
        assert {key: figures.kpis[key] for key in ("nps", "open_feedback")} == {
            key: expected[key] for key in ("nps", "open_feedback")
        }
        assert negative == feedback.negative_share(app_store=store, warehouse=warehouse, filters=view)
        assert response == feedback.response_times(app_store=store, warehouse=warehouse, filters=view)
        store.dispose()
    assert figures.kpis["nps"].current != data.load_overview(loaders, "v", P).kpis["nps"].current
    statements.clear()
    data.PeriodRows(loaders, "v", live=1).run(feedback.open_feedback_by_member_query(filters=P))
    data.PeriodRows(loaders, "v", live=2).run(feedback.open_feedback_by_member_query(filters=P))
    assert len(statements) == 2  # another minute of a period that runs reads the store again
