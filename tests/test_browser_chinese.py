"""Every page in 简体中文 and 繁體中文 in headless Chromium, on a Chinese-first demo community: the
visible interface has no English words left. Data values (member names, a platform called Discord)
are the community's own and are set aside; so are the few words Streamlit draws itself."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data_sources import demo
from data_sources.warehouse import build_warehouse
from store import tables
from store.database import AppStore
from surveys import demo as survey_demo
from tests.test_browser import browser, serve  # noqa: F401  (the module's Chromium)
from tests.test_browser_walk import settle

PAGES = ("overview", "members", "engagement", "campaigns", "lookup", "surveys", "feedback", "data", "sharing", "goals")
# Words the product may show in any language: its name, the measures' international abbreviations,
# file formats and services (an upload box's words are the catalog's: ui/uploads.py).
ALLOWED = set(
    re.findall(
        r"\S+",
        "Community Pulse NPS CSAT CES DAU WAU MAU CSV XLSX PARQUET PDF PNG HTML UTC ID Google Sheets Forms Excel "
        "Parquet YAML xlsx Asia Shanghai Taipei MB",
    )
)
FILE_NAMES = re.compile(r"\b[\w-]+\.(csv|xlsx|parquet|yaml|json|py)\b")  # members.csv: named as it must be
WORD = re.compile(r"[A-Za-z]{2,}")
CHARTS_DRAWN = "[...document.querySelectorAll('[data-testid=stVegaLiteChart]')].every(c => c.querySelector('svg'))"
# Each file uploader's words are drawn by a style of its own (ui/uploads.py), with code Streamlit loads on demand.
UPLOADERS_STYLED = (
    "!document.querySelector('[data-testid=stFileUploader]')"
    " || [...document.querySelectorAll('style')].some(s => s.textContent.includes('stFileUploaderDropzone'))"
)
OVERFLOW_GONE = "!/\\bmore\\b/.test(document.querySelector('[data-testid=stHeader]')?.innerText ?? '')"
COLUMNS = [("members", "name"), ("members", "email"), ("activities", "platform"), ("campaigns", "name")]
VISIBLE = """() => {
  // Words drawn by CSS in place of Streamlit's (ui/uploads.py): what shows is the ::after content.
  document.querySelectorAll('[data-testid=stMainBlockContainer] *').forEach(e => {
    if (e.children.length === 0 && getComputedStyle(e).fontSize === '0px') {
      const after = getComputedStyle(e, '::after').content;
      e.setAttribute('data-shown', after && after !== 'none' ? JSON.parse(after) : '');
    }
  });
  const copy = (selector) => {
    const element = document.querySelector(selector)?.cloneNode(true);
    if (!element) return '';
    // Material icons are words drawn as ligatures; Streamlit's running/stop widget is its own.
    // Commands and file names in code spans are typed as written, in any language.
    const skipped = '[data-testid=stIconMaterial], [data-testid=stStatusWidget], code';
    element.querySelectorAll(skipped).forEach(e => e.remove());
    element.querySelectorAll('[data-shown]').forEach(e => { e.textContent = e.getAttribute('data-shown'); });
    document.body.appendChild(element);
    const text = element.innerText;
    element.remove();
    return text;
  };
  const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg text')].map(e => e.textContent);
  return [copy('[data-testid=stHeader]'), copy('[data-testid=stMainBlockContainer]'), ...charts].join('\\n');
}"""


@pytest.fixture(scope="module", params=["zh-CN"])
def chinese_dir(request, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("zh-demo")
    today = datetime.now(UTC).date()
    frames = demo.generate_community(today=today, members=600, activities=30_000, locale=request.param)
    build_warehouse(directory / "warehouse.duckdb", frames, timezone="Asia/Shanghai")
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    store.migrate()
    surveys = survey_demo.generate_surveys(frames, today=today, locale=request.param)
    survey_demo.store_surveys(store, surveys, now=datetime.now(UTC).replace(tzinfo=None), timezone="Asia/Shanghai")
    store.dispose()
    return directory


@pytest.fixture(scope="module")
def chinese_server(chinese_dir: Path) -> Iterator[str]:
    with serve(chinese_dir, timezone="Asia/Shanghai", language="zh-CN") as url:
        yield url


def data_words(directory: Path) -> set[str]:
    """Every Latin word in the community's own data: names, platforms, feedback, survey texts."""
    import duckdb

    words: set[str] = set()
    with duckdb.connect(str(directory / "warehouse.duckdb"), read_only=True) as connection:
        for table, column in COLUMNS:
            for (value,) in connection.execute(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall():
                words |= set(WORD.findall(str(value or "")))
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    for column in (tables.feedback.c.text, tables.answers.c.value_text):
        for value in store.run(sa.select(column)).iloc[:, 0].dropna():
            words |= set(WORD.findall(str(value)))
    store.dispose()
    return words


def english_on(page: Page, url: str, allowed: set[str]) -> list[str]:
    page.goto(url)
    page.get_by_test_id("stMainBlockContainer").wait_for(timeout=30_000)
    settle(page)  # the runs are over
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)  # charts draw after the run
    page.wait_for_function(UPLOADERS_STYLED, timeout=30_000)
    # The top navigation folds items into Streamlit's own "N more" until it has measured the header;
    # one still folded after the wait is named by the caller's assertion.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(OVERFLOW_GONE, timeout=10_000)
    shown = page.evaluate(VISIBLE)
    return sorted({word for word in WORD.findall(FILE_NAMES.sub("", shown)) if word not in allowed})


@pytest.mark.parametrize("language", ["zh-CN", "zh-TW"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_reads_in_chinese(chinese_server, chinese_dir, browser: Browser, language, name):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale=language)
    try:
        found = english_on(page, f"{chinese_server}/{name}?lang={language}", ALLOWED | data_words(chinese_dir))
    finally:
        page.close()
    assert found == [], " ".join(found)
