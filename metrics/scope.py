"""Apply the member scope to rows that live in the app store (survey answers, feedback).

App records carry a member_id but the member's channel, region, segment and team flag live in the
community warehouse, a different database. Those metrics therefore aggregate per member in the app
store, ask the warehouse which of those few members are in scope, and add up the rest.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import schema
from engines import Runner
from metrics.filters import Filters
from metrics.sql import member_conditions

# Runner lives in engines.py, below surveys/feedback
__all__ = ["Runner", "in_scope", "members_in_scope_query", "team_query"]


def members_in_scope_query(*, filters: Filters, member_ids: list[str]) -> sa.Select:
    """Which of the given members a community metric counts under these filters."""
    members = schema.members
    return sa.select(members.c.member_id).where(*member_conditions(filters), members.c.member_id.in_(member_ids))


def team_query() -> sa.Select:
    """The team's members: no community metric counts them (member_conditions)."""
    return sa.select(schema.members.c.member_id).where(schema.members.c.is_team == sa.true())


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
