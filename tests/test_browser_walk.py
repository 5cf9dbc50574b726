"""Every page as a person sees it, in headless Chromium at a desk (1440×900) and on a phone (390×844):
no column key, None, NaN, NaT or error text anywhere on screen, on each page and detail view of the
small demo, opened as the local admin. The checks are those of ../shared/tools/screens.py, the tool a
reviewer runs. Table cells are drawn on a canvas: tests/test_app_tables.py checks them through
AppTest; here their headers and the grid Streamlit keeps for screen readers are read too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from catalog import CATALOGS
from data_sources.warehouse import Warehouse
from metrics.campaigns import campaign_table
from metrics.filters import Filters, preset_period
from store.database import AppStore
from tests.test_app_tables import a_respondent, demo_with_a_link_and_a_run
from tests.test_browser import CHROMIUM, CHROMIUM_FLAGS, serve

VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
# From screens.py: words a person should not read (snake_case keys, Python's empty values, errors).
LEAKS = [
    (re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"), "raw key"),
    (re.compile(r"(?<![\w.])(None|NaN|nan|NaT|null|undefined)(?![\w.])"), "empty value"),
    (re.compile(r"Traceback|Exception|Error:|KeyError|TypeError|ValueError"), "error text"),
    # A page's bug is shown as this message with a reference (ui.page.failures_end_the_page), not as an
    # exception box: its words up to the reference, in every language.
    (re.compile("|".join(re.escape(words["error.unexpected"].split("{")[0]) for words in CATALOGS.values())), "bug"),
]
# The one thing that may read like a key: part of an email address (yuki_patel@example.org), which an
# admin sees beside a member. screens.py allows it the same way.
NEAR_AN_AT = 30
RUNNING = "[data-testid='stStatusWidget'], [data-testid='stSkeleton'], [data-stale='true']"
CONTENT = "[data-testid='stMain'] [data-testid='stElementContainer']"
# screens.py's script: every text node outside icons (Material icons are ligature words).
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || parent.closest('[data-testid*="Icon"], [class*="material"], script, style')) continue;
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    out.push(node.textContent);
  }
  return out.join(' ');
}"""
HEADERS = "() => [...document.querySelectorAll('[role=columnheader]')].map(e => e.innerText).join(' | ')"
CELLS = "() => [...document.querySelectorAll('[role=gridcell]')].map(e => e.innerText).join(' | ')"


def leaks_in(text: str) -> list[str]:
    found = []
    for pattern, kind in LEAKS:
        for match in pattern.finditer(text):
            if kind == "raw key" and "@" in text[max(0, match.start() - NEAR_AN_AT) : match.end() + NEAR_AN_AT]:
                continue
            found.append(f"{kind}: {match.group(0)}")
    return sorted(set(found))


def settle(page: Page, *, limit: float = 45) -> None:
    """Until the page shows content and, for 0.8 s (a page may run twice), no script run,
    placeholder or stale element (screens.py's rule)."""
    started, quiet = time.monotonic(), None
    while time.monotonic() - started < limit:
        if not page.locator(CONTENT).count() or page.locator(RUNNING).count():
            quiet = None
        elif quiet is None:
            quiet = time.monotonic()
        elif time.monotonic() - quiet > 0.8:
            return
        time.sleep(0.05)
    pytest.fail(f"{page.url} did not settle in {limit} s")


def campaign_with_newcomers(directory: Path) -> str:
    """The campaign of the last 365 days that brought the most new members (its detail has a table)."""
    start, end = preset_period("last_365_days", today=datetime.now(UTC).date())
    community = Warehouse(f"duckdb:///{directory / 'warehouse.duckdb'}")
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    table = campaign_table(warehouse=community, app_store=store, filters=Filters(start=start, end=end))
    community.dispose()
    store.dispose()
    return str(table.sort_values("new_members")["campaign_id"].iloc[-1])


@pytest.fixture(scope="module")
def walk_dir(demo_data_dir, tmp_path_factory) -> Path:
    return demo_with_a_link_and_a_run(demo_data_dir, tmp_path_factory.mktemp("walk") / "data")


@pytest.fixture(scope="module")
def addresses(walk_dir) -> dict[str, str]:
    member, item = a_respondent(walk_dir)
    return {
        "overview": "/",
        "members": "/members",
        "engagement": "/engagement",
        "campaigns": "/campaigns",
        "a campaign": f"/campaigns?period=last_365_days&campaign={campaign_with_newcomers(walk_dir)}",
        "lookup": f"/lookup?member={member}",
        "surveys": "/surveys?survey=onboarding",
        "feedback": f"/feedback?item={item}",
        "data": "/data",
        "sharing": "/sharing",
        "survey": "/survey?s=onboarding",
    }


@pytest.fixture(scope="module")
def server(walk_dir) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")  # an edit elsewhere would mark pages stale
        with serve(walk_dir) as url:
            yield url


@pytest.fixture(scope="module")
def contexts() -> Iterator[dict[str, BrowserContext]]:
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield {
            name: browser.new_context(viewport={"width": width, "height": height})
            for name, (width, height) in VIEWPORTS.items()
        }
        browser.close()


@pytest.fixture(scope="module")
def tabs(contexts) -> dict[str, tuple[Page, list[str]]]:
    """One page per viewport, kept across the walk, with the browser errors it reports."""
    opened = {}
    for name, context in contexts.items():
        page, errors = context.new_page(), []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        opened[name] = (page, errors)
    return opened


# What each page shows once it has drawn its tables, so a page that broke cannot pass as empty.
SHOWS = {
    "overview": "What changed most",
    "members": "Champions slipping away",
    "engagement": "Top contributors",
    "campaigns": "Campaigns in the period",
    "a campaign": "New members who came through it",
    "lookup": "Latest activities",
    "surveys": "Written answers",
    "feedback": "History",
    "data": "Sync runs",
    "sharing": "Select a link's row to revoke it.",
    "survey": "Welcome! How is it going so far?",
}


@pytest.mark.parametrize("name", list(SHOWS))
def test_a_page_shows_nothing_a_person_should_not_read(server, tabs, addresses, name):
    for page, errors in tabs.values():  # both viewports load at once; the server answers both
        errors.clear()
        page.goto(server + addresses[name], wait_until="commit")
    found = {}
    for viewport, (page, errors) in tabs.items():
        settle(page)
        text = page.evaluate(VISIBLE_TEXT)
        assert SHOWS[name] in text, viewport
        leaks = leaks_in(text)
        leaks += [f"table header {leak}" for leak in leaks_in(page.evaluate(HEADERS))]
        leaks += [f"table cell {leak}" for leak in leaks_in(page.evaluate(CELLS)) if not leak.startswith("raw key")]
        leaks += [f"{count} exception box(es)" for count in [page.get_by_test_id("stException").count()] if count]
        found[viewport] = leaks + [f"browser error: {error[:120]}" for error in errors]
    assert found == {viewport: [] for viewport in VIEWPORTS}


def test_the_walk_sees_keys_empty_values_and_errors_but_not_an_email():
    text = "Status wont_fix · Score None · nan% · Error: no such file · yuki_patel.1@example.org"
    assert leaks_in(text) == [
        "empty value: None",
        "empty value: nan",
        "error text: Error:",
        "raw key: wont_fix",
    ]
