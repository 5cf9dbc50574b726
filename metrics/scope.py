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
reaches both; the store's rows are few per member, and one bound IN list of their ids asks the
warehouse for their people in the same query that decides their scope. Copying the mapping into the
app store instead would make it stale between syncs and a second source of truth.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import schema
from data_sources.identities import person_of, persons_of
from engines import Runner
from metrics.filters import Filters
from metrics.sql import member_conditions

# Runner lives in engines.py, below surveys/feedback
__all__ = ["Runner", "in_scope", "members_in_scope_query", "people_of", "team_query"]


def members_in_scope_query(*, filters: Filters, member_ids: list[str]) -> sa.Select:
    """Which of the given member ids (any of a person's) a community metric counts under these
    filters (member_id), and each one's person (person_id: the canonical id)."""
    members, person = schema.members, person_of()
    return (
        sa.select(person.c.identity_id.label("member_id"), members.c.member_id.label("person_id"))
        .select_from(person.join(members, members.c.member_id == person.c.member_id))
        .where(*member_conditions(filters), person.c.identity_id.in_(member_ids))
    )


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
    joined = persons_of(warehouse.run, member_ids)
    return {member_id: joined.get(member_id, member_id) for member_id in sorted(set(member_ids))}


def in_scope(per_member: pd.DataFrame, *, warehouse: Runner, filters: Filters) -> pd.DataFrame:
    """Keep rows of members in scope, with each one's person (`person_id`, the canonical id: what a
    count of members counts); rows without a member (anonymous, person_id None) stay unless filters
    select members, since nobody can tell which channel, region or segment they belong to."""
    known = per_member["member_id"].notna()
    ids = sorted(per_member.loc[known, "member_id"].unique().tolist())
    people: dict[str, str] = {}
    if ids:
        found = warehouse.run(members_in_scope_query(filters=filters, member_ids=ids))
        people = dict(zip(found["member_id"], found["person_id"], strict=True))
    keep = per_member["member_id"].isin(list(people)) | (~known & (not filters.selects_members))
    kept = per_member[keep]
    return kept.assign(person_id=kept["member_id"].map(people).astype(object))
