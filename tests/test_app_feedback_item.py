"""AppTest: an item's assignee is picked from the names the inbox has assigned (a typed name once,
then offered), so "Bo" and "bo " do not split the assignee filter; nobody is a choice in words."""

from __future__ import annotations

import pandas as pd

from feedback import inbox, workflow
from tests.test_app_feedback import NOW, TEXTS, ids_of, item_row, open_inbox, press, store  # noqa: F401  (a fixture)
from ui.inbox.detail import assignee_choices


def test_the_menu_offers_nobody_then_the_names_in_use_and_the_items_own():
    assert assignee_choices(None, ["ana", "Bo"]) == [inbox.UNASSIGNED, "ana", "Bo"]
    assert assignee_choices("carl", ["bo", "Ana"]) == [inbox.UNASSIGNED, "Ana", "bo", "carl"]
    assert assignee_choices(float("nan"), []) == [inbox.UNASSIGNED]  # a missing cell read from the store


def test_an_item_is_assigned_from_the_menu_and_unassigned_as_nobody(store):  # noqa: F811
    search, meetup = ids_of(store, TEXTS[0][0], TEXTS[1][0])
    workflow.save(store, [workflow.Edit(meetup, 1, {"assignee": "bo"})], actor="ana", now=NOW)
    at = open_inbox({"item": str(search)})
    menu = at.selectbox(key=f"feedback_item_{search}_1_assignee")
    assert menu.options == ["Nobody", "bo"] and menu.value == inbox.UNASSIGNED  # the names in use, no typing
    menu.set_value("bo")
    at = press(at, "Save")
    assert not at.exception
    assert item_row(store, search)["assignee"] == "bo"
    at.selectbox(key=f"feedback_item_{search}_2_assignee").set_value(inbox.UNASSIGNED)
    at = press(at, "Save")
    assert not at.exception
    assert pd.isna(item_row(store, search)["assignee"])
    assert store.run(inbox.history_query(search))["field"].tolist()[-2:] == ["assignee", "assignee"]
