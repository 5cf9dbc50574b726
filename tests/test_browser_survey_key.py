"""The survey's form key in headless Chromium: it never travels in the address, so two browsers
opening one forwarded address each store their own response; a double click or a refresh in one tab
still stores once; a personal link still answers once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from store import tables
from store.database import AppStore
from surveys import links, registry
from surveys.links import Audience
from tests import test_browser, test_browser_survey
from tests.test_browser_survey import THANKS, open_survey, option, question

browser = test_browser.browser  # fixtures: the module's headless Chromium,
data_dir = test_browser_survey.data_dir  # a copy of the demo data for this module,
server = test_browser_survey.server  # and the app served on it
ALREADY = "Thank you! Your answers were already saved; nothing more to do."
LINK_USED = "This personal link has already been used to answer. Each link can be used once."


@pytest.fixture
def store(data_dir: Path) -> Iterator[AppStore]:
    app_store = AppStore(f"sqlite:///{data_dir / 'app.db'}")
    yield app_store
    app_store.dispose()


@pytest.fixture
def two_browsers(browser: Browser) -> Iterator[tuple[Page, Page]]:
    """Two separate browsers (contexts share no storage or cookies), each on a phone."""
    contexts = [browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True) for _ in range(2)]
    yield tuple(context.new_page() for context in contexts)
    [context.close() for context in contexts]


def newest_id(store: AppStore) -> int:
    return int(store.run(sa.select(sa.func.coalesce(sa.func.max(tables.responses.c.id), 0))).iloc[0, 0])


def answered_since(store: AppStore, first_id: int) -> list[list[object]]:
    """Completed responses after first_id with their NPS and CSAT answers, in the order stored."""
    responses, answers = tables.responses, tables.answers
    return store.run(
        sa.select(responses.c.completed, answers.c.question_id, answers.c.value_num)
        .join(answers, answers.c.response_id == responses.c.id)
        .where(responses.c.id > first_id)
        .order_by(responses.c.id, answers.c.question_id)
    ).values.tolist()


def answer_post_event(page: Page, nps: int, csat: int) -> None:
    option(question(page, "How likely are you to recommend"), str(nps)).click()
    satisfied = question(page, "How satisfied were you")
    expect(satisfied).to_be_visible()
    option(satisfied, str(csat)).click()
    expect(option(satisfied, str(csat))).to_have_attribute("aria-checked", "true", timeout=30_000)


def test_a_forwarded_address_starts_its_own_response_and_a_double_click_stores_once(server, two_browsers, store):
    first, second = two_browsers
    before = newest_id(store)
    open_survey(first, server, "post-event")
    address = first.url  # what the first member would copy and forward
    assert "k=" not in address
    second.goto(address)
    second.get_by_role("button", name="Submit").wait_for(timeout=30_000)

    answer_post_event(first, 10, 5)
    first.get_by_role("button", name="Submit").dblclick()
    expect(first.get_by_text(THANKS, exact=True)).to_be_visible(timeout=30_000)
    answer_post_event(second, 2, 1)
    second.get_by_role("button", name="Submit").click()
    expect(second.get_by_text(THANKS, exact=True)).to_be_visible(timeout=30_000)  # not "already saved"
    assert "k=" not in first.url and "k=" not in second.url
    assert answered_since(store, before) == [
        [True, "csat", 5.0],
        [True, "nps", 10.0],
        [True, "csat", 1.0],
        [True, "nps", 2.0],
    ]

    first.reload()  # the tab keeps its key: a refresh says the answers were saved, and stores nothing
    expect(first.get_by_text(ALREADY, exact=True)).to_be_visible(timeout=30_000)
    assert len(answered_since(store, before)) == 4


def test_a_personal_link_opened_in_two_browsers_answers_once(server, two_browsers, store):
    stored = registry.load_survey(store, "post-event")
    made = links.create_links(
        store,
        survey_id=stored.id,
        slug="post-event",
        members=pd.DataFrame({"member_id": ["m00007"], "name": ["Key Test"], "email": [None]}),
        audience=Audience("segment", "developer"),
        base_url=server,
        now=datetime.now(UTC).replace(tzinfo=None),
    )
    link, before = made["link"].iloc[0], newest_id(store)
    first, second = two_browsers
    for page in (first, second):
        page.goto(link)
        page.get_by_role("button", name="Submit").wait_for(timeout=30_000)
    answer_post_event(first, 9, 4)
    first.get_by_role("button", name="Submit").click()
    expect(first.get_by_text(THANKS, exact=True)).to_be_visible(timeout=30_000)
    option(question(second, "How likely are you to recommend"), "3").click()  # the next run checks the link
    expect(second.get_by_text(LINK_USED, exact=True)).to_be_visible(timeout=30_000)
    member = store.run(sa.select(tables.responses.c.member_id).where(tables.responses.c.id > before))
    assert member["member_id"].tolist() == ["m00007"]
    assert answered_since(store, before) == [[True, "csat", 4.0], [True, "nps", 9.0]]


def test_a_second_personal_link_in_the_same_tab_answers_for_its_own_member(server, two_browsers, store):
    """A shared phone: one member answers through their link, then another opens theirs in the same tab."""
    stored = registry.load_survey(store, "post-event")
    made = links.create_links(
        store,
        survey_id=stored.id,
        slug="post-event",
        members=pd.DataFrame({"member_id": ["m00011", "m00012"], "name": ["A", "B"], "email": [None, None]}),
        audience=Audience("segment", "developer"),
        base_url=server,
        now=datetime.now(UTC).replace(tzinfo=None),
    )
    before = newest_id(store)
    tab, _ = two_browsers
    for link, (nps, csat) in zip(made["link"], [(8, 4), (6, 3)], strict=True):
        tab.goto(link)
        tab.get_by_role("button", name="Submit").wait_for(timeout=30_000)
        answer_post_event(tab, nps, csat)
        tab.get_by_role("button", name="Submit").click()
        expect(tab.get_by_text(THANKS, exact=True)).to_be_visible(timeout=30_000)
    member = store.run(sa.select(tables.responses.c.member_id).where(tables.responses.c.id > before))
    assert sorted(member["member_id"]) == ["m00011", "m00012"]
