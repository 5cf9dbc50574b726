"""The windows' figures the rollup keeps (member_windows, metrics/member_periods.KeptWindow): the level
changes, the lists at a level, the slipping champions and a survey's respondents
read them for the view whose windows are kept and give what computing from activities gives, with
and without a member filter; another view's windows are computed from member_days; and a database
queried in place whose rollup was rebuilt with other windows since its engine was marked still
gives the right figures: the statement that read windows no longer kept runs again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

import clock
from data_sources import demo
from data_sources.rollup import build_rollup, compiled_for_kept
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from metrics import levels
from metrics.filters import DEFAULT_PRESET, KEPT_PRESETS, Filters, day_number, preset_period
from rollup.tables import BUILT_AT_KEY, WINDOWS_ATTRIBUTE, info, member_keys
from rollup.windows import windows_to_keep
from tests.conftest import load_community

TODAY = date(2025, 6, 30)
VIEW = Filters(start=TODAY - timedelta(days=28), end=TODAY)
LOW_BAR = levels.LevelRules(champion_weeks=2, champion_contributions=2)  # so that the demo has slipping champions
KEPT = [(day_number(start), day_number(end)) for start, end in levels.windows_read(VIEW)]


def _frames() -> dict[str, pd.DataFrame]:
    return demo.generate_community(today=TODAY, members=300, activities=12_000)


def _rebuild_rollup(url: str, windows: list[tuple[int, int]]) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            build_rollup(connection, timezone="UTC", windows=windows)
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=["duckdb", "sqlite", "postgresql"])
def kept(request, tmp_path_factory) -> str:
    """The URL of a demo community whose rollup keeps VIEW's windows, on each engine with one."""
    directory = tmp_path_factory.mktemp(f"kept-{request.param}")
    if request.param == "duckdb":
        url = f"duckdb:///{build_warehouse(directory / 'warehouse.duckdb', _frames(), timezone='UTC')}"
    elif request.param == "sqlite":
        url = f"sqlite:///{directory / 'community.db'}"
        load_community(url, _frames())
    else:
        url = request.getfixturevalue("new_postgres_database")("kept")
        load_community(url, _frames())
    _rebuild_rollup(url, KEPT)
    return url


def figures(filters: Filters, some: list[str]) -> dict[str, sa.Select | sa.CompoundSelect]:
    return {
        "levels": levels.active_level_changes_query(filters=filters),
        "first casual": levels.members_at_level_query(filters=filters, level="casual", limit=5),
        "regulars": levels.members_at_level_query(filters=filters, level="regular"),
        "slipping": levels.slipping_champions_query(filters=filters, rules=LOW_BAR),
        "respondents": levels.respondent_profiles_query(filters=filters, member_ids=some),
    }


def _last_read(statements: list[str]) -> str:
    """The last statement that read the rollup or activities (not pulse_info, which a statement
    that read kept windows in place is followed by)."""
    return next(statement for statement in reversed(statements) if "FROM pulse_info" not in statement)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def assert_alike(warehouse: Warehouse, filters: Filters, statements: list[str], *, kept: bool) -> None:
    """Each figure read from the rollup equals the one computed from activities (Etc/UTC: UTC's days
    under a name that is not the rollup's zone), read from member_windows when `kept`, else from
    member_days (the level counts from level_counts where the rollup keeps the view's figures too)."""
    some = warehouse.run(sa.select(member_keys.c.member_id).order_by(member_keys.c.member_key).limit(60))
    some_ids = some["member_id"].tolist()
    computed_view = Filters(start=filters.start, end=filters.end, segment=filters.segment, timezone="Etc/UTC")
    for name, query in figures(filters, some_ids).items():
        ours = warehouse.run(query)
        read = _last_read(statements)
        counted = name == "levels" and "FROM level_counts" in read
        assert ("FROM member_windows" in read or counted) is kept, name
        assert ("member_days AS last_" in read) is not kept, name
        theirs = warehouse.run(figures(computed_view, some_ids)[name])
        assert "member_windows" not in statements[-1] and "member_days" not in statements[-1], name
        assert len(ours), name
        pd.testing.assert_frame_equal(_sorted(ours), _sorted(theirs), check_dtype=False, obj=name)


@pytest.mark.parametrize("segment", [None, "developer"])
def test_the_kept_windows_give_the_computed_figures(kept, segment, statements):
    warehouse = Warehouse(kept)
    try:
        assert_alike(warehouse, Filters(start=VIEW.start, end=VIEW.end, segment=segment), statements, kept=True)
    finally:
        warehouse.dispose()


@pytest.mark.parametrize("today", [date(2025, 3, 1), date(2026, 12, 3), date(2028, 2, 29)])
def test_the_rollup_keeps_the_windows_the_kept_views_read(today):
    read = [
        (day_number(first), day_number(last))
        for start, end in (preset_period(preset, today=today) for preset in KEPT_PRESETS)
        for first, last in levels.windows_read(Filters(start=start, end=end))
    ]
    assert KEPT_PRESETS[0] == DEFAULT_PRESET
    assert windows_to_keep(today) == list(dict.fromkeys(read))  # each once, the default view's first
    assert len(windows_to_keep(today)) == 5  # the last 28, 7 and 90 days share their end and silence windows


