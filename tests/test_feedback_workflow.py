"""Triage workflow on real SQLite and PostgreSQL: transitions, merges, version checks, the audit log."""

from __future__ import annotations

import itertools
import re
import threading
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from feedback import inbox, workflow
from feedback.intake import NewFeedback, add_feedback, remove_feedback
from feedback.workflow import Edit, EditConflict, EditRefused
from store import tables
from store.database import AppStore, StoreError
from tests.conftest import new_migrated_store

DATABASES = itertools.count(1)
NOW = datetime(2026, 11, 2, 9, 0)
LATER = datetime(2026, 11, 2, 10, 30)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, new_postgres_database):
    app_store = new_migrated_store(request.param, tmp_path, new_postgres_database, f"triage_{next(DATABASES)}")
    yield app_store
    app_store.dispose()


def add(store: AppStore, *texts: str) -> list[int]:
    items = [NewFeedback(source="manual", text=text, created_at=datetime(2026, 11, 1, 8, 0)) for text in texts]
    with store.begin() as connection:
        return add_feedback(connection, items, actor="ana", now=NOW)


def item(store: AppStore, item_id: int) -> dict:
    return store.run(inbox.item_query(item_id)).iloc[0].to_dict()


def history(store: AppStore, item_id: int) -> list[tuple]:
    rows = store.run(inbox.history_query(item_id))
    rows = rows.astype(object).where(rows.notna(), None)
    return [(r.actor, r.field, r.old_value, r.new_value) for r in rows.itertuples()]


def move(store: AppStore, item_id: int, *statuses: str) -> None:
    for status in statuses:
        workflow.save(
            store, [Edit(item_id, item(store, item_id)["version"], {"status": status})], actor="bo", now=LATER
        )


@pytest.mark.parametrize(
    "path",
    [
        ("triaged",),
        ("triaged", "planned", "in_progress", "resolved"),
        ("triaged", "in_progress", "resolved", "triaged"),
        ("wont_fix", "triaged", "resolved"),
        ("triaged", "planned", "triaged"),
        ("resolved",),  # an obvious answer, closed in one step
        ("wont_fix",),  # spam
        ("planned", "in_progress", "triaged"),
        ("resolved", "wont_fix", "in_progress"),
    ],
)
def test_allowed_transitions_are_saved_and_logged(store, path):
    (item_id,) = add(store, "Search is hard")
    move(store, item_id, *path)
    saved = item(store, item_id)
    assert saved["status"] == path[-1]
    assert saved["version"] == 1 + len(path)
    statuses = [(old, new) for _, field, old, new in history(store, item_id) if field == "status"]
    assert statuses == list(zip(("new", *path[:-1]), path, strict=True))


@pytest.mark.parametrize(
    ("path", "refused", "message"),
    [
        (("triaged",), "new", "an item that is triaged cannot become new; it can become planned, in progress"),
        (("resolved",), "new", "an item that is resolved cannot become new"),
        (("triaged",), "duplicate", "to mark it a duplicate, merge it into the original item"),
        ((), "closed", "status must be one of new, triaged"),
    ],
)
def test_refused_transitions_change_nothing(store, path, refused, message):
    (item_id,) = add(store, "Search is hard")
    move(store, item_id, *path)
    before = item(store, item_id)
    with pytest.raises(EditRefused, match=message):
        workflow.save(store, [Edit(item_id, before["version"], {"status": refused})], actor="bo", now=LATER)
    assert item(store, item_id) == before
    assert len(history(store, item_id)) == 1 + len(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"status": "done"},
            "#{id}: status must be one of new, triaged, planned, in_progress, resolved, wont_fix, duplicate.",
        ),
        ({"priority": "asap"}, "#{id}: priority must be one of low, normal, high, urgent, or empty."),
        ({"assignee": "a" * 201}, "#{id}: assignee is longer than 200 characters."),
        ({"theme": "t" * 101}, "#{id}: theme is longer than 100 characters."),  # its column holds 100
        ({"tags": ["ok", "x" * 51]}, "#{id}: a tag is longer than 50 characters."),
    ],
)
def test_a_value_a_field_cannot_hold_is_refused_naming_the_item(store, changes, message):
    (item_id,) = add(store, "Search is hard")
    with pytest.raises(EditRefused) as refused:
        workflow.save(store, [Edit(item_id, 1, changes)], actor="bo", now=LATER)
    assert refused.value.user_message == message.format(id=item_id)
    assert item(store, item_id)["version"] == 1


