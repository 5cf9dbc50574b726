"""Apply the member scope to rows that live in the app store (survey answers, feedback).

App records carry a member_id but the member's channel, region, segment and team flag live in the
community warehouse, a different database. Those metrics therefore aggregate per member in the app
store, ask the warehouse which of those few members are in scope, and add up the rest. An app record
may name a member by any of their ids (a feedback item from their GitHub identity, after it was
merged with their forum account): the warehouse answers through `person_of`
(data_sources/identities.py), so the record stays with its person, and `in_scope` says which person
(`person_id`, their canonical id) so a figure that counts members counts that person once.

Why the ids are mapped in Python after the store query rather than joined in SQL: the app store and
the warehouse are different databases (SQLite or PostgreSQL beside DuckDB), so no one statement
reaches both; the store's rows are few per member, and one bound list of their ids (metrics.sql.one_of) asks the
warehouse for their people. Copying the mapping into the app store instead would make it stale
between syncs and a second source of truth.

Why the warehouse is asked for each id's attributes (person, team flag, channel, region, segment)
rather than for the ids in scope: the answer does not depend on the filters, so the warehouse keeps
it for the build it serves (`Warehouse.memo`). A page asks for it six times (NPS, CSAT, the inbox's
figures, each for two periods), and a filter changed asks again; at a million members each lookup
scans the identities and members tables (0.1-0.2 s), while the memo answers in microseconds.

Why a built warehouse is told at once of every id the app store names (`everyone_in_store`, called
by the app's loaders, ui/data.py): a period not looked at before named new respondents, and each of
the Overview's six lookups asked for its own, 0.1 s of the first change of period at a million
members (docs/performance.md, "Another period's respondents known already"). The store names tens
of thousands of ids where the community has a million members; asked at once, they cost the first
page a build serves 0.2-0.3 s (the warming thread's, on a server that warms).
"""

from __future__ import annotations

import sys
from typing import NamedTuple

import pandas as pd
import sqlalchemy as sa

import schema
from data_sources.identities import person_of
from engines import Remembers, Runner
from metrics.filters import Filters
from metrics.sql import one_of
from store import tables

# Runner lives in engines.py, below surveys/feedback
__all__ = [
    "Runner",
    "attributes_query",
    "everyone_in_store",
    "id_attributes",
    "in_scope",
    "people_of",
    "team_query",
]

ASKED_AT_ONCE = 5_000  # ids in one IN list of a runner that does not say (Remembers.ids_asked_at_once)
REMEMBERED = 300_000  # ids a memo keeps before it starts again (roughly 100 MB: two ids and a tuple each)
EVERYONE = "store_ids_asked"  # the memo that says the app store's ids were asked for, on this build
_UNASKED = object()


class Attributes(NamedTuple):
    """What decides whether a community metric counts an id: its person and that person's row.
    `not_team` is the database's own answer to `is_team = false` (NULL, and so an unknown flag,
    counts as not), so a flag stored as text or an integer reads as SQL reads it."""

    person_id: str
    not_team: bool
    channel: str | None
    region: str | None
    segment: str | None

    def counted(self, asked: list[tuple[str, str]]) -> bool:
        """As metrics.sql.member_conditions decides in SQL: never the team, and every dimension the
        filters name (`asked`) equal (compared in Python: a database that compares text ignoring
        case or trailing blanks would count more)."""
        return self.not_team and all(getattr(self, name) == value for name, value in asked)


def _asked(filters: Filters) -> list[tuple[str, str]]:
    """The dimensions the filters name, with their values (an empty value names none)."""
    return [(dimension, value) for dimension in schema.MEMBER_DIMENSIONS if (value := getattr(filters, dimension))]


def attributes_query(member_ids: list[str]) -> sa.Select:
    """Each given id (any of a person's) with its person's canonical id (person_id), team flag and
    dimensions; ids the warehouse does not know are absent."""
    members, person = schema.members, person_of()
    return (
        sa.select(
            person.c.identity_id.label("member_id"),
            members.c.member_id.label("person_id"),
            (members.c.is_team == sa.false()).label("not_team"),  # as member_conditions asks, in the engine's terms
            *(members.c[dimension] for dimension in schema.MEMBER_DIMENSIONS),
        )
        .select_from(person.join(members, members.c.member_id == person.c.member_id))
        .where(one_of(person.c.identity_id, member_ids))
    )