@pytest.mark.parametrize("preset", ["last_7_days", "last_90_days"])
def test_a_sync_keeps_the_windows_of_the_periods_next_to_the_default(preset, tmp_path, monkeypatch, statements):
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 6, 30, 12))
    url = f"duckdb:///{build_warehouse(tmp_path / 'warehouse.duckdb', _frames(), timezone='UTC')}"
    warehouse = Warehouse(url)
    try:
        assert_alike(warehouse, Filters(*preset_period(preset, today=TODAY)), statements, kept=True)
    finally:
        warehouse.dispose()


def test_another_views_windows_are_computed_from_member_days(kept, statements):
    warehouse = Warehouse(kept)
    try:
        day_before = Filters(start=VIEW.start - timedelta(days=1), end=VIEW.end - timedelta(days=1))
        assert_alike(warehouse, day_before, statements, kept=False)
    finally:
        warehouse.dispose()


def test_a_rollup_rebuilt_in_place_with_other_windows_still_gives_the_right_figures(kept, statements):
    """The engine was marked when VIEW's windows were kept; then `cli.py rollup` ran elsewhere with
    none kept. DuckDB's builds never change in place, so only the others are asked."""
    if kept.startswith("duckdb"):
        pytest.skip("a DuckDB build is never rebuilt in place")
    warehouse = Warehouse(kept)
    try:
        warehouse.check()  # marked now, with VIEW's windows
        _rebuild_rollup(kept, [])
        statements.clear()
        listed = warehouse.run(levels.members_at_level_query(filters=VIEW, level="casual", limit=5))
        read = [statement for statement in statements if "member_days" in statement or "member_windows" in statement]
        assert ["FROM member_windows" in statement for statement in read] == [True, False]  # then again
        assert "member_days AS last_" in read[-1]
        assert_alike(warehouse, VIEW, statements, kept=False)  # the engine is marked anew
        computed = Filters(start=VIEW.start, end=VIEW.end, timezone="Etc/UTC")
        pd.testing.assert_frame_equal(
            listed, warehouse.run(levels.members_at_level_query(filters=computed, level="casual", limit=5))
        )
    finally:
        warehouse.dispose()
        _rebuild_rollup(kept, KEPT)


def test_windows_left_by_a_rebuild_that_keeps_none_are_not_read(kept, statements):
    """A rollup rebuilt by a version that keeps no windows writes its build time and leaves
    member_windows and its row in pulse_info as they were: their build time is no longer the
    rollup's, so the windows are computed from member_days."""
    engine = create_engine(kept)
    try:
        with engine.begin() as connection:
            connection.execute(sa.update(info).where(info.c.key == BUILT_AT_KEY).values(value="2099-01-01T00:00:00"))
    finally:
        engine.dispose()
    warehouse = Warehouse(kept)
    try:
        assert_alike(warehouse, VIEW, statements, kept=False)
    finally:
        warehouse.dispose()
        _rebuild_rollup(kept, KEPT)


def test_a_rollup_rebuilt_in_place_is_read_from_the_next_page_on(kept, statements, monkeypatch):
    """`cli.py rollup` (cron) rebuilt the rollup the next day, keeping that day's windows: the
    warehouse's version changes, and its engine is marked anew with those windows."""
    if kept.startswith("duckdb"):
        pytest.skip("a DuckDB build is never rebuilt in place")
    next_day = Filters(start=VIEW.start + timedelta(days=1), end=VIEW.end + timedelta(days=1))
    warehouse = Warehouse(kept)
    try:
        version = warehouse.version()
        monkeypatch.setattr(clock, "now", lambda: datetime(2099, 1, 1, 3))  # built at another time
        _rebuild_rollup(kept, [(day_number(start), day_number(end)) for start, end in levels.windows_read(next_day)])
        assert warehouse.version() != version
        assert_alike(warehouse, next_day, statements, kept=True)
    finally:
        warehouse.dispose()
        _rebuild_rollup(kept, KEPT)


def test_kept_figures_read_the_windows_their_transaction_holds_and_no_others():
    """A build or increment compiles its kept figures for the windows member_windows holds as it
    writes them (compiled_for_kept's `windows`), whatever the connection was marked with before: a
    window held is read from member_windows, another (here one the engine was marked with by an
    earlier build) computed from member_days."""
    now, before, _ = levels.windows_read(VIEW)
    held, stale = [(day_number(now[0]), day_number(now[1]))], {(day_number(before[0]), day_number(before[1]))}
    engine = create_engine("duckdb:///:memory:")
    try:
        setattr(engine.dialect, WINDOWS_ATTRIBUTE, frozenset(stale))
        with engine.connect() as connection:
            sql = str(compiled_for_kept(connection, "UTC", levels.level_counts_query(filters=VIEW), windows=held))
    finally:
        engine.dispose()
    assert sql.count("FROM member_windows") == 1  # the window to the view's end
    assert "member_days AS last_before" in sql  # the one to its start, computed