def test_values_exactly_at_their_limits_are_kept_trimmed(store):
    (item_id,) = add(store, "Search is hard")
    changes = {
        "assignee": " " + "a" * 200 + " ",
        "theme": "t" * 100,
        "tags": [" x ", "y" * 50, "x", " "],
        "priority": "low",
    }
    workflow.save(store, [Edit(item_id, 1, changes)], actor="bo", now=LATER)
    saved = item(store, item_id)
    assert (saved["assignee"], saved["theme"], list(saved["tags"]), saved["priority"]) == (
        "a" * 200,
        "t" * 100,
        ["x", "y" * 50],
        "low",
    )


def test_closing_sets_closed_at_and_reopening_clears_it(store):
    (item_id,) = add(store, "Search is hard")
    move(store, item_id, "triaged", "resolved")
    assert item(store, item_id)["closed_at"] == pd.Timestamp(LATER)
    move(store, item_id, "triaged")
    assert pd.isna(item(store, item_id)["closed_at"])


def test_first_response_is_the_first_change_by_a_manager(store):
    (item_id,) = add(store, "Search is hard")
    assert pd.isna(item(store, item_id)["first_response_at"])
    workflow.save(store, [Edit(item_id, 1, note="Asked the forum team")], actor="bo", now=LATER)
    workflow.save(store, [Edit(item_id, 2, {"status": "triaged"})], actor="bo", now=datetime(2026, 11, 5))
    assert item(store, item_id)["first_response_at"] == pd.Timestamp(LATER)


def test_every_field_change_is_one_audit_entry(store):
    (item_id,) = add(store, "Search is hard")
    changes = {"status": "triaged", "priority": "high", "assignee": " bo ", "tags": ["search", "forum", "search"]}
    workflow.save(store, [Edit(item_id, 1, changes, note="Looks like the index")], actor="ana", now=LATER)
    saved = item(store, item_id)
    assert (saved["assignee"], saved["tags"], saved["version"]) == ("bo", ["search", "forum"], 2)
    assert history(store, item_id) == [
        ("ana", "created", None, "manual"),
        ("ana", "status", "new", "triaged"),
        ("ana", "priority", None, "high"),
        ("ana", "assignee", None, "bo"),
        ("ana", "tags", None, "search, forum"),
        ("ana", "note", None, "Looks like the index"),
    ]


def test_saving_the_same_values_changes_nothing(store):
    (item_id,) = add(store, "Search is hard")
    assert workflow.save(store, [Edit(item_id, 1, {"status": "new", "priority": None})], actor="bo", now=LATER) == []
    assert item(store, item_id)["version"] == 1


def test_a_stale_save_is_refused_with_what_changed_and_nothing_is_overwritten(store):
    (item_id,) = add(store, "Search is hard")
    # Both managers loaded version 1; Ana saves first.
    workflow.save(store, [Edit(item_id, 1, {"status": "triaged", "assignee": "ana"})], actor="ana", now=LATER)
    with pytest.raises(EditConflict) as refused:
        workflow.save(store, [Edit(item_id, 1, {"assignee": "bo", "priority": "low"})], actor="bo", now=LATER)
    assert refused.value.items == [item_id]
    assert f"#{item_id} status: new → triaged (ana, 2026-11-02 10:30 UTC)" in refused.value.user_message
    assert f"#{item_id} assignee: – → ana (ana, 2026-11-02 10:30 UTC)" in refused.value.user_message
    saved = item(store, item_id)
    assert (saved["assignee"], saved["priority"], saved["version"]) == ("ana", None, 2)


def test_a_conflict_says_fields_statuses_priorities_and_local_mode_in_the_readers_words(store):
    (item_id,) = add(store, "Search is hard")
    workflow.save(store, [Edit(item_id, 1, {"status": "triaged", "priority": "high"})], actor="local", now=LATER)
    with pytest.raises(EditConflict) as refused:  # another tab of the same computer loaded version 1
        workflow.save(store, [Edit(item_id, 1, {"assignee": "bo"})], actor="local", now=LATER)
    english = refused.value.user_message
    assert f"#{item_id} status: new → triaged (local user, 2026-11-02 10:30 UTC)" in english
    assert f"#{item_id} priority: – → High (local user, 2026-11-02 10:30 UTC)" in english
    chinese = refused.value.text("zh-CN")
    assert f"#{item_id} 状态：“新建” → “已分类”（本机用户，" in chinese
    assert f"#{item_id} 优先级：– → 高（本机用户，" in chinese
    assert not {"triaged", "high", "local", "status", "priority"} & set(re.findall(r"[a-z_]+", chinese))


