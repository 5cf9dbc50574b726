"""In headless Chromium: a manager creates a digest on the Digests page with its pickers and sees it
listed with its schedule and its next run on the community's clock (the table's cells as the grid
gives them to assistive technology), and the digest kept in the app store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import clock
from digests.subscriptions import list_digests
from store.database import AppStore
from tests.test_browser import browser, choose, page, serve, settled  # noqa: F401  (fixtures)

CELLS = "() => [...document.querySelectorAll('[data-testid=stDataFrame] [role=gridcell]')].map(c => c.textContent)"


@pytest.fixture(scope="module")
def server(demo_data_dir: Path, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The demo served from a copy of its data, with a Slack channel configured (nothing is sent)."""
    folder = tmp_path_factory.mktemp("digests-demo")
    copy = folder / "data"
    shutil.copytree(demo_data_dir, copy, symlinks=True)
    secrets = folder / "secrets.toml"
    secrets.write_text(
        '[pulse.channels.team-slack]\nkind = "slack"\nwebhook = "http://127.0.0.1:9/services/T/B/browser"\n',
        encoding="utf-8",
    )
    with serve(copy, secrets_file=str(secrets)) as url:
        yield url, copy


def next_friday_at_nine() -> datetime:
    now = clock.now()
    day = now.date() + timedelta(days=(4 - now.weekday()) % 7)
    if datetime.combine(day, datetime.min.time()).replace(hour=9) <= now:
        day += timedelta(days=7)
    return datetime.combine(day, datetime.min.time()).replace(hour=9)


def test_a_manager_creates_a_digest_and_sees_it_listed_with_its_next_run(server, page):  # noqa: F811
    url, data_dir = server
    page.goto(f"{url}/digests")
    page.get_by_role("heading", name="Digests").wait_for(timeout=30_000)
    page.get_by_text("Add a digest").click()
    editor = page.get_by_test_id("stExpander").filter(has_text="Add a digest")
    editor.get_by_label("Name").fill("Friday <b>pulse</b>")
    editor.get_by_label("Name").press("Tab")
    settled(page)  # the name's rerun is over before a menu opens (a rerun closes it)
    choose(page, "Day of the week", "Friday", within=editor)
    settled(page)
    for _ in range(5):  # a rerun still drawing can close the menu as it opens
        editor.get_by_test_id("stMultiSelect").click()
        try:
            page.get_by_role("option", name="team-slack").click(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    page.keyboard.press("Escape")
    editor.get_by_role("button", name="Save").click()
    page.wait_for_function(f"() => ({CELLS})().includes('Every Friday at 09:00')", timeout=30_000)
    friday = next_friday_at_nine()
    cells = page.evaluate(CELLS)
    assert cells[cells.index("Friday <b>pulse</b>") :][:6] == [
        "Friday <b>pulse</b>",
        "Whole community",
        "Every Friday at 09:00",
        f"{friday.day} {friday:%b %Y}, 09:00",
        "team-slack",
        "Active",
    ]
    assert page.locator("b", has_text="pulse").count() == 0  # the name is text, not markup
    store = AppStore(f"sqlite:///{data_dir / 'app.db'}")
    (digest,) = list_digests(store)
    assert (digest.name, digest.weekday, digest.send_time, digest.recipients) == (
        "Friday <b>pulse</b>",
        4,
        "09:00",
        ("team-slack",),
    )
    store.dispose()
