"""Warming (ui/warming.py): after a new build, each dashboard page's default view opens without a
warehouse query, and so does each view one change away from it (the likely next views); after a
page is shown, its other fixed periods and member filter choices do too; a build is warmed once;
nothing is warmed when the setting is off or the warehouse is queried in place.

The suite runs with warming off (tests/conftest.py); these tests turn it on. A query is counted
when the page's own run makes it, not the warming thread's."""

from __future__ import annotations

import math
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

import clock
from catalog import translate
from feedback.inbox import InboxFilters
from metrics.filters import Filters
from settings import SettingsError, load_settings
from ui import background, data, presentation, warming
from ui.inbox import detail
from ui.presentation import Reader

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = {
    "overview": "pages/overview.py",
    "members": "pages/members.py",
    "engagement": "pages/engagement.py",
    "campaigns": "pages/campaigns.py",
}


@pytest.fixture
def warmed_dir(demo_data_dir, tmp_path, monkeypatch) -> Path:
    """A copy of the demo data whose warehouse is a build behind the warehouse.duckdb link (as sync
    leaves it), warming on, the caches empty and no build warmed yet."""
    directory = tmp_path / "data"
    shutil.copytree(demo_data_dir, directory)
    (directory / "warehouse.duckdb").rename(directory / "build-1.duckdb")
    (directory / "warehouse.duckdb").symlink_to(directory / "build-1.duckdb")
    monkeypatch.setenv("PULSE_DATA_DIR", str(directory))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PULSE_WARM_FIGURES", "true")
    monkeypatch.setattr(warming, "_state", warming._State())
    monkeypatch.setattr(warming, "AFTER_RUN_S", 0.0)  # a second after each run: its own test
    monkeypatch.setattr(background, "refresh_when_due", lambda settings: None)  # no sender with these settings
    st.cache_data.clear()
    return directory


@pytest.fixture
def page_queries(warmed_dir) -> Iterator[list[str]]:
    """The warehouse statements run outside the warming thread (by a page's run)."""
    engine = data.warehouse(load_settings())._current_engine()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if not threading.current_thread().name.startswith("pulse-warm"):  # nor its read ahead
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    yield statements
    sa.event.remove(engine, "before_cursor_execute", count)
    assert warming.idle(timeout=60)


@pytest.fixture
def charts_built(monkeypatch) -> list[str]:
    """The charts a page's run built itself (not from a spec the warming thread made), by kind."""
    built: list[str] = []
    make = presentation.vega_lite_spec

    def counted(chart):
        if not threading.current_thread().name.startswith("pulse-warm"):  # nor its read ahead
            built.append(type(chart).__name__)
        return make(chart)

    monkeypatch.setattr(presentation, "vega_lite_spec", counted)
    return built


@contextmanager
def busy_worker(settings) -> Iterator[None]:
    """The warming thread held on a view until the block ends, so what is asked meanwhile stays
    queued to be looked at; then it works through the queue to its end."""
    started, go_on = threading.Event(), threading.Event()

    def held(settings, version, filters) -> None:
        started.set()
        go_on.wait(timeout=60)

    job = warming.Job(
        settings, data.data_version(settings), [(warming.View((held,)), warming.default_filters(settings))]
    )
    try:
        with warming._state.changed:
            warming._ask(job)
        assert started.wait(timeout=60)
        yield
    finally:
        go_on.set()
    assert warming.idle(timeout=60)


def other_periods(settings) -> int:
    """How many periods the filter bar offers beside the default one and a custom range: seven, but
    six on a Monday (this week is today) or the first of a month (this month is today), five on a
    Monday the 1st."""
    today = clock.today_in(settings.timezone)
    return 7 - (today.weekday() == 0) - (today.day == 1)


