"""The figures the rollup keeps by view for the kept views (the default view and the fixed periods
next to it): the Engagement page's (engagement_counts, engagement_platforms, engagement_leaders:
metrics/contributions.py), the activity profile (activity_profiles: metrics/retention.py) and the
level changes (level_counts: metrics/levels.py). The Engagement tiles' counts, active members per
platform, the leaderboard, the profile and the level changes read them for
a kept view's period, with any member filter, and give what computing from activities gives; another
period, or a leaderboard narrowed to a platform, computes; a database queried in place keeps and
reads the default view's too (they come from its rollup alone); figures written for another build
are not read."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

import clock
from data_sources import demo
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from metrics import contributions, levels, retention
from metrics.filters import DEFAULT_PRESET, KEPT_PRESETS, Filters, day_number, preset_period
from rollup.state import kept_ids, rollup_state
from rollup.tables import (
    BUILT_AT_KEY,
    CAMPAIGNS_KEY,
    COUNTS_KEY,
    LEADERS_KEY,
    LEVELS_KEY,
    PLATFORMS_KEY,
    PROFILES_KEY,
    engagement_leaders,
    info,
)
from schema import MEMBER_DIMENSIONS as DIMENSIONS
from tests.conftest import load_community

TODAY = date(2025, 6, 30)
VIEW = Filters(*preset_period(DEFAULT_PRESET, today=TODAY))
QUARTER = Filters(*preset_period("last_90_days", today=TODAY))
PERIODS = {"{}:{}".format(*map(day_number, preset_period(preset, today=TODAY))) for preset in KEPT_PRESETS}
DEFAULT = f"{day_number(VIEW.start)}:{day_number(VIEW.end)}"
NOON = datetime(2025, 6, 30, 12)
FIGURES = {  # the kept table each reads, and the query
    "engagement_counts": lambda filters: contributions.contribution_counts_query(filters=filters),
    "engagement_platforms": lambda filters: contributions.active_by_platform_query(filters=filters),
    "engagement_leaders": lambda filters: contributions.top_contributors_query(filters=filters),
    "engagement_leaders ": lambda filters: contributions.top_contributors_query(filters=filters, limit=3),
    "activity_profiles": lambda filters: retention.activity_profile_query(filters=filters),
    "level_counts": lambda filters: levels.active_level_changes_query(filters=filters),
}
MEMBERS = [{}, {"segment": "developer"}, {"region": "Europe", "channel": "organic search"}, {"segment": "nobody"}]


def _frames() -> dict[str, pd.DataFrame]:
    return demo.generate_community(today=TODAY, members=300, activities=12_000)


@pytest.fixture(scope="module")
def kept(tmp_path_factory) -> str:
    """The URL of a demo community synced on TODAY, whose rollup keeps the kept views' figures."""
    directory = tmp_path_factory.mktemp("engagement")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: NOON)
        return f"duckdb:///{build_warehouse(directory / 'warehouse.duckdb', _frames(), timezone='UTC')}"


def _last_read(statements: list[str]) -> str:
    """The last statement that read figures (not pulse_info, which a database queried in place
    reads after one that read kept figures: are they still those kept?)."""
    return next(statement for statement in reversed(statements) if "FROM pulse_info" not in statement)


def assert_alike(warehouse: Warehouse, filters: Filters, statements: list[str], *, read_kept: bool) -> None:
    """Each figure equals the one computed from activities (Etc/UTC: UTC's days under a name that
    is not the rollup's zone), read from its kept table when `read_kept`, else from member_days."""
    computed = Filters(filters.start, filters.end, filters.channel, filters.region, filters.segment, "Etc/UTC")
    for table, query in FIGURES.items():
        ours = warehouse.run(query(filters))
        read = _last_read(statements)
        assert (f"FROM {table.strip()}" in read) is read_kept, table
        # computed from member-days, or the level counts from the windows a database queried in place keeps
        assert any(days in read for days in ("member_days", "activity_days", "member_windows")) is not read_kept, table
        theirs = warehouse.run(query(computed))
        read = _last_read(statements)
        assert f"FROM {table.strip()}" not in read and "engagement_" not in read and "member_days" not in read
        assert len(ours) or filters.segment == "nobody", table
        pd.testing.assert_frame_equal(ours, theirs, obj=table)


