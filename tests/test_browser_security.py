"""Security suite in Chromium (docs/security.md): every manager page over the corpus community
(tests/security_corpus), with payloads selected through the address too. Nothing from the data may
become a script, an element that loads or links, or a dialog; no request may leave for the
attacker's host; every CSV the page offers has no cell that starts a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.security_corpus import data as corpus
from tests.security_corpus.text import FORMULA_STARTS
from tests.test_browser import CHROMIUM, CHROMIUM_FLAGS, serve
from tests.test_browser_walk import settle

ATTACKER = "attacker.invalid"
WALK = {
    "overview, a channel payload": ("/", {"channel": corpus.CHANNELS[0]}),
    "overview, a region payload": ("/", {"region": corpus.REGIONS[0], "period": "last_365_days"}),
    "members, a segment payload": ("/members", {"segment": corpus.SEGMENTS[0], "period": "last_365_days"}),
    "engagement": ("/engagement", {"period": "last_365_days"}),
    "campaigns": ("/campaigns", {"period": "last_365_days"}),
    "a campaign": ("/campaigns", {"period": "last_365_days", "campaign": "c029"}),
    "surveys": ("/surveys", {"survey": "onboarding", "period": "last_365_days"}),
    "a survey's free text": ("/surveys", {"survey": "quarterly-nps", "period": "last_365_days"}),
    "the member survey": ("/survey", {"s": "onboarding"}),
    "feedback": ("/feedback", {"feedback_status": "new"}),
    "a feedback item": ("/feedback", {"item": "2"}),
    "feedback search": ("/feedback", {"feedback_q": "attacker"}),
    "lookup search": ("/lookup", {"lookup_q": "attacker"}),
    "a member": ("/lookup", {"member": "m00002"}),
}
# Elements the data could have made: a script with a payload's alert, or anything that loads or links
# to the attacker's host or runs javascript:.
FROM_DATA = """() => { const LOADS = /^\\s*(javascript:|(https?:)?\\/\\/[^\\/?#]*attacker)/i; return [
  ...[...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).map(s => s.outerHTML),
  ...[...document.querySelectorAll('img, iframe, a, svg, details, embed, object, source')]
      .filter(e => ['src', 'href', 'data'].some(name => LOADS.test(e.getAttribute(name) || ''))
        || ['onerror', 'onload', 'ontoggle'].some(name => e.hasAttribute(name)))
      .map(e => e.outerHTML.slice(0, 200)),
  ...[...document.querySelectorAll('[data-testid=stMarkdownContainer] :is(a:not([href^="#"]), img)')]
      .map(e => e.outerHTML.slice(0, 200)),
];}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    directory = corpus.build(tmp_path_factory.mktemp("corpus-browser"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
        with serve(directory, surveys_dir=str(directory / "surveys")) as url:
            yield url


@pytest.fixture(scope="module")
def tab() -> Iterator[tuple[Page, dict[str, list[str]]]]:
    """One page for the walk, with what it reports: dialogs, requests to the attacker, page errors."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        page, seen = context.new_page(), {"dialogs": [], "requests": [], "errors": []}
        page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
        page.on(
            "request",
            lambda request: urlsplit(request.url).hostname == ATTACKER and seen["requests"].append(request.url),
        )
        page.on("pageerror", lambda error: seen["errors"].append(str(error)))
        yield page, seen
        browser.close()


def formula_cells(page: Page) -> tuple[int, list[str]]:
    """Download every CSV the page shows a button for; (cells read, text cells that start a formula:
    a negative number stays a number, as a spreadsheet reads it)."""
    cells: list[str] = []
    buttons = page.get_by_test_id("stDownloadButton").locator("button")
    for n in range(buttons.count()):
        if not buttons.nth(n).is_visible():  # in a tab not open
            continue
        with page.expect_download(timeout=30_000) as download:
            buttons.nth(n).click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        cells += [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    return len(cells), [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not _number(cell)]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("view", list(WALK))
def test_a_page_over_the_corpus_shows_it_as_text_and_downloads_no_formula(server, tab, view):
    page, seen = tab
    path, query = WALK[view]
    page.goto(f"{server}{path}?{urlencode(query)}")
    settle(page)
    assert page.get_by_test_id("stException").count() == 0
    assert page.evaluate(FROM_DATA) == []
    cells, formulas = formula_cells(page)
    assert (cells > 0, formulas) == (bool(page.get_by_test_id("stDownloadButton").count()), [])
    assert seen == {"dialogs": [], "requests": [], "errors": []}
    if path == "/" and "channel" in query:  # the payload, selected through the address
        captions = page.get_by_test_id("stCaptionContainer").all_inner_texts()
        assert len([c for c in captions if corpus.CHANNELS[0] in c.replace("\u2060", "")]) == 1
