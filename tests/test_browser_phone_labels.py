"""On a 390 px phone every KPI tile's label reads whole, in English and in 简体中文, on every page with
tiles and in presentation mode: none ends in "…" (Streamlit cuts a metric's label to one line; the
layout lets it wrap, ui/streamlit_internals.layout_style). Headless Chromium measures each label's
text against its box."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.test_browser import browser, laid_out, serve, server, styled  # noqa: F401  (the module's Chromium and app)
from tests.test_browser_chinese import chinese_dir, chinese_server  # noqa: F401  (a Chinese-first demo)
from tests.test_browser_walk import settle
from ui.presentation import HEADLINE_KEY

ADDRESSES = (
    "overview",
    "members",
    "engagement",
    "surveys?survey=quarterly-nps",
    "feedback",
    "data",
    "overview?present=1",
    "engagement?present=1",
)
# Each label's parts whose text is wider than their box (cut, with "…" where Streamlit ends it so).
CUT = """() => [...document.querySelectorAll('[data-testid=stMetricLabel]')].flatMap(label =>
  [label, ...label.querySelectorAll('*')]
    .filter(part => part.scrollWidth > part.clientWidth + 1)
    .map(part => `${label.innerText.trim()} (${part.scrollWidth} px in ${part.clientWidth})`))"""


@pytest.fixture(scope="module")
def phones(browser: Browser) -> Iterator[dict[str, Page]]:  # noqa: F811
    contexts = {
        language: browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale=language
        )
        for language in ("en", "zh-CN")
    }
    yield {language: context.new_page() for language, context in contexts.items()}
    for context in contexts.values():
        context.close()


def cut_labels(page: Page, url: str) -> tuple[int, list[str]]:
    """How many tile labels the page shows, and those cut."""
    page.goto(url)
    page.get_by_test_id("stMetricLabel").first.wait_for(timeout=60_000)
    settle(page)  # every tile drawn
    laid_out(page)  # labels wrap by the app's layout
    if "present=1" in url:
        styled(page, HEADLINE_KEY)  # and are drawn larger by the presentation's
    page.evaluate("document.fonts.ready.then(() => true)")  # and measured in its own font
    return page.get_by_test_id("stMetricLabel").count(), page.evaluate(CUT)


def assert_whole(page: Page, base: str, address: str, language: str) -> None:
    joiner = "&" if "?" in address else "?"
    shown, cut = cut_labels(page, f"{base}/{address}{joiner}lang={language}")
    assert shown >= 2  # the page drew its tiles
    assert cut == []


@pytest.mark.parametrize("address", ADDRESSES)
def test_no_tile_label_is_cut_on_a_phone_in_english(server, phones, address):  # noqa: F811
    assert_whole(phones["en"], server, address, "en")


@pytest.mark.parametrize("address", ADDRESSES)
def test_no_tile_label_is_cut_on_a_phone_in_chinese(chinese_server, phones, address):  # noqa: F811
    assert_whole(phones["zh-CN"], chinese_server, address, "zh-CN")


# Each date of the period's caption as the lines it is drawn on (a date split over two lines has two).
DATE_LINES = """() => {
  const text = document.querySelector('.st-key-pulse_period p');
  const node = text.firstChild, words = node.textContent;
  return [...words.matchAll(/\\d{4}年\\d{1,2}月\\d{1,2}日|\\d{1,2}\\u00a0\\w{3}\\u00a0\\d{4}/g)].map(found => {
    const range = document.createRange();
    range.setStart(node, found.index);
    range.setEnd(node, found.index + found[0].length);
    return [found[0], new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size];
  });
}"""


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_on_a_phone_no_date_of_the_period_breaks_over_two_lines(chinese_server, phones, language):  # noqa: F811
    page = phones[language]
    page.goto(f"{chinese_server}/members?period=last_90_days&lang={language}")
    page.locator(".st-key-pulse_period p").wait_for(timeout=60_000)
    settle(page)
    laid_out(page)
    page.evaluate("document.fonts.ready.then(() => true)")
    split = {}
    for width in range(300, 431, 5):  # phones' widths: wherever a line ends, no date is cut ("2026年6 / 月10日")
        page.set_viewport_size({"width": width, "height": 844})
        dates = page.evaluate(DATE_LINES)
        assert len(dates) == 4
        if cut := [date for date, lines in dates if lines > 1]:
            split[width] = cut
    page.set_viewport_size({"width": 390, "height": 844})
    assert split == {}
