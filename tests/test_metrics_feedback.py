"""Feedback figures and the negative-sentiment risk rule, against answers worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from feedback.targets import DEFAULTS, Target, Targets
from metrics import feedback
from metrics.feedback import NegativeShare
from metrics.filters import Filters
from store import tables
from store.database import AppStore
from tests.conftest import migrated_store

t = datetime
# The period is [2 Nov, 23 Nov 2026): the latest week is [16 Nov, 23 Nov), the baseline [21 Sep, 16 Nov).
PERIOD = Filters(start=date(2026, 11, 2), end=date(2026, 11, 23))


@pytest.mark.parametrize(
    ("latest", "baseline", "alert"),
    [
        ((3, 5), (4, 40), True),  # 60% against 10%
        ((1, 5), (0, 40), True),  # 20% against none: 15 points up and more than 1.5 times 0
        ((3, 4), (4, 40), False),  # fewer than 5 items in the latest week
        ((5, 5), (0, 4), False),  # fewer than 5 items in the baseline: nothing to compare with
        ((2, 5), (12, 40), False),  # 40% against 30%: only 10 points up
        ((2, 5), (10, 40), True),  # 40% against 25%: exactly 15 points up and 1.6 times
        ((4, 5), (24, 40), False),  # 80% against 60%: 20 points up but only 1.33 times
        ((0, 9), (0, 40), False),
    ],
)
def test_risk_rule(latest, baseline, alert):
    share = NegativeShare(
        latest_negative=latest[0], latest_items=latest[1], baseline_negative=baseline[0], baseline_items=baseline[1]
    )
    assert share.alert is alert


@pytest.fixture
def store(tmp_path):
    app_store = migrated_store(tmp_path / "app.db")
    yield app_store
    app_store.dispose()


def insert(store: AppStore, *rows: dict) -> None:
    defaults = {"source": "test", "text": "x", "status": "new", "version": 1, "updated_at": t(2026, 11, 23)}
    columns = {name: None for row in rows for name in row}
    with store.begin() as connection:
        connection.execute(tables.feedback.insert(), [{**columns, **defaults, **row} for row in rows])


def test_negative_share_splits_the_latest_week_from_the_eight_before(store, duckdb_warehouse):
    insert(
        store,
        {"member_id": "alice", "created_at": t(2026, 11, 16), "sentiment": -0.5},  # latest week, first second
        {"member_id": "carol", "created_at": t(2026, 11, 22, 23, 59), "sentiment": -0.1},  # negative at the band
        {"member_id": "alice", "created_at": t(2026, 11, 20), "sentiment": 0.05},  # neutral
        {"member_id": "alice", "created_at": t(2026, 11, 15, 23), "sentiment": -0.9},  # baseline
        {"member_id": "carol", "created_at": t(2026, 9, 21), "sentiment": 0.4},  # baseline's first second
        {"member_id": "alice", "created_at": t(2026, 9, 20, 23), "sentiment": -0.9},  # before the baseline
        {"member_id": "alice", "created_at": t(2026, 11, 23), "sentiment": -0.9},  # after the period
        {"member_id": "alice", "created_at": t(2026, 11, 18), "sentiment": None},  # no sentiment
        {"member_id": "tom", "created_at": t(2026, 11, 18), "sentiment": -0.9},  # team member
        {"member_id": None, "created_at": t(2026, 11, 18), "sentiment": -0.9},  # anonymous
    )
    share = feedback.negative_share(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    assert share == NegativeShare(latest_negative=3, latest_items=4, baseline_negative=1, baseline_items=2)
    biz = Filters(start=PERIOD.start, end=PERIOD.end, segment="biz")
    assert feedback.negative_share(app_store=store, warehouse=duckdb_warehouse, filters=biz) == NegativeShare(
        latest_negative=1, latest_items=1, baseline_negative=0, baseline_items=1
    )


def test_summary_counts_ages_and_first_responses(store, duckdb_warehouse):
    insert(
        store,
        # open at the end (23 Nov 00:00): ages 22, 3 and 40 days; the third was answered before the period
        {
            "member_id": "alice",
            "created_at": t(2026, 11, 1),
            "status": "triaged",
            "theme": "search",
            "first_response_at": t(2026, 11, 1, 6),
        },
        {"member_id": "carol", "created_at": t(2026, 11, 20), "sentiment": -0.5, "suggested_theme": "events"},
        {"member_id": "bob", "created_at": t(2026, 10, 14), "first_response_at": t(2026, 10, 15)},
        # received in the period and closed in it, answered after 30 hours
        {
            "member_id": "alice",
            "created_at": t(2026, 11, 3),
            "status": "resolved",
            "closed_at": t(2026, 11, 5),
            "first_response_at": t(2026, 11, 4, 6),
            "sentiment": 0.6,
        },
        # merged duplicate: received, not counted open
        {
            "member_id": "bob",
            "created_at": t(2026, 11, 10),
            "status": "duplicate",
            "closed_at": t(2026, 11, 11),
            "duplicate_of": 1,
            "first_response_at": t(2026, 11, 10, 12),
            "sentiment": -0.3,
        },
        # closed before the period: not in the figures
        {"member_id": "bob", "created_at": t(2026, 10, 1), "status": "resolved", "closed_at": t(2026, 10, 2)},
        {"member_id": "tom", "created_at": t(2026, 11, 20)},  # team: left out
    )
    summary = feedback.feedback_summary(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    # At the end: alice's 1 Nov item answered, 22 days old, past normal's 7-day resolution target;
    # carol's 20 Nov item unanswered for 3 days, past the 24 h first response; bob's answered 14 Oct
    # item 40 days old, past its resolution.
    assert (summary.open, summary.overdue, summary.breaching, summary.median_age_days) == (3, 3, 0, 22.0)
    # Received in the period: 1 Nov is before it; 20 Nov (no response), 3 Nov (30 h), 10 Nov (12 h).
    assert (summary.received, summary.awaiting_response, summary.median_first_response_hours) == (3, 1, 21.0)
    assert summary.negative_share == pytest.approx(2 / 3)
    assert dict(zip(summary.by_status["status"], summary.by_status["items"], strict=True)) == {"new": 2, "triaged": 1}
    assert dict(zip(summary.by_theme["theme"], summary.by_theme["items"], strict=True)) == {
        "search": 1,
        "events": 1,
        "(none)": 1,
    }
    assert dict(zip(summary.by_sentiment["sentiment"], summary.by_sentiment["items"], strict=True)) == {
        "negative": 2,
        "positive": 1,
    }


def test_items_not_scored_are_counted_apart_not_as_neutral(store, duckdb_warehouse):
    """Spanish feedback (no sentiment model) is received and listed, but left out of the negative
    share: 1 negative of 2 scored is 50%; counted as neutral it would be 1 of 4, 25%."""
    insert(
        store,
        {"member_id": "alice", "created_at": t(2026, 11, 20), "sentiment": -0.5, "language": "en"},
        {"member_id": "carol", "created_at": t(2026, 11, 20), "sentiment": 0.02, "language": "en"},  # neutral
        {"member_id": "alice", "created_at": t(2026, 11, 21), "sentiment": None, "language": "es"},
        {"member_id": "bob", "created_at": t(2026, 11, 22), "sentiment": None, "language": "ja"},
    )
    summary = feedback.feedback_summary(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    assert (summary.received, summary.not_scored, summary.negative_share) == (4, 2, 0.5)
    assert dict(zip(summary.by_sentiment["sentiment"], summary.by_sentiment["items"], strict=True)) == {
        "negative": 1,
        "neutral": 1,
        "not_scored": 2,
    }
    share = feedback.negative_share(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    assert (share.latest_negative, share.latest_items) == (1, 2)  # the risk rule counts scored items only


def test_summary_of_nothing_is_none_not_zero(store, duckdb_warehouse):
    summary = feedback.feedback_summary(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    assert (summary.open, summary.overdue, summary.breaching) == (0, 0, 0)
    assert (summary.median_age_days, summary.median_first_response_hours, summary.negative_share) == (None, None, None)


def test_response_times_over_the_period_worked_by_hand(store, warehouse):
    """Median time to first response and to resolution over the items received in the period, on
    each warehouse engine (which members are in scope)."""
    insert(
        store,
        # first response after 6 h, resolved after 48 h
        {
            "member_id": "alice",
            "created_at": t(2026, 11, 3),
            "first_response_at": t(2026, 11, 3, 6),
            "status": "resolved",
            "closed_at": t(2026, 11, 5),
        },
        # 24 h; won't fix after 240 h
        {
            "member_id": "carol",
            "created_at": t(2026, 11, 10),
            "first_response_at": t(2026, 11, 11),
            "status": "wont_fix",
            "closed_at": t(2026, 11, 20),
        },
        # 2 h; still open
        {
            "member_id": "bob",
            "created_at": t(2026, 11, 12),
            "first_response_at": t(2026, 11, 12, 2),
            "status": "triaged",
        },
        # no response yet
        {"member_id": "alice", "created_at": t(2026, 11, 20)},
        # merged after 1 h: a first response, but no resolution of its own
        {
            "member_id": "bob",
            "created_at": t(2026, 11, 14),
            "first_response_at": t(2026, 11, 14, 1),
            "status": "duplicate",
            "closed_at": t(2026, 11, 14, 1),
            "duplicate_of": 1,
        },
        # anonymous: 12 h, resolved after 36 h
        {
            "member_id": None,
            "created_at": t(2026, 11, 6),
            "first_response_at": t(2026, 11, 6, 12),
            "status": "resolved",
            "closed_at": t(2026, 11, 7, 12),
        },
        # answered and resolved only after the period ended: neither counts
        {
            "member_id": "alice",
            "created_at": t(2026, 11, 22, 12),
            "first_response_at": t(2026, 11, 23, 1),
            "status": "resolved",
            "closed_at": t(2026, 11, 23, 2),
        },
        # received before the period, resolved in it: not the period's
        {
            "member_id": "carol",
            "created_at": t(2026, 11, 1),
            "first_response_at": t(2026, 11, 1, 1),
            "status": "resolved",
            "closed_at": t(2026, 11, 4),
        },
        # the team's: left out
        {
            "member_id": "tom",
            "created_at": t(2026, 11, 5),
            "first_response_at": t(2026, 11, 5, 1),
            "status": "resolved",
            "closed_at": t(2026, 11, 5, 2),
        },
    )
    times = feedback.response_times(app_store=store, warehouse=warehouse, filters=PERIOD)
    # Received: 7. Answered by the end: 6, 24, 2, 1, 12 h -> median 6 h (20 Nov and 22 Nov still wait).
    # Resolved by the end, of the 6 not merged: 48, 240, 36 h -> median 48 h.
    assert times == feedback.ResponseTimes(
        received=7,
        answered=5,
        median_first_response_hours=6.0,
        resolvable=6,
        resolved=3,
        median_resolution_hours=48.0,
    )
    biz = feedback.response_times(
        app_store=store, warehouse=warehouse, filters=Filters(start=PERIOD.start, end=PERIOD.end, segment="biz")
    )
    # Segment biz: carol's item alone (the anonymous one cannot be placed in a segment).
    assert (biz.received, biz.median_first_response_hours, biz.median_resolution_hours) == (1, 24.0, 240.0)


def test_response_times_of_nothing_are_none_not_zero(store, duckdb_warehouse):
    times = feedback.response_times(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    assert times == feedback.ResponseTimes(0, 0, None, 0, 0, None)


def test_open_themes_rank_most_items_first_then_named_themes_then_by_name(store, duckdb_warehouse):
    insert(
        store,
        {"member_id": "alice", "created_at": t(2026, 11, 1), "status": "triaged", "theme": "search"},
        {"member_id": "carol", "created_at": t(2026, 11, 20), "theme": "search"},  # search's newest open item
        {"member_id": "bob", "created_at": t(2026, 11, 10), "theme": "events"},
        {
            "member_id": "bob",
            "created_at": t(2026, 11, 11),
            "theme": "events",
            "status": "resolved",
            "closed_at": t(2026, 11, 12),
        },
        {
            "member_id": "alice",
            "created_at": t(2026, 11, 12),
            "theme": "events",
            "status": "resolved",
            "closed_at": t(2026, 11, 23),
        },
        {"member_id": "alice", "created_at": t(2026, 11, 5)},  # not themed yet
        {"member_id": "carol", "created_at": t(2026, 11, 6), "theme": "docs"},
        {"member_id": "alice", "created_at": t(2026, 11, 23), "theme": "zebra"},  # created at the end: not open by it
        {"member_id": "tom", "created_at": t(2026, 11, 7), "theme": "zebra"},  # team: left out
    )
    # Open at 23 November 00:00: search (1 and 20 Nov), events (10 Nov, and 12 Nov closed exactly at the
    # end, so still open by it), docs, and the unthemed item. Ids are the insertion order.
    themes = feedback.open_themes(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    rows = themes.astype(object).where(themes.notna(), None).values.tolist()
    assert rows == [["events", 2, 5], ["search", 2, 2], ["docs", 1, 7], [None, 1, 6]]
    assert list(themes.columns) == ["theme", "items", "newest"]
    top = feedback.open_themes(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD, limit=3)
    assert top["theme"].tolist() == ["events", "search", "docs"]
    insert(store, *({"member_id": "alice", "created_at": t(2026, 11, 9), "theme": name} for name in ("aa", "bb")))
    # Six themes open now: five by default, the unthemed one left out, last of the ties.
    shown = feedback.open_themes(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)["theme"].tolist()
    assert shown == ["events", "search", "aa", "bb", "docs"]


def test_the_summary_at_the_periods_edges_and_before_its_end(store, duckdb_warehouse):
    insert(
        store,
        # received exactly at the start; answered exactly at the end, so not within the period
        {"member_id": "alice", "created_at": t(2026, 11, 2), "first_response_at": t(2026, 11, 23), "sentiment": -0.5},
        {"member_id": "carol", "created_at": t(2026, 11, 23)},  # exactly at the end: neither received nor open
        {"member_id": "carol", "created_at": t(2026, 11, 20), "first_response_at": t(2026, 11, 22)},  # after 48 h
        {"member_id": "bob", "created_at": t(2026, 11, 10)},
        # received before the period, resolved after it: open at its end, and unanswered then
        {"member_id": "bob", "created_at": t(2026, 11, 1), "status": "resolved", "closed_at": t(2026, 11, 25)},
    )
    at_end = feedback.feedback_summary(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    assert (at_end.open, at_end.received, at_end.awaiting_response, at_end.median_first_response_hours) == (
        4,
        3,
        2,
        48.0,
    )
    assert (at_end.not_scored, at_end.negative_share) == (2, 1.0)  # carol's and bob's have no sentiment
    # Ages at 23 November: 21, 3, 13 and 22 days. Against the normal targets (first response in 24 h,
    # resolution in 168 h) every item is overdue but the answered one, due on 27 November.
    assert (at_end.median_age_days, at_end.overdue, at_end.breaching) == (17.0, 3, 0)
    # Taken at 00:00 on 22 November, as the inbox would: a day younger, and the answer given at that
    # very moment is not given yet, so all four are overdue.
    before = feedback.feedback_summary(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD, now=t(2026, 11, 22))
    assert (before.median_age_days, before.overdue, before.breaching) == (16.0, 4, 0)
    # The targets the team set: a normal item's first response within 320 h (13 days 8 h). At the end,
    # alice's of 2 November and bob's of 1 November are past it; bob's of 10 November is due at 08:00
    # on 23 November, 8 h after the end: breaching; carol's, answered, is due to be resolved in December.
    slower = Targets(by_priority={**DEFAULTS, "normal": Target(320, 720)})
    held = feedback.feedback_summary(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD, targets=slower)
    assert (held.overdue, held.breaching) == (2, 1)


def test_response_times_at_the_periods_edges(store, duckdb_warehouse):
    insert(
        store,
        # received exactly at the start, answered after 1.5 h, resolved exactly at the end: not by it
        {
            "member_id": "alice",
            "created_at": t(2026, 11, 2),
            "first_response_at": t(2026, 11, 2, 1, 30),
            "status": "resolved",
            "closed_at": t(2026, 11, 23),
        },
        {"member_id": "carol", "created_at": t(2026, 11, 23)},  # received exactly at the end: not in it
        {
            "member_id": "bob",
            "created_at": t(2026, 11, 10),
            "first_response_at": t(2026, 11, 23),
        },  # answered at the end
        # answered after 3 h, resolved after 6 h
        {
            "member_id": "alice",
            "created_at": t(2026, 11, 12),
            "first_response_at": t(2026, 11, 12, 3),
            "status": "resolved",
            "closed_at": t(2026, 11, 12, 6),
        },
    )
    times = feedback.response_times(app_store=store, warehouse=duckdb_warehouse, filters=PERIOD)
    # First responses 1.5 and 3 h: the median 2.25 h shows to a tenth, 2.2 (half to even).
    assert times == feedback.ResponseTimes(
        received=3,
        answered=2,
        median_first_response_hours=2.2,
        resolvable=3,
        resolved=1,
        median_resolution_hours=6.0,
    )
