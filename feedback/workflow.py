"""How a feedback item moves, and how several managers change items without losing each other's work.

Statuses: new -> triaged -> planned / in progress -> resolved, or won't fix, or duplicate (merged
into an original); any status may become any other in one step (closing obvious spam or a
duplicate needs no triage first), except that "new" is only where an item starts and "duplicate" is
reached only by merging. A merged duplicate reopens to an open status, which un-merges it; it
reopens by itself when its original is removed (`unmerge_removed`).

Every save names the version of each item the manager loaded; an item changed by someone else since
is refused with what they changed, the whole save is rolled back, and the manager's edits stay on
screen. Every change is written to feedback_events (who, when, field, from, to) in the same
transaction. A save can hand back its undo, which `restore` applies the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from catalog import CATALOGS, DEFAULT
from errors import Listed, PulseError, Said, When, Who
from store import tables
from store.database import AppStore, StoreError

STATUSES = ("new", "triaged", "planned", "in_progress", "resolved", "wont_fix", "duplicate")
CLOSED = tables.CLOSED_FEEDBACK_STATUSES
OPEN = tuple(status for status in STATUSES if status not in CLOSED)
PRIORITIES = ("low", "normal", "high", "urgent")
EDITABLE = ("status", "priority", "assignee", "tags", "theme", "duplicate_of")

# Where each status may go: anywhere but back to "new"; "duplicate" is reached only by merging
# (naming the original), and a duplicate reopens (un-merging) rather than closing another way.
NEXT: dict[str, tuple[str, ...]] = {
    status: tuple(
        other for other in STATUSES if other not in (status, "new") and not (status == "duplicate" and other in CLOSED)
    )
    for status in STATUSES
}
MAX_NAME = 200  # characters of an assignee (the column's size)
MAX_THEME = 100  # characters of a theme (the column's size, as a suggested theme's)
MAX_TAG = 50


class FeedbackError(PulseError):
    """Raised when a change to feedback cannot be saved (the subclasses say why); `user_message` says
    what and what to do. Nothing was written."""


class EditRefused(FeedbackError):
    """Raised for a change the workflow does not allow (a status jump, a bad merge, a bad value)."""


class EditConflict(FeedbackError):
    """Raised when items were changed by someone else since they were loaded; `changes` lists what
    they changed (item, who, when, field, from, to)."""

    def __init__(self, changes: list[dict[str, Any]]) -> None:
        lines = [
            Said(
                "feedback.conflict.change",
                item=c["feedback_id"],
                field=_field(c["field"]),
                old=_value(c["field"], c["old_value"]),
                new=_value(c["field"], c["new_value"]),
                actor=Who(c["actor"]),
                at=When(c["at"]),
            )
            for c in changes
        ]
        items = sorted({c["feedback_id"] for c in changes})
        said = Listed(lines, separator="list.semicolon") if lines else Said("feedback.conflict.not_recorded")
        super().__init__(Said("feedback.conflict", count=len(items), changes=said))
        self.changes = changes
        self.items = items


@dataclass(frozen=True)
class Edit:
    """What one manager wants changed on one item, and the version they saw."""

    item_id: int
    version: int
    changes: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None


def save(store: AppStore, edits: list[Edit], *, actor: str, now: datetime, undo: list[Edit] | None = None) -> list[int]:
    """Apply the edits in one transaction, all or nothing; returns the ids of items that changed.
    With `undo` (a list), it is given, per changed item, the Edit that puts back exactly what this
    save changed (naming the version this save leaves), for `restore`."""
    try:
        return _save(store, edits, actor=actor, now=now, undo=undo)
    except sa.exc.DBAPIError as error:
        raise StoreError(Said("feedback.save_refused", reason=str(error.orig))) from error


def restore(store: AppStore, undo: list[Edit], *, actor: str, now: datetime) -> list[int]:
    """Undo a save: put back the values `save` gave in `undo`, version-checked like any save (refused,
    all or nothing, when someone changed those items since), with its own audit entries. A status
    goes back to what it was even where the workflow offers no such move (back to new)."""
    try:
        return _save(store, undo, actor=actor, now=now, restoring=True)
    except sa.exc.DBAPIError as error:
        raise StoreError(Said("feedback.undo_refused", reason=str(error.orig))) from error


def _save(
    store: AppStore,
    edits: list[Edit],
    *,
    actor: str,
    now: datetime,
    undo: list[Edit] | None = None,
    restoring: bool = False,
) -> list[int]:
    with store.begin() as connection:
        changed: list[int] = []
        conflicts: list[dict[str, Any]] = []
        for edit in edits:
            row = _current(connection, edit.item_id)
            if row["version"] != edit.version:
                conflicts += _changes_since(connection, edit.item_id, edit.version)
                continue
            values = _planned_values(connection, row, edit, restoring=restoring)
            note = (edit.note or "").strip()
            if not values and not note:
                continue
            if not _write(connection, row, values, note=note, actor=actor, now=now):
                conflicts += _changes_since(connection, edit.item_id, edit.version)
                continue
            changed.append(edit.item_id)
            if undo is not None:
                undo.append(Edit(row["id"], row["version"] + 1, {name: row[name] for name in values}))
            if "duplicate_of" in values and values["duplicate_of"] is not None:
                _move_duplicates(connection, row["id"], to=values["duplicate_of"], actor=actor, now=now)
        if conflicts:
            raise EditConflict(conflicts)
        return changed


def _current(connection: Connection, item_id: int) -> RowMapping:
    row = connection.execute(sa.select(tables.feedback).where(tables.feedback.c.id == item_id)).mappings().first()
    if row is None:
        raise EditRefused(Said("feedback.refused.gone", item=item_id))
    return row


def _planned_values(connection: Connection, row: RowMapping, edit: Edit, *, restoring: bool = False) -> dict[str, Any]:
    """The columns to change, checked against the workflow; only values that differ."""
    unknown = set(edit.changes) - set(EDITABLE)
    if unknown:
        raise EditRefused(Said("feedback.refused.not_editable", item=row["id"], fields=Listed(sorted(unknown))))
    wanted = {name: _clean(name, value, item_id=row["id"]) for name, value in edit.changes.items()}
    wanted = {name: value for name, value in wanted.items() if value != row[name]}
    status = wanted.get("status", row["status"])
    if wanted.get("duplicate_of") is not None:
        status = wanted["status"] = "duplicate"
        _check_original(connection, row, wanted["duplicate_of"])
    if status == row["status"]:
        wanted.pop("status", None)
        if status == "duplicate" and wanted.get("duplicate_of", row["duplicate_of"]) is None:
            raise EditRefused(Said("feedback.refused.unmerge", item=row["id"]))
        return wanted
    if status not in NEXT[row["status"]] and not (restoring and status != "duplicate"):
        allowed = Listed([_status(s) for s in NEXT[row["status"]]])
        raise EditRefused(
            Said(
                "feedback.refused.jump",
                item=row["id"],
                old=_status(row["status"]),
                new=_status(status),
                allowed=allowed,
            )
        )
    if status == "duplicate" and wanted.get("duplicate_of") is None:
        raise EditRefused(Said("feedback.refused.duplicate", item=row["id"]))
    if row["status"] == "duplicate":
        wanted["duplicate_of"] = None  # reopening a duplicate un-merges it
    return wanted


def _clean(name: str, value: Any, *, item_id: int) -> Any:
    """One field's new value in its stored form, or EditRefused saying what is wrong."""
    if isinstance(value, str):
        value = value.strip() or None
    if name == "status" and value not in STATUSES:
        raise EditRefused(Said("feedback.refused.status", item=item_id, statuses=Listed(STATUSES)))
    if name == "priority" and value is not None and value not in PRIORITIES:
        raise EditRefused(Said("feedback.refused.priority", item=item_id, priorities=Listed(PRIORITIES)))
    limit = {"assignee": MAX_NAME, "theme": MAX_THEME}.get(name)
    if limit is not None and value is not None and len(value) > limit:
        raise EditRefused(Said(f"feedback.refused.long_{name}", item=item_id, limit=limit))
    if name == "tags":
        tags = [str(tag).strip() for tag in (value or []) if str(tag).strip()]
        if any(len(tag) > MAX_TAG for tag in tags):
            raise EditRefused(Said("feedback.refused.long_tag", item=item_id, limit=MAX_TAG))
        return list(dict.fromkeys(tags)) or None
    if name == "duplicate_of" and value is not None:
        return int(value)
    return value


