"""In headless Chromium: a manager sets a goal on the Goals & notes page and sees its line on the
Overview's trend chart, writes a note and sees it there too, as text (the chart's SVG text marks,
drawn from its spec's data, not pixels)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

import clock
from tests.test_browser import browser, page, serve  # noqa: F401  (fixtures)

CHART_TEXT = "() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg text')].map(e => e.textContent)"
NOTE = "Launch <b>week</b>"


@pytest.fixture(scope="module")
def server(demo_data_dir: Path, tmp_path_factory) -> Iterator[str]:
    """The demo served from a copy of its data, so the goals and notes set here stay here."""
    copy = tmp_path_factory.mktemp("goals-demo") / "data"
    shutil.copytree(demo_data_dir, copy, symlinks=True)
    with serve(copy) as url:
        yield url


def set_day(box: Locator, label: str, day: date) -> None:
    """Type a day into a Streamlit date input's year, month and day fields."""
    box.get_by_role("group", name=label).get_by_role("spinbutton").first.click()
    box.page.keyboard.type(day.strftime("%Y%m%d"))
    box.page.keyboard.press("Tab")


def editor(tab: Page, title: str) -> Locator:
    expander = tab.get_by_test_id("stExpander").filter(has_text=title)
    expander.get_by_text(title).click()
    return expander


def chart_texts(tab: Page, wanted: str) -> list[str]:
    tab.goto(tab.url.split("/goals")[0] + "/")
    tab.wait_for_function(f"() => ({CHART_TEXT})().some(text => text.includes({wanted!r}))", timeout=60_000)
    return tab.evaluate(CHART_TEXT)


def test_a_manager_sets_a_goal_and_writes_a_note_and_sees_both_on_the_overview_chart(server, page):  # noqa: F811
    today = clock.today_in("UTC")
    page.goto(f"{server}/goals")
    page.get_by_role("heading", name="Goals & notes").wait_for(timeout=30_000)
    # Monthly active, from 25 days ago to the end of this month: it holds yesterday, the default
    # view's last day (the last 28 days).
    goal = editor(page, "Add a goal")
    set_day(goal, "First day", today - timedelta(days=25))
    target = goal.get_by_test_id("stNumberInput").locator("input")
    target.fill("3100")
    target.press("Tab")
    goal.get_by_role("button", name="Save").click()
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)  # the goals table
    texts = chart_texts(page, "Goal: Monthly active 3,100")
    assert "Goal: Monthly active 3,100" in texts
    assert NOTE not in texts

    page.goto(f"{server}/goals")
    note = editor(page, "Add a note")
    note.get_by_test_id("stTextInput").locator("input").fill(NOTE)
    set_day(note, "First day", today - timedelta(days=10))
    set_day(note, "Last day", today - timedelta(days=8))
    note.get_by_role("button", name="Save").click()
    page.get_by_test_id("stDataFrame").nth(1).wait_for(timeout=30_000)  # the notes table
    texts = chart_texts(page, NOTE)
    assert NOTE in texts  # the title as it was written, in a text mark: no markup made of it
    assert page.locator("[data-testid=stVegaLiteChart] svg b").count() == 0
    assert "Goal: Monthly active 3,100" in texts
