"""A manager's merges of members across platforms, and the suggestions they dismissed (app store,
`member_merges`). Each takes effect at the next sync (data_sources/identities.py gathers the people
then); undoing one (an unmerge, a suggestion brought back) marks the row undone, so the list keeps
who did what and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

import clock
from data_sources.errors import DataSourceError, SourceUnavailable
from data_sources.identities import LINKS_KEY, REASONS, member_identities, member_suggestions
from data_sources.warehouse import Warehouse
from errors import Said
from store import tables
from store.database import AppStore
from store.keys import inserted_id

MERGE, DISMISS = "merge", "dismiss"
merges = tables.member_merges


class MergeRefused(DataSourceError):
    """Raised when a merge, an unmerge or a dismissal cannot be made as asked: the same id twice, a
    blank id, a pair already merged, nothing to unmerge."""


def _pair(a: str, b: str) -> tuple[str, str]:
    a, b = a.strip(), b.strip()
    if not a or not b:
        raise MergeRefused(Said("merge.refused.blank"))
    if a == b:
        raise MergeRefused(Said("merge.refused.same", member=a))
    return (a, b) if a < b else (b, a)


def _active(kind: str) -> sa.ColumnElement[bool]:
    return sa.and_(merges.c.kind == kind, merges.c.undone_at.is_(None))


def _record(app_store: AppStore, kind: str, a: str, b: str, *, by: str, now: datetime | None) -> int:
    first, second = _pair(a, b)
    with app_store.begin() as connection:
        already = connection.scalar(
            sa.select(merges.c.id).where(_active(kind), merges.c.member_a == first, merges.c.member_b == second)
        )
        if already is not None:
            raise MergeRefused(Said(f"merge.refused.already_{kind}", a=first, b=second))
        result = connection.execute(
            merges.insert().values(
                kind=kind, member_a=first, member_b=second, created_by=by, created_at=now or clock.now()
            )
        )
        return inserted_id(result)


def merge(app_store: AppStore, a: str, b: str, *, by: str, now: datetime | None = None) -> int:
    """Join members `a` and `b` into one person from the next sync on; the merge's id."""
    return _record(app_store, MERGE, a, b, by=by, now=now)


def dismiss(app_store: AppStore, a: str, b: str, *, by: str, now: datetime | None = None) -> int:
    """Take the pair off the suggestions (it is listed again when the dismissal is undone)."""
    return _record(app_store, DISMISS, a, b, by=by, now=now)


def undo(app_store: AppStore, record_id: int, *, by: str, now: datetime | None = None) -> None:
    """Undo one merge (an unmerge) or dismissal; raises MergeRefused when it is not in force."""
    with app_store.begin() as connection:
        done = connection.execute(
            sa.update(merges)
            .where(merges.c.id == record_id, merges.c.undone_at.is_(None))
            .values(undone_at=now or clock.now(), undone_by=by)
        )
        if done.rowcount != 1:
            raise MergeRefused(Said("merge.refused.not_in_force", id=record_id))


def unmerge(app_store: AppStore, member_id: str, *, by: str, now: datetime | None = None) -> int:
    """Undo every merge naming `member_id`; how many. Raises MergeRefused when none does (a member
    linked by a verified email is parted only by changing that email on the platform)."""
    member_id = member_id.strip()
    with app_store.begin() as connection:
        done = connection.execute(
            sa.update(merges)
            .where(_active(MERGE), sa.or_(merges.c.member_a == member_id, merges.c.member_b == member_id))
            .values(undone_at=now or clock.now(), undone_by=by)
        )
        if done.rowcount == 0:
            raise MergeRefused(Said("merge.refused.nothing_to_unmerge", member=member_id))
        return int(done.rowcount)


def merged_pairs(app_store: AppStore) -> list[tuple[str, str]]:
    """The merges in force, as pairs of member ids (what a sync joins)."""
    with app_store.read() as connection:
        rows = connection.execute(
            sa.select(merges.c.member_a, merges.c.member_b).where(_active(MERGE)).order_by(merges.c.id)
        )
        return [(a, b) for a, b in rows]


def in_force(app_store: AppStore, kind: str = MERGE) -> pd.DataFrame:
    """The merges (or dismissals) in force, newest first: id, member_a, member_b, created_by, created_at."""
    columns = [merges.c.id, merges.c.member_a, merges.c.member_b, merges.c.created_by, merges.c.created_at]
    return app_store.run(sa.select(*columns).where(_active(kind)).order_by(merges.c.id.desc()))


def identities_kept(warehouse: Warehouse) -> bool:
    """Whether the warehouse was built by a sync that gathered people (its member_identities)."""
    return LINKS_KEY in warehouse.rollup_state()