@pytest.mark.parametrize("preset", KEPT_PRESETS)
@pytest.mark.parametrize("members", MEMBERS)
def test_the_kept_figures_give_the_computed_ones(kept, preset, members, statements):
    warehouse = Warehouse(kept)
    try:
        state = warehouse.rollup_state()
        for key in (COUNTS_KEY, PLATFORMS_KEY, LEADERS_KEY, PROFILES_KEY, LEVELS_KEY):
            assert kept_ids(state, key) == PERIODS and len(PERIODS) == 3, key
        view = Filters(*preset_period(preset, today=TODAY), **members)
        assert_alike(warehouse, view, statements, read_kept=True)
    finally:
        warehouse.dispose()


def test_each_combinations_first_make_any_filters_leaderboard(tmp_path, monkeypatch, statements):
    """With two kept of each member combination (twenty at a real community's size), the first two
    of every member filter's leaderboard are read from them and equal the computed ones; a third
    is computed. Each combination keeps its own first two, no team member among them."""
    monkeypatch.setattr(clock, "now", lambda: NOON)
    monkeypatch.setattr(contributions, "LEADERS_KEPT", 2)
    frames = _frames()
    url = f"duckdb:///{build_warehouse(tmp_path / 'warehouse.duckdb', frames, timezone='UTC')}"
    warehouse = Warehouse(url)
    try:
        leaders = warehouse.run(sa.select(engagement_leaders))
        assert set(leaders["view"]) == PERIODS
        combinations = leaders.groupby(["view", *DIMENSIONS], dropna=False).size()
        assert combinations.max() == 2 and (combinations.groupby(level="view").size() > 20).all()
        team = frames["members"].query("is_team")["member_id"]
        assert not set(leaders["member_id"]) & set(team)
        members = frames["members"].query("~is_team")
        filters = [{}] + [
            {dimension: value} for dimension in DIMENSIONS for value in members[dimension].dropna().unique()
        ]
        combined = {values[1:] for values in combinations.index if all(values)}
        filters += [dict(zip(DIMENSIONS, values, strict=True)) for values in sorted(combined)]
        for period, members_filter in itertools.product((VIEW, QUARTER), filters):
            view = Filters(period.start, period.end, **members_filter)
            computed = Filters(*(getattr(view, name) for name in ("start", "end", *DIMENSIONS)), "Etc/UTC")
            for limit, read_kept in ((1, True), (2, True), (3, False)):
                ours = warehouse.run(contributions.top_contributors_query(filters=view, limit=limit))
                assert ("FROM engagement_leaders" in statements[-1]) is read_kept, (members_filter, limit)
                theirs = warehouse.run(contributions.top_contributors_query(filters=computed, limit=limit))
                pd.testing.assert_frame_equal(ours, theirs, obj=f"{members_filter} {limit}")
    finally:
        warehouse.dispose()


@pytest.mark.parametrize("period", ["last_365_days", "last_month", "a day earlier"])
def test_another_period_is_computed(kept, period, statements):
    if period == "a day earlier":
        view = Filters(VIEW.start - timedelta(days=1), VIEW.end - timedelta(days=1))
    else:
        view = Filters(*preset_period(period, today=TODAY))
    warehouse = Warehouse(kept)
    try:
        assert_alike(warehouse, view, statements, read_kept=False)
    finally:
        warehouse.dispose()


def test_level_counts_by_other_rules_are_computed(kept, statements):
    """level_counts holds the levels by RULES: other thresholds, on a kept view, are computed."""
    rules = replace(levels.RULES, champion_weeks=2, regular_weeks=1)
    warehouse = Warehouse(kept)
    try:
        ours = warehouse.run(levels.active_level_changes_query(filters=VIEW, rules=rules))
        assert "level_counts" not in _last_read(statements)
        computed = Filters(VIEW.start, VIEW.end, timezone="Etc/UTC")
        theirs = warehouse.run(levels.active_level_changes_query(filters=computed, rules=rules))
        pd.testing.assert_frame_equal(ours, theirs)
        kept_counts = warehouse.run(levels.active_level_changes_query(filters=VIEW))
        assert "FROM level_counts" in _last_read(statements)
        assert not ours.equals(kept_counts)  # the rules tell members apart here
    finally:
        warehouse.dispose()


