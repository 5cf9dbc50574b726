"""The member's survey page in headless Chromium on a 390 x 844 phone, on a copy of the demo data
(the demo's post-event and quarterly surveys): what only a browser shows."""

from __future__ import annotations

import colorsys
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from store import tables
from store.database import AppStore
from tests import test_browser
from tests.test_browser import serve
from ui.survey_form import ACCENT, FORM_KEY

browser = test_browser.browser  # fixtures: the module's headless Chromium,
phone = test_browser.phone  # and a page in it on a 390 x 844 touch screen
page = test_browser.page  # and one at a desk
WIDTH = 390
REQUIRED = "Please answer this question."
SUMMARY = "Please check the answers marked above."
THANKS = "Thank you! Your answers are saved."
# Where an element's text ends on the right (a right-aligned caption's box is wider than its words).
TEXT_RIGHT = (
    "e => { const range = document.createRange(); range.selectNodeContents(e);"
    " return range.getBoundingClientRect().right; }"
)


@pytest.fixture(scope="module")
def data_dir(demo_data_dir: Path, tmp_path_factory) -> Path:
    """The demo data, copied: these tests answer surveys that other browser tests count."""
    copy = tmp_path_factory.mktemp("survey-phone") / "data"
    shutil.copytree(demo_data_dir, copy)
    return copy


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    with serve(data_dir) as url:
        yield url


def open_survey(phone: Page, server: str, slug: str, *, lang: str = "en") -> None:
    phone.goto(f"{server}/survey?s={slug}&lang={lang}")
    phone.get_by_role("button", name=re.compile("^(Submit|Next|提交|下一页|送出|下一頁)$")).wait_for(timeout=30_000)
    test_browser.styled(phone, FORM_KEY)  # the form's own style, which lays a 0-10 scale out in one row


def question(phone: Page, text: str) -> Locator:
    """The answer options of a question, found by its words as a screen reader hears them."""
    return phone.get_by_role("radiogroup", name=re.compile("^" + re.escape(text)))


def option(group: Locator, name: str) -> Locator:
    return group.get_by_role("radio", name=name, exact=True)


def colour(element: Locator, prop: str = "backgroundColor") -> tuple[int, int, int]:
    """The element's colour once its transitions (a radio's dot fades in) have ended."""
    rgb = element.evaluate(
        "async e => { await Promise.all(e.getAnimations().map(a => a.finished));"
        f" return getComputedStyle(e).{prop}; }}"
    )
    return tuple(int(n) for n in re.findall(r"\d+", rgb)[:3])


def hue(rgb: tuple[int, int, int]) -> float:
    """The colour's hue in degrees (0 is red)."""
    return colorsys.rgb_to_hsv(*(n / 255 for n in rgb))[0] * 360


def hue_distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    apart = abs(hue(a) - hue(b))
    return min(apart, 360 - apart)


@pytest.mark.parametrize(
    "lang, asked, lowest, highest",
    [
        ("en", "How likely are you to recommend our events", "Not at all likely", "Extremely likely"),
        ("zh", "你有多大可能向朋友推荐我们的活动", "完全不可能", "非常可能"),
        ("zh-TW", "你有多大可能向朋友推薦我們的活動", "完全不可能", "非常可能"),
    ],
    ids=["en", "zh", "zh-TW"],
)
def test_a_0_to_10_scale_is_one_row_with_its_end_labels_under_its_ends(phone, server, lang, asked, lowest, highest):
    open_survey(phone, server, "post-event", lang=lang)
    nps = question(phone, asked)
    boxes = [option(nps, str(n)).bounding_box() for n in range(11)]
    assert {round(box["y"]) for box in boxes} == {round(boxes[0]["y"])}  # one row
    assert all(box["width"] >= 24 and box["height"] >= 44 for box in boxes)  # each still a fingertip's target
    assert boxes[10]["x"] + boxes[10]["width"] <= WIDTH - 16  # 10 is on screen, inside the page's margin
    assert nps.evaluate("e => e.scrollWidth <= e.clientWidth")  # the row does not scroll either
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= WIDTH  # nor the page

    low, high = phone.get_by_text(lowest, exact=True), phone.get_by_text(highest, exact=True)
    expect(low).to_be_visible()
    expect(high).to_be_visible()
    low_box = low.bounding_box()
    assert low_box["y"] >= boxes[0]["y"] + boxes[0]["height"]  # under the row
    assert abs(low_box["x"] - boxes[0]["x"]) <= 2  # starts under 0
    right_edge = high.evaluate(TEXT_RIGHT)
    assert abs(right_edge - (boxes[10]["x"] + boxes[10]["width"])) <= 2  # ends under 10


