"""The engagement levels the rollup keeps for the kept views (the default view and the fixed
periods next to it): how many members are at each level now and at the previous period's end
(level_counts) and each member combination's first at each active level (level_lists), by
member combination (metrics/levels.py). The Members page's level board reads them for a kept
view's period, with any member filter, and gives what computing from activities gives; another
period, other rules or a longer list computes."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

import clock
from data_sources.warehouse import Warehouse, build_warehouse
from metrics import levels
from metrics.filters import KEPT_PRESETS, Filters, preset_period
from rollup.state import kept_ids, rollup_state
from rollup.tables import LEVELS_KEY, LISTS_KEY, level_lists
from schema import MEMBER_DIMENSIONS as DIMENSIONS
from tests.test_engagement_results import MEMBERS, NOON, PERIODS, TODAY, _frames
from tests.test_metrics_members import SMALL


@pytest.fixture(scope="module")
def kept(tmp_path_factory) -> str:
    """The URL of a demo community synced on TODAY, whose rollup keeps the kept views' levels."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: NOON)
        path = tmp_path_factory.mktemp("levels") / "warehouse.duckdb"
        return f"duckdb:///{build_warehouse(path, _frames(), timezone='UTC')}"


def _computed(view: Filters) -> Filters:
    """The same view in Etc/UTC: UTC's days under a name that is not the rollup's zone, so every
    figure is computed from the member-days' source, the activities."""
    return Filters(view.start, view.end, *(getattr(view, name) for name in DIMENSIONS), "Etc/UTC")


def assert_same_board(ours: levels.LevelBoard, theirs: levels.LevelBoard) -> None:
    pd.testing.assert_frame_equal(ours.changes.reset_index(drop=True), theirs.changes.reset_index(drop=True))
    assert ours.at_level.keys() == theirs.at_level.keys()
    for level, listed in ours.at_level.items():
        pd.testing.assert_frame_equal(listed, theirs.at_level[level], obj=level)


def _board_read(statements: list[str]) -> str:
    """The level board's statement (the one after it counts the members: member_totals_query)."""
    return next(statement for statement in reversed(statements) if "UNION ALL" in statement)


@pytest.mark.parametrize("preset", KEPT_PRESETS)
@pytest.mark.parametrize("members", MEMBERS)
def test_a_kept_views_level_board_is_read_from_what_the_build_kept(kept, preset, members, statements):
    warehouse = Warehouse(kept)
    try:
        state = warehouse.rollup_state()
        assert kept_ids(state, LEVELS_KEY) == kept_ids(state, LISTS_KEY) == PERIODS and len(PERIODS) == 3
        view = Filters(*preset_period(preset, today=TODAY), **members)
        ours = levels.level_board(warehouse=warehouse, filters=view)
        read = _board_read(statements)
        assert "FROM level_counts" in read and "FROM level_lists" in read
        assert "member_windows" not in read and "member_days" not in read
        theirs = levels.level_board(warehouse=warehouse, filters=_computed(view))
        read = _board_read(statements)
        assert "level_counts" not in read and "level_lists" not in read and "FROM activities" in read
        assert_same_board(ours, theirs)
        if members.get("segment") != "nobody":
            assert ours.changes["members"].sum() > 0 and sum(len(listed) for listed in ours.at_level.values()) > 0
    finally:
        warehouse.dispose()


