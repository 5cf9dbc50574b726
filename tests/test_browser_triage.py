"""The inbox's triage flows in headless Chromium, on a copy of the demo data (the flows change it):
open an item from the list and move through five with Next; close three at once; merge an item
into a suggested duplicate; an item past its response target shows as overdue in the list and the
panel, and the Overdue tile counts it; a saved view reopens from the menu and its link, shared
but not private for a second manager. Timings of opening an item are printed (run with -s), not
asserted."""

from __future__ import annotations

import io
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from feedback import inbox
from feedback.intake import NewFeedback, add_feedback
from store import tables
from store.database import AppStore
from tests.test_browser import browser, choose, laid_out, serve, session_kept, settled  # noqa: F401 (fixtures)

ROW = 35  # Streamlit's grid: the header and each row are 35 px high


@pytest.fixture(scope="module")
def data_dir(demo_data_dir: Path, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("triage") / "data"
    shutil.copytree(demo_data_dir, copy)
    return copy


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    with serve(data_dir) as url:
        yield url


@pytest.fixture(scope="module")
def store(data_dir: Path) -> Iterator[AppStore]:
    app_store = AppStore(f"sqlite:///{data_dir / 'app.db'}")
    yield app_store
    app_store.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811 (the browser fixture, imported)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    yield context.new_page()
    context.close()


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def open_list(page: Page, server: str, query: str = "") -> None:
    page.goto(f"{server}/feedback{query}")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)
    settled(page)
    laid_out(page)  # the layout moves the list up: rows are clicked and pictured once it is in


def tick(page: Page, row: int) -> None:
    """Tick the list's row (0 is the first) in its checkbox column."""
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + ROW * (row + 1) + ROW / 2)
    settled(page)


def heading(page: Page) -> str:
    return page.get_by_role("heading", name="#").first.inner_text(timeout=30_000)


def listed_ids(store: AppStore) -> list[int]:
    return store.run(inbox.inbox_query(inbox.InboxFilters(sort="newest"), now=now()))["id"].astype(int).tolist()


def test_open_an_item_from_the_list_and_move_through_five_with_next(server, page, store):
    order = listed_ids(store)
    open_list(page, server, "?feedback_sort=newest")
    started = time.monotonic()
    tick(page, 0)
    expect(page.get_by_role("heading", name=f"#{order[0]} · ")).to_be_visible(timeout=30_000)
    print(f"\nopened from the list in {time.monotonic() - started:.2f} s (warm server)")
    for step in range(1, 6):
        started = time.monotonic()
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_role("heading", name=f"#{order[step]} · ")).to_be_visible(timeout=30_000)
        settled(page)
        print(f"next to #{order[step]} in {time.monotonic() - started:.2f} s")
        expect(page.get_by_text(f"{step + 1} of {len(order)}", exact=True)).to_be_visible()
        assert f"item={order[step]}" in page.url  # each item has its address
    page.get_by_role("button", name="Previous").click()
    expect(page.get_by_role("heading", name=f"#{order[4]} · ")).to_be_visible(timeout=30_000)
    started = time.monotonic()
    page.goto(f"{server}/feedback?feedback_sort=newest&item={order[2]}")
    expect(page.get_by_role("heading", name=f"#{order[2]} · ")).to_be_visible(timeout=30_000)
    print(f"opened by its address in {time.monotonic() - started:.2f} s")
    assert page.get_by_test_id("stException").count() == 0


