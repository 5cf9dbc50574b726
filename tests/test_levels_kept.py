"""The engagement levels the rollup keeps for the kept views (the default view and the fixed
periods next to it): how many members are at each level now and at the previous period's end
(level_counts) and each member combination's first at each active level (level_lists), by
member combination (metrics/levels.py). The Members page's level board reads them for a kept
view's period, with any member filter, and gives what computing from activities gives; another
period, other rules or a longer list computes."""

from __future__ import annotations

import itertools
from datetime import timedelta

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
    monkeypatch.setattr(levels, "LISTED_KEPT", 2)
    frames = _frames()
    url = f"duckdb:///{build_warehouse(tmp_path / 'warehouse.duckdb', frames, timezone='UTC')}"
    warehouse = Warehouse(url)
    try:
        listed = warehouse.run(sa.select(level_lists))
        assert set(listed["view"]) == PERIODS and set(listed["level"]) == set(levels.ACTIVE_LEVELS)
        lists = listed.groupby(["view", *DIMENSIONS, "level"], dropna=False).size()
        assert lists.max() == 2 and (lists.groupby(level="view").size() > 20).all()
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