def test_every_scale_has_end_labels_and_a_multiple_choice_says_choose_all(phone, server):
    open_survey(phone, server, "post-event")
    for words in ("Not at all likely", "Extremely likely", "Very dissatisfied", "Very satisfied"):
        expect(phone.get_by_text(words, exact=True)).to_be_visible()  # NPS and CSAT: the usual words
    for words in ("Very difficult", "Very easy"):
        expect(phone.get_by_text(words, exact=True)).to_be_visible()  # CES: the definition's own
    expect(phone.get_by_text("Choose all that apply")).to_have_count(0)  # no multiple choice here

    open_survey(phone, server, "quarterly-nps", lang="zh")
    option(question(phone, "你有多大可能向朋友或同事推荐这个社区"), "9").click()
    phone.get_by_role("button", name="下一页").click()
    expect(phone.get_by_text("可多选", exact=True)).to_be_visible(timeout=30_000)
    expect(phone.get_by_text("非常不满意", exact=True)).to_be_visible()


def test_a_member_sees_no_app_menu_and_a_title_wraps_in_even_lines(phone, server):
    """Streamlit's ⋮ (settings, print, about) is the app's, not the member's; and on a phone the
    Chinese title of the post-event survey left one character alone on its second line."""
    open_survey(phone, server, "post-event", lang="zh")
    test_browser.settled(phone)
    menu = phone.get_by_test_id("stMainMenu")  # drawn by Streamlit, and hidden
    expect(menu).to_have_count(1)
    expect(menu).to_be_hidden()
    title = phone.locator("h1").first
    expect(title).to_have_text("社区日活动怎么样？")
    widths = title.evaluate(  # each line's width, the title's text measured where the browser drew it
        "e => { const rows = {}; const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);"
        " for (let n = walk.nextNode(); n; n = walk.nextNode()) { const r = document.createRange();"
        " r.selectNodeContents(n); for (const b of r.getClientRects()) if (b.width > 0)"
        " rows[Math.round(b.top)] = (rows[Math.round(b.top)] || 0) + b.width; }"
        " return Object.values(rows); }"
    )
    assert len(widths) == 2 and min(widths) > 0.5 * max(widths), widths  # "社区日活动怎么 / 样？" before
    phone.goto(f"{server}/survey?s=no-such-survey")  # nor on the way out of an address that finds none
    phone.get_by_text("This survey does not exist. Check the link you were given.").wait_for(timeout=30_000)
    test_browser.settled(phone)
    expect(menu).to_have_count(1)
    expect(menu).to_be_hidden()


def test_at_a_desk_a_survey_is_centred_and_submit_spans_a_one_page_survey(page, server):
    """Alone in the right half, a one-page survey's Submit read as a wizard's step; and the second
    survey opened in the same tab was drawn the page's whole width (the app set a wide page before
    the survey set a centred one)."""
    for slug, button, share in (("post-event", "Submit", (0.9, 1.01)), ("quarterly-nps", "Next", (0.4, 0.6))):
        open_survey(page, server, slug)
        test_browser.settled(page)
        form = page.get_by_test_id("stMainBlockContainer").bounding_box()
        assert form["width"] < 800  # centred, not 1,400 px wide
        row = page.get_by_test_id("stMainBlockContainer").evaluate(
            "e => e.firstElementChild.getBoundingClientRect().width"
        )
        width = page.get_by_role("button", name=button).bounding_box()["width"]
        assert share[0] * row < width < share[1] * row, (slug, width, row)