def test_a_conflict_lists_every_change_since_the_version_loaded_and_only_that_items(store):
    item_id, other = add(store, "Search is hard", "Slow pages")
    workflow.save(store, [Edit(other, 1, {"priority": "high"})], actor="cy", now=NOW)  # another item's change
    workflow.save(store, [Edit(item_id, 1, {"assignee": "ana"})], actor="ana", now=NOW)
    workflow.save(store, [Edit(item_id, 2, {"assignee": None})], actor="ana", now=LATER)
    with pytest.raises(EditConflict) as refused:  # bo loaded version 2: only the third version is news
        workflow.save(store, [Edit(item_id, 2, {"priority": "low"})], actor="bo", now=LATER)
    assert refused.value.changes == [
        {
            "feedback_id": item_id,
            "actor": "ana",
            "at": LATER,
            "field": "assignee",
            "old_value": "ana",
            "new_value": None,
        }
    ]
    assert refused.value.user_message == (
        "Not saved: 1 item(s) were changed by someone else since you loaded them, and nothing was overwritten. "
        f"Your edits are still here. Their changes: #{item_id} assignee: ana → – (ana, 2026-11-02 10:30 UTC). "
        "Reload to see their changes, then apply yours again."
    )
    with pytest.raises(EditConflict) as again:  # from version 1: both, oldest first, joined by semicolons
        workflow.save(store, [Edit(item_id, 1, {"priority": "low"})], actor="bo", now=LATER)
    assert f"Their changes: #{item_id} assignee: – → ana (ana, 2026-11-02 09:00 UTC); #{item_id} assignee: ana → –" in (
        again.value.user_message
    )


@pytest.fixture
def postgres_store(tmp_path, new_postgres_database):
    app_store = new_migrated_store("postgresql", tmp_path, new_postgres_database, f"triage_{next(DATABASES)}")
    yield app_store
    app_store.dispose()


def test_a_conflict_lists_the_changes_oldest_first_after_removed_items_space_is_reused(postgres_store):
    # On PostgreSQL, VACUUM frees the slots of a removed item's history (as autovacuum does after an
    # import is undone), and a later change is written into them, ahead of older ones on the page.
    store = postgres_store
    gone, kept = add(store, "Imported by mistake", "Slow pages")
    for version, assignee in enumerate(("ana", "bo", "cy"), start=1):
        workflow.save(store, [Edit(gone, version, {"assignee": assignee})], actor="ana", now=NOW)
    workflow.save(store, [Edit(kept, 1, {"priority": "high"})], actor="ana", now=NOW)
    with store.begin() as connection:
        assert remove_feedback(connection, [gone], actor="ana", now=LATER) == 1
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM feedback_events"))
    workflow.save(store, [Edit(kept, 2, {"assignee": "ana"})], actor="ana", now=LATER)
    workflow.save(store, [Edit(kept, 3, {"assignee": None})], actor="ana", now=LATER)
    with pytest.raises(EditConflict) as refused:  # bo loaded version 1: all three, oldest first
        workflow.save(store, [Edit(kept, 1, {"status": "triaged"})], actor="bo", now=LATER)
    assert [(c["field"], c["old_value"], c["new_value"]) for c in refused.value.changes] == [
        ("priority", None, "high"),
        ("assignee", None, "ana"),
        ("assignee", "ana", None),
    ]


def test_a_conflict_with_no_recorded_change_says_so():
    conflict = EditConflict([])
    assert "Their changes: not recorded." in conflict.user_message and conflict.items == []
    assert conflict.user_message.startswith("Not saved: 0 item(s) were changed")


