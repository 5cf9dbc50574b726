"""NPS and open feedback: app store on SQLite and PostgreSQL, member scope from the warehouse.

NPS answers in P (tests/community.py RESPONSES): alice 10, carol 6, dave 8, anonymous 9 count;
tom is team, bob never submitted, hank skipped the question, erin answered at P's end.
Promoters 2, detractors 1 of 4: NPS = (2 - 1) / 4 = 25.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest

from metrics.feedback import open_feedback
from metrics.filters import Filters
from metrics.surveys import nps, nps_from_counts
from store import tables
from store.database import AppStore
from tests.conftest import new_migrated_store

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


EDGES = [
    # member, submitted_at, answers (question_id, question_type, value_num)
    ("alice", datetime(2025, 3, 1), [("nps", "nps", 7)]),  # exactly at P's start, a 7: passive
    ("carol", datetime(2025, 3, 1) - timedelta(microseconds=1), [("nps", "nps", 0)]),  # just before P
    ("carol", datetime(2025, 3, 4), [("nps", "nps", None)]),  # an NPS row holding no score
    ("dave", datetime(2025, 3, 5), [("nps", "nps", 10), ("ease", "rating", 1)]),  # a 1 of another kind
]


EDGE_FEEDBACK = [
    # member, created_at: neither ever closed
    ("carol", datetime(2025, 3, 8) - timedelta(microseconds=1)),  # P's last instant: open at its end
    ("dave", datetime(2025, 3, 8)),  # exactly at P's end: not yet open then
]


@pytest.fixture(params=["sqlite", "postgresql"])
def edge_store(request, tmp_path, new_postgres_database) -> Iterator[AppStore]:
    """An app store holding EDGES' responses alone, to one survey, and EDGE_FEEDBACK."""
    store = new_migrated_store(request.param, tmp_path, new_postgres_database, "nps_edges")
    with store.begin() as connection:
        survey_id = connection.execute(
            tables.surveys.insert().values(
                slug="edges",
                version=1,
                title="Edges",
                status="open",
                anonymous=False,
                definition={"questions": []},
                created_at=datetime(2025, 1, 1),
            )
        ).inserted_primary_key[0]
        for n, (member, submitted, answers) in enumerate(EDGES):
            response_id = connection.execute(
                tables.responses.insert().values(
                    survey_id=survey_id,
                    member_id=member,
                    submitted_at=submitted,
                    completed=True,
                    idempotency_key=f"edge{n}",
                    source="test",
                )
            ).inserted_primary_key[0]
            for question_id, question_type, value in answers:
                connection.execute(
                    tables.answers.insert().values(
                        response_id=response_id, question_id=question_id, question_type=question_type, value_num=value
                    )
                )
        for member, created in EDGE_FEEDBACK:
            connection.execute(
                tables.feedback.insert().values(
                    source="test",
                    member_id=member,
                    created_at=created,
                    text=member,
                    status="new",
                    updated_at=created,
                    version=1,
                )
            )
    yield store
    store.dispose()


def test_nps_counts_a_seven_as_passive_and_a_response_at_the_periods_start(edge_store, duckdb_warehouse):
    """In P: alice's 7 (at its first instant) and dave's 10 count; carol's 0 just before P, her NPS row
    without a score and dave's rating of 1 do not. Promoters 1, detractors 0 of 2: NPS 50."""
    score = nps(app_store=edge_store, warehouse=duckdb_warehouse, filters=P)
    assert (score.score, score.answers) == (50.0, 2)
    # +1 and 0: shares 1/2 and 0, variance 1/2 - 1/4 = 1/4.
    assert score.margin == pytest.approx(100 * 1.96 * math.sqrt(1 / 4 / 2))


def test_feedback_created_exactly_at_the_periods_end_is_not_open_at_it(edge_store, duckdb_warehouse):
    assert open_feedback(app_store=edge_store, warehouse=duckdb_warehouse, filters=P) == 1  # carol's
    after = Filters(start=date(2025, 3, 8), end=date(2025, 3, 15))
    assert open_feedback(app_store=edge_store, warehouse=duckdb_warehouse, filters=after) == 2
