"""AppTest: the feedback inbox (filters bound to the URL, bulk edit, conflicts, an item's detail,
adding and importing) and the Overview's negative-feedback warning."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from catalog.spoken import speaking
from catalog.spoken import t as spoken
from feedback import duplicates, inbox, workflow
from feedback.intake import NewFeedback, add_feedback
from store import tables
from store.database import AppStore
from ui.inbox import detail, listing, targets, triage
from ui.inbox import views as saved_views

APP = str(Path(__file__).resolve().parent.parent / "app.py")
NOW = datetime.now(UTC).replace(tzinfo=None)
EDITOR = "feedback_editor_1"  # the first snapshot of a session
SCRIPT = "<script>alert(1)</script> **not bold** [link](http://x)"
TEXTS = [
    ("Hard to find answers with the forum search.", "alice", 20),
    ("The meetup was excellent, thank you!", "carol", 10),
    (SCRIPT, "bob", 5),
    ("最近广告帖子太多了。", "hank", 2),
]


@pytest.fixture
def store(configured) -> AppStore:
    """The fixture community and app store, plus four items that arrived through the intake."""
    app_store = AppStore(f"sqlite:///{configured / 'app.db'}")
    items = [
        NewFeedback(source="manual", text=text, member_id=member, created_at=NOW - timedelta(days=days))
        for text, member, days in TEXTS
    ]
    with app_store.begin() as connection:
        add_feedback(connection, items, actor="importer", now=NOW)
    yield app_store
    app_store.dispose()


def ids_of(store: AppStore, *texts: str) -> list[int]:
    rows = store.run(tables.feedback.select().where(tables.feedback.c.text.in_(texts)))
    order = {text: n for n, text in enumerate(texts)}
    return rows.sort_values("text", key=lambda s: s.map(order))["id"].tolist()


def open_inbox(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/_feedback.py")
    at.query_params.update(query or {})
    return at.run()


def list_key(at: AppTest) -> str:
    """The list's key: a bulk change starts a new one (and with it a fresh selection)."""
    count = at.session_state["feedback_table_count"] if "feedback_table_count" in at.session_state else 0  # noqa: SIM401 (no .get)
    return f"feedback_table_{count}" if count else "feedback_table"


def listed(at: AppTest) -> list[int]:
    return at.dataframe(key=list_key(at)).value["id"].tolist()


def widget(at: AppTest, kind: str, label: str):
    return next(w for w in getattr(at, kind) if w.label == label)


def opened(at: AppTest, key: str) -> AppTest:
    """Open a lazy expander or popover (its content is built only while it is open), as a click would."""
    at.session_state[key] = True
    return at.run()


def press(at: AppTest, label: str) -> AppTest:
    """Press the button labelled `label` (else the first whose label starts with it)."""
    buttons = [*at.button, *at.get("form_submit_button")]
    exact = [b for b in buttons if b.label == label]
    (exact or [b for b in buttons if b.label.startswith(label)])[0].click()
    return at.run()


def item_row(store: AppStore, item_id: int) -> dict:
    return store.run(inbox.item_query(item_id)).iloc[0].to_dict()


def test_inbox_lists_open_items_oldest_first_with_figures(store):
    at = open_inbox()
    assert not at.exception
    assert at.title[0].value == "Feedback inbox"
    search, meetup, script, ads = ids_of(store, *(text for text, _, _ in TEXTS))
    fixture_open = store.run(inbox.inbox_query(inbox.InboxFilters(), now=NOW, team=("tom",)))["id"].tolist()
    assert listed(at) == fixture_open
    assert listed(at)[-4:] == [search, meetup, script, ads]
    tiles = {metric.label: metric.value for metric in at.metric}
    # Open now: these four, and the fixture's f1, f3 (anonymous) and f5 (f4 is a team member's, left
    # out of the list too; f7 is merged); overdue: all seven, none answered within normal's 24 h
    # (the newest is two days old), so none is due within the next 24 h either.
    assert (tiles["Open items"], tiles["Overdue"], tiles["Breaching within 24 h"]) == ("7", "7", "0")
    assert not at.get("vega_lite_chart")  # the breakdown is drawn only when it is opened
    at.session_state["feedback_breakdown"] = True
    charts = at.run().get("vega_lite_chart")  # the breakdown: open by status, by theme; received by sentiment
    assert [json.loads(chart.proto.spec)["encoding"]["y"]["field"] for chart in charts] == [
        "status",
        "theme",
        "sentiment",
    ]


def test_filters_come_from_the_url_and_go_back_to_it(store):
    search, meetup, script, ads = ids_of(store, *(text for text, _, _ in TEXTS))
    at = open_inbox({"feedback_sentiment": "negative"})  # codes in the address, in any language
    assert listed(at) == [search, script, ads]  # VADER reads "not bold" as negative
    widget(at, "selectbox", "Sentiment").set_value("positive")
    at.run()
    assert listed(at) == [meetup]
    widget(at, "selectbox", "Sentiment").set_value(None)
    widget(at, "text_input", "Search").set_value("FORUM")
    at.run()
    assert listed(at) == [search]
    widget(at, "text_input", "Search").set_value("")
    widget(at, "selectbox", "Theme").set_value("moderation")
    at.run()
    assert listed(at) == [ads]


def test_the_narrower_filters_fold_away_unless_the_address_sets_one(store):
    at = open_inbox()

    def folded(at: AppTest) -> list[tuple[str, bool]]:
        return [(e.label, e.proto.expanded) for e in at.expander if e.label.startswith("More filters")]

    assert folded(at) == [("More filters", False)]
    assert "Sentiment" not in [w.label for w in at.selectbox]  # folded, the menus are not built at all
    everything = listed(at)
    at = open_inbox({"feedback_sentiment": "negative", "feedback_older": "3"})
    assert folded(at) == [("More filters (2 on)", True)]
    assert widget(at, "selectbox", "Sentiment").value == "negative"  # inside, and still bound
    narrowed = listed(at)
    assert set(narrowed) < set(everything)
    at.session_state[listing.MORE_OPEN] = False  # folded by hand: the filters still apply, from the address
    at.run()
    assert (folded(at), listed(at)) == ([("More filters (2 on)", False)], narrowed)
    assert "Sentiment" not in [w.label for w in at.selectbox]
    at = opened(at, listing.MORE_OPEN)
    widget(at, "selectbox", "Sentiment").set_value(None)
    at.run()
    widget(at, "number_input", "Older than (days)").set_value(0)
    at.run()  # the last one cleared: the label changes, and the menus stay open under the hand
    assert (folded(at), listed(at)) == ([("More filters", True)], everything)