def test_a_bulk_save_with_two_stale_items_names_both(store):
    first, second = add(store, "one", "two")
    workflow.save(
        store, [Edit(first, 1, {"priority": "high"}), Edit(second, 1, {"priority": "low"})], actor="ana", now=LATER
    )
    with pytest.raises(EditConflict) as refused:
        workflow.save(
            store,
            [Edit(first, 1, {"status": "triaged"}), Edit(second, 1, {"status": "triaged"})],
            actor="bo",
            now=LATER,
        )
    assert refused.value.items == [first, second]
    assert [change["feedback_id"] for change in refused.value.changes] == [first, second]
    assert (item(store, first)["updated_at"], item(store, first)["version"]) == (pd.Timestamp(LATER), 2)


def test_a_bulk_save_with_one_stale_item_saves_none(store):
    first, second = add(store, "one", "two")
    workflow.save(store, [Edit(second, 1, {"priority": "high"})], actor="ana", now=LATER)
    with pytest.raises(EditConflict):
        workflow.save(
            store,
            [Edit(first, 1, {"status": "triaged"}), Edit(second, 1, {"status": "triaged"})],
            actor="bo",
            now=LATER,
        )
    assert item(store, first)["status"] == "new"
    assert item(store, second)["status"] == "new"
    assert len(history(store, first)) == 1


def test_a_bulk_save_goes_on_past_an_item_it_leaves_as_it_was(store):
    first, second = add(store, "Search is hard", "Slow pages")
    saved = workflow.save(
        store, [Edit(first, 1, {"status": "new"}), Edit(second, 1, {"priority": "high"})], actor="ana", now=NOW
    )
    assert saved == [second]  # the first already new: nothing to write, and the second is still saved
    assert [(item(store, n)["priority"], item(store, n)["version"]) for n in (first, second)] == [
        (None, 1),
        ("high", 2),
    ]


def test_an_edit_overtaken_between_its_read_and_its_write_is_refused_with_both_items_changes(store, monkeypatch):
    # bo's save reads both items at version 1, and ana's saves commit before bo's write, as when two
    # sessions save at once (the race above, made certain): bo's version-checked writes change nothing.
    first, second = add(store, "Search is hard", "Slow pages")
    with store.read() as connection:
        as_read = {item_id: workflow._current(connection, item_id) for item_id in (first, second)}
    workflow.save(
        store, [Edit(first, 1, {"priority": "high"}), Edit(second, 1, {"assignee": "ana"})], actor="ana", now=NOW
    )
    monkeypatch.setattr(workflow, "_current", lambda connection, item_id: as_read[item_id])
    with pytest.raises(EditConflict) as refused:
        workflow.save(
            store,
            [Edit(first, 1, {"status": "triaged"}), Edit(second, 1, {"status": "triaged"})],
            actor="bo",
            now=LATER,
        )
    assert [(change["feedback_id"], change["field"]) for change in refused.value.changes] == [
        (first, "priority"),
        (second, "assignee"),
    ]
    monkeypatch.undo()
    assert [(item(store, n)["status"], item(store, n)["version"]) for n in (first, second)] == [("new", 2), ("new", 2)]


