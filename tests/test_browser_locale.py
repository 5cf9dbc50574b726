"""What only a browser shows of locale formats: the day labels vega draws on the Overview's chart
axes (as SVG text) in Chinese and in English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.test_browser import browser, page, serve  # noqa: F401  (fixtures)

CHART_TEXT = "() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg text')].map(e => e.textContent)"
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
ENGLISH_DAY = re.compile(rf"^\d{{1,2}} ({MONTHS})$")  # 2 Nov
CHINESE_DAY = re.compile(r"^\d{1,2}月\d{1,2}日$")  # 11月2日
ENGLISH_MONTH = re.compile(rf"\b({MONTHS})\b")


@pytest.fixture(scope="module")
def server(demo_data_dir: Path) -> Iterator[str]:
    with serve(demo_data_dir) as url:
        yield url


def axis_days(tab: Page, url: str, day: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """Every text of the Overview's two charts once both have drawn, and those that are days in `day`'s form."""
    tab.goto(url)
    tab.wait_for_function(
        f"() => ({CHART_TEXT})().filter(text => new RegExp({day.pattern!r}).test(text)).length >= 8",
        timeout=45_000,
    )
    texts = tab.evaluate(CHART_TEXT)
    return texts, [text for text in texts if day.match(text)]


def test_the_overview_charts_write_their_days_in_chinese_for_a_chinese_reader(server, page):  # noqa: F811
    texts, days = axis_days(page, f"{server}/?lang=zh-CN", CHINESE_DAY)
    assert len(days) >= 8  # the daily trend's ticks and the weekly bars' labels
    assert [text for text in texts if ENGLISH_MONTH.search(text)] == []


def test_the_overview_charts_keep_english_days_for_an_english_reader(server, page):  # noqa: F811
    texts, days = axis_days(page, f"{server}/?lang=en", ENGLISH_DAY)
    assert len(days) >= 8
    assert [text for text in texts if CHINESE_DAY.match(text)] == []