def test_text_is_shown_literally_in_the_detail(store):
    (script,) = ids_of(store, SCRIPT)
    at = open_inbox({"item": str(script)})
    assert not at.exception
    assert [element.value for element in at.text] == [SCRIPT]
    rendered = [m.value for m in [*at.markdown, *at.caption, *at.subheader]]
    assert not [value for value in rendered if "<script>" in value or "**not bold**" in value]


def test_an_items_source_reads_as_a_word_in_the_readers_language(store):
    (search,) = ids_of(store, TEXTS[0][0])  # given by hand: the source "manual"
    at = open_inbox({"item": str(search)})
    assert any("from Entered by hand" in caption.value and "· English" in caption.value for caption in at.caption)
    assert "Entered by hand" in set(at.dataframe(key="feedback_table").value["source"])
    at.session_state["feedback_item_tab"] = "**History**"  # the item's History tab chosen (by its label)
    at.run()
    history = next(frame.value for frame in at.dataframe if "new_value" in frame.value.columns)
    assert (history["field"].iloc[0], history["new_value"].iloc[0]) == ("arrived", "Entered by hand")  # not "manual"
    from catalog.spoken import speaking
    from ui.inbox import listing

    frame = pd.DataFrame(
        [
            {**{name: None for name in listing.SHOWN}, "id": n, "source": source}
            for n, source in enumerate(["manual", "discord"])
        ]
    ).assign(theme_suggested=False)
    with speaking("zh-CN"):
        assert listing.listed(frame)["source"].tolist() == [
            "手动录入",
            "discord",
        ]  # one the product does not name, as it is


def seed_bulk_edit(at: AppTest, edits: dict[int, dict]) -> AppTest:
    """Edit cells of the bulk editor the way the browser reports them (row position -> column -> value)."""
    at.session_state[EDITOR] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_bulk_edit_is_saved_with_an_audit_entry(store):
    search, meetup, _, _ = ids_of(store, *(text for text, _, _ in TEXTS))
    at = open_inbox({"feedback_edit": "true", "feedback_q": "e"})
    assert not at.exception
    table = at.data_editor[0].value
    rows = {int(item_id): n for n, item_id in enumerate(table["id"])}
    at = seed_bulk_edit(at, {rows[search]: {"status": "triaged", "assignee": "bo"}, rows[meetup]: {"priority": "low"}})
    at = press(at, "Save 2 changed items")
    assert not at.exception
    assert [s.value for s in at.success] == ["Saved 2 items."]
    assert (item_row(store, search)["status"], item_row(store, search)["assignee"]) == ("triaged", "bo")
    assert item_row(store, meetup)["priority"] == "low"
    history = store.run(inbox.history_query(search)).astype(object)
    history = history.where(history.notna(), None)
    assert history[["actor", "field", "old_value", "new_value"]].values.tolist()[1:] == [
        ["local", "status", "new", "triaged"],
        ["local", "assignee", None, "bo"],
    ]


def test_a_bulk_edit_made_stale_by_another_manager_is_refused_and_kept(store):
    (search,) = ids_of(store, TEXTS[0][0])
    at = open_inbox({"feedback_edit": "true", "feedback_q": "forum search"})
    at = seed_bulk_edit(at, {0: {"status": "wont_fix"}})
    # Another manager triages the same item meanwhile.
    workflow.save(store, [workflow.Edit(search, 1, {"status": "triaged"})], actor="ana", now=NOW)
    at = press(at, "Save 1 changed item")
    assert not at.exception
    (message,) = [e.value.replace("\\", "") for e in at.error]  # shown as text: markdown escapes removed
    assert message.startswith("Not saved: 1 item(s) were changed by someone else")
    assert f"#{search} status: new → triaged (ana," in message
    assert item_row(store, search)["status"] == "triaged"  # Ana's change stands
    assert at.session_state[EDITOR]["edited_rows"] == {0: {"status": "wont_fix"}}  # still on screen
    at = press(at, "Discard edits and reload")
    assert at.data_editor[0].value["status"].tolist() == ["triaged"]


def test_the_detail_form_saves_and_refuses_a_stale_save(store):
    (search,) = ids_of(store, TEXTS[0][0])
    at = open_inbox({"item": str(search)})
    form = f"feedback_item_{search}_1"
    at.selectbox(key=f"{form}_status").set_value("triaged")
    at.text_area(key=f"{form}_note").set_value("Forwarded to the forum team")
    at = press(at, "Save")
    assert not at.exception
    assert [s.value for s in at.success] == [f"Saved #{search}."]
    saved = item_row(store, search)
    assert (saved["status"], saved["version"]) == ("triaged", 2)
    assert store.run(inbox.history_query(search))["new_value"].tolist()[-1] == "Forwarded to the forum team"
    # Now the page holds version 2; someone else saves version 3 first.
    workflow.save(store, [workflow.Edit(search, 2, {"assignee": "ana"})], actor="ana", now=NOW)
    at.run()
    assert any("Someone changed this item" in w.value for w in at.warning)
    at.selectbox(key=f"feedback_item_{search}_2_priority").set_value("high")
    at = press(at, "Save")
    assert any("changed by someone else" in e.value for e in at.error)
    assert pd.isna(item_row(store, search)["priority"])


def test_merge_from_the_detail_counts_the_duplicate(store):
    search, _, _, ads = ids_of(store, *(text for text, _, _ in TEXTS))
    at = open_inbox({"item": str(ads)})
    at.selectbox(key=f"feedback_item_{ads}_1_merge").set_value(search)
    at = press(at, "Save")
    assert not at.exception
    assert item_row(store, ads)["status"] == "new"  # asked first
    assert any(f"Merge #{ads} into #{search}?" in w.value for w in at.warning)
    at = press(at, "Merge")
    assert item_row(store, ads)["status"] == "duplicate"
    at.query_params["item"] = str(search)
    at.run()
    assert any("1 duplicate merged into this item" in m.value for m in at.markdown)


