"""The survey builder in headless Chromium, as a manager and then a member use it: from a template,
a two-page survey with five question types, logic and both languages is built, previewed at phone
size (the preview's follow-up appears, nothing is stored), published, answered through its member
link on a 390-pixel phone, and its response appears in the results with the version it answered."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from store import tables
from store.database import AppStore
from tests import test_browser
from tests.test_browser import choose, serve, settled, styled
from ui.survey_form import FORM_KEY

browser = test_browser.browser
phone = test_browser.phone
SLUG = "builder-check"


@pytest.fixture(scope="module")
def data_dir(demo_data_dir: Path, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("survey-builder") / "data"
    shutil.copytree(demo_data_dir, copy)
    return copy


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    with serve(data_dir) as url:
        yield url


def responses(data_dir: Path) -> list[tuple]:
    store = AppStore(f"sqlite:///{data_dir / 'app.db'}")
    rows = store.run(
        sa.select(
            tables.surveys.c.version,
            tables.answers.c.question_id,
            tables.answers.c.value_num,
            tables.answers.c.value_text,
        )
        .select_from(tables.surveys.join(tables.responses, tables.responses.c.survey_id == tables.surveys.c.id))
        .join(tables.answers, tables.answers.c.response_id == tables.responses.c.id)
        .where(tables.surveys.c.slug == SLUG, tables.responses.c.completed == sa.true())
        .order_by(tables.answers.c.question_id)
    )
    store.dispose()
    return [tuple(row) for row in rows.astype(object).where(rows.notna(), None).itertuples(index=False)]


def pick(page, box, option) -> None:
    """Choose an option of a selectbox (a rerun still drawing can close the menu as it opens)."""
    wanted = (
        page.get_by_role("option", name=option, exact=True)
        if isinstance(option, str)
        else page.get_by_role("option", name=option)
    )
    for _ in range(5):
        settled(page)
        box.locator("input").click()
        try:
            wanted.click(timeout=5_000)  # a rerun may also redraw the menu under the pointer
            return
        except PlaywrightTimeout:
            continue
    wanted.click()


def fill(field, text: str) -> None:
    field.fill(text)
    field.press("Tab")  # Streamlit takes a text input's value when it loses focus


def test_a_manager_builds_previews_and_publishes_and_a_member_answers_on_a_phone(server, browser, phone, data_dir):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(f"{server}/surveys?builder=1")
    page.get_by_text("New survey", exact=True).wait_for(timeout=30_000)
    choose(page, "Template", "Quarterly member survey")  # two pages: NPS, long text | multi, CSAT
    fill(page.get_by_role("textbox", name="Link name"), SLUG)
    settled(page)
    page.get_by_role("button", name="Create draft").click()
    page.get_by_text("Page 2 of 2").first.wait_for(timeout=30_000)
    draft_id = re.search(r"draft=(\d+)", page.url).group(1)

    # A fifth type: a short-text question on page 2, in English and Simplified Chinese.
    pick(page, page.get_by_test_id("stSelectbox").filter(has_text="New question's type").nth(1), "Short text")
    settled(page)
    page.get_by_role("button", name="Add question").nth(1).click()
    added = page.get_by_test_id("stExpander").filter(has_text="5. Untitled")
    added.locator("summary").click()
    added.get_by_role("textbox", name=re.compile("^English")).first.wait_for(timeout=30_000)
    fill(added.get_by_role("textbox", name=re.compile("^English")).first, "Which city are you in?")
    settled(page)
    asked = page.get_by_test_id("stExpander").filter(has_text="5. Which city are you in?")
    fill(asked.get_by_role("textbox", name=re.compile("^Simplified Chinese")).first, "你在哪个城市？")
    settled(page)

    # Logic: the reason is asked of detractors only, picked from the earlier NPS question.
    reason = page.get_by_test_id("stExpander").filter(has_text="2. What is the main reason")
    reason.locator("summary").click()
    pick(page, reason.get_by_test_id("stSelectbox").filter(has_text="Depends on"), re.compile("^nps · How likely"))
    settled(page)
    score = reason.get_by_role("spinbutton", name="Score")
    fill(score, "6")
    settled(page)

    # The preview at phone size, with its logic; in 简体中文 too.
    preview = page.locator(f".st-key-builder_preview_{draft_id}_frame")
    controls = page.locator(f".st-key-builder_preview_{draft_id}_controls")
    assert preview.bounding_box()["width"] > 400  # desktop width first
    expect(page.get_by_test_id("stMainMenu")).to_be_visible()  # the member's page hides it, the builder not
    controls.get_by_text("Phone", exact=True).click()
    frame = f".st-key-builder_preview_{draft_id}_frame"
    page.wait_for_function(f"document.querySelector('{frame}').getBoundingClientRect().width < 400", timeout=30_000)
    assert abs(preview.bounding_box()["width"] - 390) <= 2
    nps = preview.get_by_role("radiogroup", name=re.compile("^How likely are you to recommend"))
    follow_up = preview.get_by_role("textbox", name="What is the main reason for your score?")
    expect(follow_up).to_have_count(0)
    nps.get_by_role("radio", name="3", exact=True).click()
    expect(follow_up).to_be_visible(timeout=30_000)  # a detractor is asked why
    nps.get_by_role("radio", name="10", exact=True).click()
    expect(follow_up).to_have_count(0, timeout=30_000)
    controls.get_by_text("Simplified Chinese", exact=True).click()
    expect(preview.get_by_text("你有多大可能向朋友或同事推荐这个社区？").first).to_be_visible(timeout=30_000)

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(f"Published {SLUG}, version 1.")).to_be_visible(timeout=30_000)
    assert responses(data_dir) == []  # the preview stored nothing
    assert page.get_by_test_id("stException").count() == 0
    # The survey's results are shown, and the switch above says so: one click on Build builds again
    # (it stayed on Build, and its first click only unselected it).
    switch = page.get_by_role("radiogroup", name="What to show")
    expect(switch.get_by_role("radio", name="Surveys")).to_have_attribute("aria-checked", "true")
    switch.get_by_role("radio", name="Build").click()
    page.get_by_text("New survey", exact=True).wait_for(timeout=30_000)

    # The member, through the survey's link, on a phone.
    phone.goto(f"{server}/survey?s={SLUG}&lang=en")
    nps = phone.get_by_role("radiogroup", name=re.compile("^How likely are you to recommend"))
    nps.wait_for(timeout=30_000)
    styled(phone, FORM_KEY)  # the form laid out by its own style
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    nps.get_by_role("radio", name="3", exact=True).click()
    fill(phone.get_by_role("textbox", name="What is the main reason for your score?"), "Too few events near me")
    phone.get_by_role("button", name="Next").click()
    phone.get_by_text("Which parts of the community are most valuable to you?").first.wait_for(timeout=30_000)
    phone.get_by_text("Group chat", exact=True).click()
    csat = phone.get_by_role("radiogroup", name=re.compile("^How satisfied are you"))
    csat.get_by_role("radio", name="4", exact=True).click()
    fill(phone.get_by_role("textbox", name="Which city are you in?"), "Lisbon")
    phone.get_by_role("button", name="Submit").click()
    expect(phone.get_by_text("Thank you! Your answers are saved.")).to_be_visible(timeout=30_000)
    assert responses(data_dir) == [
        (1, "nps", 3.0, None),
        (1, "reason", None, "Too few events near me"),
        (1, "satisfaction", 4.0, None),
        (1, "short_text", None, "Lisbon"),  # the added question, under the id the editor gave it
        (1, "valuable", 1.0, '["chat"]'),
    ]

    # The results: the response, and the version it answered.
    today = datetime.now(UTC).date()  # the demo's period ends before today, when the member answered
    page.goto(f"{server}/surveys?survey={SLUG}&period=custom&start={today}&end={today + timedelta(days=1)}")
    page.get_by_text("Responses by version").wait_for(timeout=60_000)
    table = page.get_by_test_id("stDataFrame").filter(has_text="Responses")
    expect(table.last).to_be_visible()
    assert page.get_by_test_id("stException").count() == 0
    context.close()
