"""Open feedback (DESIGN.md: feedback)."""

from __future__ import annotations

import sqlalchemy as sa

from metrics.filters import Filters
from metrics.scope import Runner, in_scope
from store import tables


def open_feedback_by_member_query(*, filters: Filters) -> sa.Select:
    """Per member: feedback items open at the period's end (created before it, not closed by then)."""
    feedback = tables.feedback
    moment = filters.end_utc
    return (
        sa.select(feedback.c.member_id, sa.func.count().label("items"))
        .where(
            feedback.c.created_at < moment,
            feedback.c.duplicate_of.is_(None),
            sa.or_(feedback.c.closed_at.is_(None), feedback.c.closed_at >= moment),
        )
        .group_by(feedback.c.member_id)
    )


def open_feedback(*, app_store: Runner, warehouse: Runner, filters: Filters) -> int:
    """How many feedback items from members in scope were open at the end of the period."""
    rows = in_scope(app_store.run(open_feedback_by_member_query(filters=filters)), warehouse=warehouse, filters=filters)
    return int(rows["items"].sum())