def typed(at: AppTest, key: str, text: str) -> AppTest:
    """`text` typed into the selectbox `key`, which takes new options, as the browser sends it:
    AppTest picks listed options only, and after a run lists the typed one no more while the widget
    still holds it (so it is listed again before each run)."""
    box = at.selectbox(key=key)
    if text not in box.options:
        box.options.append(text)
    box.set_value(text)
    return at


def test_the_merge_menu_lists_the_newest_and_takes_any_items_number(store, monkeypatch):
    monkeypatch.setattr(duplicates, "MENU", 1)  # the newest item only, after the suggested ones
    search, _, _, ads = ids_of(store, *(text for text, _, _ in TEXTS))
    at = open_inbox({"item": str(ads)})
    key = f"feedback_item_{ads}_1_merge"
    candidates = store.run(duplicates.candidates_query())
    item = candidates[candidates["id"] == ads].iloc[0]
    suggested = duplicates.suggestions(ads, item["text"], item["member_id"], candidates)["id"].tolist()
    newest = [i for i in candidates["id"] if i != ads and i not in suggested][:1]
    assert [int(label.split(" ")[0].lstrip("#")) for label in at.selectbox(key=key).options] == suggested + newest
    assert search not in suggested + newest  # an older one, merged by its number below

    at = press(typed(at, key, "*the forum* [search](http://x.y)"), "Save")  # words that name no item
    assert [e.value for e in at.error] == [  # shown as typed: escaped, the link broken (U+2060)
        "“\\*the forum\\* \\[search\\]\\(http\\:\u2060\\/\\/x\\.y\\)” is not an item number. Pick an item"
        " from the list, or type its number, such as #1234."
    ]
    assert not at.warning and item_row(store, ads)["status"] == "new"

    at = press(typed(at, key, f" #{search} "), "Save")
    assert any(f"Merge #{ads} into #{search}?" in w.value for w in at.warning)
    at = press(typed(at, key, f" #{search} "), "Merge")
    assert (item_row(store, ads)["status"], item_row(store, ads)["duplicate_of"]) == ("duplicate", search)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        (7, 7),
        ("#12", 12),
        (" # 12 ", 12),
        ("12", 12),
        ("#12 · Hard to find\nanswers", 12),  # a label the menu no longer lists, as the browser sends it
    ],
)
def test_a_merge_choice_names_an_item(choice, expected):
    assert detail.merge_target(choice) == expected


@pytest.mark.parametrize("choice", ["", "#", "twelve", "#12a", "١٢", "-3", "#12 and 13", "#2147483648"])
def test_a_merge_choice_of_other_text_is_refused(choice):
    with pytest.raises(ValueError):
        detail.merge_target(choice)


def test_feedback_added_by_hand_is_scored_and_opened(store):
    at = open_inbox({"feedback_view": "add"})
    at.text_area[0].set_value("The site is slow and keeps crashing")
    widget(at, "text_input", "Member id or email").set_value("carol@example.org")
    at = press(at, "Add to the inbox")
    assert not at.exception
    row = store.run(tables.feedback.select().where(tables.feedback.c.text == "The site is slow and keeps crashing"))
    assert (row["member_id"][0], row["suggested_theme"][0], row["source"][0]) == ("carol", "performance", "manual")
    assert row["sentiment"][0] < 0
    assert at.query_params["item"] in (str(row["id"][0]), [str(row["id"][0])])


def test_an_unknown_email_keeps_the_entry_on_screen(store):
    at = open_inbox({"feedback_view": "add"})
    at.text_area[0].set_value("Hello")
    widget(at, "text_input", "Member id or email").set_value("nobody@example.org")
    at = press(at, "Add to the inbox")
    assert [e.value.replace("\u2060", "") for e in at.error] == [  # U+2060: no autolink
        "No member has the email address nobody\\@example\\.org. Check it, or enter the member id."  # escaped
    ]
    assert at.text_area[0].value == "Hello"


def test_accepting_a_suggested_theme_names_it_for_every_open_item(store):
    at = open_inbox({"feedback_view": "themes"})
    assert not at.exception
    suggestions = at.dataframe[0].value
    assert dict(zip(suggestions["suggested"], suggestions["items"], strict=True)) == {
        "Events": 1,
        "Moderation": 1,
        "Search": 1,
    }  # a suggestion's key in words, as the list says it
    menu = widget(at, "selectbox", "Suggested theme")
    assert menu.options == ["Events", "Moderation", "Search"]
    menu.set_value("search")
    at.text_input[0].set_value("Forum search")
    at = press(at, "Accept for these items")
    (search,) = ids_of(store, TEXTS[0][0])
    assert item_row(store, search)["theme"] == "Forum search"
    assert [s.value for s in at.success] == ["Theme “Forum search” set on 1 items."]


def test_suggested_themes_read_in_the_readers_language(store):
    at = open_inbox_in("zh-CN", {"feedback_view": "themes"})
    assert not at.exception
    assert sorted(at.dataframe[0].value["suggested"]) == sorted(["活动", "内容审核", "搜索"])
    assert sorted(widget(at, "selectbox", "待确认主题").options) == sorted(["活动", "内容审核", "搜索"])


def test_overview_warns_when_negative_feedback_jumps(configured):
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    latest = [NewFeedback(source="t", text="Terrible, awful, broken", created_at=NOW - timedelta(days=2))] * 5
    earlier = [
        NewFeedback(source="t", text=f"Great, thank you {n}", created_at=NOW - timedelta(days=20 + n)) for n in range(6)
    ]
    with store.begin() as connection:
        add_feedback(connection, [*latest, *earlier], actor="t", now=NOW)
    store.dispose()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    assert warning == (
        "Negative feedback is up: 100% of the 5 items received in the last 7 days were negative, "
        "against 0% over the 8 weeks before."
    )