def _check_original(connection: Connection, row: RowMapping, original_id: int) -> None:
    if original_id == row["id"]:
        raise EditRefused(Said("feedback.refused.into_itself", item=row["id"]))
    original = connection.execute(
        sa.select(tables.feedback.c.status, tables.feedback.c.duplicate_of).where(tables.feedback.c.id == original_id)
    ).first()
    if original is None:
        raise EditRefused(Said("feedback.refused.no_original", item=row["id"], original=original_id))
    if original.status == "duplicate":
        raise EditRefused(
            Said("feedback.refused.chain", item=row["id"], original=original_id, first=original.duplicate_of)
        )


def _write(
    connection: Connection, row: RowMapping, values: dict[str, Any], *, note: str, actor: str, now: datetime
) -> bool:
    """The version-checked update and its audit entries; False when someone else got there first."""
    feedback = tables.feedback
    version = row["version"] + 1
    stored = dict(values)
    if "status" in values:
        closing, reopening = values["status"] in CLOSED, row["status"] in CLOSED
        if closing != reopening:
            stored["closed_at"] = now if closing else None
    updated = connection.execute(
        feedback.update()
        .where(feedback.c.id == row["id"], feedback.c.version == row["version"])
        .values(
            **stored,
            version=version,
            updated_at=now,
            first_response_at=sa.func.coalesce(feedback.c.first_response_at, now),
        )
    )
    if updated.rowcount != 1:
        return False
    events = [
        {"field": name, "old_value": as_text(row[name]), "new_value": as_text(value)} for name, value in values.items()
    ]
    if note:
        events.append({"field": "note", "old_value": None, "new_value": note})
    connection.execute(
        tables.feedback_events.insert(),
        [{"feedback_id": row["id"], "version": version, "actor": actor, "at": now, **event} for event in events],
    )
    return True


