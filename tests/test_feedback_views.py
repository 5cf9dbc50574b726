"""Saved views of the feedback inbox (feedback/views.py) on SQLite and PostgreSQL: who sees which,
who may rename, update and delete, names unique per owner, and a view whose filter values no
longer exist."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from feedback import inbox, views
from feedback.inbox import InboxChoices
from feedback.views import ViewRefused
from store.database import AppStore
from tests.conftest import new_migrated_store

NOW = datetime(2026, 11, 2, 10, 0)
LATER = datetime(2026, 11, 2, 11, 0)
DATABASES = itertools.count()
NEGATIVE = {"sentiment": "negative", "status": "new,triaged"}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, new_postgres_database):
    app_store = new_migrated_store(request.param, tmp_path, new_postgres_database, f"views_{next(DATABASES)}")
    yield app_store
    app_store.dispose()


def names(store: AppStore, user: str) -> list[str]:
    return [view.name for view in views.visible(store, user)]


def test_a_private_view_is_its_owners_and_a_shared_one_everyones(store):
    views.save(store, owner="ana", name="Zed private", filters=NEGATIVE, shared=False, now=NOW)
    shared = views.save(store, owner="ana", name="Negative", filters=NEGATIVE, shared=True, now=NOW)
    bo = views.save(store, owner="bo", name="Bo's own", filters={"tag": "billing"}, shared=False, now=NOW)
    views.save(store, owner="bo", name="Alpha shared", filters={}, shared=True, now=NOW)
    # Mine first (by name), then the team's shared ones.
    assert names(store, "ana") == ["Negative", "Zed private", "Alpha shared"]
    assert names(store, "bo") == ["Alpha shared", "Bo's own", "Negative"]
    assert views.find(store, str(shared), "bo").filters == NEGATIVE
    with pytest.raises(ViewRefused) as refused:
        views.find(store, str(bo), "ana")  # another's private view, refused as an unknown one is
    assert refused.value.key == "feedback.views.refused.unknown"
    with pytest.raises(ViewRefused):
        views.find(store, "999", "ana")
    with pytest.raises(ViewRefused):
        views.find(store, "not-a-view", "ana")


def test_starter_views_are_everyones_and_built_from_codes(store):
    mine = views.find(store, "assigned_to_me", "ana")
    assert (mine.starter, mine.filters) == ("assigned_to_me", {"assignee": inbox.ME})
    assert [view.key for view in views.starters()] == ["assigned_to_me", "unassigned_urgent", "negative_7_days"]
    assert views.find(store, "unassigned_urgent", "bo").filters["priority"] == "high,urgent"


def test_the_owner_renames_updates_and_deletes_and_others_may_not(store):
    view_id = views.save(store, owner="ana", name="Mine", filters=NEGATIVE, shared=False, now=NOW)
    views.rename(store, view_id, name="  Negative   new ", user="ana", admin=False, now=LATER)
    views.update(store, view_id, filters={"tag": "billing", "nonsense": "x"}, user="ana", admin=False, now=LATER)
    (view,) = views.visible(store, "ana")
    assert (view.name, view.filters, view.updated_at) == ("Negative new", {"tag": "billing"}, LATER)
    for change in (
        lambda: views.rename(store, view_id, name="Taken", user="bo", admin=False, now=LATER),
        # private: not even an admin
        lambda: views.update(store, view_id, filters={}, user="bo", admin=True, now=LATER),
        lambda: views.delete(store, view_id, user="bo", admin=True),
    ):
        with pytest.raises(ViewRefused):
            change()
    assert views.visible(store, "ana")[0].filters == {"tag": "billing"}
    views.delete(store, view_id, user="ana", admin=False)
    assert views.visible(store, "ana") == []
    with pytest.raises(ViewRefused) as gone:
        views.update(store, view_id, filters={}, user="ana", admin=False, now=LATER)
    assert gone.value.key == "feedback.views.refused.gone"


def test_a_shared_view_is_changed_by_its_owner_or_an_admin_only(store):
    view_id = views.save(store, owner="ana", name="Team", filters=NEGATIVE, shared=True, now=NOW)
    with pytest.raises(ViewRefused) as refused:
        views.rename(store, view_id, name="Bo's now", user="bo", admin=False, now=LATER)
    assert refused.value.key == "feedback.views.refused.not_yours"
    with pytest.raises(ViewRefused):
        views.delete(store, view_id, user="bo", admin=False)
    views.update(store, view_id, filters={"sort": "newest"}, user="root", admin=True, now=LATER)
    assert views.find(store, str(view_id), "bo").filters == {"sort": "newest"}
    views.delete(store, view_id, user="root", admin=True)
    assert views.visible(store, "bo") == []


def test_a_name_is_one_view_per_owner_in_any_case(store):
    first = views.save(store, owner="ana", name="Urgent", filters={}, shared=False, now=NOW)
    with pytest.raises(ViewRefused) as taken:
        views.save(store, owner="ana", name="urgent", filters={}, shared=True, now=NOW)
    assert (taken.value.key, taken.value.values) == ("feedback.views.refused.duplicate", {"name": "urgent"})
    views.save(store, owner="bo", name="Urgent", filters={}, shared=True, now=NOW)  # another owner's: fine
    second = views.save(store, owner="ana", name="Later", filters={}, shared=False, now=NOW)
    with pytest.raises(ViewRefused):
        views.rename(store, second, name="URGENT", user="ana", admin=False, now=LATER)
    views.rename(store, first, name="urgent", user="ana", admin=False, now=LATER)  # its own name, recased
    for bad, key in (("   ", "feedback.views.refused.no_name"), ("x" * 81, "feedback.views.refused.long_name")):
        with pytest.raises(ViewRefused) as refused:
            views.save(store, owner="ana", name=bad, filters={}, shared=False, now=NOW)
        assert refused.value.key == key
    assert names(store, "ana") == ["Later", "urgent", "Urgent"]


def test_a_filter_value_that_no_longer_exists_is_dropped_and_named():
    choices = InboxChoices(assignees=["ana@example.org"], themes=["search", "Forum search"], tags=["billing"])
    saved = {
        "status": "new,escalated,triaged",  # "escalated": not a status (any more)
        "theme": "Old theme",  # no item has it now
        "tag": "billing",
        "assignee": inbox.ME,
        "segment": "gone-segment",
        "level": "champion",
        "sort": "due_date",  # a sort this version does not have
        "older": "9" * 30,
        "q": "forum",
        "received": "this_week",
    }
    checked = views.check(saved, choices, segments=["biz"], levels=["champion", "regular"])
    assert checked.filters == {
        "status": "new,triaged",
        "tag": "billing",
        "assignee": inbox.ME,
        "level": "champion",
        "q": "forum",
        "received": "this_week",
    }
    assert checked.dropped == (
        ("status", "escalated"),
        ("theme", "Old theme"),
        ("segment", "gone-segment"),
        ("sort", "due_date"),
        ("older", "9" * 30),
    )
    assert views.check({"status": ""}, choices, segments=[], levels=[]) == views.Checked({"status": ""})


def test_the_filters_of_an_address_leave_out_the_item_and_the_defaults():
    address = {
        "feedback_status": "",
        "feedback_q": "",
        "feedback_older": "0",
        "feedback_theme": "search",
        "item": "12",
        "feedback_view": "themes",
        "view": "3",
        "lang": "zh-CN",
    }
    assert views.filters_of(address) == {"status": "", "theme": "search"}
    assert views.address_of({"status": "", "theme": "search"}) == {"feedback_status": "", "feedback_theme": "search"}