def test_a_viewer_cannot_open_the_inbox(store, monkeypatch):
    from auth.access import Role
    from ui import session

    monkeypatch.setattr(session, "current_role", lambda: Role.VIEWER)
    at = open_inbox()
    assert not at.exception
    assert [i.value for i in at.info] == ["The feedback inbox is for managers; your role does not include it."]
    assert not at.dataframe and not at.metric


def test_selecting_a_row_opens_the_item_and_its_address(store):
    (search,) = ids_of(store, TEXTS[0][0])
    at = open_inbox({"feedback_q": "forum search"})
    at.session_state["feedback_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.query_params["item"] in (str(search), [str(search)])
    assert f"#{search} · New" in [s.value for s in at.subheader]
    assert [element.value for element in at.text] == [TEXTS[0][0]]
    context = [c.value for c in at.caption]
    assert any(value.startswith("Alice · dev · forum · EU · member for") for value in context)


def test_member_filters_ask_the_warehouse(store):
    _, meetup, _, ads = ids_of(store, *(text for text, _, _ in TEXTS))
    at = open_inbox({"feedback_segment": "biz", "feedback_status": "new"})
    assert not at.exception
    # Of the open items, carol's (meetup) and hank's (ads) are from the biz segment; gina has none.
    assert listed(at) == [meetup, ads]
    assert at.dataframe(key="feedback_table").value["segment"].tolist() == ["biz", "biz"]


class Upload:
    """What st.file_uploader returns for a chosen file (AppTest cannot choose one)."""

    def __init__(self, name: str, content: str) -> None:
        self.name, self.content = name, content.encode("utf-8")

    def getvalue(self) -> bytes:
        return self.content


def test_a_file_imported_on_the_page_reaches_the_inbox_and_a_bad_one_adds_nothing(store, monkeypatch):
    import streamlit

    chosen = Upload(
        "notes.csv",
        "created_at,text,email\n"
        "2026-01-05 09:00,Search is broken again,carol@example.org\n"
        "2026-01-05 10:00,Lovely meetup,nobody@example.org\n",
    )
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: chosen)
    at = open_inbox({"feedback_view": "add"})
    widget(at, "text_input", "Source for rows without one").set_value("survey-mail")
    at = press(at, "Import")
    assert not at.exception
    assert [s.value for s in at.success] == ["Imported 2 new items (0 were already in the inbox)."]
    assert [c.value for c in at.code] == [
        "notes.csv: row 3, column email: no member has this address; kept without a member."
    ]
    rows = store.run(tables.feedback.select().where(tables.feedback.c.source == "survey-mail").order_by("id"))
    assert [(row.text, row.member_id if isinstance(row.member_id, str) else None) for row in rows.itertuples()] == [
        ("Search is broken again", "carol"),
        ("Lovely meetup", None),
    ]

    chosen = Upload("bad.csv", "created_at,text,member_id\n2026-01-06 09:00,A fine row,carol\n,No date,carol\n")
    at = press(at, "Import")
    assert [e.value for e in at.error] == [r"Nothing was imported from bad\.csv. Fix these rows and try again:"]
    assert [c.value for c in at.code] == ["bad.csv: row 3, column created_at: '' is not a date and time."]
    assert store.run(tables.feedback.select().where(tables.feedback.c.text == "A fine row")).empty  # all or none


MISTAKES = (
    "created_at,text,member_id\n"
    "2026-01-05 09:00,Imported by mistake,carol\n"
    "2026-01-05 10:00,Also imported by mistake,alice\n"
)


def imported_on_the_page(monkeypatch, content: str) -> AppTest:
    """The Add feedback view after `mistakes.csv` (holding `content`) was imported on it."""
    import streamlit

    chosen = Upload("mistakes.csv", content)
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: chosen)
    return press(open_inbox({"feedback_view": "add"}), "Import")


def batch_items(store: AppStore, batch: int) -> list[str]:
    rows = store.run(tables.feedback.select().where(tables.feedback.c.import_batch == batch).order_by("id"))
    return rows["text"].tolist()


def undo_offered(at: AppTest) -> bool:
    return "feedback_undo_import_ask" in [button.key for button in at.button]


def test_an_import_is_undone_on_the_page_after_other_runs_and_a_confirmation(store, monkeypatch):
    at = imported_on_the_page(monkeypatch, MISTAKES)
    assert not at.exception
    assert [s.value for s in at.success] == ["Imported 2 new items (0 were already in the inbox)."]
    mistake, also = ids_of(store, "Imported by mistake", "Also imported by mistake")
    batch = int(item_row(store, mistake)["import_batch"])
    offer = rf"Import {batch} (mistakes\.csv) added 2 items to the inbox."
    assert offer in [c.value for c in at.caption]
    assert at.button(key="feedback_undo_import_ask").label == "Undo this import"

    # Read the result, use the page: another run, the inbox (which lists the items), then back.
    at = at.run()
    at.query_params["feedback_view"] = "inbox"
    at = at.run()
    assert {mistake, also} <= set(listed(at))
    assert not undo_offered(at)  # offered in the Add feedback view only
    at.query_params["feedback_view"] = "add"
    at = at.run()
    assert offer in [c.value for c in at.caption]

    # Since the import a manager triaged one item and merged a fixture item into the other: both go.
    (search,) = ids_of(store, TEXTS[0][0])
    workflow.save(store, [workflow.Edit(mistake, 1, {"status": "triaged", "priority": "high"})], actor="ana", now=NOW)
    workflow.save(store, [workflow.Edit(search, 1, {"duplicate_of": also})], actor="ana", now=NOW)
    at = at.button(key="feedback_undo_import_ask").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        rf"Undo import {batch} (mistakes\.csv)? Its 2 items leave the inbox with their history, including those a"
        " manager has changed, noted or merged since (replies already sent or queued to members still go out). Items"
        " merged into one of them are reopened. Importing the file again would add the items back as new ones."
    ]
    assert batch_items(store, batch) == ["Imported by mistake", "Also imported by mistake"]  # asked first

    at = at.button(key="feedback_undo_import_confirm").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"Import {batch} undone: 2 items removed from the inbox."]
    assert batch_items(store, batch) == []
    assert store.run(tables.feedback_events.select().where(tables.feedback_events.c.feedback_id == mistake)).empty
    kept = store.run(tables.feedback.select().where(tables.feedback.c.text.in_([t for t, _, _ in TEXTS])))
    assert len(kept) == len(TEXTS)  # only the import's items went
    merged = item_row(store, search)  # as the question says: reopened (it was new: triaged), by who undid it
    assert (merged["status"], merged["duplicate_of"], merged["version"]) == ("triaged", None, 3)
    events = tables.feedback_events
    history = store.run(events.select().where(events.c.feedback_id == search).order_by(events.c.id))
    history = history[["actor", "field", "old_value", "new_value"]].astype(object)
    assert history.where(history.notna(), None).values.tolist()[-2:] == [
        ["local", "status", "duplicate", "triaged"],
        ["local", "original_removed", str(also), None],
    ]
    undone = store.run(tables.import_batches.select().where(tables.import_batches.c.id == batch))
    assert undone["undone_at"].notna().all()
    assert not undo_offered(at) and not any(c.value == offer for c in at.caption)
    assert "feedback_last_import" not in at.session_state
    at.query_params["feedback_view"] = "inbox"
    at = at.run()
    assert not {mistake, also} & set(listed(at)) and search in listed(at)
    at.query_params["feedback_view"] = "add"
    at = press(at.run(), "Import")  # as the question says: the file again adds the items back, as new ones
    assert [s.value for s in at.success] == ["Imported 2 new items (0 were already in the inbox)."]
    again = store.run(tables.feedback.select().where(tables.feedback.c.text.like("%imported by mistake")))
    assert len(again) == 2 and batch not in set(again["import_batch"])  # a new import's
    assert not {mistake, also} & set(again["id"])  # new ids: the removed items' replies and links stay theirs