def test_a_chosen_answer_is_not_painted_like_an_error(phone, server):
    open_survey(phone, server, "post-event")
    phone.get_by_role("button", name="Submit").click()
    alert = phone.get_by_test_id("stAlertContainer").filter(has_text=REQUIRED).first
    expect(alert).to_be_visible(timeout=30_000)
    error_colours = [colour(alert), colour(alert, "color")]

    nine = option(question(phone, "How likely are you to recommend"), "9")
    nine.click()
    expect(nine).to_have_attribute("aria-checked", "true", timeout=30_000)
    yes = question(phone, "Would you come again").locator("[data-testid=stRadioOption]").filter(has_text="Yes")
    yes.click()
    expect(yes).to_have_attribute("data-selected", "true", timeout=30_000)
    dot = yes.locator("xpath=./div/div[1]")
    submit = phone.get_by_role("button", name="Submit")

    accent = tuple(int(ACCENT[n : n + 2], 16) for n in (1, 3, 5))
    assert [colour(nine), colour(dot), colour(submit)] == [accent] * 3
    assert all(hue_distance(accent, error) >= 90 for error in error_colours), error_colours


def test_an_error_leaves_once_answered_and_the_summary_sits_above_submit(phone, server):
    open_survey(phone, server, "post-event")
    submit = phone.get_by_role("button", name="Submit")
    submit.click()
    errors, summary = phone.get_by_text(REQUIRED, exact=True), phone.get_by_text(SUMMARY, exact=True)
    expect(errors).to_have_count(2, timeout=30_000)  # NPS and CSAT are required
    expect(summary).to_be_visible()
    above = summary.bounding_box()
    assert above["y"] + above["height"] <= submit.bounding_box()["y"]

    option(question(phone, "How likely are you to recommend"), "8").click()
    expect(errors).to_have_count(1, timeout=30_000)
    csat = question(phone, "How satisfied were you")
    assert errors.bounding_box()["y"] > csat.bounding_box()["y"]  # the one left is CSAT's
    option(csat, "4").click()
    expect(errors).to_have_count(0, timeout=30_000)
    expect(summary).to_have_count(0)


def test_a_double_tap_on_submit_thanks_the_member_and_stores_one_response(phone, server, data_dir):
    store = AppStore(f"sqlite:///{data_dir / 'app.db'}")
    responses, answers = tables.responses, tables.answers
    before = int(store.run(sa.select(sa.func.coalesce(sa.func.max(responses.c.id), 0))).iloc[0, 0])
    open_survey(phone, server, "post-event")
    option(question(phone, "How likely are you to recommend"), "10").click()
    csat = question(phone, "How satisfied were you")
    expect(csat).to_be_visible()
    option(csat, "5").click()
    expect(option(csat, "5")).to_have_attribute("aria-checked", "true", timeout=30_000)
    phone.get_by_role("button", name="Submit").dblclick()
    expect(phone.get_by_text(THANKS, exact=True)).to_be_visible(timeout=30_000)
    phone.wait_for_timeout(1000)  # the second tap's run has finished too
    expect(phone.get_by_text(THANKS, exact=True)).to_be_visible()
    expect(phone.get_by_text("already saved")).to_have_count(0)

    stored = store.run(
        sa.select(responses.c.completed, answers.c.question_id, answers.c.value_num)
        .join(answers, answers.c.response_id == responses.c.id)
        .where(responses.c.id > before)
        .order_by(answers.c.question_id)
    )
    store.dispose()
    assert stored.values.tolist() == [[True, "csat", 5.0], [True, "nps", 10.0]]

    phone.reload()  # a new session in the same tab, whose key it keeps: the answers were saved before
    expect(phone.get_by_text("Thank you! Your answers were already saved; nothing more to do.")).to_be_visible(
        timeout=30_000
    )
