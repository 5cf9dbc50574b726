"""AppTest: an inbox item's form and facts. Its assignee is picked from the names the inbox has
assigned (a typed name once, then offered), so "Bo" and "bo " do not split the assignee filter; an
item a survey answer made names that survey and question in the reader's language."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from catalog.spoken import speaking
from feedback import inbox, workflow
from store import tables
from surveys import registry, submission
from surveys.definition import parse_definition
from tests.test_app_feedback import APP, NOW, TEXTS, ids_of, item_row, open_inbox, press, store  # noqa: F401  (a fixture)
from ui.inbox.detail import assignee_choices
from ui.inbox.listing import as_listed


def test_the_menu_offers_nobody_then_the_names_in_use_and_the_items_own():
    assert assignee_choices(None, ["ana", "Bo"]) == [inbox.UNASSIGNED, "ana", "Bo"]
    assert assignee_choices("carl", ["bo", "Ana"]) == [inbox.UNASSIGNED, "Ana", "bo", "carl"]
    assert assignee_choices(float("nan"), []) == [inbox.UNASSIGNED]  # a missing cell read from the store


def test_a_typed_name_is_the_listed_one_whatever_its_case_and_spaces():
    assert as_listed("bo ", ["Ana", "Bo"]) == "Bo"
    assert as_listed("ANA", ["Ana", "Bo"]) == "Ana"
    assert as_listed("Carl", ["Ana", "Bo"]) == "Carl"  # a new name, as typed


def test_an_item_is_assigned_from_the_menu_and_unassigned_as_nobody(store):  # noqa: F811
    search, meetup = ids_of(store, TEXTS[0][0], TEXTS[1][0])
    workflow.save(store, [workflow.Edit(meetup, 1, {"assignee": "bo"})], actor="ana", now=NOW)
    at = open_inbox({"item": str(search)})
    menu = at.selectbox(key=f"feedback_item_{search}_1_assignee")
    assert menu.options == ["Nobody", "bo"] and menu.value == inbox.UNASSIGNED  # the names in use, no typing
    # The browser drops a name typed without Enter before the server sees it: the menu's help says so
    # (its placeholder stays short enough for the narrow boxes beside it).
    assert (menu.placeholder, menu.help) == (
        "Choose or type",
        "To assign someone new, type their name and press Enter; a name typed without Enter is not kept.",
    )
    assert at.selectbox(key=f"feedback_item_{search}_1_theme").help.startswith("For a new theme, type it and press")
    assert at.multiselect(key=f"feedback_item_{search}_1_tags").help.startswith("For a new tag, type it and press")
    priority = at.selectbox(key=f"feedback_item_{search}_1_priority")  # none set: handled as normal, and said so
    assert (priority.value, priority.placeholder) == (None, "Not set (normal)")
    menu.set_value("bo")
    at = press(at, "Save")
    assert not at.exception
    assert item_row(store, search)["assignee"] == "bo"
    at.selectbox(key=f"feedback_item_{search}_2_assignee").set_value(inbox.UNASSIGNED)
    at = press(at, "Save")
    assert not at.exception
    assert pd.isna(item_row(store, search)["assignee"])
    assert store.run(inbox.history_query(search))["field"].tolist()[-2:] == ["assignee", "assignee"]


SURVEY = {
    "slug": "q4-pulse",
    "title": {"en": "Q4 pulse", "zh-CN": "第四季度调查"},
    "languages": ["en", "zh-CN"],
    "questions": [
        {"id": "better", "type": "long_text", "text": {"en": "What should we improve?", "zh-CN": "我们应改进什么？"}},
    ],
}


def test_an_item_from_a_survey_names_the_survey_and_its_question(store):  # noqa: F811
    registry.register(store, parse_definition(SURVEY, where="q4-pulse.yaml"), timezone="UTC", now=NOW)
    stored = registry.load_survey(store, "q4-pulse")
    answer = {"better": "The forum search never finds old threads."}
    submission.submit(store, stored=stored, answers=answer, key="k-1", locale="en", now=NOW)
    (item,) = store.run(sa.select(tables.feedback.c.id).where(tables.feedback.c.source == "survey"))["id"].tolist()
    at = open_inbox({"item": str(item)})
    assert not at.exception
    facts = " ".join(caption.value for caption in at.caption).replace("\\", "")
    assert "from the survey “Q4 pulse”, question “What should we improve?”" in facts
    with speaking("zh-CN"):  # AppTest writes the widgets' values back in this thread's language
        chinese = AppTest.from_file(APP, default_timeout=60)
        chinese.query_params.update({"lang": "zh-CN", "item": str(item)})
        chinese.run()
        chinese.switch_page("pages/_feedback.py")
        chinese.run()
    assert not chinese.exception
    facts = " ".join(caption.value for caption in chinese.caption).replace("\\", "")
    assert "来源：问卷“第四季度调查”中的问题“我们应改进什么？”" in facts
    assert registry.survey_of_response(store, 10**6) is None  # a response that is gone names nothing