def test_cancelling_the_undo_keeps_the_import_and_the_offer(store, monkeypatch):
    at = imported_on_the_page(monkeypatch, "created_at,text,member_id\n2026-01-05 09:00,Imported by mistake,carol\n")
    (mistake,) = ids_of(store, "Imported by mistake")
    batch = int(item_row(store, mistake)["import_batch"])
    at = at.button(key="feedback_undo_import_ask").click().run()
    assert [w.value for w in at.warning] == [
        rf"Undo import {batch} (mistakes\.csv)? Its 1 item leaves the inbox with its history, even if a manager has"
        " changed, noted or merged it since (a reply already sent or queued to the member still goes out). Items"
        " merged into it are reopened. Importing the file again would add the item back as a new one."
    ]
    at = at.button(key="feedback_undo_import_cancel").click().run()
    assert not at.exception
    assert not at.warning and not at.success
    assert batch_items(store, batch) == ["Imported by mistake"]
    assert undo_offered(at)
    assert rf"Import {batch} (mistakes\.csv) added 1 item to the inbox." in [c.value for c in at.caption]


def test_an_import_undone_elsewhere_first_is_said_to_be_undone_already(store, monkeypatch):
    from feedback.importer import undo_feedback_import

    at = imported_on_the_page(monkeypatch, MISTAKES)
    (mistake,) = ids_of(store, "Imported by mistake")
    batch = int(item_row(store, mistake)["import_batch"])
    at = at.button(key="feedback_undo_import_ask").click().run()
    assert undo_feedback_import(store, batch, now=NOW) == 2  # from the command line, meanwhile
    at = at.button(key="feedback_undo_import_confirm").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        f"Import {batch} had already been undone (from the command line or another tab); nothing more was removed."
    ]
    assert not undo_offered(at)


def test_importing_the_same_file_again_keeps_the_offer_of_the_import_that_added_the_items(store, monkeypatch):
    at = imported_on_the_page(monkeypatch, MISTAKES)
    (mistake,) = ids_of(store, "Imported by mistake")
    batch = int(item_row(store, mistake)["import_batch"])
    at = press(at, "Import")
    assert [s.value for s in at.success] == ["Imported 0 new items (2 were already in the inbox)."]
    assert rf"Import {batch} (mistakes\.csv) added 2 items to the inbox." in [c.value for c in at.caption]


def test_someone_who_may_not_import_is_not_offered_the_undo(store, monkeypatch):
    from auth.access import Role
    from ui import session

    at = imported_on_the_page(monkeypatch, MISTAKES)
    (mistake,) = ids_of(store, "Imported by mistake")
    batch = int(item_row(store, mistake)["import_batch"])
    at = at.button(key="feedback_undo_import_ask").click().run()  # asked, then the role changes
    monkeypatch.setattr(session, "current_role", lambda: Role.VIEWER)
    at = at.run()
    assert not at.exception
    assert [i.value for i in at.info] == ["The feedback inbox is for managers; your role does not include it."]
    assert [b.key for b in at.button if b.key and b.key.startswith("feedback_undo_import")] == []
    assert not at.warning and not [c.value for c in at.caption if "mistakes" in c.value]
    assert batch_items(store, batch) == ["Imported by mistake", "Also imported by mistake"]


def test_another_manager_signed_in_on_the_same_tab_is_not_offered_the_undo(store, monkeypatch):
    """The offer is the importer's: signed out, and another manager signed in on the tab, it goes,
    the question asked before with it (the undo is logged with who made it)."""
    at = imported_on_the_page(monkeypatch, MISTAKES)
    (mistake,) = ids_of(store, "Imported by mistake")
    batch = int(item_row(store, mistake)["import_batch"])
    at = at.button(key="feedback_undo_import_ask").click().run()
    from ui.inbox import intake

    monkeypatch.setattr(intake, "current_user", lambda: "bo@example.org")  # someone else signed in now
    at = at.run()
    assert not at.exception
    assert [b.key for b in at.button if b.key and b.key.startswith("feedback_undo_import")] == []
    assert not at.warning and "feedback_last_import" not in at.session_state
    assert batch_items(store, batch) == ["Imported by mistake", "Also imported by mistake"]


