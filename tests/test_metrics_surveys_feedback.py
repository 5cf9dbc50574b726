"""NPS and open feedback: app store on SQLite and PostgreSQL, member scope from the warehouse.

NPS answers in P (tests/community.py RESPONSES): alice 10, carol 6, dave 8, anonymous 9 count;
tom is team, bob never submitted, hank skipped the question, erin answered at P's end.
Promoters 2, detractors 1 of 4: NPS = (2 - 1) / 4 = 25.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from metrics.feedback import open_feedback
from metrics.filters import Filters
from metrics.surveys import nps, nps_from_counts

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))


def test_nps_counts_completed_answers_of_community_members(app_store, duckdb_warehouse):
    score = nps(app_store=app_store, warehouse=duckdb_warehouse, filters=P)
    assert (score.score, score.answers) == (25.0, 4)
    # +1, 0, -1 answers: shares 1/2 and 1/4, variance 3/4 - 1/16 = 11/16.
    assert score.margin == pytest.approx(100 * 1.96 * math.sqrt(11 / 16 / 4))


@pytest.mark.parametrize(
    ("region", "expected"),
    [("EU", 100.0), ("US", -50.0)],  # EU: alice 10. US: carol 6, dave 8. Anonymous answers drop out.
)
def test_nps_follows_member_filters(app_store, duckdb_warehouse, region, expected):
    filters = Filters(start=P.start, end=P.end, region=region)
    assert nps(app_store=app_store, warehouse=duckdb_warehouse, filters=filters).score == expected


def test_nps_is_none_without_answers(app_store, duckdb_warehouse):
    assert nps(app_store=app_store, warehouse=duckdb_warehouse, filters=P.previous()) is None


def test_nps_from_counts_of_only_promoters_has_no_margin():
    assert nps_from_counts(answers=3, promoters=3, detractors=0).margin == 0.0


def test_open_feedback_at_the_end_of_each_period(app_store, duckdb_warehouse):
    # End of P: f1, f3 (anonymous), f6 (closed exactly at the end); not f2 (closed), f4 (team),
    # f5 (later), f7 (duplicate). End of Q: only f2.
    assert open_feedback(app_store=app_store, warehouse=duckdb_warehouse, filters=P) == 3
    assert open_feedback(app_store=app_store, warehouse=duckdb_warehouse, filters=P.previous()) == 1


def test_open_feedback_follows_member_filters(app_store, duckdb_warehouse):
    us = Filters(start=P.start, end=P.end, region="US")
    assert open_feedback(app_store=app_store, warehouse=duckdb_warehouse, filters=us) == 1  # hank's f6
