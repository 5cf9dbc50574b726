"""The warehouse remembers each member's person, team flag and dimensions for the data it serves
(metrics/scope.py, Warehouse.memo): a second lookup of the same ids, under any filters, asks the
warehouse nothing, and gives what SQL's member_conditions gives; a new build, or on a database
queried in place after five minutes (MEMO_TTL_S), forgets it. The answers equal SQL's on DuckDB,
SQLite and PostgreSQL: the team flag is the database's own `is_team = false`.

The community (tests/community.frames' layout): ann (forum, emea, dev), bo (github, apac, ops),
cy (forum, apac, dev, on the team), dee (github, emea, no segment: NULL). The app's records
name ann, bo, cy, dee, an id the warehouse does not know (gone) and an anonymous one (None).
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from data_sources import warehouse as warehouse_module
from data_sources.warehouse import Warehouse, build_warehouse
from metrics import scope
from metrics.filters import Filters
from metrics.scope import id_attributes, in_scope, people_of
from metrics.sql import member_conditions, one_of
from schema import members
from store import tables
from store.database import AppStore
from tests import community
from tests.conftest import make_warehouse, migrated_store

t = datetime
P = Filters(start=date(2026, 2, 1), end=date(2026, 2, 8))
MEMBERS = [
    ("ann", t(2026, 1, 5), "forum", "emea", "dev", False),
    ("bo", t(2026, 1, 6), "github", "apac", "ops", False),
    ("cy", t(2026, 1, 7), "forum", "apac", "dev", True),
    ("dee", t(2026, 1, 8), "github", "emea", None, False),
]
RECORDS = pd.DataFrame({"member_id": ["ann", "bo", "cy", "dee", "gone", None], "n": range(6)})
VIEWS = [
    (P, [0, 1, 3, 5]),  # no filter: the team (cy) and an unknown id left out
    (Filters(start=P.start, end=P.end, channel="forum"), [0]),  # a filter drops the anonymous row too
    (Filters(start=P.start, end=P.end, region="apac"), [1]),
    (Filters(start=P.start, end=P.end, segment="dev", region="emea"), [0]),  # not dee, whose segment is NULL
    (Filters(start=P.start, end=P.end, segment="nobody"), []),
]


def frames(member_rows: list[tuple] = MEMBERS) -> dict[str, pd.DataFrame]:
    activities = [("ann", t(2026, 2, 2, 10), "post")]
    return community.frames(member_rows=member_rows, activity_rows=activities, campaign_rows=[], participation_rows=[])


def counted_queries(warehouse: Warehouse) -> list[tuple[str, str]]:
    """The statements the warehouse's engine runs from now on (the engine opened first), each with
    its parameters as text."""
    warehouse.check()
    statements: list[tuple[str, str]] = []
    engine = warehouse._engine
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append((args[2], repr(args[3]))))
    return statements


def sql_answer(warehouse: Warehouse, filters: Filters) -> list[int]:
    """The rows SQL's member_conditions keeps: what the memo's answer must equal."""
    ids = warehouse.run(sa.select(members.c.member_id).where(*member_conditions(filters)))["member_id"]
    keep = RECORDS["member_id"].isin(ids.tolist()) | (RECORDS["member_id"].isna() & (not filters.selects_members))
    return RECORDS.loc[keep, "n"].tolist()


@pytest.mark.parametrize(
    "ids",
    [["carol", "alice", "nobody"], ["tom"], [], ["bob", "dave", "erin", "frank", "gina", "hank"]],
)
def test_ids_bound_as_one_list_find_what_an_in_list_finds(warehouse, ids):
    """DuckDB and PostgreSQL take the ids as one list (ten thousand in an IN list took DuckDB 0.25 s
    to bind), the others as an IN list; lists of other lengths, run one after another on one
    engine, go through its statement cache and each finds its own."""
    ordered = sa.select(members.c.member_id).order_by(members.c.member_id)
    listed = warehouse.run(ordered.where(one_of(members.c.member_id, ids)))["member_id"].tolist()
    assert listed == sorted(set(ids) - {"nobody"})
    assert listed == warehouse.run(ordered.where(members.c.member_id.in_(ids)))["member_id"].tolist()


@pytest.mark.parametrize(("dialect", "rendered"), [("duckdb", "IN (SELECT unnest("), ("postgresql", "= ANY(")])
def test_duckdb_and_postgresql_are_given_one_list(dialect, rendered):
    engine = sa.create_engine(f"{dialect}://")
    statement = sa.select(members.c.member_id).where(one_of(members.c.member_id, ["ann", "bo"]))
    compiled = statement.compile(engine)
    assert rendered in str(compiled)
    assert [value for value in compiled.params.values() if value == ["ann", "bo"]]


@pytest.fixture
def built(tmp_path) -> Warehouse:
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path, frames(), timezone="UTC")
    warehouse = Warehouse(f"duckdb:///{path}")
    yield warehouse
    warehouse.dispose()


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgresql"])
def test_every_filter_is_answered_from_one_lookup_as_sql_answers_it(engine, tmp_path, new_postgres_database):
    warehouse = make_warehouse(engine, tmp_path, frames(), new_postgres_database)
    try:
        statements = counted_queries(warehouse)
        for filters, expected in VIEWS:
            kept = in_scope(RECORDS, warehouse=warehouse, filters=filters)
            assert kept["n"].tolist() == expected, filters
            people = kept["person_id"].where(kept["person_id"].notna(), None).tolist()
            assert people == [None if n == 5 else RECORDS["member_id"][n] for n in expected]
        assert len(statements) == 1  # the first view asked; the others were remembered
        for filters, expected in VIEWS:
            assert sql_answer(warehouse, filters) == expected, filters
    finally:
        warehouse.dispose()


@pytest.mark.parametrize(("engine", "at_once"), [("duckdb", 50_000), ("sqlite", 5_000), ("postgresql", 50_000)])
def test_ids_are_asked_in_statements_each_database_takes(engine, at_once, tmp_path, new_postgres_database):
    """DuckDB and PostgreSQL take one bound list of any length; SQLite binds each id (32,766
    variables at most), so it is asked five thousand at a time, as ClickHouse is (its query text)."""
    warehouse = make_warehouse(engine, tmp_path, frames(), new_postgres_database)
    try:
        assert warehouse.ids_asked_at_once() == at_once
        ids = [f"x{n:05}" for n in range(60_000)] + ["dee", "ann"]
        statements = counted_queries(warehouse)
        found = id_attributes(ids, warehouse=warehouse)
        assert len(statements) == -(-len(ids) // at_once)
        assert found["ann"].channel == "forum" and found["dee"].region == "emea" and found["x00042"] is None
        assert sum(answer is not None for answer in found.values()) == 2
    finally:
        warehouse.dispose()


def test_no_ids_ask_nothing_not_even_to_open_the_warehouse(tmp_path):
    missing = Warehouse(f"duckdb:///{tmp_path / 'never-built.duckdb'}")
    assert in_scope(RECORDS.iloc[5:], warehouse=missing, filters=P)["n"].tolist() == [5]  # the anonymous row
    assert people_of([], warehouse=missing) == {}


def test_only_ids_not_asked_before_are_asked(built):
    statements = counted_queries(built)
    assert people_of(["ann", "gone"], warehouse=built) == {"ann": "ann", "gone": "gone"}
    found = id_attributes(["ann", "bo", "gone"], warehouse=built)
    assert len(statements) == 2
    asked_second = statements[1][1]
    assert "'bo'" in asked_second and "'ann'" not in asked_second and "'gone'" not in asked_second
    assert found["gone"] is None and found["bo"] is not None and found["bo"].channel == "github"
    in_scope(RECORDS, warehouse=built, filters=P)  # cy and dee are new
    assert len(statements) == 3
    in_scope(RECORDS, warehouse=built, filters=P)
    assert len(statements) == 3


def test_a_new_build_is_asked_again(built, tmp_path):
    in_scope(RECORDS, warehouse=built, filters=P)
    moved = [("ann", t(2026, 1, 5), "github", "emea", "dev", False), *MEMBERS[1:]]
    build_warehouse(tmp_path / "warehouse.duckdb", frames(moved), timezone="UTC")
    github = Filters(start=P.start, end=P.end, channel="github")
    assert in_scope(RECORDS, warehouse=built, filters=github)["n"].tolist() == [0, 1, 3]


def test_a_database_queried_in_place_is_asked_again_after_its_memo_expires(tmp_path, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(warehouse_module.time, "monotonic", lambda: clock[0])
    in_place = make_warehouse("sqlite", tmp_path, frames(), None)
    statements = counted_queries(in_place)
    in_scope(RECORDS, warehouse=in_place, filters=P)
    with in_place._engine.begin() as connection:  # the source moves ann, and no sync tells the app
        connection.execute(members.update().where(members.c.member_id == "ann").values(channel="github"))
    github = Filters(start=P.start, end=P.end, channel="github")
    clock[0] += warehouse_module.MEMO_TTL_S - 1
    assert in_scope(RECORDS, warehouse=in_place, filters=github)["n"].tolist() == [1, 3]  # remembered
    clock[0] += 1
    assert in_scope(RECORDS, warehouse=in_place, filters=github)["n"].tolist() == [0, 1, 3]
    assert len([s for s, _ in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    in_place.dispose()


def test_a_runner_that_does_not_remember_is_asked_every_time(built):
    class Plain:
        asked = 0

        def run(self, statement: sa.Executable) -> pd.DataFrame:
            Plain.asked += 1
            return built.run(statement)

    plain = Plain()
    for filters, expected in VIEWS:
        assert in_scope(RECORDS, warehouse=plain, filters=filters)["n"].tolist() == expected
    assert Plain.asked == len(VIEWS)


def test_answers_are_kept_when_another_thread_empties_the_memo_meanwhile(built):
    class Forgetful(dict):
        """A memo that another session empties just after this one stored its answers."""

        def update(self, *args, **kwargs) -> None:
            super().update(*args, **kwargs)
            self.clear()

    class Shared(Warehouse):
        kept = Forgetful()

        def memo(self, name: str) -> dict:
            return self.kept

    shared = Shared(built.url)
    try:
        assert in_scope(RECORDS, warehouse=shared, filters=P)["n"].tolist() == [0, 1, 3, 5]
        assert people_of(["ann", "gone"], warehouse=shared) == {"ann": "ann", "gone": "gone"}
    finally:
        shared.dispose()


def feedback_from(store: AppStore, *authors: tuple[str | None, datetime]) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            tables.feedback.insert(),
            [
                {"source": "form", "member_id": author, "created_at": at, "updated_at": at, "text": "hi"}
                for author, at in authors
            ],
        )


def items_in(filters: Filters) -> sa.Select:
    """The feedback items created in the period, by member."""
    feedback = tables.feedback
    created = feedback.c.created_at
    return (
        sa.select(feedback.c.member_id, feedback.c.id)
        .where(created >= filters.start_utc, created < filters.end_utc)
        .order_by(feedback.c.id)
    )


WEEK_TWO = Filters(start=date(2026, 2, 8), end=date(2026, 2, 15))


def test_a_build_told_of_everyone_the_store_names_knows_another_periods_authors(built, tmp_path):
    """The app's loaders tell a build of every id the app store names (ui.data._stores), so a
    period not looked at before asks the warehouse nothing; an author who writes in later is asked
    for alone, as a view needs them."""
    store = migrated_store(tmp_path / "app.db")
    feedback_from(store, ("ann", t(2026, 2, 2)), (None, t(2026, 2, 3)), ("bo", t(2026, 2, 9)))
    feedback_from(store, ("dee", t(2026, 2, 10)), ("gone", t(2026, 2, 11)), ("cy", t(2026, 2, 12)))
    statements = counted_queries(built)
    scope.everyone_in_store(store, warehouse=built)
    assert len(statements) == 1
    assert all(f"'{author}'" in statements[0][1] for author in ("ann", "bo", "cy", "dee", "gone"))
    scope.everyone_in_store(store, warehouse=built)  # once a build
    first = in_scope(store.run(items_in(P)), warehouse=built, filters=P)
    assert first["member_id"].fillna("anonymous").tolist() == ["ann", "anonymous"]
    second = in_scope(store.run(items_in(WEEK_TWO)), warehouse=built, filters=WEEK_TWO)
    assert second["member_id"].tolist() == ["bo", "dee"]  # cy is on the team, gone unknown
    assert len(statements) == 1
    feedback_from(store, ("ann", t(2026, 2, 13)), ("erin", t(2026, 2, 14)))
    third = in_scope(store.run(items_in(WEEK_TWO)), warehouse=built, filters=WEEK_TWO)
    assert third["member_id"].tolist() == ["bo", "dee", "ann"]
    assert len(statements) == 2 and "'erin'" in statements[1][1] and "'ann'" not in statements[1][1]
    store.dispose()


def test_a_store_that_names_too_many_is_asked_for_view_by_view(built, tmp_path, monkeypatch):
    monkeypatch.setattr(scope, "REMEMBERED", 4)  # half of it, two ids, are fewer than the store names
    store = migrated_store(tmp_path / "app.db")
    feedback_from(store, ("ann", t(2026, 2, 2)), ("bo", t(2026, 2, 9)), ("dee", t(2026, 2, 10)))
    statements = counted_queries(built)
    scope.everyone_in_store(store, warehouse=built)
    assert statements == []
    in_scope(store.run(items_in(P)), warehouse=built, filters=P)
    assert len(statements) == 1 and "'ann'" in statements[0][1] and "'bo'" not in statements[0][1]
    store.dispose()


def test_a_memo_started_again_has_the_store_asked_again(built, tmp_path, monkeypatch):
    monkeypatch.setattr(scope, "REMEMBERED", 6)
    store = migrated_store(tmp_path / "app.db")
    feedback_from(store, ("ann", t(2026, 2, 2)), ("bo", t(2026, 2, 9)), ("dee", t(2026, 2, 10)))
    statements = counted_queries(built)
    scope.everyone_in_store(store, warehouse=built)
    id_attributes(["x1", "x2", "x3", "x4"], warehouse=built)  # three and four are more than six
    scope.everyone_in_store(store, warehouse=built)
    assert len(statements) == 3 and "'bo'" in statements[2][1]
    store.dispose()