def test_the_undo_reads_in_simplified_chinese(store, monkeypatch):
    import streamlit

    chosen = Upload("mistakes.csv", MISTAKES)
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: chosen)
    at = press(open_inbox_in("zh-CN", {"feedback_view": "add"}), "导入")
    (mistake,) = ids_of(store, "Imported by mistake")
    batch = int(item_row(store, mistake)["import_batch"])
    assert rf"导入 {batch}（mistakes\.csv）已向反馈箱添加 2 条反馈。" in [c.value for c in at.caption]
    assert at.button(key="feedback_undo_import_ask").label == "撤销这次导入"
    at = at.button(key="feedback_undo_import_ask").click().run()
    assert at.button(key="feedback_undo_import_confirm").label == "撤销导入"
    at = at.button(key="feedback_undo_import_confirm").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已撤销导入 {batch}：从反馈箱删除了 2 条反馈。"]
    assert batch_items(store, batch) == []


@pytest.mark.parametrize(
    "language, high, unset",
    [("en", "High", "Not set (normal)"), ("zh-CN", "高", "未设置（按普通）"), ("zh-TW", "高", "未設定（按一般）")],
)
def test_priority_is_a_word_in_the_list_and_a_code_with_words_in_the_editor(language, high, unset):
    from catalog.spoken import speaking
    from ui.inbox import listing

    frame = pd.DataFrame(
        [
            {**{name: None for name in listing.SHOWN}, "id": 1, "status": "new", "priority": "high", "tags": []},
            {**{name: None for name in listing.SHOWN}, "id": 2, "status": "new", "priority": None, "tags": []},
        ]
    ).assign(theme_suggested=False, version=1)
    choices = inbox.InboxChoices(assignees=[], themes=[], tags=[])
    with speaking(language):
        shown = listing.listed(frame)["priority"]
        assert shown[0] == high and pd.isna(shown[1])  # a dash, which the column's help explains
        assert spoken("feedback.priority.not_set") == unset  # the item's form says it in words
        assert listing.editable(frame)["priority"].tolist()[0] == "high"  # the editor holds the code...
        column = listing.inbox_columns(editing=True, choices=choices)["priority"]
        options = {option["value"]: option["label"] for option in column["type_config"]["options"]}
    assert list(options) == list(workflow.PRIORITIES) and options["high"] == high  # ...shown as the word


def test_priority_is_shown_and_saved_from_the_editor(store):
    search, meetup = ids_of(store, TEXTS[0][0], TEXTS[1][0])
    workflow.save(store, [workflow.Edit(search, 1, {"priority": "high"})], actor="ana", now=NOW)
    at = open_inbox()
    assert at.dataframe(key="feedback_table").value.set_index("id")["priority"][search] == "High"
    at = open_inbox({"feedback_edit": "true"})
    editor = at.data_editor[0]
    assert editor.value.set_index("id")["priority"][search] == "high"  # the code, shown through its options
    at = seed_bulk_edit(at, {editor.value["id"].tolist().index(meetup): {"priority": "urgent"}})
    at = press(at, "Save 1 changed item")
    assert item_row(store, meetup)["priority"] == "urgent"


def select_rows(at: AppTest, *rows: int, key: str = "feedback_table") -> AppTest:
    at.session_state[key] = {"selection": {"rows": list(rows), "columns": [], "cells": []}}
    return at.run()


def test_selecting_several_rows_changes_them_in_one_save_and_one_undo_puts_them_back(store):
    search, meetup, script, ads = ids_of(store, *(text for text, _, _ in TEXTS))
    workflow.save(store, [workflow.Edit(search, 1, {"assignee": "bo"})], actor="ana", now=NOW)
    at = open_inbox({"feedback_status": "new", "feedback_sort": "newest"})
    order = listed(at)
    rows = [order.index(item) for item in (ads, script, meetup)]
    at = select_rows(at, *rows)
    assert not at.exception
    assert any("3 items selected" in m.value for m in at.markdown)
    at.selectbox(key="feedback_bulk_status").set_value("resolved")  # new -> resolved in one step
    at.selectbox(key="feedback_bulk_assignee").set_value("bo")
    at = press(at, "Apply to 3 items")
    assert not at.exception
    assert [s.value for s in at.success] == ["Changed 3 items."]
    assert [item_row(store, i)["status"] for i in (ads, script, meetup)] == ["resolved"] * 3
    assert item_row(store, search)["version"] == 2  # not selected, not changed
    assert [h for h in store.run(inbox.history_query(ads))["field"]][-2:] == ["status", "assignee"]
    assert set(listed(at)).isdisjoint({ads, script, meetup})  # closed: out of the open list
    at = press(at, "Undo the last change to several items")
    assert not at.exception
    assert [s.value for s in at.success] == ["Undone: 3 items are as they were."]
    for item_id in (ads, script, meetup):
        row = item_row(store, item_id)
        assert (row["status"], row["assignee"], row["version"]) == ("new", None, 3)


def test_next_and_previous_move_through_the_list_in_its_order(store):
    at = open_inbox({"feedback_sort": "newest"})
    order = listed(at)
    at = select_rows(at, 0)
    assert f"#{order[0]} · New" in [s.value for s in at.subheader]
    for step in range(1, 4):
        at.button(key="feedback_next").click().run()
        assert not at.exception
        assert at.query_params["item"] in (str(order[step]), [str(order[step])])
        assert any(s.value.startswith(f"#{order[step]} · ") for s in at.subheader)
        assert f"{step + 1} of {len(order)}" in [c.value for c in at.caption]
    at.button(key="feedback_previous").click().run()
    assert any(s.value.startswith(f"#{order[2]} · ") for s in at.subheader)


def test_a_suggested_duplicate_is_merged_after_a_confirmation(store):
    (search,) = ids_of(store, TEXTS[0][0])
    again = NewFeedback(
        source="chat", text="Hard to find answers with the forum search!", member_id="bob", created_at=NOW
    )
    with store.begin() as connection:
        (copy,) = add_feedback(connection, [again], actor="importer", now=NOW)
    at = open_inbox({"item": str(copy)})
    assert not at.exception
    assert any(f"#{search} · New · " in c.value for c in at.caption)  # suggested, with how alike
    at.button(key=f"feedback_suggested_{search}").click().run()
    assert item_row(store, copy)["status"] == "new"  # asked first
    assert any(f"Merge #{copy} into #{search}?" in w.value for w in at.warning)
    at = at.button(key="feedback_merge_confirm").click().run()
    assert not at.exception
    merged = item_row(store, copy)
    assert (merged["status"], merged["duplicate_of"]) == ("duplicate", search)
    assert item_row(store, search)["duplicates"] == 1