def test_the_list_has_the_page_width_until_an_item_opens_beside_it(server, page, store):
    """At three fifths of the page with nothing beside it, the feedback's text was cut at 30
    characters; the list stays the table drawn, its selection kept, as the item opens beside it."""
    order = listed_ids(store)
    open_list(page, server, "?feedback_sort=newest")
    main = page.get_by_test_id("stMainBlockContainer").bounding_box()
    alone = page.get_by_test_id("stDataFrame").first.bounding_box()
    assert main is not None and alone is not None
    assert alone["width"] > 0.9 * (main["width"] - 160)  # the container's padding: 5rem a side
    page.get_by_test_id("stDataFrame").first.evaluate("grid => { grid.kept = true; }")
    tick(page, 1)
    expect(page.get_by_role("heading", name=f"#{order[1]} · ")).to_be_visible(timeout=30_000)
    beside = page.get_by_test_id("stDataFrame").first.bounding_box()
    assert beside is not None and beside["width"] < 0.7 * alone["width"]
    # The table the browser drew, not a new one (which would lose its scroll and a header's sort).
    assert page.get_by_test_id("stDataFrame").first.evaluate("grid => grid.kept === true")
    tick(page, 2)  # a second row beside the first, which stayed selected as the list moved
    expect(page.get_by_text("2 items selected")).to_be_visible(timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0


def test_close_three_items_at_once_and_undo(server, page, store):
    order = listed_ids(store)
    open_list(page, server, "?feedback_sort=newest")
    for row in (0, 1, 2):
        tick(page, row)
    expect(page.get_by_text("3 items selected")).to_be_visible(timeout=30_000)
    choose(page, "Status", "Resolved")
    page.get_by_role("button", name="Apply to 3 items").click()
    expect(page.get_by_text("Changed 3 items.")).to_be_visible(timeout=30_000)
    statuses = store.run(inbox.inbox_query(inbox.InboxFilters(statuses=()), now=now())).set_index("id")["status"]
    assert [statuses[item] for item in order[:3]] == ["resolved"] * 3
    assert statuses[order[3]] != "resolved"
    page.get_by_role("button", name="Undo the last change to several items").click()
    expect(page.get_by_text("Undone: 3 items are as they were.")).to_be_visible(timeout=30_000)
    assert listed_ids(store)[:3] == order[:3]  # open again, as they were
    assert page.get_by_test_id("stException").count() == 0


def test_merge_an_item_into_a_suggested_duplicate(server, page, store):
    texts = ["Browser merge: the forum search finds nothing", "Browser merge: forum search finds nothing!"]
    items = [NewFeedback(source="chat", text=text, member_id="m00042", created_at=now()) for text in texts]
    with store.begin() as connection:
        original, copy = add_feedback(connection, items, actor="test", now=now())
    page.goto(f"{server}/feedback?item={copy}")
    expect(page.get_by_role("heading", name=f"#{copy} · New")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name=f"Merge into #{original}").click()
    expect(page.get_by_text(f"Merge #{copy} into #{original}?")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_text(f"Saved #{copy}.")).to_be_visible(timeout=30_000)
    merged = store.run(inbox.item_query(copy)).iloc[0]
    assert (merged["status"], merged["duplicate_of"]) == ("duplicate", original)
    assert page.get_by_test_id("stException").count() == 0


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill("a long password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    settled(page)
    session_kept(page.context)  # before another address opens: without the cookie it asks to sign in


def counted(page: Page) -> str:
    """The list's count ("12 items. Select a row to open it.")."""
    caption = page.get_by_text(re.compile(r"^\d+ items?\b")).first
    expect(caption).to_be_visible(timeout=30_000)
    return caption.inner_text()


def first_listed(page: Page) -> str:
    tick(page, 0)
    return heading(page).split(" · ")[0]


def test_a_manager_saves_a_view_and_reopens_it_from_the_list_and_its_link(data_dir, browser, store, tmp_path):  # noqa: F811
    """Ana saves the negative items, newest first, as a shared view; a fresh inbox, the views list
    and the view's link show the same items. Bo, another manager, sees her shared view and not her
    private one."""
    from auth.accounts import hash_password
    from feedback import views

    secret = hash_password("a long password")
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[pulse]\nsession_secret = "browser-views"\n[pulse.accounts]\n'
        f'"ana@example.org" = {{ role = "manager", password_hash = "{secret}" }}\n'
        f'"bo@example.org" = {{ role = "manager", password_hash = "{secret}" }}\n',
        encoding="utf-8",
    )
    ana = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ana.new_page()
    with serve(data_dir, secrets_file=str(secrets)) as url:
        sign_in(page, url, "ana@example.org")
        private = views.save(
            store, owner="ana@example.org", name="Ana's own", filters={"status": ""}, shared=False, now=now()
        )
        open_list(page, url, "?feedback_sentiment=negative&feedback_sort=newest")
        count, first = counted(page), first_listed(page)
        page.get_by_role("button", name="Save view").click()
        page.get_by_role("textbox", name="Name").fill("Negative, newest")
        page.get_by_text("Share with the team").click()
        page.get_by_role("button", name="Save the current filters").click()
        expect(page.get_by_text("Saved the view “Negative, newest”.")).to_be_visible(timeout=30_000)
        (saved,) = [view for view in views.visible(store, "ana@example.org") if view.shared]
        assert saved.filters == {"sentiment": "negative", "sort": "newest"}
        assert f"view={saved.id}" in page.url

        open_list(page, url)  # afresh: the inbox's usual list
        assert counted(page) != count
        choose(page, "Saved view", "Negative, newest · shared", hidden_label=True)
        expect(page.get_by_text(count, exact=True)).to_be_visible(timeout=30_000)
        settled(page)
        assert first_listed(page) == first
        assert f"view={saved.id}" in page.url

        open_list(page, url, f"?view={saved.id}")  # its link
        assert counted(page) == count
        assert first_listed(page) == first
        assert "feedback_sentiment=negative" in page.url

        bo = browser.new_context(viewport={"width": 1440, "height": 1000})
        other = bo.new_page()
        sign_in(other, url, "bo@example.org")
        open_list(other, url)
        other.get_by_role("combobox", name="Saved view").click()
        expect(other.get_by_role("option", name="Negative, newest · shared by ana@example.org")).to_be_visible()
        expect(other.get_by_role("option", name="Assigned to me", exact=True)).to_be_visible()
        expect(other.get_by_role("option", name=re.compile("Ana's own"))).to_have_count(0)
        other.keyboard.press("Escape")
        open_list(other, url, f"?view={saved.id}")
        assert counted(other) == count
        other.goto(f"{url}/feedback?view={private}")
        expect(other.get_by_text("This view does not exist or is private to its owner.", exact=False)).to_be_visible(
            timeout=30_000
        )
        assert other.get_by_test_id("stException").count() == 0
        bo.close()
    ana.close()


ROWS = """() => [...document.querySelectorAll('[role=row]')].map(
    row => [...row.querySelectorAll('[role=gridcell], [role=columnheader]')].map(cell => cell.innerText.trim()))"""


def overdue_tile(page: Page) -> int:
    tile = page.get_by_test_id("stMetric").filter(has_text="Overdue")
    return int(tile.get_by_test_id("stMetricValue").inner_text(timeout=30_000).replace(",", ""))


def red_pixels(page: Page, row: int) -> int:
    """Pixels of the list's row (0 is the first) drawn in a strong red: the Due column's overdue text
    (the grid is a canvas, so its colours are read from a picture)."""
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    assert box is not None
    clip = {"x": box["x"], "y": box["y"] + ROW * (row + 1), "width": box["width"], "height": ROW}
    picture = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")
    return sum(1 for r, g, b in picture.get_flattened_data() if r > 140 and g < 90 and b < 90)


def test_an_item_past_its_target_shows_as_overdue_in_the_list_the_panel_and_the_tile(server, page, store):
    open_list(page, server)
    before = overdue_tile(page)
    texts = {"late": "Browser SLA: urgent, unanswered for six hours", "fresh": "Browser SLA: low, just arrived"}
    arrived = now()
    items = [
        NewFeedback(source="chat", text=texts["late"], member_id="m00042", created_at=arrived - timedelta(hours=6)),
        NewFeedback(source="chat", text=texts["fresh"], member_id="m00043", created_at=arrived),
    ]
    with store.begin() as connection:
        late, fresh = add_feedback(connection, items, actor="test", now=arrived)
        feedback = tables.feedback
        for item, priority in ((late, "urgent"), (fresh, "low")):  # urgent: 4 h to the first response
            connection.execute(sa.update(feedback).where(feedback.c.id == item).values(priority=priority))
    open_list(page, server, "?feedback_q=Browser+SLA&feedback_sort=due")
    assert overdue_tile(page) == before + 1
    expect(page.locator("[role=gridcell]").first).to_be_attached(timeout=30_000)
    rows = page.evaluate(ROWS)
    due = rows[0].index("Due")
    # The cells hold the hours left (what a screen reader reads and a header click sorts by); the
    # grid draws them as words on its canvas, checked by their colour below.
    late_hours, fresh_hours = (float(row[due].replace(",", "")) for row in rows[1:])
    assert -2.5 < late_hours <= -2 and 71 < fresh_hours <= 72, rows  # 2 h overdue; due in 72 h, less the wait
    page.mouse.move(0, 0)  # no hover tint on the rows
    assert red_pixels(page, 0) > 20  # the late one, listed first, says so in red...
    assert red_pixels(page, 1) == 0  # ...and the fresh one has no red at all
    tick(page, 0)
    expect(page.get_by_role("heading", name=f"#{late} · New")).to_be_visible(timeout=30_000)
    badge = page.get_by_text("First response overdue by 2 h").first
    expect(badge).to_be_visible(timeout=30_000)
    red, green, _ = page.evaluate(
        "element => getComputedStyle(element).color.match(/\\d+/g).map(Number)", badge.element_handle()
    )
    assert red > green + 60  # a red badge
    assert page.get_by_test_id("stException").count() == 0