def _move_duplicates(connection: Connection, item_id: int, *, to: int, actor: str, now: datetime) -> None:
    """An item merged away hands its own duplicates to the new original, so none points at a duplicate."""
    feedback = tables.feedback
    children = connection.execute(
        sa.select(feedback.c.id, feedback.c.version).where(feedback.c.duplicate_of == item_id)
    ).all()
    for child in children:
        connection.execute(
            feedback.update().where(feedback.c.id == child.id).values(duplicate_of=to, version=child.version + 1)
        )
        connection.execute(
            tables.feedback_events.insert().values(
                feedback_id=child.id,
                version=child.version + 1,
                actor=actor,
                at=now,
                field="duplicate_of",
                old_value=str(item_id),
                new_value=str(to),
            )
        )


REOPENED = "triaged"  # what a duplicate whose original is removed reopens to, unless its history says otherwise
REOPENED_BY_REMOVAL = "original_removed"  # its history line (outreach.auto_replies tells no member of it)
BATCH = 500  # bounded IN lists: SQLite limits bound values


def unmerge_removed(
    connection: Connection, originals: list[int], *, removing: Collection[int] = (), actor: str, now: datetime
) -> None:
    """Items merged into `originals`, which the caller is removing in this transaction (an import
    undone, a survey answer gone), stand alone again: a duplicate reopens to the status it had before
    its merge where that is one a duplicate may reopen to (triaged, planned, in progress), else to
    triaged, with a new version and history entries saying why ("original_removed": the original's
    number). Items in `removing` (going too) only let go of their original."""
    feedback, events = tables.feedback, tables.feedback_events
    children = connection.execute(
        sa.select(feedback.c.id, feedback.c.version, feedback.c.status, feedback.c.duplicate_of)
        .where(feedback.c.duplicate_of.in_(originals))
        .with_for_update()  # PostgreSQL: a manager's save waits, then sees the new version (SQLite: BEGIN IMMEDIATE)
    ).all()
    going = [child.id for child in children if child.id in removing]
    for start in range(0, len(going), BATCH):
        batch = going[start : start + BATCH]
        connection.execute(feedback.update().where(feedback.c.id.in_(batch)).values(duplicate_of=None))
    kept = [child for child in children if child.id not in removing]
    before = _status_before_merge(connection, [child.id for child in kept if child.status == "duplicate"])
    for child in kept:
        version = child.version + 1
        values: dict[str, Any] = {"duplicate_of": None, "version": version, "updated_at": now}
        logged: list[dict[str, str | None]] = []
        if child.status == "duplicate":
            status = before.get(child.id, REOPENED)
            values |= {"status": status, "closed_at": None}
            logged.append({"field": "status", "old_value": "duplicate", "new_value": status})
        logged.append({"field": REOPENED_BY_REMOVAL, "old_value": str(child.duplicate_of), "new_value": None})
        connection.execute(feedback.update().where(feedback.c.id == child.id).values(**values))
        connection.execute(
            events.insert(),
            [{"feedback_id": child.id, "version": version, "actor": actor, "at": now, **event} for event in logged],
        )


def _status_before_merge(connection: Connection, item_ids: list[int]) -> dict[int, str]:
    """Per item, the status its latest merge took it from, where a duplicate may reopen to it."""
    events = tables.feedback_events
    found: dict[int, str] = {}
    for start in range(0, len(item_ids), BATCH):
        merges = connection.execute(
            sa.select(events.c.feedback_id, events.c.old_value)
            .where(
                events.c.feedback_id.in_(item_ids[start : start + BATCH]),
                events.c.field == "status",
                events.c.new_value == "duplicate",
            )
            .order_by(events.c.id)
        )
        found.update({row.feedback_id: row.old_value for row in merges})  # the latest merge last
    return {item: status for item, status in found.items() if status in NEXT["duplicate"]}


def _changes_since(connection: Connection, item_id: int, version: int) -> list[dict[str, Any]]:
    events = tables.feedback_events
    query = (
        sa.select(
            events.c.feedback_id, events.c.actor, events.c.at, events.c.field, events.c.old_value, events.c.new_value
        )
        .where(events.c.feedback_id == item_id, events.c.version > version)
        .order_by(events.c.id)
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def as_text(value: Any) -> str | None:
    """How a value reads in the audit log."""
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _field(name: str) -> str:
    """A field of the audit log as the item's history names it (a field the catalog does not name,
    as recorded)."""
    key = f"feedback.field.{name}"
    return Said(key) if key in CATALOGS[DEFAULT] else name


def _value(field: str, value: str | None) -> str:
    """A recorded value as the item's history says it: statuses and priorities in words, none as a dash."""
    if value is None:
        return "–"
    if field == "status" and value in STATUSES:
        return _status(value)
    if field == "priority" and value in PRIORITIES:
        return Said(f"feedback.priority.{value}")
    return value


def _status(status: str) -> Said:
    """A status as a sentence names it (label's words in English), in every language."""
    return Said(f"feedback.status_named.{status}")