def _require_identities(warehouse: Warehouse) -> None:
    if not identities_kept(warehouse):
        raise MergeRefused(Said("merge.refused.not_synced"))


def check_known(warehouse: Warehouse, *member_ids: str) -> None:
    """Raise MergeRefused naming the first id no member of the warehouse's source has (an alias
    merged into another member is known)."""
    _require_identities(warehouse)
    wanted = [member_id.strip() for member_id in member_ids]
    found = set(
        warehouse.run(sa.select(member_identities.c.identity_id).where(member_identities.c.identity_id.in_(wanted)))[
            "identity_id"
        ]
    )
    for member_id in wanted:
        if member_id not in found:
            raise MergeRefused(Said("merge.refused.unknown", member=member_id))


def avatars_kept(warehouse: Warehouse) -> bool:
    """Whether the build's member_identities has the avatar column (a build made before it has not,
    until the next sync)."""
    try:
        warehouse.run(sa.select(member_identities.c.avatar).limit(0))
    except SourceUnavailable:
        return False
    return True


def _avatar(table: sa.FromClause, avatars: bool) -> sa.ColumnElement[Any]:
    """The table's avatar column, or NULL for a build without it."""
    return table.c.avatar if avatars else sa.null().label("avatar")


def suggestions_query(*, avatars: bool = True) -> sa.Select:
    """Each suggested pair with both identities' platform, handle, name, joined time, activities,
    person and avatar address (NULL from a build without avatars)."""
    pairs = member_suggestions
    sides = {side: member_identities.alias(f"identity_{side}") for side in ("a", "b")}
    shown = ("member_id", "platform", "handle", "name", "joined_at", "activities")
    return (
        sa.select(
            pairs.c.identity_a,
            pairs.c.identity_b,
            pairs.c.reason,
            *(sides[side].c[column].label(f"{column}_{side}") for side in ("a", "b") for column in shown),
            *(_avatar(sides[side], avatars).label(f"avatar_{side}") for side in ("a", "b")),
        )
        .join(sides["a"], sides["a"].c.identity_id == pairs.c.identity_a)
        .join(sides["b"], sides["b"].c.identity_id == pairs.c.identity_b)
        .order_by(pairs.c.identity_a, pairs.c.identity_b)
    )


def open_suggestions(warehouse: Warehouse, app_store: AppStore) -> pd.DataFrame:
    """The suggestions of the warehouse in use less the pairs a manager dismissed or merged since
    (a merge shows in the data from the next sync on), the strongest reasons first."""
    _require_identities(warehouse)
    found = warehouse.run(suggestions_query(avatars=avatars_kept(warehouse)))
    decided = {
        (a, b)
        for kind in (MERGE, DISMISS)
        for a, b in zip(in_force(app_store, kind)["member_a"], in_force(app_store, kind)["member_b"], strict=True)
    }
    # a boolean Series, not a list: an empty list would select no columns of an empty frame
    keep = pd.Series(
        [(a, b) not in decided for a, b in zip(found["identity_a"], found["identity_b"], strict=True)],
        index=found.index,
        dtype=bool,
    )
    strength = found["reason"].map({reason: rank for rank, reason in enumerate(REASONS)})
    ordered = found.assign(_strength=strength)[keep]
    ordered = ordered.sort_values(["_strength", "identity_a", "identity_b"], kind="stable")
    return ordered.drop(columns="_strength").reset_index(drop=True)


JOINED_LISTED = 1000  # identities of joined people listed at once


def joined_identities_query(*, avatars: bool = True, limit: int = JOINED_LISTED) -> sa.Select:
    """The identities of every person with more than one (joined by a verified email or a merge),
    each person's together, canonical id first: person (member_id), identity_id, avatar, platform,
    handle, name, joined_at, activities, linked_by."""
    identity = member_identities
    joined = sa.select(identity.c.member_id).where(identity.c.linked_by != "self")
    canonical_first = sa.case((identity.c.identity_id == identity.c.member_id, 0), else_=1)
    return (
        sa.select(
            identity.c.member_id,
            identity.c.identity_id,
            _avatar(identity, avatars).label("avatar"),
            identity.c.platform,
            identity.c.handle,
            identity.c.name,
            identity.c.joined_at,
            identity.c.activities,
            identity.c.linked_by,
        )
        .where(identity.c.member_id.in_(joined))
        .order_by(identity.c.member_id, canonical_first, identity.c.identity_id)
        .limit(limit)
    )


def joined_identities(warehouse: Warehouse, *, limit: int = JOINED_LISTED) -> pd.DataFrame:
    """joined_identities_query's rows from the warehouse in use."""
    _require_identities(warehouse)
    return warehouse.run(joined_identities_query(avatars=avatars_kept(warehouse), limit=limit))