def test_each_combinations_first_make_any_filters_lists(tmp_path, monkeypatch, statements):
    """With two kept of each member combination and level (two hundred at a real community's size),
    the first two of every member filter's lists are read from them and equal the computed ones; a
    third is computed. No team member is among those kept."""
    monkeypatch.setattr(clock, "now", lambda: NOON)
    monkeypatch.setattr(levels, "LISTED", 2)
    monkeypatch.setattr(levels, "LISTED_SLACK", 1)
    frames = _frames()
    url = f"duckdb:///{build_warehouse(tmp_path / 'warehouse.duckdb', frames, timezone='UTC')}"
    warehouse = Warehouse(url)
    try:
        listed = warehouse.run(sa.select(level_lists))
        assert set(listed["view"]) == PERIODS and set(listed["level"]) == set(levels.ACTIVE_LEVELS)
        lists = listed.groupby(["view", *DIMENSIONS, "level"], dropna=False).size()
        assert lists.max() == 3 and (lists.groupby(level="view").size() > 20).all()
        team = frames["members"].query("is_team")["member_id"]
        assert not set(listed["member_id"]) & set(team)
        members = frames["members"].query("~is_team")
        filters = [{}] + [
            {dimension: value} for dimension in DIMENSIONS for value in members[dimension].dropna().unique()
        ]
        combined = {values[1:4] for values in lists.index if all(values)}
        filters += [dict(zip(DIMENSIONS, values, strict=True)) for values in sorted(combined)]
        quarter = Filters(*preset_period("last_90_days", today=TODAY))
        week = Filters(*preset_period("last_7_days", today=TODAY))
        for period, members_filter in itertools.product((quarter, week), filters):
            view = Filters(period.start, period.end, **members_filter)
            for limit, read_kept in ((1, True), (2, True), (3, False)):
                ours = levels.level_board(warehouse=warehouse, filters=view, limit=limit)
                assert ("FROM level_lists" in _board_read(statements)) is read_kept, (members_filter, limit)
                theirs = levels.level_board(warehouse=warehouse, filters=_computed(view), limit=limit)
                assert_same_board(ours, theirs)
    finally:
        warehouse.dispose()


@pytest.mark.parametrize(
    ("view", "limit", "rules"),
    [
        (Filters(TODAY - timedelta(days=40), TODAY - timedelta(days=3)), levels.AT_LEVEL_SHOWN, levels.RULES),
        (Filters(*preset_period("last_28_days", today=TODAY)), levels.AT_LEVEL_SHOWN + 1, levels.RULES),
        (Filters(*preset_period("last_28_days", today=TODAY)), levels.AT_LEVEL_SHOWN, SMALL),
    ],
    ids=["another period", "a longer list", "other rules"],
)
def test_another_period_a_longer_list_or_other_rules_are_computed(kept, statements, view, limit, rules):
    warehouse = Warehouse(kept)
    try:
        ours = levels.level_board(warehouse=warehouse, filters=view, limit=limit, rules=rules)
        read = _board_read(statements)
        assert "level_counts" not in read and "level_lists" not in read
        theirs = levels.level_board(warehouse=warehouse, filters=_computed(view), limit=limit, rules=rules)
        assert_same_board(ours, theirs)
        assert ours.changes["members"].sum() > 0
    finally:
        warehouse.dispose()


def test_a_database_queried_in_place_keeps_no_levels(tmp_path, monkeypatch, new_postgres_database):
    """A database queried in place reads its members live, so their names and groups may change
    between rollups: the levels are kept in a sync's build alone."""
    from data_sources.rollup import build_rollup
    from engines import create_engine
    from tests.conftest import load_community

    monkeypatch.setattr(clock, "now", lambda: NOON)
    url = new_postgres_database("levels_in_place")
    load_community(url, _frames())
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            build_rollup(connection, timezone="UTC", in_place=True)
        state = rollup_state(engine)
        assert kept_ids(state, LEVELS_KEY) == kept_ids(state, LISTS_KEY) == frozenset()
    finally:
        engine.dispose()


ROW = {"view": "1:2", "channel": "forum", "region": "EU", "segment": "dev", "name": None, "active_weeks": 1}


def _list_row(member_id: str, level: str, contributions: int, *, complete: bool = False, **other) -> dict:
    figures = {"level": level, "member_id": member_id, "contributions": contributions, "last_day": 1}
    return {**ROW, **figures, "complete": complete, **other}