def open_inbox_in(language: str, query: dict[str, str]) -> AppTest:
    """The inbox in `language`, at an address (as tests/test_app_messages.py opens a page)."""
    from ui.i18n import LANGUAGE_KEY
    from ui.language import CHOSEN

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state[LANGUAGE_KEY] = at.session_state[CHOSEN] = language
    at.switch_page("pages/_feedback.py")
    at.query_params.update(query)
    return at.run()


def test_a_link_made_in_english_opens_the_same_list_in_chinese_and_back(store):
    """Every filter writes codes, never the words shown: an address made in one language lists the
    same items in another (issue 23, item 3)."""
    search, _, script, ads = ids_of(store, *(text for text, _, _ in TEXTS))
    at = open_inbox_in("en", {})
    widget(at, "multiselect", "Status").set_value(["new", "triaged"])
    widget(at, "selectbox", "Assignee").set_value(inbox.UNASSIGNED)
    widget(at, "selectbox", "Sort by").set_value("newest")
    at = opened(at, listing.MORE_OPEN)
    widget(at, "selectbox", "Theme").set_value("search")
    at.run()
    widget(at, "selectbox", "Received").set_value("last_28_days")
    widget(at, "text_input", "Search").set_value("forum")
    at.run()
    english = dict(at.query_params)
    assert {name: value for name, value in english.items() if name.startswith("feedback_")} == {
        "feedback_status": "new,triaged",
        "feedback_assignee": inbox.UNASSIGNED,
        "feedback_sort": "newest",
        "feedback_theme": "search",
        "feedback_received": "last_28_days",
        "feedback_q": "forum",
    }
    assert listed(at) == [search]
    chinese = open_inbox_in("zh-CN", english)
    assert listed(chinese) == [search]
    with speaking("zh-CN"):  # the widgets' words, as this test reads them, in Chinese too
        assert widget(chinese, "selectbox", "负责人").options[0:2] == ["我", "未指派"]
        assert widget(chinese, "selectbox", "负责人").value == inbox.UNASSIGNED
        # Changed in Chinese, the address still holds codes, and English reads it as the same list.
        widget(chinese, "text_input", "搜索").set_value("")
        widget(chinese, "selectbox", "主题").set_value(None)
        widget(chinese, "selectbox", "情感").set_value("negative")
        chinese.run()
    address = dict(chinese.query_params)
    assert {name: address.get(name) for name in ("feedback_sentiment", "feedback_theme", "feedback_q")} == {
        "feedback_sentiment": "negative",
        "feedback_theme": None,
        "feedback_q": None,
    }
    assert sorted(listed(chinese)) == sorted([search, script, ads])
    back = open_inbox_in("en", address)
    assert listed(back) == listed(chinese)


def test_an_address_of_an_earlier_version_still_filters_the_unassigned(store):
    at = open_inbox({"feedback_assignee": "(unassigned)"})
    assert at.query_params["feedback_assignee"] == inbox.UNASSIGNED
    assert (
        listed(at)
        == store.run(inbox.inbox_query(inbox.InboxFilters(assignee=inbox.UNASSIGNED), now=NOW, team=("tom",)))[
            "id"
        ].tolist()
    )


# --- saved views (feedback/views.py, ui/inbox/views.py) ------------------------------------------


def pick_view(at: AppTest, key: str | None) -> AppTest:
    widget(at, "selectbox", "Saved view").set_value(key)
    return at.run()


def feedback_filters(at: AppTest) -> dict[str, str]:
    return {name: value for name, value in at.query_params.items() if name.startswith("feedback_")}


def test_a_starter_view_sets_the_filters_from_the_list(store):
    search, meetup = ids_of(store, TEXTS[0][0], TEXTS[1][0])
    workflow.save(store, [workflow.Edit(meetup, 1, {"assignee": "local"})], actor="local", now=NOW)
    at = open_inbox({"item": str(search)})
    at = pick_view(at, "assigned_to_me")
    assert not at.exception
    assert feedback_filters(at) == {"feedback_assignee": inbox.ME}
    assert at.query_params["view"] == "assigned_to_me"
    assert "item" not in at.query_params  # the list changed: the open item closes
    assert listed(at) == [meetup]
    assert widget(at, "selectbox", "Assignee").value == inbox.ME
    assert widget(at, "selectbox", "Saved view").value == "assigned_to_me"
    # A filter changed: the menu says so, and the address is the filters alone.
    widget(at, "selectbox", "Assignee").set_value(None)
    at.run()
    assert "view" not in at.query_params
    assert widget(at, "selectbox", "Saved view").proto.placeholder == "Assigned to me (changed)"
    # Cleared, the menu goes back to the inbox's usual filters.
    at = pick_view(at, "unassigned_urgent")
    assert feedback_filters(at) == {
        "feedback_assignee": inbox.UNASSIGNED,
        "feedback_priority": "high,urgent",
        "feedback_sort": "priority",
    }
    at = pick_view(at, None)
    assert (feedback_filters(at), "view" in at.query_params) == ({}, False)
    assert listed(at) == listed(open_inbox())


def save_view(at: AppTest, name: str, *, shared: bool = False) -> AppTest:
    at = opened(at, saved_views.SAVE_OPEN)
    widget(at, "text_input", "Name").set_value(name)
    if shared:
        widget(at, "checkbox", "Share with the team").check()
    return press(at, "Save the current filters")


