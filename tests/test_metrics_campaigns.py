"""Campaign metrics on the fixture community, on DuckDB, SQLite and PostgreSQL.

The meetup (Monday 3 March 2025, 00:00-04:00, budget 300) invited alice carol dave gina hank (and
tom, team); alice carol hank erin registered; alice and hank attended; alice's attendance is also an
activity carrying the campaign id. carol joined on 2 March, within the attribution window; erin
joined on 7 March, after it. The January letter invited alice and dave.

Lift: members who joined before the start: alice bob carol dave gina hank (6); reached among them
alice carol hank, and dave and gina invited: exposed 5; participants alice hank; the comparison group
is bob alone, the one it neither invited nor reached (dave and gina, invited and absent, are no
control). Active days 1 February - 2 March / 3 March - 1 April: alice 3 / 1 (attendance and comment
both on 3 March), hank 0 / 1 (change (2 - 3) / 2 = -0.5); bob 2 / 0 (change -2). Lift 1.5 (were
the invited no-shows compared, bob dave gina's change would be -3 / 3 = -1, and the lift 0.5).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

import pandas as pd
import pytest

import clock
from metrics import campaigns, sections
from metrics.filters import Filters, day_number
from schema import MEMBER_DIMENSIONS as DIMENSIONS
from store import tables
from store.database import AppStore
from tests import community
from tests.conftest import WAREHOUSE_ENGINES, OneAfterAnother, databases, make_warehouse, new_migrated_store

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
MEETUP_START = datetime(2025, 3, 3)  # the one campaign running in P
EUROPE = Filters(start=P.start, end=P.end, region="EU")


def test_only_campaigns_running_in_the_period(warehouse):
    assert warehouse.run(campaigns.campaigns_query(filters=P))["campaign_id"].tolist() == ["meetup"]
    january = Filters(start=date(2025, 1, 5), end=date(2025, 1, 6))
    assert warehouse.run(campaigns.campaigns_query(filters=january))["campaign_id"].tolist() == ["letter"]
    assert warehouse.run(campaigns.campaigns_query(filters=P.previous())).empty


def test_funnel_reach_and_newcomers(warehouse):
    rows = warehouse.run(campaigns.results_query(filters=P, starts=[MEETUP_START]))
    assert rows[["campaign_id", *campaigns.FUNNEL]].to_dict("records") == [
        {
            "campaign_id": "meetup",
            "invited": 5,
            "registered": 4,
            "attended": 2,
            "reach": 4,
            "participants": 2,
            "new_members": 1,
        }
    ]


def test_lift_is_a_difference_in_differences(warehouse):
    row = warehouse.run(campaigns.results_query(filters=P, starts=[MEETUP_START])).iloc[0]
    assert row[["eligible", "eligible_exposed", "eligible_participants"]].tolist() == [6, 5, 2]
    assert row[["participant_before", "participant_after", "comparison_before", "comparison_after"]].tolist() == [
        3,
        2,
        2,
        0,
    ]
    assert campaigns.lift(row) == pytest.approx(1.5)


def test_campaign_table(warehouse, app_store):
    table = campaigns.campaign_table(warehouse=warehouse, app_store=app_store, filters=P)
    row = table.iloc[0]
    assert list(table.columns) == campaigns.TABLE_COLUMNS
    assert (row["campaign_id"], row["kind"], row["attendance_rate"]) == ("meetup", "event", 0.5)
    assert row["lift"] == pytest.approx(1.5)
    assert row["cost_per_participant"] == 150.0
    # Its survey (linked by slug): alice 10/5, hank 5/3, carol 9/4; tom is team.
    assert row["nps"] == pytest.approx(100 / 3)
    assert (row["nps_answers"], row["csat"], row["csat_answers"]) == (3, pytest.approx(2 / 3), 3)


def test_the_campaigns_report_section_is_the_table_in_plain_values(warehouse, app_store):
    (meetup,) = sections.campaigns_section(warehouse=warehouse, app_store=app_store, filters=P)["campaigns"]
    # As the table above has it, with times as ISO text, no end as None and numbers as Python's.
    assert {key: meetup[key] for key in ("campaign_id", "name", "starts_at", "ends_at", "attendance_rate")} == {
        "campaign_id": "meetup",
        "name": "Spring meetup",
        "starts_at": "2025-03-03T00:00:00",
        "ends_at": "2025-03-03T04:00:00",
        "attendance_rate": 0.5,
    }
    assert (meetup["cost_per_participant"], meetup["nps_answers"], meetup["csat_answers"]) == (150.0, 3, 3)
    assert type(meetup["invited"]) is int and type(meetup["nps"]) is float


def test_campaign_table_follows_member_filters(warehouse, app_store):
    # EU members: alice bob gina. alice took part (active days 3 / 1); gina was invited; bob is the
    # comparison (2 / 0): lift (1 - 3) / 1 - (0 - 2) / 1 = 0.
    row = campaigns.campaign_table(warehouse=warehouse, app_store=app_store, filters=EUROPE).iloc[0]
    assert row[["invited", "registered", "attended", "reach", "participants", "new_members"]].tolist() == [
        2,
        1,
        1,
        1,
        1,
        0,
    ]
    assert row["lift"] == pytest.approx(0.0)
    assert (row["nps"], row["csat"]) == (100.0, 1.0)
    # The budget (300) pays for both participants, not for alice alone: no cost per participant.
    assert (row["budget"], row["cost_per_participant"]) == (300.0, None)


CHOICES = [
    {},
    {"region": "EU"},
    {"channel": "forum"},
    {"segment": "biz"},
    {"region": "US", "segment": "dev"},
    {"region": "nowhere"},
    {"channel": ""},  # an empty value names no dimension (metrics.sql.member_conditions)
]


def assert_sums_as_queried(warehouse, period: Filters, starts: list[datetime], chosen: dict) -> pd.DataFrame:
    """Hold a member filter's results summed from everyone's by combination to the filtered query's
    (a campaign without a row of its own sums to zeros); returns the queried, by campaign."""
    everyone = warehouse.run(campaigns.results_query(filters=period, starts=starts, by_members=True))
    assert set(everyone.columns) == {"campaign_id", *DIMENSIONS, *campaigns.RESULTS}
    filters = replace(period, **chosen)
    summed = campaigns.summed_results(everyone, filters).set_index("campaign_id")
    queried = warehouse.run(campaigns.results_query(filters=filters, starts=starts)).set_index("campaign_id")
    results = list(campaigns.RESULTS)
    assert summed.reindex(queried.index, fill_value=0)[results].astype(int).to_dict("index") == (
        queried[results].astype(int).to_dict("index")
    )
    return queried


@pytest.mark.parametrize("chosen", CHOICES)
def test_a_member_filter_sums_everyones_results_by_member_combination(warehouse, chosen):
    assert_sums_as_queried(warehouse, P, [MEETUP_START], chosen)


@pytest.mark.parametrize("chosen", [{}, {"region": "EU"}, {"segment": "dev"}, {"region": "US"}])
def test_a_member_filter_sums_each_campaigns_results_when_several_run(fairs, chosen):
    queried = assert_sums_as_queried(fairs, FAIRS_PERIOD, [datetime(2025, 1, 10), FAIR, FAIR], chosen)
    assert sorted(queried.index) == ["a-fair", "b-fair", "early"]  # every campaign, zeros included


def test_computed_ahead_a_member_filters_campaign_results_are_sums_of_everyones(warehouse, loaders, statements):
    from ui import data

    data.load_campaigns(loaders, "v", P)
    us = replace(P, region="US")
    statements.clear()
    with data.ahead():  # as ui/warming.py computes the filter choices of a page
        europe = data.load_campaigns(loaders, "v", EUROPE)
        (everyone,) = [statement for statement in statements if "participant_before" in statement]
        assert "GROUP BY added.campaign_id, added.channel" in everyone.replace("`", "")  # by combination
        statements.clear()
        in_us = data.load_campaigns(loaders, "v", us)
    assert not [statement for statement in statements if "participant_before" in statement]  # summed: no query
    assert not data.computing_ahead()
    store = data.app_store(loaders.app_db_url)
    for table, filters in ((europe, EUROPE), (in_us, us)):
        queried = campaigns.campaign_table(warehouse=warehouse, app_store=store, filters=filters)
        pd.testing.assert_frame_equal(table, queried)
    assert europe["lift"].iloc[0] == pytest.approx(0.0)  # as test_campaign_table_follows_member_filters


def test_a_page_waiting_for_one_filters_campaign_results_queries_them(loaders, statements):
    from ui import data

    data.load_campaigns(loaders, "v", P)
    statements.clear()
    data.load_campaigns(loaders, "v", EUROPE)
    sent = [statement for statement in statements if "participant_before" in statement]
    assert len(sent) == (2 if data.warehouse(loaders).runs_statements_side_by_side else 1)  # parts: PostgreSQL
    for statement in sent:  # the filtered query, the faster for one view
        assert "added.channel" not in statement.replace("`", "")


def test_campaign_without_participants_has_no_rates(warehouse, app_store):
    january = Filters(start=date(2025, 1, 1), end=date(2025, 1, 8))
    row = campaigns.campaign_table(warehouse=warehouse, app_store=app_store, filters=january).iloc[0]
    assert row[["campaign_id", "invited", "reach", "participants"]].tolist() == ["letter", 2, 0, 0]
    assert [row["attendance_rate"], row["lift"], row["cost_per_participant"], row["nps"], row["csat"]] == [None] * 5


def test_no_campaigns_gives_an_empty_table(warehouse, app_store):
    table = campaigns.campaign_table(warehouse=warehouse, app_store=app_store, filters=P.previous())
    assert table.empty and list(table.columns) == campaigns.TABLE_COLUMNS


def test_daily_activity_of_participants_and_the_comparison_group(warehouse):
    rows = warehouse.run(campaigns.campaign_daily_query(filters=P, campaign_id="meetup", starts_at=MEETUP_START))
    days = {(r.day - day_number(date(2025, 3, 3)), bool(r.participant)): r.active for r in rows.itertuples()}
    # Participants: alice 5 Feb, 23 Feb, 1 Mar, 3 Mar; hank 4 Mar. Comparison: bob 25 and 26 Feb.
    # carol registered but did not attend, dave (28 Feb) was invited: in neither group.
    assert days == {
        (-26, True): 1,
        (-8, True): 1,
        (-2, True): 1,
        (0, True): 1,
        (1, True): 1,
        (-6, False): 1,
        (-5, False): 1,
    }


def test_members_who_came_through_a_campaign(warehouse):
    rows = warehouse.run(campaigns.campaign_newcomers_query(filters=P, campaign_id="meetup"))
    assert rows[["member_id", "stage"]].values.tolist() == [["carol", "registered"]]
    assert "email" not in rows.columns


def test_daily_shares_cover_every_day_of_both_groups(warehouse):
    rows = warehouse.run(campaigns.campaign_daily_query(filters=P, campaign_id="meetup", starts_at=MEETUP_START))
    lift_row = warehouse.run(campaigns.results_query(filters=P, starts=[MEETUP_START], campaign_id="meetup")).iloc[0]
    shares = campaigns.daily_shares(rows, lift_row=lift_row, starts_at=datetime(2025, 3, 3), filters=P)
    assert len(shares) == 2 * 60  # 30 days before and 30 from the start, two groups
    start = shares[shares["day"] == date(2025, 3, 3)].set_index("group")
    assert start.loc["participants", ["active", "share"]].tolist() == [1, 0.5]  # alice of alice, hank
    assert start.loc["comparison", ["active", "share"]].tolist() == [0, 0.0]
    feb25 = shares[(shares["day"] == date(2025, 2, 25)) & (shares["group"] == "comparison")].iloc[0]
    assert feb25["share"] == 1.0  # bob, the comparison group alone (dave and gina were invited)


# The boundary community (tests/boundaries.py): its launch party starts at 00:00 on Monday 3 March,
# the moment joe joins; ivy (1 March), kim, sam and sue joined before it.
LAUNCH_START = datetime(2025, 3, 3)


def test_a_member_joining_exactly_at_a_campaigns_start_is_not_in_its_lift(boundary_warehouse):
    row = boundary_warehouse.run(campaigns.results_query(filters=P, starts=[LAUNCH_START], campaign_id="launch")).iloc[
        0
    ]
    # joe registered, attended and joined at the start itself: reached, a participant and a newcomer
    # through it, but not eligible for the lift (joined before the start: ivy kim sam sue).
    assert row[["campaign_id", *campaigns.FUNNEL]].tolist() == ["launch", 1, 1, 1, 1, 1, 1]
    assert row[["eligible", "eligible_exposed", "eligible_participants"]].tolist() == [4, 1, 0]
    # Active days in the 30 days before 3 March / from it, of the comparison group (four eligible,
    # kim invited): ivy 2 March, sam 5 February, sue 5 and 6 February: 4 / 0. joe's attendance on
    # 3 March is not counted for the participants, since he is not eligible.
    assert row[["participant_before", "participant_after", "comparison_before", "comparison_after"]].tolist() == [
        0,
        0,
        4,
        0,
    ]
    assert campaigns.lift(row) is None


# The launch's survey: (member, completed, answers as (question, type, value)). The NPS answers sit
# at the thresholds' edges: 6 (detractor), 7 and 8 (passive), 9 and 10 (promoters); CSAT 3 and 4.
LAUNCH_SURVEY = [
    ("ivy", True, [("nps", "nps", 6), ("sat", "csat", 3)]),
    ("kim", True, [("nps", "nps", 7), ("sat", "csat", 4)]),
    ("sam", True, [("nps", "nps", 8), ("sat", "csat", 3), ("again", "nps", None)]),  # a skipped NPS question
    ("sue", True, [("nps", "nps", 9), ("sat", "csat", 4)]),
    ("gus", True, [("nps", "nps", 10)]),  # no CSAT answer
    ("lee", True, [("effort", "ces", 2)]),  # neither NPS nor CSAT
    ("hal", False, [("nps", "nps", 0), ("sat", "csat", 1)]),  # never submitted
]


@pytest.fixture(params=["sqlite", "postgresql"])
def launch_survey(request, tmp_path, new_postgres_database) -> Iterator[AppStore]:
    """An app store holding the launch's survey (linked by its campaign_id) and LAUNCH_SURVEY's answers."""
    store = new_migrated_store(request.param, tmp_path, new_postgres_database, "launch")
    with store.begin() as connection:
        survey_id = connection.execute(
            tables.surveys.insert().values(
                slug="after-launch",
                version=1,
                title="After the launch",
                status="open",
                anonymous=False,
                campaign_id="launch",
                definition={"questions": []},
                created_at=datetime(2025, 3, 3, 5),
            )
        ).inserted_primary_key[0]
        for member, completed, answers in LAUNCH_SURVEY:
            response_id = connection.execute(
                tables.responses.insert().values(
                    survey_id=survey_id,
                    member_id=member,
                    submitted_at=datetime(2025, 3, 4),
                    completed=completed,
                    idempotency_key=f"launch-{member}",
                    source="test",
                )
            ).inserted_primary_key[0]
            connection.execute(
                tables.answers.insert(),
                [
                    {"response_id": response_id, "question_id": question, "question_type": kind, "value_num": value}
                    for question, kind, value in answers
                ],
            )
        other_id = connection.execute(  # another survey, of no campaign: none of the launch's answers
            tables.surveys.insert().values(
                slug="other",
                version=1,
                title="Something else",
                status="open",
                anonymous=False,
                definition={"questions": []},
                created_at=datetime(2025, 3, 3, 5),
            )
        ).inserted_primary_key[0]
        response_id = connection.execute(
            tables.responses.insert().values(
                survey_id=other_id,
                member_id="zed",
                submitted_at=datetime(2025, 3, 4),
                completed=True,
                idempotency_key="other-zed",
                source="test",
            )
        ).inserted_primary_key[0]
        connection.execute(
            tables.answers.insert().values(response_id=response_id, question_id="nps", question_type="nps", value_num=0)
        )
    yield store
    store.dispose()


def test_a_campaigns_promoters_start_at_9_and_detractors_end_at_6(launch_survey):
    rows = launch_survey.run(campaigns.survey_scores_by_member_query(campaign_ids=["launch"], slugs=[]))
    scores = campaigns.survey_scores(rows, campaign_of_slug={})["launch"]
    # Submitted NPS answers: gus 10, ivy 6, kim 7, sam 8, sue 9 (sam's skipped one and hal's unsubmitted 0
    # not counted): promoters gus sue, detractor ivy: (2 - 1) / 5 = NPS 20. CSAT: ivy 3, kim 4, sam 3,
    # sue 4: 2 / 4 satisfied. lee answered neither, so has no row; zed answered another survey.
    assert (scores["nps"], scores["nps_answers"], scores["csat"], scores["csat_answers"]) == (20.0, 5, 0.5, 4)
    # Its margin: 1.96 x 100 x sqrt((2/5 promoters + 1/5 detractors - (2/5 - 1/5)^2) / 5 answers).
    assert scores["nps_margin"] == pytest.approx(196 * math.sqrt((0.4 + 0.2 - 0.2**2) / 5), rel=1e-12)
    counts = rows.set_index("member_id")[["nps_answers", "promoters", "detractors", "csat_answers", "satisfied"]]
    assert counts.sort_index().values.tolist() == [
        [1, 1, 0, 0, 0],  # gus
        [1, 0, 1, 1, 0],  # ivy
        [1, 0, 0, 1, 1],  # kim
        [1, 0, 0, 1, 0],  # sam
        [1, 1, 0, 1, 1],  # sue
    ]


def test_daily_shares_leave_out_a_group_with_no_members(boundary_warehouse):
    def shares(filters: Filters) -> pd.DataFrame:
        rows = boundary_warehouse.run(
            campaigns.campaign_daily_query(filters=filters, campaign_id="launch", starts_at=LAUNCH_START)
        )
        lift_row = boundary_warehouse.run(
            campaigns.results_query(filters=filters, starts=[LAUNCH_START], campaign_id="launch")
        ).iloc[0]
        return campaigns.daily_shares(rows, lift_row=lift_row, starts_at=LAUNCH_START, filters=filters)

    # No eligible participant (joe joined at the start): only the comparison group of three (ivy,
    # sam, sue; kim was invited), 60 days.
    utc = shares(P)
    assert set(utc["group"]) == {"comparison"} and len(utc) == 60
    assert (utc["day"].min(), utc["day"].max()) == (date(2025, 2, 1), date(2025, 4, 1))
    active = utc[utc["active"] > 0]
    # sam and sue on 5 February, sue at 00:00 on 6 February, ivy on 2 March: of three.
    assert [[str(day), n, share] for day, n, share in active[["day", "active", "share"]].values.tolist()] == [
        ["2025-02-05", 2, pytest.approx(2 / 3)],
        ["2025-02-06", 1, pytest.approx(1 / 3)],
        ["2025-03-02", 1, pytest.approx(1 / 3)],
    ]
    # In Los Angeles the launch (00:00 UTC on 3 March) starts on 2 March: the window moves a day earlier.
    pacific = shares(Filters(start=P.start, end=P.end, timezone="America/Los_Angeles"))
    assert (pacific["day"].min(), pacific["day"].max()) == (date(2025, 1, 31), date(2025, 3, 31))


def test_daily_shares_keep_a_group_of_exactly_one_member():
    # A lift row with one eligible participant (active on the launch's day) and a comparison group of
    # two (three eligible, one of them exposed), quiet throughout: both groups, 60 days each.
    rows = pd.DataFrame({"day": [day_number(date(2025, 3, 3))], "participant": [True], "active": [1]})
    lift_row = pd.Series({"eligible_participants": 1, "eligible": 3, "eligible_exposed": 1})
    shares = campaigns.daily_shares(rows, lift_row=lift_row, starts_at=LAUNCH_START, filters=P)
    assert shares.groupby("group")["day"].count().to_dict() == {"comparison": 60, "participants": 60}
    start = shares[shares["day"] == date(2025, 3, 3)].set_index("group")
    assert start.loc["participants", ["active", "share"]].tolist() == [1, 1.0]
    assert start.loc["comparison", ["active", "share"]].tolist() == [0, 0.0]


def test_daily_shares_read_the_start_as_utc_whatever_the_machines_zone(machine_in_tokyo):
    # The meetup starts at 00:00 UTC on 3 March (read as Tokyo's local time, 15:00 UTC on 2 March):
    # its window is the 30 days before 3 March and the 30 from it, 1 February to 1 April.
    rows = pd.DataFrame({"day": [], "participant": [], "active": []})
    lift_row = pd.Series({"eligible_participants": 1, "eligible": 1, "eligible_exposed": 1})  # participants alone
    shares = campaigns.daily_shares(rows, lift_row=lift_row, starts_at=MEETUP_START, filters=P)
    assert (shares["day"].min(), shares["day"].max(), len(shares)) == (date(2025, 2, 1), date(2025, 4, 1), 60)


def test_a_member_joining_exactly_at_a_campaigns_start_came_through_it(boundary_warehouse):
    rows = boundary_warehouse.run(
        campaigns.campaign_newcomers_query(filters=P, campaign_id="launch", include_email=True)
    )
    # joe joined at the start itself, inside the attribution window (14 days before it to its end), and attended.
    assert rows[["member_id", "name", "email", "channel", "segment", "stage"]].values.tolist() == [
        ["joe", "Joe", "joe@example.org", "event", "dev", "attended"]
    ]
    assert pd.to_datetime(rows["joined_at"]).tolist() == [pd.Timestamp(LAUNCH_START)]


def test_a_campaigns_newcomers_joined_from_fourteen_days_before_its_start_to_its_end(boundary_warehouse):
    def newcomers(campaign_id: str) -> list[list[str]]:
        rows = boundary_warehouse.run(campaigns.campaign_newcomers_query(filters=P, campaign_id=campaign_id))
        return rows[["member_id", "stage"]].values.tolist()

    # The webinar starts at 00:00 on 15 March: ivy joined exactly 14 days before, joe after her; kim
    # (January) is no newcomer. The teaser ends at 00:00 on 3 March, the moment joe joined; sam did
    # long before. Neither window depends on the period asked about.
    assert newcomers("webinar") == [["ivy", "activity"], ["joe", "attended"]]  # ivy by a tagged activity
    assert newcomers("teaser") == [["joe", "registered"]]
    counted = boundary_warehouse.run(
        campaigns.results_query(filters=P, starts=[datetime(2025, 2, 17)], campaign_id="teaser")
    ).iloc[0]
    assert counted[["reach", "new_members"]].tolist() == [2, 1]


@pytest.mark.parametrize(
    ("now", "timezone", "known"),
    [
        # The meetup starts at 00:00 UTC on 3 March: its 30 days from the start run to 1 April.
        (datetime(2025, 4, 1, 23, 59), "UTC", False),
        (datetime(2025, 4, 2), "UTC", True),
        # In Shanghai (UTC+8) it starts at 08:00 on 3 March: 2 April begins there at 16:00 UTC on 1 April.
        (datetime(2025, 4, 1, 15, 59), "Asia/Shanghai", False),
        (datetime(2025, 4, 1, 16), "Asia/Shanghai", True),
    ],
)
def test_a_lift_is_known_once_its_30_days_from_the_start_are_over(
    warehouse, app_store, monkeypatch, now, timezone, known
):
    monkeypatch.setattr(clock, "now", lambda: now)
    filters = replace(P, timezone=timezone)
    row = campaigns.campaign_table(warehouse=warehouse, app_store=app_store, filters=filters).iloc[0]
    assert campaigns.lift_known_from(MEETUP_START, filters) == date(2025, 4, 2)
    if known:
        assert row["lift"] == pytest.approx(1.5)  # as test_lift_is_a_difference_in_differences
        assert row["lift_from"] is None
    else:
        assert row["lift"] is None  # a few days after the start against 30 before would read as a fall
        assert row["lift_from"] == date(2025, 4, 2)  # what the page and the report say instead
    assert row["reach"] == 4  # the rest is known as it happens


def test_daily_shares_stop_at_yesterday(warehouse, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 10, 12))
    rows = warehouse.run(campaigns.campaign_daily_query(filters=P, campaign_id="meetup", starts_at=MEETUP_START))
    lift_row = warehouse.run(campaigns.results_query(filters=P, starts=[MEETUP_START], campaign_id="meetup")).iloc[0]
    shares = campaigns.daily_shares(rows, lift_row=lift_row, starts_at=MEETUP_START, filters=P)
    # 1 February to 9 March: the 30 days before the start and the 7 from it that are over, per group.
    assert (shares["day"].min(), shares["day"].max(), len(shares)) == (date(2025, 2, 1), date(2025, 3, 9), 2 * 37)


# Two fairs starting at the same moment (00:00 on Tuesday 1 July 2025; "b-fair" written first) and an
# early campaign that ran before anyone joined. ann, ben, cat and dan joined on 1 June. a-fair: ann
# attended (her attendance on 1 July carries its id), ben took part by a tagged comment alone on
# 3 July, cat was only invited (exposed, so in neither group), dan was left alone; b-fair reached
# nobody. a-fair has no budget; b-fair has 90, spent on no participant.
FAIR = datetime(2025, 7, 1)
FAIRS_MEMBERS = [(who, datetime(2025, 6, 1), "forum", "EU", "dev", False) for who in ("ann", "ben", "cat", "dan")]
FAIRS_ACTIVITIES = [
    # Active days in the 30 before 1 July (1-30 June) / the 30 from it (1-30 July):
    ("ann", datetime(2025, 6, 10, 12), "post"),  # ann 1 / 2
    ("ann", datetime(2025, 7, 1, 1), "event_attend", {"campaign_id": "a-fair"}),
    ("ann", datetime(2025, 7, 2, 12), "post"),
    ("ben", datetime(2025, 6, 5, 12), "post"),  # ben 2 / 1
    ("ben", datetime(2025, 6, 6, 12), "post"),
    ("ben", datetime(2025, 7, 3, 12), "comment", {"campaign_id": "a-fair"}),
    ("cat", datetime(2025, 6, 20, 12), "post"),  # cat 1 / 2
    ("cat", datetime(2025, 7, 10, 12), "post"),
    ("cat", datetime(2025, 7, 11, 12), "post"),
    ("dan", datetime(2025, 6, 12, 12), "post"),  # dan 2 / 0
    ("dan", datetime(2025, 6, 14, 12), "post"),
]
FAIRS_CAMPAIGNS = [
    ("b-fair", "B fair", "event", FAIR, None, "event", 90.0, None, None),
    ("a-fair", "A fair", "event", FAIR, None, "event", None, None, None),
    ("early", "Early word", "newsletter", datetime(2025, 1, 10), None, "newsletter", None, None, None),
]
FAIRS_PARTICIPATION = [("a-fair", "ann", "attended"), ("a-fair", "cat", "invited")]
FAIRS_PERIOD = Filters(start=date(2025, 1, 1), end=date(2025, 7, 2))


# The fairs' members with dimensions missing (NULL) or empty: a sum by combination keeps each once.
UNNAMED_MEMBERS = [
    ("ann", datetime(2025, 6, 1), "forum", "EU", "dev", False),
    ("ben", datetime(2025, 6, 1), None, "EU", "dev", False),
    ("cat", datetime(2025, 6, 1), "forum", None, "", False),
]


def fairs_warehouse(request, tmp_path_factory, member_rows: list[tuple], name: str) -> Iterator:
    frames = community.frames(
        member_rows=member_rows,
        activity_rows=FAIRS_ACTIVITIES,
        campaign_rows=FAIRS_CAMPAIGNS,
        participation_rows=FAIRS_PARTICIPATION,
    )
    folder = tmp_path_factory.mktemp(f"{name}-{request.param}")
    result = make_warehouse(request.param, folder, frames, databases(request, request.param))
    yield result
    result.dispose()


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def fairs(request, tmp_path_factory):
    yield from fairs_warehouse(request, tmp_path_factory, FAIRS_MEMBERS, "fairs")


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def unnamed(request, tmp_path_factory):
    yield from fairs_warehouse(request, tmp_path_factory, UNNAMED_MEMBERS, "unnamed")


@pytest.mark.parametrize(
    "chosen", [{}, {"channel": "forum"}, {"region": "EU"}, {"segment": "dev"}, {"segment": ""}, {"region": "US"}]
)
def test_members_without_a_dimension_are_summed_as_the_filtered_query_counts_them(unnamed, chosen):
    queried = assert_sums_as_queried(unnamed, FAIRS_PERIOD, [datetime(2025, 1, 10), FAIR, FAIR], chosen)
    if not chosen:  # all three counted, whatever their dimensions: as the fairs test has a-fair
        assert queried.loc["a-fair", ["reach", "participants", "eligible"]].astype(int).tolist() == [2, 2, 3]


def test_campaigns_starting_together_come_by_id_after_the_earlier_one(fairs):
    listed = fairs.run(campaigns.campaigns_query(filters=FAIRS_PERIOD))
    assert listed["campaign_id"].tolist() == ["early", "a-fair", "b-fair"]
    # A period ending exactly as the fairs start (its end is not in it) holds neither; early ended long before.
    june = Filters(start=date(2025, 6, 1), end=date(2025, 7, 1))
    assert fairs.run(campaigns.campaigns_query(filters=june)).empty


def test_a_tagged_participant_and_an_active_comparison_group(fairs):
    rows = fairs.run(campaigns.results_query(filters=FAIRS_PERIOD, starts=[datetime(2025, 1, 10), FAIR, FAIR]))
    by_id = rows.set_index("campaign_id").sort_index()
    columns = list(campaigns.RESULTS)  # the funnel, eligible, eligible_exposed, eligible_participants,
    # participant_before, participant_after, comparison_before, comparison_after
    assert {c: by_id.loc[c, columns].astype(int).tolist() for c in by_id.index} == {
        # invited cat; registered ann (attending implies it); reach ann ben; participants ann (attended)
        # and ben (tagged); no newcomer (all joined a month before). All four eligible; ann and ben
        # reached and participants, cat invited: three exposed; before / after: ann 1 / 2 + ben 2 / 1
        # = 3 / 3; the comparison group, dan alone, 2 / 0 (cat's 1 / 2 left out).
        "a-fair": [1, 1, 1, 2, 2, 0, 4, 3, 2, 3, 3, 2, 0],
        # Nobody invited or reached: all four the comparison group, 6 / 5 active days.
        "b-fair": [0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 6, 5],
        # Before anyone joined and with nobody active around it: zeros, not missing.
        "early": [0] * 13,
    }
    # Lift of a-fair: (3 - 3) / 2 - (0 - 2) / 1 = 2, with a comparison group of exactly one (dan); were
    # cat, invited and absent, compared too, it would be 0 - (2 - 3) / 2 = 0.5.
    assert campaigns.lift(by_id.loc["a-fair"]) == 2.0
    assert campaigns.lift(by_id.loc["b-fair"]) is None  # no participant
    assert campaigns.lift(by_id.loc["early"]) is None


@pytest.mark.parametrize("by_members", [False, True])
def test_the_campaigns_ids_given_read_the_same_figures(fairs, by_members):
    # The Campaigns page names the campaigns it lists, and their marks are read by those ids
    # (PostgreSQL reads them by index then); the figures are the period's condition's.
    starts = [datetime(2025, 1, 10), FAIR, FAIR]
    keys = ["campaign_id", *(DIMENSIONS if by_members else ())]

    def figures(ids: list[str] | None) -> list[dict]:
        query = campaigns.results_query(filters=FAIRS_PERIOD, starts=starts, by_members=by_members, campaign_ids=ids)
        rows = fairs.run(query).fillna("")
        return rows.sort_values(keys).astype({name: int for name in campaigns.RESULTS}).to_dict("records")

    named = figures(["early", "a-fair", "b-fair"])
    assert named == figures(None)
    assert sum(row["eligible_exposed"] for row in named) == 3  # a-fair's ann, ben and cat (invited)


@pytest.mark.parametrize("by_members", [False, True])
def test_the_funnels_and_the_lifts_parts_add_up_to_the_whole(fairs, by_members):
    # PostgreSQL reads the two parts side by side (campaigns.results_table); added, they are the whole.
    starts = [datetime(2025, 1, 10), FAIR, FAIR]
    keys = ["campaign_id", *(DIMENSIONS if by_members else ())]

    def figures(part: campaigns.Part) -> pd.DataFrame:
        query = campaigns.results_query(filters=FAIRS_PERIOD, starts=starts, by_members=by_members, part=part)
        return fairs.run(query).fillna("").astype({name: int for name in campaigns.RESULTS})

    funnel, lift = figures("funnel"), figures("lift")
    assert not funnel[list(campaigns.ACTIVE_DAYS)].to_numpy().any()
    others = [name for name in campaigns.RESULTS if name not in campaigns.ACTIVE_DAYS]
    assert not lift[others].to_numpy().any()
    assert lift[list(campaigns.ACTIVE_DAYS)].to_numpy().sum() > 0 and funnel[others].to_numpy().sum() > 0
    added = pd.concat([funnel, lift]).groupby(keys, as_index=False)[list(campaigns.RESULTS)].sum()
    whole = figures("whole")
    assert added.sort_values(keys).to_dict("records") == whole.sort_values(keys).to_dict("records")


@pytest.mark.parametrize(
    "period", [FAIRS_PERIOD, Filters(start=date(2025, 1, 1), end=date(2025, 2, 1))], ids=["fairs", "early alone"]
)
def test_the_campaign_table_read_in_two_parts_is_the_whole(fairs, period):
    whole = campaigns.results_table(warehouse=fairs, filters=period)
    pd.testing.assert_frame_equal(campaigns.results_table(warehouse=OneAfterAnother(fairs), filters=period), whole)
    assert whole["campaign_id"].tolist() == (["early", "a-fair", "b-fair"] if period == FAIRS_PERIOD else ["early"])
    # Early word's lift has no member-day, so alone its part gives no row: its figures are still integers
    listed = fairs.run(campaigns.campaigns_query(filters=period))
    starts, ids = [pd.Timestamp(start).to_pydatetime() for start in listed["starts_at"]], list(listed["campaign_id"])
    parts = campaigns._figures(OneAfterAnother(fairs), period, starts, ids).set_index("campaign_id").sort_index()
    assert all(parts[name].dtype == "int64" for name in campaigns.RESULTS)
    one = fairs.run(campaigns.campaign_results_query(filters=period, starts=starts, campaign_ids=ids))
    pd.testing.assert_frame_equal(parts, one.set_index("campaign_id").sort_index(), check_dtype=False)


def test_no_lift_without_a_comparison_group():
    # Both eligible members reached, one took part: no comparison group, so no lift (not a division by 0).
    row = pd.Series(
        {
            "eligible": 2,
            "eligible_exposed": 2,
            "eligible_participants": 1,
            "participant_before": 1,
            "participant_after": 3,
            "comparison_before": 0,
            "comparison_after": 0,
        }
    )
    assert campaigns.lift(row) is None


def test_the_fairs_table_has_no_cost_without_a_budget(fairs, app_store):
    table = campaigns.campaign_table(warehouse=fairs, app_store=app_store, filters=FAIRS_PERIOD)
    assert table["campaign_id"].tolist() == ["early", "a-fair", "b-fair"]
    # a-fair has two participants but no budget; b-fair a budget but no participant; early neither.
    assert table["cost_per_participant"].tolist() == [None, None, None]
    assert table["lift"].iloc[1] == 2.0 and table["lift"].iloc[[0, 2]].isna().all()


def test_daily_shares_of_a_campaign_with_no_group_are_empty(fairs):
    # early: nobody had joined before its start, so neither group has a member: no rows, same columns.
    early = datetime(2025, 1, 10)
    rows = fairs.run(campaigns.campaign_daily_query(filters=FAIRS_PERIOD, campaign_id="early", starts_at=early))
    lift_row = fairs.run(campaigns.results_query(filters=FAIRS_PERIOD, starts=[early], campaign_id="early")).iloc[0]
    shares = campaigns.daily_shares(rows, lift_row=lift_row, starts_at=early, filters=FAIRS_PERIOD)
    assert shares.empty and list(shares.columns) == ["day", "group", "active", "share"]
    # a-fair: both groups, 60 days each, the same four columns; dan (of one) on 12 June, and nobody on
    # 10 July, when cat (invited: in neither group) was active.
    rows = fairs.run(campaigns.campaign_daily_query(filters=FAIRS_PERIOD, campaign_id="a-fair", starts_at=FAIR))
    lift_row = fairs.run(campaigns.results_query(filters=FAIRS_PERIOD, starts=[FAIR], campaign_id="a-fair")).iloc[0]
    shares = campaigns.daily_shares(rows, lift_row=lift_row, starts_at=FAIR, filters=FAIRS_PERIOD)
    assert list(shares.columns) == ["day", "group", "active", "share"] and len(shares) == 120
    june12 = shares[shares["day"] == date(2025, 6, 12)].set_index("group")
    assert june12.loc[["participants", "comparison"], "share"].tolist() == [0.0, 1.0]
    july10 = shares[shares["day"] == date(2025, 7, 10)].set_index("group")
    assert july10.loc[["participants", "comparison"], "active"].tolist() == [0, 0]


# Newcomers of one fair (00:00 on 1 July 2025, its window from 17 June): zed joined first, on 25 June;
# dee, cy, bo and al joined together at 12:00 on 28 June, written in that order (the reverse of their
# ids). All five registered; zed posted once before the fair.
TIED_NEWCOMERS = [
    ("zed", datetime(2025, 6, 25, 12)),
    *((who, datetime(2025, 6, 28, 12)) for who in ("dee", "cy", "bo", "al")),
]


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def tied_newcomers(request, tmp_path_factory):
    frames = community.frames(
        member_rows=[(who, joined, "forum", "EU", "dev", False) for who, joined in TIED_NEWCOMERS],
        activity_rows=[("zed", datetime(2025, 6, 26, 12), "post")],
        campaign_rows=[("fair", "Summer fair", "event", FAIR, None, "event", None, None, None)],
        participation_rows=[("fair", who, "registered") for who, _ in TIED_NEWCOMERS],
    )
    result = make_warehouse(
        request.param, tmp_path_factory.mktemp(f"tied-{request.param}"), frames, databases(request, request.param)
    )
    yield result
    result.dispose()


def test_newcomers_come_in_joining_order_then_by_id(tied_newcomers):
    july = Filters(start=date(2025, 6, 1), end=date(2025, 7, 2))
    rows = tied_newcomers.run(campaigns.campaign_newcomers_query(filters=july, campaign_id="fair"))
    assert rows[["member_id", "stage"]].values.tolist() == [
        ["zed", "registered"],
        ["al", "registered"],
        ["bo", "registered"],
        ["cy", "registered"],
        ["dee", "registered"],
    ]


# Two campaigns months apart, with a member late for the first and eligible for the second, active
# around both. spring starts 20 March 2025 (windows 18 February-19 March / 20 March-18 April) and
# summer 1 July (1-30 June / 1-30 July). fay (joined 1 January) attended spring; eve (1 January) and
# dot (joined 1 April, after spring's start) were reached by neither.
SPRING, SUMMER = datetime(2025, 3, 20), datetime(2025, 7, 1)
SEASONS_MEMBERS = [
    ("fay", datetime(2025, 1, 1), "forum", "EU", "dev", False),
    ("eve", datetime(2025, 1, 1), None, "EU", "dev", False),
    ("dot", datetime(2025, 4, 1), "forum", None, "dev", False),
]
SEASONS_ACTIVITIES = [
    ("fay", datetime(2025, 3, 10, 12), "post"),  # spring, before
    ("fay", datetime(2025, 3, 21, 12), "event_attend", {"campaign_id": "spring"}),  # spring, after
    ("eve", datetime(2025, 3, 25, 12), "post"),  # spring, after
    ("dot", datetime(2025, 4, 5, 12), "post"),  # spring, after: late for spring
    ("dot", datetime(2025, 6, 10, 12), "post"),  # summer, before
    ("eve", datetime(2025, 6, 20, 12), "post"),  # summer, before
    ("dot", datetime(2025, 7, 5, 12), "post"),  # summer, after
]
SEASONS_CAMPAIGNS = [
    ("spring", "Spring meetup", "event", SPRING, None, "event", None, None, None),
    ("summer", "Summer fair", "event", SUMMER, None, "event", None, None, None),
]
SEASONS_PERIOD = Filters(start=date(2025, 3, 1), end=date(2025, 7, 2))


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def seasons(request, tmp_path_factory):
    frames = community.frames(
        member_rows=SEASONS_MEMBERS,
        activity_rows=SEASONS_ACTIVITIES,
        campaign_rows=SEASONS_CAMPAIGNS,
        participation_rows=[("spring", "fay", "attended")],
    )
    folder = tmp_path_factory.mktemp(f"seasons-{request.param}")
    result = make_warehouse(request.param, folder, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_a_member_late_for_one_campaign_is_in_the_next_ones_comparison_group(seasons):
    rows = seasons.run(campaigns.results_query(filters=SEASONS_PERIOD, starts=[SPRING, SUMMER]))
    columns = [*campaigns.FUNNEL, "eligible", "eligible_exposed", "eligible_participants", *campaigns.ACTIVE_DAYS]
    by_id = rows.set_index("campaign_id").sort_index()
    assert {c: by_id.loc[c, columns].astype(int).tolist() for c in by_id.index} == {
        # fay registered by attending and took part; eligible fay and eve (dot joined after the start):
        # fay active 1 day before and 1 after, eve 0 before and 1 after; dot's day after is left out.
        "spring": [0, 1, 1, 1, 1, 0, 2, 1, 1, 1, 1, 0, 1],
        # Nobody reached; all three eligible, the comparison group: dot and eve 2 days before, dot 1 after.
        "summer": [0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 2, 1],
    }
    # By member combination (a NULL channel or region is a combination of its own), summed as a whole.
    split = seasons.run(campaigns.results_query(filters=SEASONS_PERIOD, starts=[SPRING, SUMMER], by_members=True))
    summer = split[split["campaign_id"] == "summer"].fillna({"channel": "-", "region": "-"})
    eligible = {(row.channel, row.region): int(row.eligible) for row in summer.itertuples() if row.eligible}
    assert eligible == {("forum", "EU"): 1, ("-", "EU"): 1, ("forum", "-"): 1}
    # Day by day: spring's participant fay on 10 and 21 March, its comparison group eve on 25 March;
    # dot's 5 April is nobody's (she joined after spring's start).
    daily = seasons.run(campaigns.campaign_daily_query(filters=SEASONS_PERIOD, campaign_id="spring", starts_at=SPRING))
    days = sorted(
        (int(r.day) - day_number(date(2025, 3, 1)), bool(r.participant), int(r.active)) for r in daily.itertuples()
    )
    assert days == [(9, True, 1), (20, True, 1), (24, False, 1)]  # 10, 21 and 25 March