def test_a_leaderboard_narrowed_or_longer_is_computed(kept, statements):
    warehouse = Warehouse(kept)
    try:
        for asked, days in (
            ({"platform": "discord"}, "activity_days"),
            ({"kind": "comment"}, "activity_days"),
            ({"limit": 21}, "member_days"),
        ):
            ours = warehouse.run(contributions.top_contributors_query(filters=VIEW, **asked))
            assert "engagement_leaders" not in statements[-1] and f"FROM {days}" in statements[-1], asked
            computed = Filters(VIEW.start, VIEW.end, timezone="Etc/UTC")
            theirs = warehouse.run(contributions.top_contributors_query(filters=computed, **asked))
            assert len(ours) > 1
            pd.testing.assert_frame_equal(ours, theirs, obj=str(asked))
    finally:
        warehouse.dispose()


def test_figures_left_by_another_build_are_not_read(tmp_path, statements, monkeypatch):
    """A rollup rebuilt by a version that keeps no figures writes its build time and leaves the
    kept tables and their rows in pulse_info as they were: they are then computed."""
    monkeypatch.setattr(clock, "now", lambda: NOON)
    url = f"duckdb:///{build_warehouse(tmp_path / 'warehouse.duckdb', _frames(), timezone='UTC')}"
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.update(info).where(info.c.key == BUILT_AT_KEY).values(value="2099-01-01T00:00:00"))
    finally:
        engine.dispose()
    warehouse = Warehouse(url)
    try:
        assert_alike(warehouse, VIEW, statements, read_kept=False)
    finally:
        warehouse.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_database_queried_in_place_keeps_them_too(engine, tmp_path, request, statements, monkeypatch):
    """`cli.py rollup` (Warehouse.refresh_rollup) keeps the Engagement figures of the default view,
    computed from the rollup alone (the other kept views' are computed: they would take most of the
    rollup's time there), and not the campaigns', whose funnel is read live there."""
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'community.db'}"
    else:
        url = request.getfixturevalue("new_postgres_database")("engagement_in_place")
    load_community(url, _frames())
    monkeypatch.setattr(clock, "now", lambda: NOON)
    warehouse = Warehouse(url)
    try:
        warehouse.refresh_rollup(timezone="UTC")
        state = rollup_state(warehouse._current_engine())
        assert kept_ids(state, COUNTS_KEY) == kept_ids(state, PROFILES_KEY) == kept_ids(state, LEVELS_KEY) == {DEFAULT}
        assert kept_ids(state, CAMPAIGNS_KEY) == frozenset()
        for period, members in itertools.product((VIEW, QUARTER), MEMBERS):
            view = Filters(period.start, period.end, **members)
            assert_alike(warehouse, view, statements, read_kept=period == VIEW)
    finally:
        warehouse.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_rollup_rebuilt_in_place_the_next_day_is_not_read_for_the_day_before(engine, tmp_path, request, statements):
    """The engine was marked when TODAY's default view was kept; then `cli.py rollup` ran elsewhere
    the next day, keeping that day's: the statement that read the kept table (now the next day's
    rows) runs again, computed, and gives the day before's figures."""
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'community.db'}"
    else:
        url = request.getfixturevalue("new_postgres_database")("engagement_rebuilt")
    load_community(url, _frames())
    warehouse = Warehouse(url)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: NOON)
            warehouse.refresh_rollup(timezone="UTC")
        warehouse.check()  # marked now, with TODAY's period
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: NOON + timedelta(days=1))
            Warehouse(url).refresh_rollup(timezone="UTC")  # another process: this engine keeps its marks
        statements.clear()
        counts = warehouse.run(contributions.contribution_counts_query(filters=VIEW))
        read = [statement for statement in statements if "contributions" in statement]
        assert ["FROM engagement_counts" in statement for statement in read] == [True, False]  # then again
        computed = Filters(VIEW.start, VIEW.end, timezone="Etc/UTC")
        pd.testing.assert_frame_equal(counts, warehouse.run(contributions.contribution_counts_query(filters=computed)))
    finally:
        warehouse.dispose()