def test_a_manager_saves_the_filters_as_a_view_and_reopens_it_from_its_link(store):
    from feedback import views

    search, _, script, ads = ids_of(store, *(text for text, _, _ in TEXTS))
    at = open_inbox({"feedback_sentiment": "negative", "feedback_sort": "newest"})
    negative = listed(at)
    assert negative == [ads, script, search]
    at = save_view(at, "Négatif **bold**", shared=True)
    assert not at.exception
    (view,) = views.visible(store, "local")
    assert (view.name, view.shared, view.filters) == (
        "Négatif **bold**",
        True,
        {"sentiment": "negative", "sort": "newest"},
    )
    assert at.query_params["view"] == str(view.id)
    assert [s.value for s in at.success] == ["Saved the view “Négatif \\*\\*bold\\*\\*”."]  # the name as text
    assert widget(at, "selectbox", "Saved view").value == str(view.id)
    # The same name again (in another case) is refused, and nothing is saved.
    at = save_view(at, "négatif **BOLD**")
    assert [e.value for e in at.error] == [
        "You already have a view named “négatif \\*\\*BOLD\\*\\*”. Choose another name, or update that view."
    ]
    assert len(views.visible(store, "local")) == 1
    # A fresh session opens the view from its link, with its filters.
    fresh = open_inbox({"view": str(view.id)})
    assert feedback_filters(fresh) == {"feedback_sentiment": "negative", "feedback_sort": "newest"}
    assert listed(fresh) == negative
    assert widget(fresh, "selectbox", "Saved view").value == str(view.id)


def test_a_view_the_opener_may_not_see_is_refused_and_the_inbox_opens_unfiltered(store):
    from feedback import views

    private = views.save(
        store, owner="bo@example.org", name="Bo's", filters={"sentiment": "negative"}, shared=False, now=NOW
    )
    default = open_inbox()
    at = open_inbox({"view": str(private), "feedback_sentiment": "negative"})
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "This view does not exist or is private to its owner. The inbox opens with its usual filters."
    ]
    assert "view" not in at.query_params and feedback_filters(at) == {}
    assert listed(at) == listed(default)


def test_a_view_naming_a_theme_no_item_has_opens_without_it_and_says_so(store):
    from feedback import views

    (search,) = ids_of(store, TEXTS[0][0])
    view_id = views.save(
        store, owner="local", name="Old", filters={"theme": "Old theme", "q": "forum"}, shared=False, now=NOW
    )
    at = open_inbox({"view": str(view_id)})
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Some of this view's filters name what no longer exists and were left out: Theme Old theme. "
        "The view's other filters apply."
    ]
    assert feedback_filters(at) == {"feedback_q": "forum"}
    assert listed(at) == [search]
    assert widget(at, "selectbox", "Saved view").value == str(view_id)  # what is left of it


def test_the_owner_updates_renames_and_deletes_a_view_from_the_inbox(store):
    from feedback import views

    view_id = views.save(store, owner="local", name="Mine", filters={"sentiment": "negative"}, shared=False, now=NOW)
    at = pick_view(open_inbox(), str(view_id))
    widget(at, "selectbox", "Sort by").set_value("newest")
    at = opened(at, saved_views.THIS_OPEN)
    at = press(at, "Update with the current filters")
    assert not at.exception
    assert views.find(store, str(view_id), "local").filters == {"sentiment": "negative", "sort": "newest"}
    assert at.query_params["view"] == str(view_id)
    (rename,) = [w for w in at.text_input if w.label == "Name" and w.value == "Mine"]  # not the save form's
    rename.set_value("Negative, newest")
    at = press(at, "Rename")
    assert views.find(store, str(view_id), "local").name == "Negative, newest"
    at = press(at, "Delete")
    assert [w.value for w in at.warning] == ["Delete the view “Negative\\, newest”? Links to it stop working."]
    assert views.visible(store, "local") != []  # asked first
    at = at.button(key="feedback_view_delete_confirm").click().run()
    assert views.visible(store, "local") == []
    assert "view" not in at.query_params


@pytest.mark.parametrize(
    ("language", "filter_label", "word", "tile", "apart"),
    [
        (
            "en",
            "Sentiment",
            "Not scored",
            "Negative (28 days)",
            "among the 4 items received in the last 28 days that were scored. 1 more",
        ),
        ("zh-CN", "情感", "未识别", "负面（28 天）", "已识别情感的 4 条反馈中，负面反馈的占比。另有 1 条"),
        ("zh-TW", "情緒", "未判斷", "負面（28 天）", "已判斷情緒的 4 則回饋中，負面回饋的佔比。另有 1 則"),
    ],
)
def test_feedback_not_scored_shows_as_such_in_the_filter_the_list_and_the_tile(
    store, language, filter_label, word, tile, apart
):
    """A Spanish answer (no sentiment model) is "not scored" in every UI language, and the negative
    tile counts it apart (issue 24, item 7)."""
    with store.begin() as connection:
        (spanish,) = add_feedback(
            connection,
            [NewFeedback(source="survey", text="Genial", member_id="alice", created_at=NOW, language="es")],
            actor="survey",
            now=NOW,
        )
    at = open_inbox_in(language, {"feedback_sentiment": "not_scored", "feedback_q": "Genial"})
    assert not at.exception
    assert listed(at) == [spanish]
    assert at.dataframe(key=list_key(at)).value["mood"].tolist() == [word]
    with speaking(language):
        menu = widget(at, "selectbox", filter_label)
        assert menu.value == "not_scored" and word in menu.options
    (negative,) = [metric for metric in at.metric if metric.label == tile]
    assert apart in negative.proto.help
    assert all(metric.proto.help for metric in at.metric)  # every tile says what it counts


def test_on_a_phone_the_list_shows_the_text_and_its_status_first(store, monkeypatch):
    # A phone's screen holds about two of the list's columns: "#" and a text as wide as a desk's
    # filled it, and the status and due date were off its edge.
    at = open_inbox()
    desk = at.dataframe(key=list_key(at))
    assert list(desk.value.columns[:3]) == ["id", "text", "status"]
    assert json.loads(desk.proto.columns)["text"]["width"] == "large"
    monkeypatch.setattr(triage, "on_a_phone", lambda: True)
    phone = open_inbox().dataframe(key=list_key(at))
    assert list(phone.value.columns[:3]) == ["text", "status", targets.DUE]
    assert json.loads(phone.proto.columns)["text"]["width"] == "medium"
    assert sorted(phone.value.columns) == sorted(desk.value.columns)
    assert phone.value["id"].tolist() == desk.value["id"].tolist()
