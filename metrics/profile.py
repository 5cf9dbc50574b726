"""One member: finding them, and what they did (the Member lookup page).

Team members are found too (a lookup is about people, not community metrics) and flagged as such.
Email is searched and returned only when the caller may see it (auth.access decides, pages ask).
A member looked up by any of their ids (an account merged into another: data_sources/identities.py)
is found as the person, with the answers and feedback given under each of their ids.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import schema
from data_sources.identities import PersonOf, person_of
from metrics.filters import Filters
from metrics.sql import day_of, holds_text, week_start
from store import tables

activities, campaigns, campaign_members, members = (
    schema.activities,
    schema.campaigns,
    schema.campaign_members,
    schema.members,
)
SEARCH_LIMIT = 50


def _member_columns(include_email: bool) -> list[sa.Column]:
    columns = [members.c.member_id, members.c.name]
    if include_email:
        columns.append(members.c.email)
    return [*columns, members.c.joined_at, members.c.channel, members.c.region, members.c.segment, members.c.is_team]


def search_members_query(text: str, *, include_email: bool, limit: int = SEARCH_LIMIT) -> sa.Select:
    """Members whose id is `text`, or whose name (or email, when allowed) contains it, ignoring
    case; exact ids first, then by name."""
    needle = text.strip().lower()
    matches = [members.c.member_id == text.strip(), holds_text(members.c.name, needle)]
    if include_email:
        matches.append(holds_text(members.c.email, needle))
    exact = sa.case((members.c.member_id == text.strip(), 0), else_=1)
    return (
        sa.select(*_member_columns(include_email))
        .where(sa.or_(*matches))
        .order_by(exact, members.c.name, members.c.member_id)
        .limit(limit)
    )


def person_ids_query(member_id: str) -> sa.Select:
    """Every id of the person `member_id` names (identity_id) and their canonical id (member_id);
    no rows when no member has it."""
    person, asked = person_of(), PersonOf("asked")
    canonical = sa.select(asked.c.member_id).where(asked.c.identity_id == member_id).scalar_subquery()
    return (
        sa.select(person.c.identity_id, person.c.member_id)
        .where(person.c.member_id == canonical)
        .order_by(person.c.identity_id)
    )


def member_query(member_id: str, *, include_email: bool) -> sa.Select:
    return sa.select(*_member_columns(include_email)).where(members.c.member_id == member_id)


def member_weekly_activity_query(*, filters: Filters, member_id: str) -> sa.Select:
    """Rows (week, kind, activities) of one member in the period: the activity timeline."""
    week = week_start(day_of(activities.c.occurred_at, filters))
    inner = (
        sa.select(week.label("week"), activities.c.kind)
        .where(
            activities.c.member_id == member_id,
            activities.c.occurred_at >= filters.start_utc,
            activities.c.occurred_at < filters.end_utc,
        )
        .subquery("weeks")
    )
    return (
        sa.select(inner.c.week, inner.c.kind, sa.func.count().label("activities"))
        .group_by(inner.c.week, inner.c.kind)
        .order_by(inner.c.week, inner.c.kind)
    )


def recent_activities_query(*, member_id: str, limit: int = 20) -> sa.Select:
    return (
        sa.select(activities.c.occurred_at, activities.c.kind, activities.c.platform, activities.c.campaign_id)
        .where(activities.c.member_id == member_id)
        .order_by(activities.c.occurred_at.desc(), activities.c.activity_id)
        .limit(limit)
    )


def member_campaigns_query(*, member_id: str) -> sa.Select:
    """The campaigns a member was invited to, registered for, attended or took part in, latest
    first, with the furthest stage they reached."""
    rank = sa.case(
        (campaign_members.c.status == "attended", 3), (campaign_members.c.status == "registered", 2), else_=1
    )
    marks = sa.union_all(
        sa.select(campaign_members.c.campaign_id, rank.label("stage")).where(campaign_members.c.member_id == member_id),
        sa.select(activities.c.campaign_id, sa.literal_column("3")).where(
            activities.c.member_id == member_id, activities.c.campaign_id.is_not(None)
        ),
    ).subquery("marks")
    stages = (
        sa.select(marks.c.campaign_id, sa.func.max(marks.c.stage).label("stage"))
        .group_by(marks.c.campaign_id)
        .subquery("stages")
    )
    stage = sa.case((stages.c.stage == 3, "took part"), (stages.c.stage == 2, "registered"), else_="invited")
    return (
        sa.select(
            campaigns.c.campaign_id, campaigns.c.name, campaigns.c.kind, campaigns.c.starts_at, stage.label("stage")
        )
        .select_from(stages)
        .join(campaigns, campaigns.c.campaign_id == stages.c.campaign_id)
        .order_by(campaigns.c.starts_at.desc(), campaigns.c.campaign_id)
    )


def member_answers_query(*, member_id: str, include_text: bool, member_ids: Sequence[str] = ()) -> sa.Select:
    """A member's completed survey answers (given under `member_id` or any of `member_ids`), latest
    first; free text only when allowed."""
    surveys, responses, answers = tables.surveys, tables.responses, tables.answers
    columns = [
        surveys.c.title.label("survey"),
        surveys.c.slug,
        surveys.c.version,
        responses.c.submitted_at,
        answers.c.question_id,
        answers.c.question_type,
        answers.c.value_num,
    ]
    if include_text:
        columns.append(answers.c.value_text)
    return (
        sa.select(*columns)
        .join(responses, responses.c.survey_id == surveys.c.id)
        .join(answers, answers.c.response_id == responses.c.id)
        .where(responses.c.member_id.in_([member_id, *member_ids]), responses.c.completed == sa.true())
        .where(*([] if include_text else [answers.c.value_num.is_not(None)]))
        .order_by(responses.c.submitted_at.desc(), answers.c.question_id)
    )


def member_feedback_query(*, member_id: str, include_text: bool, member_ids: Sequence[str] = ()) -> sa.Select:
    """Feedback a member gave (under `member_id` or any of `member_ids`), latest first (its id: the
    inbox item, and what the item beside it leaves out); the text only when allowed."""
    feedback = tables.feedback
    columns = [feedback.c.id, feedback.c.created_at, feedback.c.status, feedback.c.score, feedback.c.theme]
    if include_text:
        columns.insert(1, feedback.c.text)
    return (
        sa.select(*columns)
        .where(feedback.c.member_id.in_([member_id, *member_ids]))
        .order_by(feedback.c.created_at.desc())
    )
