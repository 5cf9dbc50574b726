"""A dashboard page's figures fetched from both ends (ui/alongside.py): on PostgreSQL, the page's
loaders made from its last while the page makes them from its first give the same figures with
each statement run once; a newer view stops the thread; nothing is started where it would not help
or for a view this session asked for already."""

from __future__ import annotations

import logging
import re
import threading
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.filters import Filters
from settings import load_settings
from tests import community
from tests.conftest import fixture_warehouse
from ui import alongside, data, warming

APP = str(Path(__file__).resolve().parent.parent / "app.py")
QUARTER = Filters(start=date(2025, 1, 1), end=date(2025, 4, 1))


@pytest.fixture
def postgres_settings(tmp_path, monkeypatch, new_postgres_database):
    """Settings whose warehouse is the fixture community on PostgreSQL, queried in place, with
    empty caches."""
    warehouse = fixture_warehouse("postgresql", tmp_path, "community", community.frames, new_postgres_database)
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PULSE_WAREHOUSE_URL", warehouse.url)
    for name in ("PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    st.cache_data.clear()
    yield load_settings()
    _join_threads()  # none reads the database after the test
    st.cache_data.clear()


def _recording(settings) -> tuple[list[tuple[str, str, str]], object]:
    """The statements the warehouse runs from now on: (thread, statement, parameters)."""
    engine = data.warehouse(settings)._current_engine()
    statements: list[tuple[str, str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        # each reading side by side (Warehouse.run_side_by_side) shares a snapshot of its own id
        statement = re.sub(r"SET TRANSACTION SNAPSHOT '[^']*'", "SET TRANSACTION SNAPSHOT '…'", statement)
        statements.append((threading.current_thread().name, statement, repr(parameters)))

    sa.event.listen(engine, "before_cursor_execute", record)
    return statements, lambda: sa.event.remove(engine, "before_cursor_execute", record)


def _made(steps, settings, version) -> list[object]:
    return [step(settings, version, QUARTER) for step in steps]


def _same(first: object, second: object) -> bool:
    if isinstance(first, pd.DataFrame):
        return first.equals(second)
    if hasattr(first, "__dataclass_fields__"):
        return all(_same(getattr(first, name), getattr(second, name)) for name in first.__dataclass_fields__)
    return first == second


@pytest.mark.parametrize("page", list(warming.VIEWS))
def test_fetched_from_both_ends_each_statement_runs_once_with_the_same_figures(postgres_settings, page):
    settings = postgres_settings
    version = data.data_version(settings)
    steps = warming.steps_seen(page, personal=True)
    statements, stop_recording = _recording(settings)
    try:
        alone = _made(steps, settings, version)
        one_after_another = sorted(statement for _, *statement in statements)
        st.cache_data.clear()
        statements.clear()
        helper = alongside.from_the_end(steps, settings, version, QUARTER, stop=threading.Event())
        both = _made(steps, settings, version)
        helper.join(timeout=60)
    finally:
        stop_recording()
    assert not helper.is_alive()
    assert any(thread == alongside.THREAD_NAME for thread, *_ in statements)  # the thread did part of it
    assert sorted(statement for _, *statement in statements) == one_after_another  # none twice
    assert all(_same(a, b) for a, b in zip(alone, both, strict=True))


def test_nothing_is_fetched_beside_a_page_where_statements_do_not_share_the_cores(demo_data_dir, monkeypatch):
    monkeypatch.setenv("PULSE_DATA_DIR", str(demo_data_dir))  # DuckDB: one statement uses every core
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/members.py")
    at.run()
    assert not at.exception
    assert alongside.KEY not in at.session_state
    assert not [thread for thread in threading.enumerate() if thread.name == alongside.THREAD_NAME]


def test_one_thread_at_a_time_fetches_beside_pages():
    held, go_on = threading.Event(), threading.Event()

    def slow(settings, version, filters) -> None:
        held.set()
        go_on.wait(timeout=30)

    first = alongside.from_the_end([slow], None, "v", QUARTER, stop=threading.Event())
    assert first is not None and held.wait(timeout=30)
    assert alongside.from_the_end([slow], None, "v", QUARTER, stop=threading.Event()) is None  # another page's
    go_on.set()
    first.join(timeout=30)
    after = alongside.from_the_end([], None, "v", QUARTER, stop=threading.Event())
    assert after is not None
    after.join(timeout=30)


def test_a_viewer_without_addresses_has_no_personal_step_fetched():
    personal = warming.steps_seen("members", personal=True)
    presented = warming.steps_seen("members", personal=False)
    assert warming.members.personal[0] in personal and warming.members.personal[0] not in presented
    assert presented[-1] is warming.members_presented.steps[0]  # asked last, as the page asks it
    assert warming.steps_seen("lookup", personal=True) == []


def test_the_thread_stops_between_figures_when_told_and_at_the_first_failure(caplog):
    made: list[str] = []
    stop = threading.Event()

    def first(settings, version, filters) -> None:
        made.append("first")
        stop.set()  # a newer view, while this figure is computed

    def second(settings, version, filters) -> None:
        made.append("second")

    alongside.from_the_end([second, first], None, "v", QUARTER, stop=stop).join(timeout=10)
    assert made == ["first"]

    def broken(settings, version, filters) -> None:
        raise OSError("the server went away")

    made.clear()
    with caplog.at_level(logging.INFO, logger="ui.alongside"):
        alongside.from_the_end([second, broken], None, "v", QUARTER, stop=threading.Event()).join(timeout=10)
    assert made == []  # the page computes the rest, and shows the failure
    assert "the server went away" in caplog.text


def _join_threads() -> None:
    for thread in threading.enumerate():
        if thread.name == alongside.THREAD_NAME:
            thread.join(timeout=60)


def test_a_page_starts_fetching_once_a_view_and_stops_the_view_before(postgres_settings, monkeypatch):
    started: list[tuple[str, Filters]] = []
    real = alongside.from_the_end

    def counted(steps, settings, version, filters, *, stop):
        started.append((steps, filters))
        return real(steps, settings, version, filters, stop=stop)

    monkeypatch.setattr(alongside, "from_the_end", counted)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/members.py")
    at.run()
    assert not at.exception
    assert [steps for steps, _ in started] == [warming.steps_seen("members", personal=True)]
    first_stop = at.session_state[alongside.KEY][1]
    _join_threads()
    at.run()  # the same view again (a click on a chart): nothing more
    assert len(started) == 1 and not first_stop.is_set()
    at.query_params["period"] = "last_90_days"
    at.switch_page("pages/members.py").run()
    assert not at.exception
    assert len(started) == 2 and started[1][1] != started[0][1]
    assert first_stop.is_set()
    second_stop = at.session_state[alongside.KEY][1]
    at.switch_page("pages/campaigns.py").run()  # another page: its own view
    assert not at.exception
    assert second_stop.is_set() and at.session_state[alongside.KEY][0][0] == "campaigns"