def id_attributes(member_ids: list[str], *, warehouse: Runner) -> dict[str, Attributes | None]:
    """Each given id's Attributes (None: the warehouse does not know it). A warehouse that
    remembers (engines.Remembers) is asked only for ids it has not answered for its current data."""
    if not member_ids:
        return {}
    remembers = warehouse if isinstance(warehouse, Remembers) else None
    memo: dict[str, Attributes | None] = remembers.memo("id_attributes") if remembers else {}
    at_once = remembers.ids_asked_at_once() if remembers else ASKED_AT_ONCE
    known: dict[str, Attributes | None] = {}
    for member_id in set(member_ids):
        answer = memo.get(member_id, _UNASKED)  # one read: another thread may empty the memo meanwhile
        if answer is None or isinstance(answer, Attributes):
            known[member_id] = answer
    missing = sorted(set(member_ids) - set(known))
    for start in range(0, len(missing), at_once):
        asked = missing[start : start + at_once]
        found = _attributes(warehouse.run(attributes_query(asked)), asked)
        known |= found
        if remembers and len(memo) + len(found) > REMEMBERED:
            memo.clear()  # another thread reading it meanwhile asks again; what it was given stays its own
            remembers.memo(EVERYONE).clear()  # and the store's ids are no longer all known
        memo.update(found)
    return {member_id: known[member_id] for member_id in member_ids}


def _attributes(rows: pd.DataFrame, asked: list[str]) -> dict[str, Attributes | None]:
    """attributes_query's rows by id, the ids it did not find None. Dimension values are interned:
    a memo holds a few distinct ones hundreds of thousands of times."""
    plain = rows.astype(object).where(rows.notna(), None)  # NULL, NA and NaN alike as None
    found: dict[str, Attributes | None] = dict.fromkeys(asked)
    for member_id, person_id, not_team, *dimensions in plain.itertuples(index=False, name=None):
        found[str(member_id)] = Attributes(
            str(person_id),
            not_team is not None and bool(not_team),
            *(None if value is None else sys.intern(str(value)) for value in dimensions),
        )
    return found


def team_query() -> sa.Select:
    """The team's members, by every id of theirs: no community metric counts them (member_conditions)."""
    members, person = schema.members, person_of()
    return (
        sa.select(person.c.identity_id.label("member_id"))
        .select_from(person.join(members, members.c.member_id == person.c.member_id))
        .where(members.c.is_team == sa.true())
    )


def people_of(member_ids: list[str], *, warehouse: Runner) -> dict[str, str]:
    """Each given id -> its person's canonical id (an id the warehouse does not know is its own)."""
    ids = sorted(set(member_ids))
    known = id_attributes(ids, warehouse=warehouse)
    return {member_id: found.person_id if found else member_id for member_id, found in known.items()}


def store_ids_query() -> sa.CompoundSelect:
    """Every member id the app store's records name: survey responses and feedback."""
    responses, feedback = tables.responses, tables.feedback
    return sa.union(
        sa.select(responses.c.member_id).where(responses.c.member_id.is_not(None)),
        sa.select(feedback.c.member_id).where(feedback.c.member_id.is_not(None)),
    )


def everyone_in_store(app_store: Runner, *, warehouse: Remembers) -> None:
    """Have the warehouse know every id the app store names, asked once per memo (a build), so that
    no view's lookup asks for them again; ids that arrive later are asked as their views need them.
    A store that names more than half of REMEMBERED ids is left to those lookups. Another thread
    that comes meanwhile (the warming thread, a page) asks for its own view's ids alone."""
    asked = warehouse.memo(EVERYONE)
    if asked:
        return
    asked["asked"] = True  # claimed before the lookup, so that two threads do not both make it
    ids = app_store.run(store_ids_query().limit(REMEMBERED // 2 + 1))["member_id"]
    if len(ids) <= REMEMBERED // 2:
        id_attributes([str(member_id) for member_id in ids], warehouse=warehouse)


def in_scope(per_member: pd.DataFrame, *, warehouse: Runner, filters: Filters) -> pd.DataFrame:
    """Keep rows of members in scope, with each one's person (`person_id`, the canonical id: what a
    count of members counts); rows without a member (anonymous, person_id None) stay unless filters
    select members, since nobody can tell which channel, region or segment they belong to."""
    known = per_member["member_id"].notna()
    ids = sorted(per_member.loc[known, "member_id"].unique().tolist())
    asked = _asked(filters)
    people = {
        member_id: found.person_id
        for member_id, found in id_attributes(ids, warehouse=warehouse).items()
        if found is not None and found.counted(asked)
    }
    person = per_member["member_id"].astype(object).map(people)
    keep = person.notna() | (~known & (not filters.selects_members))
    return per_member[keep].assign(person_id=person[keep].astype(object))