def test_two_sessions_saving_at_once_one_wins_and_the_other_is_refused(store):
    (item_id,) = add(store, "Search is hard")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def manager(name: str, status: str) -> None:
        barrier.wait()
        try:
            workflow.save(store, [Edit(item_id, 1, {"status": status, "assignee": name})], actor=name, now=LATER)
            outcomes[name] = "saved"
        except EditConflict:
            outcomes[name] = "refused"

    threads = [
        threading.Thread(target=manager, args=("ana", "triaged")),
        threading.Thread(target=manager, args=("bo", "wont_fix")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    saved = item(store, item_id)
    assert (saved["assignee"], saved["version"]) == (winner, 2)
    assert {actor for actor, *_ in history(store, item_id)} == {"ana", winner}


def test_merging_marks_the_duplicate_and_the_original_counts_it(store):
    original, copy, other = add(store, "Search is hard", "Cannot find anything with search", "Same here")
    workflow.save(store, [Edit(copy, 1, {"duplicate_of": original})], actor="bo", now=LATER)
    merged = item(store, copy)
    assert (merged["status"], merged["duplicate_of"], merged["closed_at"]) == (
        "duplicate",
        original,
        pd.Timestamp(LATER),
    )
    assert ("bo", "status", "new", "duplicate") in history(store, copy)
    assert ("bo", "duplicate_of", None, str(original)) in history(store, copy)
    # Merging an item that has duplicates hands them to the new original.
    workflow.save(store, [Edit(original, 1, {"duplicate_of": other})], actor="bo", now=LATER)
    assert item(store, other)["duplicates"] == 2
    assert store.run(inbox.duplicates_query(other))["id"].tolist() == [original, copy]
    assert ("bo", "duplicate_of", str(original), str(other)) in history(store, copy)
    # copy: version 1 added, 2 merged into original (status and duplicate_of), 3 handed to other.
    events = tables.feedback_events
    versions = store.run(
        sa.select(events.c.version, events.c.field).where(events.c.feedback_id == copy).order_by(events.c.id)
    )
    assert [tuple(row) for row in versions.itertuples(index=False)] == [
        (1, "created"),
        (2, "duplicate_of"),
        (2, "status"),
        (3, "duplicate_of"),
    ]
    assert item(store, copy)["version"] == 3


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("self", "#{first} cannot be merged into itself."),
        ("missing", "#{first}: there is no feedback #999 to merge into."),
        ("duplicate", "#{first}: #{second} is itself a duplicate of #{third}; merge into #{third} instead."),
    ],
)
def test_bad_merges_are_refused(store, target, message):
    first, second, third = add(store, "a", "b", "c")
    workflow.save(store, [Edit(second, 1, {"duplicate_of": third})], actor="bo", now=LATER)
    into = {"self": first, "missing": 999, "duplicate": second}[target]
    with pytest.raises(EditRefused) as refused:
        workflow.save(store, [Edit(first, 1, {"duplicate_of": into})], actor="bo", now=LATER)
    assert refused.value.user_message == message.format(first=first, second=second, third=third)
    assert item(store, first)["status"] == "new"


def test_reopening_a_duplicate_unmerges_it(store):
    original, copy = add(store, "a", "b")
    workflow.save(store, [Edit(copy, 1, {"duplicate_of": original})], actor="bo", now=LATER)
    workflow.save(store, [Edit(copy, 2, {"status": "triaged"})], actor="bo", now=LATER)
    reopened = item(store, copy)
    assert reopened["status"] == "triaged"
    assert pd.isna(reopened["duplicate_of"])
    assert item(store, original)["duplicates"] == 0


def test_clearing_the_original_without_reopening_is_refused(store):
    original, copy = add(store, "a", "b")
    workflow.save(store, [Edit(copy, 1, {"duplicate_of": original})], actor="bo", now=LATER)
    with pytest.raises(EditRefused, match="to un-merge it, reopen it"):
        workflow.save(store, [Edit(copy, 2, {"duplicate_of": None})], actor="bo", now=LATER)
    assert item(store, copy)["duplicate_of"] == original


def test_audit_log_is_written_in_the_same_transaction(store):
    (item_id,) = add(store, "Search is hard")
    with store.begin() as connection:  # make the audit insert fail by moving its table away
        connection.execute(sa.text("ALTER TABLE feedback_events RENAME TO feedback_events_away"))
    try:
        with pytest.raises(StoreError, match="nothing was") as refused:
            workflow.save(store, [Edit(item_id, 1, {"status": "triaged"})], actor="bo", now=LATER)
        assert "feedback_events" in refused.value.values["reason"]  # the driver's words
    finally:
        with store.begin() as connection:
            connection.execute(sa.text("ALTER TABLE feedback_events_away RENAME TO feedback_events"))
    assert item(store, item_id)["status"] == "new"


def test_an_undo_the_database_refuses_changes_nothing_and_says_why(store):
    (item_id,) = add(store, "Search is hard")
    undo: list[Edit] = []
    workflow.save(store, [Edit(item_id, 1, {"status": "triaged"})], actor="bo", now=LATER, undo=undo)
    with store.begin() as connection:  # the audit insert of the undo fails: its table is moved away
        connection.execute(sa.text("ALTER TABLE feedback_events RENAME TO feedback_events_away"))
    try:
        with pytest.raises(StoreError) as refused:
            workflow.restore(store, undo, actor="bo", now=LATER)
    finally:
        with store.begin() as connection:
            connection.execute(sa.text("ALTER TABLE feedback_events_away RENAME TO feedback_events"))
    reason = refused.value.values["reason"]
    assert "feedback_events" in reason  # the driver's words
    if store.engine.dialect.name == "sqlite":  # an operational error there: the store's own words
        assert refused.value.key == "error.store.write"
    else:  # PostgreSQL's missing table is a programming error: the undo's words
        assert refused.value.user_message == (
            f"The app database refused the undo ({reason}); nothing was changed. Try again in a moment."
        )
    assert item(store, item_id)["status"] == "triaged"