def opened(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    at.switch_page(PAGES[page])
    return at.run()


def test_after_a_new_build_every_dashboard_page_opens_from_the_cache(page_queries, charts_built):
    settings = load_settings()
    assert warming.warm_default_views(settings)
    assert warming.idle(timeout=60)
    for page in PAGES:
        for query in ({}, {"present": "1"}):  # at a desk, and on a meeting's projector
            charts_built.clear()
            at = opened(page, query)
            assert not at.exception, page
            assert at.metric or at.dataframe, page  # the page drew its figures
            assert page_queries == [], (page, query, page_queries)
            if not query:  # its charts as the community's language reads them at a desk, made ahead
                assert at.get("vega_lite_chart") and charts_built == [], (page, charts_built)
            assert warming.idle(timeout=60)


def test_after_a_new_build_the_first_change_on_every_dashboard_page_opens_from_the_cache(
    page_queries, charts_built, caplog
):
    """Another fixed period, or a member filter chosen, from the default view: what a person does
    first after opening a page. Two changes at once are not warmed."""
    settings = load_settings()
    with caplog.at_level("INFO", logger="ui.warming"):
        assert warming.warm_default_views(settings)
        assert warming.idle(timeout=120)
    warmed = [record.getMessage() for record in caplog.records if record.getMessage().startswith("Warmed the")]
    assert [message.split(":")[0] for message in warmed] == ["Warmed the default views", "Warmed the likely next views"]
    # the other periods and 16 choices, on four pages and the Members page's without members' addresses
    assert warmed[1].startswith(f"Warmed the likely next views: {5 * (other_periods(settings) + 16)} views")
    for page in PAGES:
        for query in (
            {"period": "last_90_days"},
            {"period": "this_month"},  # so far: its survey scores and feedback read again each minute
            {"channel": "event"},
            {"segment": "student"},
        ):
            at = opened(page, query)
            assert not at.exception, (page, query)
            assert at.metric or at.dataframe or at.info, page  # (the demo has no campaign this month)
            assert page_queries == [], (page, query, page_queries)
            assert charts_built == [], (page, query, charts_built)
            assert warming.idle(timeout=60)  # (each opening warms the views around it in turn)
    assert not opened("engagement", {"period": "last_month", "region": "APAC", "channel": "event"}).exception
    assert page_queries and charts_built  # two changes from every view warmed


def test_a_pages_views_stop_for_a_newer_pages_or_another_builds_default_views_not_for_their_builds(warmed_dir):
    """The default views of its own build are asked again as a page run ends once their ten minutes
    are over: a read ahead started before that goes on (the person is waiting for it)."""
    settings = load_settings()
    version = data.data_version(settings)
    filters = warming.default_filters(settings)
    started = warming.Job(settings, version, [(warming.members, filters)] * 2)
    defaults = warming.Job(settings, version, [(warming.overview, filters)], key=(settings, version, filters))
    warming._state.queue[:] = [defaults]
    assert not warming._overtaken(started, 1)
    warming._state.queue[:] = [warming.Job(settings, version, [(warming.overview, filters)])]  # a newer page's
    assert warming._overtaken(started, 1)
    warming._state.queue[:] = [replace(defaults, version="another build")]
    assert warming._overtaken(started, 1)
    warming._state.queue[:] = []


def test_the_likely_next_views_give_way_to_a_pages_views_and_go_on_behind_them(warmed_dir):
    settings = load_settings()
    filters = warming.default_filters(settings)
    key = (settings, data.data_version(settings), filters)
    with busy_worker(settings):
        assert warming.warm_default_views(settings)
        assert warming.warm_around(settings, "members", replace(filters, region="Europe"))
        assert [(job.key is not None, job.likely_next) for job in warming._state.queue] == [
            (True, False),  # the default views
            (False, False),  # the views around the page looked at
            (True, True),  # then the build's likely next views
        ]
        warming._state.queue[:] = []  # (what the worker will find: nothing but the job below)
        views = [(warming.overview, replace(filters, channel=value)) for value in ("event", "forum", "social")]
        likely = warming.Job(settings, key[1], views, key=key, likely_next=True)
        assert not warming._overtaken(likely, 1)  # nothing newer queued: it goes on
        page_job = warming.Job(settings, key[1], [(warming.members, filters)])
        warming._state.queue[:] = [page_job]
        assert warming._overtaken(likely, 1)  # a page's views: it stops, to go on behind them
        assert [job.plan for job in warming._state.queue] == [page_job.plan, views[1:]]
        assert warming._state.queue[1].asked == likely.asked
        warming._state.queue.pop(0)  # the page's views started
        assert not warming._overtaken(page_job, 0)  # they stop for no likely next views
        warming._state.key = None  # a newer build's default views were asked since
        warming._state.queue[:] = [page_job]
        assert warming._overtaken(likely, 2)
        assert warming._state.queue == [page_job]  # this build's are dropped
        warming._state.queue[:] = []


def test_the_default_views_are_warmed_once_a_build_and_again_when_the_cache_lets_them_go(warmed_dir):
    settings = load_settings()
    assert warming.warm_default_views(settings)
    assert warming.idle(timeout=60)
    assert not warming.warm_default_views(settings)  # the same build, still in the cache
    warming._state.fresh_until = time.monotonic()  # as if their ten minutes had passed
    with busy_worker(settings):
        assert warming.warm_default_views(settings)
        assert [job.likely_next for job in warming._state.queue] == [False, True]  # read again: kept cached
        warming._state.fresh_until = time.monotonic()
        assert warming.warm_default_views(settings)
        assert [job.likely_next for job in warming._state.queue] == [False, True]  # not twice
    assert not warming.warm_default_views(settings)
    shutil.copy(warmed_dir / "build-1.duckdb", warmed_dir / "build-2.duckdb")
    os.replace(_link(warmed_dir, "build-2.duckdb"), warmed_dir / "warehouse.duckdb")  # as sync swaps a build in
    assert warming.warm_default_views(settings)
    assert warming.idle(timeout=60)


def _link(directory: Path, target: str) -> Path:
    link = directory / "next-link"
    link.symlink_to(directory / target)
    return link


@pytest.mark.parametrize("page", ["members", "campaigns"])  # Campaigns ends with st.stop() (no campaign picked)
def test_after_a_page_is_shown_its_other_periods_open_from_the_cache(page_queries, warmed_dir, page):
    settings = load_settings()
    warming._state.key = (settings, data.data_version(settings), warming.default_filters(settings))
    warming._state.fresh_until = math.inf  # this build's default views: not this test
    at = opened(page, {"region": "Europe"})
    assert not at.exception
    assert page_queries  # the first opening asked the warehouse
    assert warming.idle(timeout=60)  # the run started warming the other periods when it ended
    for period in ("last_90_days", "last_7_days", "last_month"):
        page_queries.clear()
        at.selectbox(key="filters_period").select(period).run()
        assert not at.exception
        assert at.selectbox(key="filters_region").value == "Europe"
        assert page_queries == [], (period, page_queries)
        assert warming.idle(timeout=60)
    page_queries.clear()
    at.selectbox(key="filters_period").select("last_90_days")  # two changes from every view shown: not warmed
    at.selectbox(key="filters_region").select("APAC")
    at.selectbox(key="filters_segment").select("student").run()
    assert not at.exception
    assert page_queries


def test_after_a_page_is_shown_each_other_member_filter_choice_opens_from_the_cache(page_queries, warmed_dir):
    """Another value of a member filter, all of its values, or a value of another member filter,
    the period and the other filters kept: each one change from the view shown."""
    settings = load_settings()
    warming._state.key = (settings, data.data_version(settings), warming.default_filters(settings))
    warming._state.fresh_until = math.inf  # this build's default views: not this test
    shown = {"region": "Europe", "period": "last_90_days"}
    assert not opened("members", shown).exception
    assert page_queries
    assert warming.idle(timeout=60)
    for choice in ({"region": "APAC"}, {"channel": "event"}, {"region": None}):
        page_queries.clear()
        view = {name: value for name, value in (shown | choice).items() if value is not None}
        at = opened("members", view)
        assert not at.exception
        assert at.selectbox(key="filters_region").value == view.get("region")
        assert page_queries == [], (view, page_queries)
        assert warming.idle(timeout=60)  # (each opening warms the views around it in turn)
    page_queries.clear()
    assert not opened("members", shown | {"region": "APAC", "channel": "event", "segment": "student"}).exception
    assert page_queries  # two changes from every view shown: not warmed


def test_a_change_made_on_a_page_warms_the_views_around_the_new_view(page_queries, warmed_dir):
    """app.py warms around the view of every run (ui.warming.page_run), a rerun by a widget too:
    after the period is changed, a member filter chosen at the new period is warm."""
    settings = load_settings()
    warming._state.key = (settings, data.data_version(settings), warming.default_filters(settings))
    warming._state.fresh_until = math.inf  # this build's default views and likely next: not this test
    at = opened("members")
    assert warming.idle(timeout=60)
    at.selectbox(key="filters_period").select("last_90_days").run()
    assert not at.exception
    assert warming.idle(timeout=60)
    page_queries.clear()
    at.selectbox(key="filters_region").select("APAC").run()
    assert not at.exception
    assert at.selectbox(key="filters_period").value == "last_90_days"
    assert page_queries == []


def test_the_charts_around_a_view_are_made_ahead_in_its_readers_language(page_queries, charts_built, warmed_dir):
    """A member filter chosen on a page read in Chinese draws charts the thread made in Chinese (a
    spec is kept per language); the default views are then made for that reader too."""
    settings = load_settings()
    warming._state.key = (settings, data.data_version(settings), warming.default_filters(settings))
    warming._state.fresh_until = math.inf  # this build's default views and likely next: not this test
    shown = {"period": "last_90_days", "lang": "zh-CN"}
    assert not opened("members", shown).exception
    assert charts_built  # a view nobody warmed
    assert warming.idle(timeout=60)
    charts_built.clear()
    at = opened("members", shown | {"region": "APAC"})
    assert not at.exception and at.title[0].value == translate("members.title", "zh-CN")
    assert len(at.get("vega_lite_chart")) == 3
    assert page_queries and charts_built == []  # (the view's queries are its first opening's)
    chinese = Reader("zh-CN")
    assert warming._readers(settings) == (chinese,)
    with busy_worker(settings):
        warming._state.fresh_until = 0.0  # ten minutes on
        assert warming.warm_default_views(settings)
        assert {job.readers for job in warming._state.queue if job.key is not None} == {(chinese,)}


def test_a_view_made_lately_is_not_read_again_but_for_a_new_reader_a_new_minute_or_after_a_while(
    warmed_dir, monkeypatch
):
    """Around a page just opened at its default view, every view was made with the build's likely
    next ones: the thread does not read them back (it would hold the interpreter while the person's
    change runs). It reads them again for a reader it has not drawn them for (only that reader's
    charts), for a period so far in a new minute (its answers), when it has made so many specs since
    that the spec cache may have let them go, and after MADE_FRESH_S. The default and likely next
    views asked again are read whatever was made (a read keeps them cached)."""
    settings = load_settings()
    minute = [int(time.time() // 60)]
    today = clock.today_in(settings.timezone)
    monkeypatch.setattr(data, "live_minute", lambda filters: minute[0] if filters.end > today else None)
    called: list[tuple[warming.View, Filters]] = []
    drawn: list[tuple[Reader, ...]] = []
    call, draw = warming.View.__call__, warming.View.draw_ahead

    def counted_call(view, settings, version, filters, **kwargs) -> bool:
        called.append((view, filters))
        return call(view, settings, version, filters, **kwargs)

    def counted_draw(view, settings, version, filters, readers) -> int:
        drawn.append(tuple(readers))
        return draw(view, settings, version, filters, readers)

    monkeypatch.setattr(warming.View, "__call__", counted_call)
    monkeypatch.setattr(warming.View, "draw_ahead", counted_draw)
    assert warming.warm_default_views(settings)
    assert warming.idle(timeout=120)
    assert len(called) > len(warming.VIEWS)  # the default views and the likely next
    made = sorted(map(repr, called))
    filters = warming.default_filters(settings)
    around = warming._around(filters, data.load_dimension_values(settings, data.data_version(settings)), settings)
    overview = warming.VIEWS["overview"]

    def warmed_around(reader: Reader | None = None) -> list[Filters]:
        called.clear()
        drawn.clear()
        assert warming.warm_around(settings, "overview", filters, reader=reader)
        assert warming.idle(timeout=60)
        assert {view for view, _ in called} <= {overview}
        return [shown for _, shown in called]

    assert warmed_around() == [] and drawn == []
    called.clear()
    warming._state.fresh_until = 0.0  # ten minutes on
    assert warming.warm_default_views(settings)
    assert warming.idle(timeout=120)
    assert sorted(map(repr, called)) == made
    chinese = Reader("zh-CN")
    assert warmed_around(chinese) == around and set(drawn) == {(chinese,)}
    assert warmed_around(chinese) == []
    minute[0] += 1
    so_far = [shown for shown in around if shown.end > today]
    assert so_far  # today, at least
    assert warmed_around(chinese) == so_far and set(drawn) == {(chinese,)}
    trusted = warming.SPECS_TRUSTED
    monkeypatch.setattr(warming, "SPECS_TRUSTED", 0)  # as if the thread had made many specs since
    assert warmed_around(chinese) == around and set(drawn) == {(chinese,)}
    monkeypatch.setattr(warming, "SPECS_TRUSTED", trusted)
    assert warmed_around(chinese) == []
    monkeypatch.setattr(warming, "MADE_FRESH_S", 0.0)  # as if five minutes had passed
    assert warmed_around() == around and set(drawn) == {(Reader(settings.language),)}


def test_the_readers_whose_charts_are_made_are_the_latest_seen_in_a_day(warmed_dir):
    settings = load_settings()
    assert warming._readers(settings) == (Reader(settings.language),)  # nobody seen: the community's language
    with busy_worker(settings):
        assert warming.warm_around(settings, "members", warming.default_filters(settings), reader=Reader("zh-TW"))
        assert warming.warm_around(settings, "overview", warming.default_filters(settings), reader=Reader("zh-CN"))
        shared = Reader("en", projector=True, shared=True)  # its link's view, which it cannot change
        assert warming.warm_around(settings, "overview", warming.default_filters(settings), reader=shared)
        assert warming._state.queue[-1].readers == (shared,)  # its own page's charts, still
    now = time.monotonic()
    warming._state.readers[Reader("en", projector=True)] = now
    warming._state.readers[Reader("en")] = now - warming.READERS_KEPT_S - 1  # over a day ago
    assert warming._readers(settings) == (Reader("en", projector=True), Reader("zh-CN"), Reader("zh-TW"))
    warming._state.readers[Reader("zh-TW", projector=True)] = now + 1
    assert warming._readers(settings) == (
        Reader("zh-TW", projector=True),
        Reader("en", projector=True),
        Reader("zh-CN"),
    )  # the latest three


def test_a_period_so_far_reads_its_answers_each_minute_and_its_warehouse_figures_once(page_queries, monkeypatch):
    """Survey answers and feedback reach the app store all day, without a sync: the Overview and
    the Campaigns page over this month read them again a minute later, the warehouse's figures not
    before the next build."""
    settings = load_settings()
    warming._state.key = (settings, data.data_version(settings), warming.default_filters(settings))
    warming._state.fresh_until = math.inf  # the default views and likely next: not this test
    answers: list[str] = []
    engine = data.app_store(settings.app_db_url).engine

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if not threading.current_thread().name.startswith("pulse-warm"):  # nor its read ahead
            answers.append(statement)

    today = clock.today_in(settings.timezone)  # a custom period to today: the demo's campaigns are in it
    minute = [0]  # the clock's minute, turned by the test (a real one might turn between two openings)
    monkeypatch.setattr(data, "live_minute", lambda filters: minute[0] if filters.end > today else None)
    view = {"period": "custom", "start": str(today - timedelta(days=90)), "end": str(today + timedelta(days=1))}
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for page in ("overview", "campaigns"):
            assert not opened(page, view).exception  # (the Campaigns page: warmed around the Overview's view)
            assert warming.idle(timeout=60)
            page_queries.clear(), answers.clear()
            assert not opened(page, view).exception  # within the minute
            assert page_queries == [], (page, page_queries)
            within = len(answers)  # (the Overview reads its notes and goals at every run)
            # the views around this one warmed at this minute first: warmed once it turned, they would
            # read the period's answers before the page (a view of another member filter shares them)
            assert warming.idle(timeout=60)
            minute[0] += 1
            answers.clear()
            assert not opened(page, view).exception  # a minute on
            assert page_queries == [], (page, page_queries)
            assert len(answers) > within, page  # the survey scores (and the Overview's open feedback)
            assert warming.idle(timeout=60)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_member_choices_leave_out_a_dimension_of_many_values(monkeypatch):
    filters = Filters(start=date(2026, 11, 1), end=date(2026, 12, 1), channel="event")
    offered = {"channel": ["event", "social"], "region": ["APAC", "Europe", "Latin America"], "segment": []}
    assert warming._member_choices(filters, offered) == [
        replace(filters, channel=None),
        replace(filters, channel="social"),
        replace(filters, region="APAC"),
        replace(filters, region="Europe"),
        replace(filters, region="Latin America"),
    ]
    with_today = replace(filters, end=date(2026, 12, 3))  # a period so far: kept like the others
    assert len(warming._member_choices(with_today, offered)) == 5
    monkeypatch.setattr(warming, "WARMED_VALUES", 2)
    assert warming._member_choices(filters, offered) == [
        replace(filters, channel=None),
        replace(filters, channel="social"),
    ]
    in_europe = replace(filters, region="Europe")  # of a dimension with too many values: all of them still
    assert replace(in_europe, region=None) in warming._member_choices(in_europe, offered)
    assert warming._member_choices(filters, {"channel": ["", "event"]}) == [replace(filters, channel=None)]


def test_after_a_page_is_shown_the_other_pages_at_its_view_open_from_the_cache(page_queries, warmed_dir):
    """The filter bar carries the view to the next page: it is warm there too."""
    settings = load_settings()
    warming._state.key = (settings, data.data_version(settings), warming.default_filters(settings))
    warming._state.fresh_until = math.inf  # this build's default views: not this test
    at = opened("members", {"region": "Europe", "period": "last_90_days"})
    assert not at.exception and page_queries
    assert warming.idle(timeout=60)
    for page in ("overview", "engagement", "campaigns"):
        page_queries.clear()
        at = opened(page, {"region": "Europe", "period": "last_90_days"})
        assert not at.exception
        assert page_queries == [], (page, page_queries)
        assert warming.idle(timeout=60)  # (each opening warms the views around it in turn)
    page_queries.clear()
    assert not opened("overview", {"region": "APAC", "segment": "student", "period": "last_90_days"}).exception
    assert page_queries  # two changes from the view: not warmed


def test_the_default_view_warms_no_other_page(warmed_dir):
    settings = load_settings()
    filters = warming.default_filters(settings)
    with busy_worker(settings):
        assert warming.warm_around(settings, "members", filters)
        offered = data.load_dimension_values(settings, data.data_version(settings))
        choices = warming._member_choices(filters, offered)
        assert len(choices) == 16  # six channels, six regions, four segments
        plan = warming._state.queue[-1].plan
        assert {view for view, _ in plan} == {warming.members}
        periods = [shown for _, shown in plan if shown not in choices]
        assert [shown for _, shown in plan] == [periods[0], *choices, *periods[1:]]  # after the likeliest period
        assert len(periods) == other_periods(settings)
        europe = replace(filters, region="Europe")
        assert warming.warm_around(settings, "members", europe, personal=False)
        plan = warming._state.queue[-1].plan
        assert [(view, shown) for view, shown in plan if shown == europe] == [
            (warming.overview, europe),
            (warming.engagement, europe),
            (warming.campaigns, europe),
        ]
        assert [view for view, _ in plan[:-3]] == [warming.members, warming.members_presented] * (
            other_periods(settings) + 16
        )


def test_nothing_is_warmed_with_the_setting_off_or_a_warehouse_queried_in_place(warmed_dir, monkeypatch):
    monkeypatch.setenv("PULSE_WARM_FIGURES", "false")
    settings = load_settings()
    filters = warming.default_filters(settings)
    assert not warming.warm_default_views(settings)
    assert not warming.warm_around(settings, "members", filters)
    monkeypatch.setenv("PULSE_WARM_FIGURES", "true")
    monkeypatch.setenv("PULSE_WAREHOUSE_URL", f"sqlite:///{warmed_dir / 'elsewhere.db'}")
    settings = load_settings()
    assert not warming.warm_default_views(settings)
    assert not warming.warm_around(settings, "members", filters)


def test_a_page_without_a_view_to_warm_starts_nothing(warmed_dir):
    settings = load_settings()
    assert not warming.warm_around(settings, "lookup", warming.default_filters(settings))


def test_the_page_looked_at_last_is_warmed_and_a_new_build_to_its_end(page_queries, warmed_dir, monkeypatch):
    """While the thread works, the default views stay queued and a page's periods give way to
    those of the page looked at after it."""
    settings = load_settings()
    filters = warming.default_filters(settings)
    monkeypatch.setattr(warming, "_likely_next", lambda *view: [])  # not this test
    with busy_worker(settings):
        assert warming.warm_default_views(settings)
        assert warming.warm_around(settings, "engagement", filters)
        assert warming.warm_around(settings, "campaigns", filters)  # engagement's periods give way
        queued = [(job.key is not None, [view for view, _ in job.plan]) for job in warming._state.queue]
        defaults = [*warming.VIEWS.values(), *warming.PRESENTED.values()]
        campaigns = [warming.campaigns] * (other_periods(settings) + 16)
        assert queued == [(True, defaults), (False, campaigns), (True, [])]  # [] planned later
    at = opened("campaigns", {"period": "last_90_days"})
    assert not at.exception
    assert page_queries == []
    at = opened("engagement", {"period": "last_90_days"})
    assert page_queries  # dropped: someone looked at another page since


def test_the_default_views_asked_again_go_first_and_replace_what_was_queued_for_another_build(warmed_dir):
    """What was queued for the same build (a page's views, the likely next views) goes on behind them."""
    settings = load_settings()
    filters = warming.default_filters(settings)
    with busy_worker(settings):
        assert warming.warm_default_views(settings)
        assert warming.warm_around(settings, "members", filters)
        warming._state.fresh_until = 0.0  # as if their ten minutes had passed
        assert warming.warm_default_views(settings)
        queued = [(job.key is not None, job.likely_next) for job in warming._state.queue]
        assert queued == [(True, False), (False, False), (True, True)]  # the page's views stay, second
        warming._state.queue[:] = []  # the likely next views done: they are asked again too
        assert warming.read_ahead(settings, [1], include_email=False)  # read by a thread of its own
        warming._state.fresh_until = 0.0
        assert warming.warm_default_views(settings)
        queued = [(job.key is not None, job.likely_next) for job in warming._state.queue]
        assert queued == [(True, False), (True, True)]
        old_key = warming._state.key
        shutil.copy(warmed_dir / "build-1.duckdb", warmed_dir / "build-2.duckdb")
        os.replace(_link(warmed_dir, "build-2.duckdb"), warmed_dir / "warehouse.duckdb")  # a new build
        assert warming.warm_default_views(settings)
        assert warming._state.key != old_key
        queued = [(job.key == warming._state.key, job.likely_next) for job in warming._state.queue]
        assert queued == [(True, False), (True, True)]  # the old build's likely next views are gone


@pytest.mark.parametrize(
    ("written", "warm"),
    [("warm_figures = false", False), ("warm_figures = true", True), ('warm_figures = "off"', False), ("", True)],
)
def test_warming_is_turned_off_in_secrets_toml_as_a_boolean_or_a_word(tmp_path, written, warm):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f"[pulse]\n{written}\n", encoding="utf-8")
    environ = {"PULSE_DATA_DIR": str(tmp_path), "PULSE_SECRETS_FILE": str(secrets)}
    assert load_settings(environ=environ).warm_figures is warm


def test_a_true_false_setting_refuses_a_word_it_does_not_know(tmp_path):
    environ = {"PULSE_DATA_DIR": str(tmp_path), "PULSE_SECRETS_FILE": str(tmp_path / "none.toml")}
    assert load_settings(environ={**environ, "PULSE_WARM_FIGURES": "0"}).warm_figures is False
    assert load_settings(environ={**environ, "PULSE_ALLOW_OPEN_LOCAL_MODE": "YES"}).allow_open_local_mode is True
    with pytest.raises(SettingsError) as refused:
        load_settings(environ={**environ, "PULSE_WARM_FIGURES": "sometimes"})
    assert refused.value.key == "error.settings.flag"
    assert "'sometimes'" in refused.value.user_message and "PULSE_WARM_FIGURES" in refused.value.user_message


def test_a_warming_that_fails_is_logged_and_tried_again_a_minute_later(warmed_dir, monkeypatch, caplog):
    def broken(settings, version, filters) -> None:  # as a warehouse that cannot be read
        raise OSError("the warehouse file went away")

    monkeypatch.setitem(warming.VIEWS, "overview", broken)
    settings = load_settings()
    with caplog.at_level("WARNING", logger="ui.warming"):
        assert warming.warm_default_views(settings)
        assert warming.idle(timeout=60)
    assert any("Warming stopped" in record.getMessage() for record in caplog.records)
    assert not warming.warm_default_views(settings)  # not again at once
    assert warming._state.fresh_until - time.monotonic() <= warming.RETRY_S
    warming._state.fresh_until = time.monotonic()  # a minute later
    monkeypatch.setitem(warming.VIEWS, "overview", warming.overview)
    assert warming.warm_default_views(settings)
    assert warming.idle(timeout=60)
    assert warming._state.fresh_until - time.monotonic() > warming.RETRY_S  # warm for the cache's time


def _one_view(settings, warmed: threading.Event) -> warming.Job:
    """A job of one view that sets `warmed` when the thread makes it."""
    return warming.Job(
        settings,
        data.data_version(settings),
        [(warming.View((lambda *view: warmed.set(),)), warming.default_filters(settings))],
    )


def test_the_thread_starts_no_view_while_a_page_runs(warmed_dir):
    """A person waiting for a page does not share the cores with figures nobody asked for yet."""
    settings = load_settings()
    warmed = threading.Event()
    job = _one_view(settings, warmed)
    with warming._state.changed:
        warming._state.running = 1  # a page run in progress
        warming._ask(job)
    assert not warmed.wait(timeout=0.5)
    with warming._state.changed:
        warming._state.running = 0  # it ended
        warming._state.changed.notify_all()
    assert warmed.wait(timeout=10)
    assert warming.idle(timeout=60)


def test_the_thread_starts_no_view_just_after_a_page_ran(warmed_dir, monkeypatch):
    """The page's last messages are on their way and the browser is drawing them, and a person who
    changes the period as the page settles reruns it: the thread waits AFTER_RUN_S, then goes on."""
    monkeypatch.setattr(warming, "AFTER_RUN_S", 600.0)
    settings = load_settings()
    warmed = threading.Event()
    job = _one_view(settings, warmed)
    with warming.run_in_progress():  # a run (without the default views page_run would ask for)
        pass
    with warming._state.changed:
        warming._ask(job)
    assert not warmed.wait(timeout=0.5)
    with warming._state.changed:
        warming._state.run_ended -= 600.0  # that run ended AFTER_RUN_S ago
        warming._state.changed.notify_all()
    assert warmed.wait(timeout=10)
    assert warming.idle(timeout=60)


def test_a_run_counts_while_in_progress_and_when_it_ended_also_when_it_fails(warmed_dir):
    """What the thread gives way to: a page's run (page_run) and a fragment's rerun (the inbox's item
    panel, pages/_feedback.py), which does not pass through app.py."""
    assert warming._state.run_ended == -math.inf
    with pytest.raises(RuntimeError), warming.run_in_progress():
        with warming.run_in_progress():  # the panel inside the page's whole run
            assert warming._state.running == 2
        assert warming._state.running == 1
        raise RuntimeError("the panel failed")
    assert warming._state.running == 0
    assert time.monotonic() - warming._state.run_ended < 60


def test_a_views_next_loader_waits_for_a_page_run_and_is_not_made_for_a_view_asked_since(warmed_dir):
    """At 3 million members a view is seconds of work: the thread gives way between its loaders,
    not only between views, so the person's run and what they asked for since go first."""
    settings = load_settings()
    version, filters = data.data_version(settings), warming.default_filters(settings)
    made: list[str] = []
    in_first, first_done = threading.Event(), threading.Event()

    def first(*view) -> None:
        made.append("first")
        in_first.set()
        assert first_done.wait(timeout=60)

    around = warming.Job(settings, version, [(warming.View((first, lambda *view: made.append("second"))), filters)])
    with warming._state.changed:
        warming._ask(around)
    assert in_first.wait(timeout=60)
    with warming._state.changed:
        warming._state.running = 1  # a page run began while the first loader ran
    first_done.set()
    time.sleep(0.5)
    assert made == ["first"]  # the second loader waits for the run
    with warming._state.changed:  # the run asks for its own views (another page, a read ahead)
        warming._ask(warming.Job(settings, version, [(warming.View((lambda *view: made.append("asked"),)), filters)]))
        warming._state.running = 0
        warming._state.run_ended = -math.inf
        warming._state.changed.notify_all()
    assert warming.idle(timeout=60)
    assert made == ["first", "asked"]  # the newer view goes first; the older one is dropped halfway


def test_pages_that_never_stop_running_do_not_stop_warming(warmed_dir, monkeypatch):
    """The thread waits PAGES_WAIT_S at most a view, however many loaders it has (asked before each)."""
    monkeypatch.setattr(warming, "PAGES_WAIT_S", 0.2)
    deadlines: list[float] = []
    give_way = warming._give_way_to_pages
    monkeypatch.setattr(
        warming,
        "_give_way_to_pages",
        lambda deadline, **after: (deadlines.append(deadline), give_way(deadline, **after)),
    )
    settings = load_settings()
    warmed = threading.Event()
    steps = (lambda *view: None, lambda *view: warmed.set())
    job = warming.Job(settings, data.data_version(settings), [(warming.View(steps), warming.default_filters(settings))])
    with warming._state.changed:
        warming._state.running = 1  # a page run that does not end
        warming._ask(job)
    assert warmed.wait(timeout=10)
    assert warming.idle(timeout=60)
    warming._state.running = 0
    assert len(deadlines) == 2 and len(set(deadlines)) == 1  # one deadline for the view's two loaders


def test_the_views_around_a_page_are_queued_before_the_thread_goes_on(warmed_dir, monkeypatch):
    """As a page run ends, its views are asked while it still counts as running, so the thread,
    waiting for it on a build's likely next views, takes the page's first."""
    settings = load_settings()
    filters = warming.default_filters(settings)
    warming._state.key = (settings, data.data_version(settings), filters)
    warming._state.fresh_until = math.inf  # the default views: not this test
    order: list[str] = []
    monkeypatch.setitem(warming.VIEWS, "members", warming.View((lambda *view: order.append("page"),)))
    monkeypatch.setitem(warming.PRESENTED, "members", warming.View((lambda *view: order.append("page"),)))
    likely = warming.Job(
        settings,
        warming._state.key[1],
        [(warming.View((lambda *view: order.append("likely next"),)), filters) for _ in range(2)],
        key=warming._state.key,
        likely_next=True,
    )
    with warming.page_run(settings):
        with warming._state.changed:
            warming._ask(likely)  # the thread waits for the page run to end
        warming.remember_view("members", replace(filters, region="Europe"), personal=True, reader=Reader("en"))
    assert warming.idle(timeout=60)
    assert order[0] == "page" and order.count("likely next") == 2


def test_a_page_run_ends_for_the_thread_also_when_the_page_fails(warmed_dir):
    settings = load_settings()
    with pytest.raises(RuntimeError), warming.page_run(settings):
        assert warming._state.running == 1
        raise RuntimeError("the page failed")
    assert warming._state.running == 0
    assert warming.idle(timeout=60)  # (the default views it then asked for: not the next test's)


def test_the_members_of_the_next_and_previous_inbox_items_are_read_ahead(warmed_dir, page_queries):
    """As an item is shown with its member (the default tab), the thread reads the members of the
    items Next and Previous open, so moving on makes no warehouse statement for them."""
    settings = load_settings()
    assert warming.warm_default_views(settings)  # not asked again as the page ends (they replace a page's)
    assert warming.idle(timeout=60)
    order = data.load_inbox(settings, InboxFilters())["id"].astype(int).tolist()
    members = {item: data.load_item(settings, item).item.iloc[0]["member_id"] for item in order}
    shown = next(
        item
        for position, item in enumerate(order[1:-1], start=1)
        if all(isinstance(members[other], str) for other in (order[position - 1], item, order[position + 1]))
    )
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["item"] = str(shown)
    at.switch_page("pages/_feedback.py")
    assert not at.run().exception
    assert warming.idle(timeout=120)
    page_queries.clear()
    year = data.context_year(settings)
    for other in detail.neighbours(shown, order):
        profile = data.load_member_context(settings, members[other], year=year, include_email=True)
        assert profile is not None and not profile["member"].empty
    assert page_queries == []
    near = {members[item] for item in (shown, *detail.neighbours(shown, order))}
    other = next(m for m in members.values() if isinstance(m, str) and m not in near)
    data.load_member_context(settings, other, year=year, include_email=True)  # not read ahead
    assert page_queries


def test_an_inbox_read_ahead_waits_for_no_moment_after_a_page_run(monkeypatch):
    """A page's views start AFTER_RUN_S after a run ends (a rerun often follows one); the next
    item's member is read at once, as the person reads the item; a job another overtook stops
    without waiting. The clock moves as the thread waits (no real wait)."""
    waits: list[float] = []

    def wait(timeout: float | None = None) -> bool:
        waits.append(timeout or 0.0)
        warming._state.run_ended -= timeout or 0.0  # as much time passed
        return False

    monkeypatch.setattr(warming, "_state", warming._State())  # no thread of another test waits on it
    monkeypatch.setattr(warming._state.changed, "wait", wait)
    warming._state.run_ended = time.monotonic()  # a page run just ended
    settings = load_settings()
    deadline = time.monotonic() + 60
    ahead = warming.Job(settings, "v", [], reading_ahead=True)
    assert warming._goes_on(ahead, 0, deadline)
    assert waits == []
    assert warming._goes_on(warming.Job(settings, "v", []), 0, deadline)  # a page's views
    assert len(waits) == 1 and 0 < waits[0] <= warming.AFTER_RUN_S
    waits.clear()
    warming._state.run_ended = time.monotonic()
    warming._state.queue.append(warming.Job(settings, "v", []))  # a newer page's views
    assert not warming._goes_on(warming.Job(settings, "v", []), 0, deadline)  # stop an older page's
    assert warming._goes_on(ahead, 0, deadline)  # a newer page's views do not stop a read ahead
    warming._state.reading = warming.Job(settings, "v", [], reading_ahead=True)  # another item shown
    assert not warming._goes_on(ahead, 0, deadline)
    page = warming.Job(settings, "v", [])
    warming._state.queue[:] = []
    warming._state.read_asked = page.asked + 1  # the person went to the inbox since
    assert not warming._goes_on(page, 0, deadline)  # the page's views stop there
    assert waits == []


def test_an_inbox_read_ahead_drops_the_views_around_the_page_left(warmed_dir):
    """The person is in the inbox: the views queued around the dashboard page they left are not
    made (the default and likely next views are)."""
    settings = load_settings()
    filters = warming.default_filters(settings)
    with busy_worker(settings):
        assert warming.warm_around(settings, "members", filters)
        assert [job.key is None for job in warming._state.queue] == [True]
        assert warming.read_ahead(settings, [1], include_email=False)
        assert warming._state.queue == []


def test_an_inbox_read_ahead_is_read_while_the_warming_thread_is_busy(warmed_dir, page_queries):
    """Queued behind the views, a read ahead waited for a loader of seconds and was late for the
    Next it was read for; its own thread reads it beside them."""
    settings = load_settings()
    items = data.load_inbox(settings, InboxFilters())["id"].astype(int).tolist()
    members = {item: data.load_item(settings, item).item.iloc[0]["member_id"] for item in items}
    item, member = next((item, member) for item, member in members.items() if isinstance(member, str))
    with busy_worker(settings):  # held on a view until the block ends
        assert warming.read_ahead(settings, [item], include_email=True)
        with warming._state.changed:
            assert warming._state.changed.wait_for(lambda: warming._state.reader is None, timeout=120)
        page_queries.clear()
        profile = data.load_member_context(settings, member, year=data.context_year(settings), include_email=True)
        assert profile is not None and not profile["member"].empty
        assert page_queries == []


def test_next_and_previous_are_the_items_beside_one_in_the_list():
    assert detail.neighbours(3, [5, 3, 9]) == [9, 5]
    assert detail.neighbours(5, [5, 3, 9]) == [3]
    assert detail.neighbours(9, [5, 3, 9]) == [3]
    assert detail.neighbours(7, [5, 3, 9]) == []


@pytest.mark.parametrize(("tab", "read"), [(None, True), (translate("feedback.history"), False)])
def test_the_first_inbox_items_member_is_read_ahead_as_the_inbox_opens(warmed_dir, page_queries, tab, read):
    """Unless the tab an item opens on is its history, which does not show the member."""
    settings = load_settings()
    assert warming.warm_default_views(settings)
    assert warming.idle(timeout=60)
    order = data.load_inbox(settings, InboxFilters())["id"].astype(int).tolist()
    at = AppTest.from_file(APP, default_timeout=60)
    if tab is not None:
        at.session_state[detail.TABS] = tab
    at.switch_page("pages/_feedback.py")
    assert not at.run().exception
    assert warming.idle(timeout=120)
    page_queries.clear()
    member = data.load_item(settings, order[0]).item.iloc[0]["member_id"]
    profile = data.load_member_context(settings, member, year=data.context_year(settings), include_email=True)
    assert profile is not None and not profile["member"].empty
    assert (page_queries == []) is read


def test_the_lookup_page_shows_a_member_read_ahead_for_the_inbox_without_a_warehouse_statement(
    warmed_dir, monkeypatch, request
):
    """Both show a member over the year to the community's today, also in the hours its day is not
    UTC's (the inbox read UTC's: the two cached each member twice then)."""
    today = clock.today()
    utc_evening = datetime(today.year, today.month, today.day, 20)
    monkeypatch.setattr(clock, "now", lambda: utc_evening)
    monkeypatch.setenv("PULSE_TIMEZONE", "Pacific/Kiritimati")  # UTC+14: the next day there
    settings = load_settings()
    page_queries = request.getfixturevalue("page_queries")  # on this time zone's engine
    assert data.context_year(settings).end == utc_evening.date() + timedelta(days=1)
    items = data.load_inbox(settings, InboxFilters())["id"].astype(int).tolist()
    members = {item: data.load_item(settings, item).item.iloc[0]["member_id"] for item in items}
    item, member = next((item, member) for item, member in members.items() if isinstance(member, str))
    assert warming.read_ahead(settings, [item], include_email=True)
    assert warming.idle(timeout=120)
    page_queries.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["member"] = member
    at.switch_page("pages/lookup.py")
    assert not at.run().exception
    assert at.metric, "the member's figures"
    assert page_queries == []