@pytest.fixture
def merging(monkeypatch, tmp_path):
    """A database holding level_lists as an increment finds it, with one of each list's first
    (LISTED) and one more (LISTED_SLACK); its members m1-m9 keyed 1-9. Yields merge(rows of the table,
    touched members' rows after): the rows merged, in order, or None (computed whole)."""
    from engines import create_engine
    from rollup.tables import member_keys

    monkeypatch.setattr(levels, "LISTED", 1)
    monkeypatch.setattr(levels, "LISTED_SLACK", 1)
    engine = create_engine(f"sqlite:///{tmp_path / 'merging.db'}")
    after = sa.Table("after", sa.MetaData(), *(column.copy() for column in level_lists.c))
    with engine.begin() as connection:
        level_lists.create(connection)
        after.create(connection)
        member_keys.create(connection)
        joined = datetime(2025, 1, 1)
        keys = [
            {"member_key": n, "member_id": f"m{n}", "joined_at": joined, "is_team": False, "group_key": 1}
            for n in range(1, 10)
        ]
        connection.execute(member_keys.insert(), keys)

        def merge(table: list[dict], touched: list[dict]) -> list[tuple] | None:
            connection.execute(sa.delete(level_lists))
            connection.execute(sa.delete(after))
            connection.execute(level_lists.insert(), table)
            if touched:
                connection.execute(after.insert(), touched)
            ids = [row["member_id"] for row in touched]
            keyed = sa.select(member_keys.c.member_key).where(member_keys.c.member_id.in_(ids))
            merged = levels._lists_merged(connection, level_lists, after, after, keyed)
            if merged is None:
                return None
            rows = merged.subquery("merged")
            order = (rows.c.level, rows.c.contributions.desc(), rows.c.member_id)
            return [
                tuple(row)
                for row in connection.execute(
                    sa.select(rows.c.level, rows.c.member_id, rows.c.contributions, rows.c.complete).order_by(*order)
                )
            ]

        yield merge
    engine.dispose()


def test_a_list_keeps_its_untouched_and_takes_those_who_rank_above_its_last(merging):
    kept = [_list_row("m1", "casual", 10), _list_row("m2", "casual", 8)]
    # m1 rose to regular (a list no row named: it had no member, so it keeps all it takes); m4 and
    # m5 rank below the casual list's last (m2; m5 by id), and a member not kept may be between them
    touched = [_list_row("m1", "regular", 12), _list_row("m4", "casual", 7), _list_row("m5", "casual", 8)]
    assert merging(kept, touched) == [("casual", "m2", 8, False), ("regular", "m1", 12, True)]
    # m3 now ranks above the last: in, and the list keeps its first two
    assert merging(kept, [_list_row("m3", "casual", 9)]) == [("casual", "m1", 10, False), ("casual", "m3", 9, False)]


def test_a_complete_list_takes_every_member_now_at_its_level(merging):
    kept = [_list_row("m5", "casual", 3, complete=True)]
    assert merging(kept, [_list_row("m6", "casual", 1)]) == [("casual", "m5", 3, True), ("casual", "m6", 1, True)]
    # one more than it keeps: no longer every member
    kept = [_list_row("m5", "casual", 3, complete=True), _list_row("m6", "casual", 1, complete=True)]
    assert merging(kept, [_list_row("m7", "casual", 2)]) == [("casual", "m5", 3, False), ("casual", "m7", 2, False)]


def test_a_list_left_short_of_its_first_is_computed_again(merging):
    kept = [_list_row("m1", "casual", 10), _list_row("m2", "casual", 8)]
    touched = [_list_row("m1", "regular", 12), _list_row("m2", "regular", 9)]
    assert merging(kept, touched) is None
    # a complete list may empty: nobody is left at its level
    kept = [_list_row("m1", "casual", 10, complete=True)]
    assert merging(kept, [_list_row("m1", "regular", 12)]) == [("regular", "m1", 12, True)]