def test_inbox_filters(store):
    ids = add(store, "Search is hard", "最近广告帖子太多了。", "Great meetup, thank you!", "100% done_")
    workflow.save(
        store, [Edit(ids[0], 1, {"status": "triaged", "tags": ["forum"], "priority": "high"})], actor="a", now=LATER
    )
    workflow.save(store, [Edit(ids[2], 1, {"assignee": "bo"})], actor="a", now=LATER)

    def listed(**given) -> list[int]:
        return store.run(inbox.inbox_query(inbox.InboxFilters(**given), now=NOW))["id"].tolist()

    assert listed() == ids
    assert listed(statuses=("triaged",)) == [ids[0]]
    assert listed(tag="forum") == [ids[0]]
    assert listed(tag="for") == []
    assert listed(assignee="bo") == [ids[2]]
    assert listed(assignee=inbox.UNASSIGNED) == [ids[0], ids[1], ids[3]]
    assert listed(theme="search") == [ids[0]]
    assert listed(theme="moderation") == [ids[1]]
    assert listed(sentiment="positive") == [ids[2]]
    assert listed(sentiment="negative") == [ids[0], ids[1]]
    assert listed(sentiment="neutral") == [ids[3]]
    assert listed(search="SEARCH") == [ids[0]]
    assert listed(search="100%") == [ids[3]]
    assert listed(search="0% d") == [ids[3]]
    assert listed(search="%") == [ids[3]]
    assert listed(search=f"#{ids[1]}") == [ids[1]]
    assert listed(sort="priority")[0] == ids[0]
    assert listed(older_than_days=1) == ids  # created 25 hours before NOW
    assert listed(older_than_days=2) == []


def test_a_duplicate_reopens_but_does_not_close_another_way(store):
    original, copy = add(store, "a", "b")
    workflow.save(store, [Edit(copy, 1, {"duplicate_of": original})], actor="bo", now=LATER)
    with pytest.raises(EditRefused, match="an item that is duplicate cannot become resolved"):
        workflow.save(store, [Edit(copy, 2, {"status": "resolved"})], actor="bo", now=LATER)
    assert item(store, copy)["status"] == "duplicate"


def test_a_bulk_change_is_one_save_and_its_undo_puts_back_exactly_what_it_changed(store):
    first, second, third = add(store, "Spam one", "Spam two", "Spam three")
    workflow.save(
        store, [Edit(second, 1, {"status": "triaged", "assignee": "ana", "tags": ["ads"]})], actor="ana", now=NOW
    )
    rows = store.run(inbox.inbox_query(inbox.InboxFilters(), now=LATER)).sort_values("id")
    rows = rows.assign(tags=rows["tags"].map(lambda tags: tags if isinstance(tags, list) else []))
    before = {item_id: item(store, item_id) for item_id in (first, second, third)}
    change = inbox.BulkChange(status="wont_fix", assignee="bo", add_tag="spam")
    undo: list[Edit] = []
    changed = workflow.save(store, inbox.bulk_edits(rows, change), actor="bo", now=LATER, undo=undo)
    assert changed == [first, second, third]
    assert [item(store, i)["status"] for i in changed] == ["wont_fix"] * 3
    assert item(store, second)["tags"] == ["ads", "spam"]
    assert ("bo", "status", "triaged", "wont_fix") in history(store, second)
    workflow.restore(store, undo, actor="bo", now=LATER)
    for item_id in changed:
        after = item(store, item_id)
        same = ("status", "assignee", "tags", "priority", "closed_at", "duplicate_of")
        assert {k: after[k] for k in same} == {k: before[item_id][k] for k in same}
        assert after["version"] == before[item_id]["version"] + 2
    assert history(store, first)[-3:] == [
        ("bo", "status", "wont_fix", "new"),  # back to new: only an undo may
        ("bo", "assignee", "bo", None),
        ("bo", "tags", "spam", None),
    ]


