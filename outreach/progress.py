"""How a survey's email invitations went, per audience: invited (the invitation was sent), opened
(the personal link was opened), started (an answer was given), completed, reminded (a reminder was
sent), and the response rate as DESIGN.md defines it (completed / invitations sent; None when none
was sent). Waiting and not delivered (failed, withheld, unknown) are counted apart so a stuck
queue shows."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from outreach.messages import members_sent
from store import tables
from store.database import AppStore

COLUMNS = [
    "audience",
    "invited",
    "opened",
    "started",
    "completed",
    "reminded",
    "response_rate",
    "waiting",
    "not_delivered",
]


def invitation_progress(app_store: AppStore, slug: str) -> pd.DataFrame:
    """One row per audience the survey was sent to by email (COLUMNS), in the order first sent."""
    messages, outbox = tables.member_messages, tables.delivery_outbox
    invitations, surveys = tables.invitations, tables.surveys
    links = (
        sa.select(
            invitations.c.member_id,
            sa.func.max(invitations.c.opened_at).label("opened_at"),
            sa.func.max(sa.func.coalesce(invitations.c.started_at, invitations.c.used_at)).label("started_at"),
            sa.func.max(invitations.c.used_at).label("used_at"),
        )
        .join(surveys, surveys.c.id == invitations.c.survey_id)
        .where(surveys.c.slug == slug)
        .group_by(invitations.c.member_id)
        .subquery()
    )
    reminded = members_sent(slug, "reminder")
    sent = outbox.c.status == "sent"

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    statement = (
        sa.select(
            sa.func.coalesce(messages.c.audience, "").label("audience"),
            count(sent).label("invited"),
            count(sa.and_(sent, links.c.opened_at.is_not(None))).label("opened"),
            count(sa.and_(sent, links.c.started_at.is_not(None))).label("started"),
            count(sa.and_(sent, links.c.used_at.is_not(None))).label("completed"),
            count(sa.and_(sent, messages.c.member_id.in_(reminded))).label("reminded"),
            count(outbox.c.status.in_(("pending", "sending"))).label("waiting"),
            count(outbox.c.status.in_(("failed", "withheld", "unknown"))).label("not_delivered"),
            sa.func.min(messages.c.id).label("first"),
        )
        .select_from(
            messages.join(outbox, outbox.c.idempotency_key == messages.c.outbox_key).outerjoin(
                links, links.c.member_id == messages.c.member_id
            )
        )
        .where(messages.c.survey_slug == slug, messages.c.kind == "invitation")
        .group_by(sa.func.coalesce(messages.c.audience, ""))
    )
    frame = app_store.run(statement).sort_values("first")
    counts = ["invited", "opened", "started", "completed", "reminded", "waiting", "not_delivered"]
    frame[counts] = frame[counts].fillna(0).astype(int)
    invited = frame["invited"].where(frame["invited"] > 0)  # none sent: no rate (None, not 0)
    rates = (frame["completed"] / invited).astype(object)
    frame = frame.assign(response_rate=rates.where(rates.notna(), None))
    return frame[COLUMNS].reset_index(drop=True)


def last_errors(app_store: AppStore, slug: str, *, limit: int = 5) -> pd.DataFrame:
    """The newest member messages of this survey still waiting after a failed attempt, or given up,
    with the service's answer (the address never: viewers of the page are not all allowed it)."""
    messages, outbox = tables.member_messages, tables.delivery_outbox
    return app_store.run(
        sa.select(outbox.c.status, outbox.c.attempts, outbox.c.next_attempt_at, outbox.c.last_error)
        .join(outbox, outbox.c.idempotency_key == messages.c.outbox_key)
        .where(
            messages.c.survey_slug == slug,
            outbox.c.last_error.is_not(None),
            outbox.c.status.in_(("pending", "failed")),
        )
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )
