"""Saved views of the feedback inbox: a named set of its filters, kept as the codes its address
holds (`status=new,triaged`, `assignee=:me`, `theme=search`…), so a view reads the same in every
language and opens as a link (`?view=<id>`).

A view is private to its owner or shared with the team; everyone sees their own views first, then
the team's shared ones, and three starter views (`STARTERS`) that need no saving. The owner renames,
updates (saves the current filters into it) and deletes a view; an admin may too for a shared one.
Names are unique per owner (in any case). Changes are last-writer-wins, field by field: a rename
writes the name alone and an update the filters alone (docs/feedback.md says why).

`check` drops from a view what no longer exists (a tag no item carries, a deleted theme, a code of
an older version) and names what it dropped, so the inbox opens with the rest and says so.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from errors import PulseError, Said
from feedback.inbox import MAX_AGE_DAYS, ME, RECEIVED, SCORE_BANDS, SENTIMENTS, SORTS, UNASSIGNED, InboxChoices
from feedback.workflow import PRIORITIES, STATUSES
from ids import parse_id
from store import tables
from store.database import AppStore
from store.keys import inserted_id

# The inbox's filters, by their names in the address (which prefixes each with "feedback_").
FILTERS = (
    "q",
    "status",
    "priority",
    "assignee",
    "sort",
    "theme",
    "tag",
    "sentiment",
    "score_band",
    "received",
    "segment",
    "level",
    "older",
)
PREFIX = "feedback_"
MAX_NAME = 80
MULTIPLE = {"status": STATUSES, "priority": PRIORITIES}  # comma-separated codes
CODES: dict[str, Collection[str]] = {
    "sort": SORTS,
    "sentiment": SENTIMENTS,
    "score_band": SCORE_BANDS,
    "received": RECEIVED,
}
# Starter views, built from codes: everyone has them without saving anything; their names are
# the catalog's (feedback.views.starter.<key>).
STARTERS: dict[str, dict[str, str]] = {
    "assigned_to_me": {"assignee": ME},
    "unassigned_urgent": {"assignee": UNASSIGNED, "priority": "high,urgent", "sort": "priority"},
    "negative_7_days": {"sentiment": "negative", "received": "last_7_days", "sort": "newest"},
}

views = tables.feedback_views


class ViewRefused(PulseError):
    """Raised when a saved view cannot be opened or changed: unknown or private to someone else,
    a name taken, empty or too long, a change by someone who may not make it, or gone meanwhile.
    Nothing was written."""


@dataclass(frozen=True)
class View:
    """A view: a saved one (`id`, its owner's `name`) or a starter (`starter`, named by the catalog)."""

    filters: dict[str, str]
    id: int | None = None
    name: str = ""
    owner: str | None = None
    shared: bool = False
    starter: str | None = None
    updated_at: datetime | None = None

    @property
    def key(self) -> str:
        """What `?view=` holds for it: the id, or the starter's code."""
        return self.starter if self.starter is not None else str(self.id)

    def mine(self, user: str) -> bool:
        return self.starter is None and self.owner == user


def filters_of(address: Mapping[str, str]) -> dict[str, str]:
    """The inbox's filters in an address (everything but the open item and the page's own state):
    `feedback_status=` (no status chosen: every status) is kept, other empty values and "older
    than 0 days" are not."""
    found = {}
    for name in FILTERS:
        value = address.get(PREFIX + name)
        if value is None or (value in ("", "0") and name != "status"):
            continue
        found[name] = str(value)
    return found


def address_of(filters: Mapping[str, str]) -> dict[str, str]:
    """A view's filters as the address's parameters."""
    return {PREFIX + name: value for name, value in filters.items() if name in FILTERS}


@dataclass(frozen=True)
class Checked:
    """A view's filters with what no longer exists left out (`dropped`: name and value)."""

    filters: dict[str, str]
    dropped: tuple[tuple[str, str], ...] = field(default=())


def check(
    filters: Mapping[str, str], choices: InboxChoices, *, segments: Collection[str], levels: Collection[str]
) -> Checked:
    """Keep the filters whose values exist now: codes this version knows, and the tags, themes,
    assignees and segments in use (`choices`, `segments`); a filter of several codes keeps the
    known ones. Filters this version does not know are dropped too."""
    known: dict[str, Collection[str]] = {
        **CODES,
        "assignee": {ME, UNASSIGNED, *choices.assignees},
        "theme": choices.themes,
        "tag": choices.tags,
        "segment": segments,
        "level": levels,
    }
    kept: dict[str, str] = {}
    dropped: list[tuple[str, str]] = []
    for name, value in filters.items():
        if name in MULTIPLE:
            codes = [code for code in value.split(",") if code]
            good = [code for code in MULTIPLE[name] if code in codes]
            dropped += [(name, code) for code in codes if code not in MULTIPLE[name]]
            if good or not codes:
                kept[name] = ",".join(good)
        elif name == "q":
            kept[name] = value
        elif name == "older":
            days = parse_id(value, minimum=0)
            if days is not None and days <= MAX_AGE_DAYS:
                kept[name] = value
            else:
                dropped.append((name, value))
        elif name in known and value in known[name]:
            kept[name] = value
        else:
            dropped.append((name, value))
    return Checked(kept, tuple(dropped))


def starter(key: str) -> View:
    return View(filters=dict(STARTERS[key]), starter=key)


def starters() -> list[View]:
    return [starter(key) for key in STARTERS]


def _view(row: Mapping[Any, Any]) -> View:
    filters = row["filters"]
    return View(
        filters={str(k): str(v) for k, v in filters.items()} if isinstance(filters, dict) else {},
        id=int(str(row["id"])),
        name=str(row["name"]),
        owner=str(row["owner"]),
        shared=bool(row["shared"]),
        updated_at=pd.Timestamp(str(row["updated_at"])).to_pydatetime(),
    )


def visible(store: AppStore, user: str) -> list[View]:
    """The saved views `user` sees: their own (private or shared) by name, then the team's shared
    ones by name."""
    query = sa.select(views).where(sa.or_(views.c.owner == user, views.c.shared.is_(True)))
    found = [_view(row) for row in store.run(query).to_dict("records")]
    return sorted(found, key=lambda view: (not view.mine(user), view.name.casefold(), view.id or 0))


def find(store: AppStore, key: str, user: str) -> View:
    """The view `?view=<key>` names, if `user` may see it: a starter, their own, or a shared one.
    Another's private view is refused as an unknown one is, so a link tells nothing about it."""
    if key in STARTERS:
        return starter(key)
    view_id = parse_id(key)
    if view_id is not None:
        rows = store.run(sa.select(views).where(views.c.id == view_id)).to_dict("records")
        if rows and (rows[0]["owner"] == user or bool(rows[0]["shared"])):
            return _view(rows[0])
    raise ViewRefused(Said("feedback.views.refused.unknown"))


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ViewRefused(Said("feedback.views.refused.no_name"))
    if len(cleaned) > MAX_NAME:
        raise ViewRefused(Said("feedback.views.refused.long_name", limit=MAX_NAME))
    return cleaned


def _taken(connection: sa.Connection, owner: str, name: str, *, other_than: int | None = None) -> bool:
    query = sa.select(views.c.id).where(views.c.owner == owner, sa.func.lower(views.c.name) == name.lower())
    if other_than is not None:
        query = query.where(views.c.id != other_than)
    return connection.execute(query).first() is not None


def save(store: AppStore, *, owner: str, name: str, filters: Mapping[str, str], shared: bool, now: datetime) -> int:
    """A new view of `owner`'s; its id. A name the owner already uses (in any case) is refused."""
    cleaned = _name(name)
    kept = {key: str(value) for key, value in filters.items() if key in FILTERS}
    try:
        with store.begin() as connection:
            if _taken(connection, owner, cleaned):
                raise ViewRefused(Said("feedback.views.refused.duplicate", name=cleaned))
            return inserted_id(
                connection.execute(
                    views.insert().values(
                        owner=owner, name=cleaned, filters=kept, shared=shared, created_at=now, updated_at=now
                    )
                )
            )
    except sa.exc.IntegrityError as error:  # saved in another tab meanwhile
        raise ViewRefused(Said("feedback.views.refused.duplicate", name=cleaned)) from error


def may_change(view: View, user: str, *, admin: bool) -> bool:
    """Its owner may rename, update and delete a view; an admin may too when it is shared."""
    return view.starter is None and (view.owner == user or (view.shared and admin))


def _changeable(connection: sa.Connection, view_id: int, user: str, *, admin: bool) -> View:
    rows = connection.execute(sa.select(views).where(views.c.id == view_id)).mappings().all()
    if not rows:
        raise ViewRefused(Said("feedback.views.refused.gone"))
    view = _view(dict(rows[0]))
    if not may_change(view, user, admin=admin):
        if view.owner != user and not view.shared:
            raise ViewRefused(Said("feedback.views.refused.unknown"))
        raise ViewRefused(Said("feedback.views.refused.not_yours", name=view.name))
    return view


def rename(store: AppStore, view_id: int, *, name: str, user: str, admin: bool, now: datetime) -> None:
    """A new name (its owner's names stay unique); the filters are left as they are."""
    cleaned = _name(name)
    try:
        with store.begin() as connection:
            view = _changeable(connection, view_id, user, admin=admin)
            if _taken(connection, str(view.owner), cleaned, other_than=view_id):
                raise ViewRefused(Said("feedback.views.refused.duplicate", name=cleaned))
            connection.execute(views.update().where(views.c.id == view_id).values(name=cleaned, updated_at=now))
    except sa.exc.IntegrityError as error:
        raise ViewRefused(Said("feedback.views.refused.duplicate", name=cleaned)) from error


def update(store: AppStore, view_id: int, *, filters: Mapping[str, str], user: str, admin: bool, now: datetime) -> None:
    """The view's filters become `filters` (the inbox's now); its name is left as it is."""
    kept = {key: str(value) for key, value in filters.items() if key in FILTERS}
    with store.begin() as connection:
        _changeable(connection, view_id, user, admin=admin)
        connection.execute(views.update().where(views.c.id == view_id).values(filters=kept, updated_at=now))


def share(store: AppStore, view_id: int, *, shared: bool, user: str, admin: bool, now: datetime) -> None:
    """Share a view with the team, or make it private again (its owner only: an admin making another's
    shared view private would hide it from themselves and the team)."""
    with store.begin() as connection:
        view = _changeable(connection, view_id, user, admin=admin)
        if view.owner != user:
            raise ViewRefused(Said("feedback.views.refused.not_yours", name=view.name))
        connection.execute(views.update().where(views.c.id == view_id).values(shared=shared, updated_at=now))


def delete(store: AppStore, view_id: int, *, user: str, admin: bool) -> None:
    with store.begin() as connection:
        _changeable(connection, view_id, user, admin=admin)
        connection.execute(views.delete().where(views.c.id == view_id))