def test_an_undo_is_refused_when_someone_changed_the_items_since(store):
    first, second = add(store, "a", "b")
    rows = store.run(inbox.inbox_query(inbox.InboxFilters(), now=LATER)).sort_values("id")
    undo: list[Edit] = []
    workflow.save(store, inbox.bulk_edits(rows, inbox.BulkChange(status="resolved")), actor="bo", now=LATER, undo=undo)
    workflow.save(store, [Edit(second, 2, {"assignee": "ana"})], actor="ana", now=LATER)
    with pytest.raises(EditConflict):
        workflow.restore(store, undo, actor="bo", now=LATER)
    assert [item(store, i)["status"] for i in (first, second)] == ["resolved", "resolved"]  # all or nothing


def test_refusals_name_the_item_and_what_is_wrong_exactly(store):
    """Each refusal's words in full, with the item's number: an item gone, fields no one edits, a
    jump the workflow does not allow, a duplicate without its original, an original cleared."""
    first, second = add(store, "a", "b")

    def refusal(item_id: int, version: int, changes: dict) -> tuple[str, str | None]:
        with pytest.raises(EditRefused) as refused:
            workflow.save(store, [Edit(item_id, version, changes)], actor="bo", now=LATER)
        return refused.value.user_message, refused.value.key

    assert refusal(999, 1, {"status": "triaged"}) == (
        "Feedback #999 no longer exists; reload the inbox.",
        "feedback.refused.gone",
    )
    assert refusal(first, 1, {"text": "rewritten", "member_id": "github:1"}) == (
        f"#{first}: member_id, text cannot be edited.",
        "feedback.refused.not_editable",
    )
    assert item(store, first)["text"] == "a"
    move(store, first, "triaged")
    assert refusal(first, 2, {"status": "new"}) == (
        f"#{first}: an item that is triaged cannot become new; it can become planned, in progress, resolved, "
        "won't fix, duplicate.",
        "feedback.refused.jump",
    )
    assert refusal(first, 2, {"status": "duplicate"}) == (
        f"#{first}: to mark it a duplicate, merge it into the original item.",
        "feedback.refused.duplicate",
    )
    workflow.save(store, [Edit(second, 1, {"duplicate_of": first})], actor="bo", now=LATER)
    assert refusal(second, 2, {"duplicate_of": None}) == (
        f"#{second}: to un-merge it, reopen it (make it triaged).",
        "feedback.refused.unmerge",
    )


def test_a_duplicates_other_fields_change_and_moving_it_to_another_original_logs_only_that(store):
    """A duplicate keeps its status and original while its priority changes (no un-merge asked for);
    merged into another original, its status entry is not logged again."""
    original, other, copy = add(store, "a", "b", "c")
    workflow.save(store, [Edit(copy, 1, {"duplicate_of": original})], actor="bo", now=LATER)
    workflow.save(store, [Edit(copy, 2, {"priority": "high"})], actor="bo", now=LATER)
    saved = item(store, copy)
    assert (saved["status"], saved["duplicate_of"], saved["priority"], saved["version"]) == (
        "duplicate",
        original,
        "high",
        3,
    )
    workflow.save(store, [Edit(copy, 3, {"duplicate_of": other})], actor="bo", now=LATER)
    assert history(store, copy) == [
        ("ana", "created", None, "manual"),
        ("bo", "duplicate_of", None, str(original)),
        ("bo", "status", "new", "duplicate"),
        ("bo", "priority", None, "high"),
        ("bo", "duplicate_of", str(original), str(other)),  # and no status entry duplicate -> duplicate
    ]


def test_an_original_given_as_text_is_read_as_its_number(store):
    """The inbox may hand the original's number over as text: " 7 " is item 7, so merging an item into
    itself that way is refused as any self-merge is."""
    first, second = add(store, "a", "b")
    with pytest.raises(EditRefused) as refused:
        workflow.save(store, [Edit(first, 1, {"duplicate_of": f" {first} "})], actor="bo", now=LATER)
    assert refused.value.user_message == f"#{first} cannot be merged into itself."
    workflow.save(store, [Edit(second, 1, {"duplicate_of": f"{first}"})], actor="bo", now=LATER)
    assert item(store, second)["duplicate_of"] == first
