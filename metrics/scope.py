"""Apply the member scope to rows that live in the app store (survey answers, feedback).

App records carry a member_id but the member's channel, region, segment and team flag live in the
community warehouse, a different database. Those metrics therefore aggregate per member in the app
store, ask the warehouse which of those few members are in scope, and add up the rest. An app record
may name a member by any of their ids (a feedback item from their GitHub identity, after it was
merged with their forum account): the warehouse answers through `person_of`
(data_sources/identities.py), so the record stays with its person.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import schema
from data_sources.identities import person_of
from engines import Runner
from metrics.filters import Filters
from metrics.sql import member_conditions

# Runner lives in engines.py, below surveys/feedback
__all__ = ["Runner", "in_scope", "members_in_scope_query", "team_query"]


def members_in_scope_query(*, filters: Filters, member_ids: list[str]) -> sa.Select:
    """Which of the given member ids (any of a person's) a community metric counts under these filters."""
    members, person = schema.members, person_of()
    return (
        sa.select(person.c.identity_id.label("member_id"))
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


def in_scope(per_member: pd.DataFrame, *, warehouse: Runner, filters: Filters) -> pd.DataFrame:
    """Keep rows of members in scope; rows without a member (anonymous) stay unless filters select
    members, since nobody can tell which channel, region or segment they belong to."""
    known = per_member["member_id"].notna()
    ids = sorted(per_member.loc[known, "member_id"].unique().tolist())
    allowed = set()
    if ids:
        allowed = set(warehouse.run(members_in_scope_query(filters=filters, member_ids=ids))["member_id"])
    keep = per_member["member_id"].isin(allowed) | (~known & (not filters.selects_members))
    return per_member[keep]
