"""AppTest: response targets in the inbox (feedback/targets.py) — the Due column and its sort, the
Overdue and Breaching within 24 h tiles, the item panel's badge, the Response targets view, and the
Overview's median response times with "—" and a reason when there is nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import clock
from feedback import targets
from feedback.intake import NewFeedback, add_feedback
from store import tables
from store.database import AppStore
from tests.test_app_feedback import APP, listed, open_inbox, press, widget

HOUR = timedelta(hours=1)
# text -> (priority, age, answered this long after arrival, status); "SLA" finds them in the list.
ITEMS = {
    "SLA urgent, fresh": ("urgent", 1.5 * HOUR, None, "new"),  # 4 h first response: due in 2.5 h
    "SLA high, late": ("high", 10.5 * HOUR, None, "new"),  # 8 h first response: 2.5 h overdue
    "SLA low, answered": ("low", 4.5 * 24 * HOUR, 24 * HOUR, "triaged"),  # 14-day resolution: 9.5 days left
    "SLA no priority, reopened": (None, 10.5 * 24 * HOUR, HOUR, "triaged"),  # normal's 7 days: 3.5 days overdue
    "SLA resolved": ("urgent", 30 * 24 * HOUR, HOUR, "resolved"),  # closed: no target
}


@pytest.fixture
def store(configured):
    app_store = AppStore(f"sqlite:///{configured / 'app.db'}")
    yield app_store
    app_store.dispose()


ADDED_AT = [clock.now()]  # when add_items last ran


def add_items(store: AppStore) -> dict[str, int]:
    """The ITEMS, arrived their ages before now; their ids by text."""
    feedback = tables.feedback
    now = ADDED_AT[0] = clock.now()  # the moment the ages count back from
    with store.begin() as connection:
        add_feedback(
            connection,
            [NewFeedback(source="manual", text=text, created_at=now - age) for text, (_, age, _, _) in ITEMS.items()],
            actor="test",
            now=now,
        )
        for text, (priority, age, answered, status) in ITEMS.items():
            connection.execute(
                feedback.update()
                .where(feedback.c.text == text)
                .values(
                    priority=priority,
                    status=status,
                    first_response_at=None if answered is None else now - age + answered,
                    closed_at=now - HOUR if status == "resolved" else None,
                )
            )
    rows = store.run(sa.select(feedback.c.id, feedback.c.text).where(feedback.c.text.in_(ITEMS)))
    return dict(zip(rows["text"], rows["id"], strict=True))


def hours_left(expected: list[float]) -> list[tuple[float, float]]:
    """The range each item's hours left may be in by now: as expected when added, less the time since."""
    since = (clock.now() - ADDED_AT[0]) / HOUR
    return [(hours - since - 0.01, hours + 0.01) for hours in expected]


def within(values: list[float], ranges: list[tuple[float, float]]) -> bool:
    if len(values) != len(ranges):
        return False
    return all(low <= value <= high for value, (low, high) in zip(values, ranges, strict=True))


def tiles(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric if m.label in ("Overdue", "Breaching within 24 h")}


def test_due_column_sort_tiles_and_badge(store):
    before = tiles(open_inbox())
    ids = add_items(store)
    at = open_inbox({"feedback_q": "SLA", "feedback_sort": "due"})  # the sort is a code in the address
    assert not at.exception
    assert widget(at, "selectbox", "Sort by").value == "due"
    order = ["SLA no priority, reopened", "SLA high, late", "SLA urgent, fresh", "SLA low, answered"]
    assert listed(at) == [ids[text] for text in order]  # the most overdue first
    hours = at.dataframe(key="feedback_table").value["due_hours"].tolist()
    assert within(hours, hours_left([-84, -2.5, 2.5, 228])), hours
    # The tiles count every open item (not the search): two more overdue, one more due within 24 h.
    assert tiles(at) == {"Overdue": before["Overdue"] + 2, "Breaching within 24 h": before["Breaching within 24 h"] + 1}

    with_closed = open_inbox({"feedback_q": "SLA", "feedback_sort": "due", "feedback_status": "all"})
    assert listed(with_closed)[-1] == ids["SLA resolved"]  # closed items last: no target

    def badges(item: str) -> list[str]:
        at = open_inbox({"feedback_q": "SLA", "item": str(ids[item])})
        return [m.value for m in at.markdown if "-badge[" in m.value]

    assert badges("SLA high, late") == [":red-badge[:material/alarm: First response overdue by 2 h]"]
    assert badges("SLA urgent, fresh") == [":orange-badge[:material/schedule: First response due in 2 h]"]
    assert badges("SLA low, answered") == [":gray-badge[:material/schedule: Resolution due in 9 days]"]
    assert badges("SLA no priority, reopened") == [":red-badge[:material/alarm: Resolution overdue by 3 days]"]
    assert badges("SLA resolved") == []


def test_a_manager_changes_a_target_and_the_inbox_follows(store):
    ids = add_items(store)
    at = open_inbox({"feedback_view": "targets"})
    assert not at.exception
    editor = at.data_editor(key="feedback_targets_editor")
    assert editor.value["first_response_hours"].tolist() == [4, 8, 24, 72]  # urgent, high, normal, low
    at.session_state["feedback_targets_editor"] = {
        "edited_rows": {1: {"first_response_hours": 12}},  # high: 12 h to the first response
        "added_rows": [],
        "deleted_rows": [],
    }
    at = press(at.run(), "Save targets")
    assert not at.exception
    assert [s.value for s in at.success] == ["Response targets saved (1 changed)."]
    stored = targets.read_targets(store)
    assert stored.by_priority["high"] == targets.Target(12, 72)
    assert stored.changed_by == {"high": "local"}
    at = open_inbox({"feedback_q": "SLA", "feedback_sort": "due"})
    due = dict(zip(listed(at), at.dataframe(key="feedback_table").value["due_hours"], strict=True))
    assert within([due[ids["SLA high, late"]]], hours_left([1.5])), due  # no longer overdue


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        ({"resolution_hours": 2}, "Urgent: the resolution target cannot be shorter than the first-response target."),
        ({"first_response_hours": None}, "Targets are whole hours from 1 to 8760."),  # a cell emptied
    ],
)
def test_an_unusable_target_is_refused_and_nothing_is_saved(store, edit, said):
    at = open_inbox({"feedback_view": "targets"})
    at.session_state["feedback_targets_editor"] = {
        "edited_rows": {0: edit},  # urgent (4 h, 24 h)
        "added_rows": [],
        "deleted_rows": [],
    }
    at = press(at.run(), "Save targets")
    assert not at.exception
    assert [e.value for e in at.error] == [said]
    assert targets.read_targets(store) == targets.DEFAULT_TARGETS


def test_the_overview_says_why_a_response_time_is_missing(store):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = "today"  # the fixture's feedback arrived on earlier days
    at.run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert (shown["Median first response"], shown["Median resolution"]) == ("—", "—")
    assert [c.value for c in at.caption].count("No feedback was received in this period.") == 2
