"""What the inbox reads, on a small hand-made app store (SQLite and PostgreSQL) and hand-made member
profiles in place of the warehouse: which items a segment or level filter keeps, which members the
warehouse is asked about, the menus' values and one item's detail."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pandas as pd
import pytest

from feedback import inbox, targets, workflow
from feedback.inbox import InboxChoices, InboxFilters
from feedback.intake import NewFeedback, add_feedback
from feedback.workflow import Edit
from store.database import AppStore
from tests.conftest import new_migrated_store

DATABASES = itertools.count(1)
NOW = datetime(2026, 11, 2, 9, 0)
# member -> (segment, level), as the warehouse would say; "m9" wrote feedback but is not in scope.
PROFILES = {"m1": ("biz", "core"), "m2": ("biz", "casual"), "m3": ("edu", "core")}
# (text, member, days old): the order of arrival, oldest first.
ITEMS = [
    ("Search is hard", "m1", 9),
    ("Great meetup", "m2", 7),
    ("Too many ads", "m3", 5),
    ("Pages are slow", None, 3),
    ("Who runs this?", "m9", 2),
    ("Fixed, thanks", "m1", 1),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, new_postgres_database):
    app_store = new_migrated_store(request.param, tmp_path, new_postgres_database, f"inbox_{next(DATABASES)}")
    yield app_store
    app_store.dispose()


@pytest.fixture
def ids(store) -> list[int]:
    """The six items; the last one closed (won't fix), the first one assigned and tagged."""
    items = [
        NewFeedback(source="manual", text=text, member_id=member, created_at=NOW - timedelta(days=days))
        for text, member, days in ITEMS
    ]
    with store.begin() as connection:
        added = add_feedback(connection, items, actor="ana", now=NOW)
    workflow.save(store, [Edit(added[5], 1, {"status": "wont_fix"})], actor="bo", now=NOW)
    workflow.save(store, [Edit(added[0], 1, {"assignee": "bo", "tags": ["forum", "search"]})], actor="bo", now=NOW)
    return added


class Warehouse:
    """Hand-made member profiles, remembering which members it was asked about."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def profiles_of(self, member_ids: list[str]) -> pd.DataFrame:
        self.asked.append(sorted(member_ids))
        rows = [(member, *PROFILES[member]) for member in member_ids if member in PROFILES]
        return pd.DataFrame(rows, columns=["member_id", "segment", "level"])


# Items without a priority take normal's targets: here six days to the first response.
SIX_DAYS = targets.Targets(by_priority={**targets.DEFAULTS, "normal": targets.Target(144, 144)})


def read(store: AppStore, warehouse: Warehouse, **given) -> pd.DataFrame:
    filters = InboxFilters(**given)
    return inbox.read_inbox(store, filters, profiles_of=warehouse.profiles_of, now=NOW, targets=SIX_DAYS)


def values(column: pd.Series) -> list[object]:
    return [None if pd.isna(value) else value for value in column]


def test_without_member_filters_every_open_item_is_listed_with_its_members_profile(store, ids):
    warehouse = Warehouse()
    frame = read(store, warehouse)
    assert frame["id"].tolist() == ids[:5]  # open items, oldest first; the closed one is not listed
    assert values(frame["segment"]) == ["biz", "biz", "edu", None, None]  # anonymous, and not in scope
    assert values(frame["level"]) == ["core", "casual", "core", None, None]
    assert frame["age_days"].tolist() == [9.0, 7.0, 5.0, 3.0, 2.0]
    assert frame["overdue"].tolist() == [True, True, False, False, False]  # unanswered for more than 6 days
    assert frame["due_hours"].tolist() == [-72.0, -24.0, 24.0, 72.0, 96.0]
    assert frame["breaching"].tolist() == [False, False, True, False, False]  # due within 24 h
    assert frame["tags"].tolist() == [["forum", "search"], [], [], [], []]
    assert warehouse.asked == [["m1", "m2", "m3", "m9"]]  # once, for the listed items' members


@pytest.mark.parametrize(
    ("given", "listed", "asked_first"),
    [
        ({"segment": "biz"}, [0, 1], ["m1", "m2", "m3", "m9"]),
        ({"level": "core"}, [0, 2], ["m1", "m2", "m3", "m9"]),
        ({"segment": "biz", "level": "core"}, [0], ["m1", "m2", "m3", "m9"]),
        ({"segment": "edu", "level": "casual"}, [], ["m1", "m2", "m3", "m9"]),
        ({"segment": "nobody"}, [], ["m1", "m2", "m3", "m9"]),
        # The other filters choose the candidates first: only closed items' members are asked about.
        ({"statuses": ("wont_fix",), "level": "core"}, [5], ["m1"]),
        ({"statuses": (), "segment": "biz"}, [0, 1, 5], ["m1", "m2", "m3", "m9"]),
        ({"search": "ads", "segment": "biz"}, [], ["m3"]),
    ],
)
def test_member_filters_keep_the_items_of_the_members_the_warehouse_names(store, ids, given, listed, asked_first):
    warehouse = Warehouse()
    frame = read(store, warehouse, **given)
    assert frame["id"].tolist() == [ids[n] for n in listed]
    assert warehouse.asked[0] == asked_first  # the candidates: members of the items the other filters keep
    assert warehouse.asked[1:] == [sorted({ITEMS[n][1] for n in listed})]  # then the listed items' members


def test_choices_are_the_values_in_use(store, ids):
    assert inbox.read_choices(store) == InboxChoices(
        assignees=["bo"],
        themes=["events", "moderation", "performance", "search"],  # suggested by these texts
        tags=["forum", "search"],
    )


def test_an_items_detail_has_its_duplicates_and_history(store, ids):
    workflow.save(store, [Edit(ids[2], 1, {"duplicate_of": ids[1]})], actor="bo", now=NOW)
    detail = inbox.read_item(store, ids[1])
    assert detail.item["text"].tolist() == ["Great meetup"]
    assert detail.item["duplicates"].tolist() == [1]
    assert detail.duplicates["id"].tolist() == [ids[2]]
    assert detail.history[["actor", "field", "new_value"]].values.tolist() == [["ana", "created", "manual"]]
    missing = inbox.read_item(store, 999_999)
    assert missing.item.empty and missing.duplicates.empty and missing.history.empty


def test_items_in_a_language_without_a_model_are_their_own_sentiment_in_the_list_and_the_filter(store):
    """ "Genial" from a Spanish survey is not scored; read as English it would be positive."""
    items = [
        NewFeedback(source="survey", text="Genial", member_id="m1", created_at=NOW, language="es"),
        NewFeedback(source="survey", text="Genial", member_id="m2", created_at=NOW, language="en"),
        NewFeedback(source="manual", text="It keeps crashing", member_id="m3", created_at=NOW),
    ]
    with store.begin() as connection:
        spanish, english, crash = add_feedback(connection, items, actor="ana", now=NOW)
    warehouse = Warehouse()
    listed = read(store, warehouse)
    assert dict(zip(listed["id"], listed["mood"], strict=True)) == {
        spanish: "not_scored",
        english: "positive",
        crash: "negative",
    }
    assert read(store, warehouse, sentiment="not_scored")["id"].tolist() == [spanish]
    assert read(store, warehouse, sentiment="neutral")["id"].tolist() == []  # not scored is not neutral
    assert read(store, warehouse, sentiment="positive")["id"].tolist() == [english]
    assert inbox.SENTIMENTS == ("negative", "neutral", "positive", "not_scored")
