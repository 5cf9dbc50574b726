"""One member: finding them, and what they did (the Member lookup page).

Team members are found too (a lookup is about people, not community metrics) and flagged as such.
Email is searched and returned only when the caller may see it (auth.access decides, pages ask).
A member looked up by any of their ids (an account merged into another: data_sources/identities.py)
is found as the person, with the answers and feedback given under each of their ids.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause

import sa_internals
import schema
from data_sources.identities import PersonOf, person_of
from metrics.filters import Filters
from metrics.sql import day_of, holds_text, week_start
from rollup.tables import KEYED_COLUMN, MEMBER_KEYED_ATTRIBUTE, member_keys
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


def newest_members_query(*, include_email: bool, limit: int = 10) -> sa.Select:
    """The community's members who joined last (not the team), newest first: what the lookup
    offers before anything is typed, as they are whom a manager looks up to welcome."""
    return (
        sa.select(*_member_columns(include_email))
        .where(members.c.is_team == sa.false())
        .order_by(members.c.joined_at.desc(), members.c.member_id)
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


def member_activity_query(*, filters: Filters, member_id: str, limit: int = 20) -> sa.CompoundSelect:
    """What the member did, as one statement with a `part` column (member_activity splits it):
    "weekly" (week, kind, activities in the period: the timeline), "recent" (their latest `limit`
    activities: occurred_at, kind, platform, campaign_id and its campaign_name) and "campaigns" (campaign_id,
    name, kind, starts_at and stage, the furthest they reached: "invited", "registered" or "took part").

    One statement, so the member's activities are read once: where activities are not indexed by
    member (DuckDB keeps them in time order) each read is a scan of every activity, three of them
    0.3 s at a million members and 1.5 s at three; PostgreSQL and SQLite read them by the index,
    and a sync's build by their member's key (MemberRows), as it reads their invitations."""
    mine = sa.select(*MemberRows("mine_rows", activities, member_id, MINE).c).cte("mine")
    parts = {
        "weekly": _weekly(mine, filters),
        "recent": _recent(mine, limit),
        "campaigns": _campaigns(mine, member_id),
    }
    return sa.union_all(*(_padded(name, part) for name, part in parts.items()))


MINE = ("activity_id", "occurred_at", "kind", "platform", "campaign_id")  # what member_activity_query reads


def with_member_key(table: sa.Table) -> sa.TableClause:
    """A sync's build's `table` with the member key its rows carry (data_sources/keyed_rows.py)."""
    columns = (sa.column(column.name, column.type) for column in table.columns)
    return sa.table(table.name, *columns, sa.column(KEYED_COLUMN))


@sa_internals.cache_key_includes(by_key=sa_internals.CLAUSE, by_id=sa_internals.CLAUSE)
class MemberRows(TableClause):
    """A FROM item: one member's rows of `table` (its `columns`), found by their member's integer
    key where the dialect is marked as reading a build whose rows of that table carry it, else by
    their id. Where a table is not indexed by member (a sync's build keeps activities in time
    order) the key takes a tenth of the time: 0.012 s for 0.11 s at a million members."""

    __visit_name__ = "pulse_member_rows"
    inherit_cache = True

    def __init__(self, name: str, table: sa.Table, member_id: str, columns: tuple[str, ...]) -> None:
        super().__init__(name, *(sa.column(column, table.c[column].type) for column in columns))
        self.table_name = table.name
        key = sa.select(member_keys.c.member_key).where(member_keys.c.member_id == member_id).scalar_subquery()
        with_key = with_member_key(table)
        self.by_key = sa.select(*(with_key.c[column] for column in columns)).where(with_key.c.member_key == key)
        self.by_id = sa.select(*(table.c[column] for column in columns)).where(table.c.member_id == member_id)


@compiles(MemberRows)
def _compile_member_rows(element: MemberRows, compiler: SQLCompiler, **kw: object) -> str:
    if not sa_internals.in_from_list(kw):
        return ""
    keyed_here = element.table_name in getattr(compiler.dialect, MEMBER_KEYED_ATTRIBUTE, frozenset())
    chosen = element.by_key if keyed_here else element.by_id
    return sa_internals.render_in_place(element, element.name, chosen.subquery(element.name), compiler, kw)


def _weekly(mine: sa.CTE, filters: Filters) -> sa.Select:
    """Per week and kind, the member's activities in the period."""
    week = week_start(day_of(mine.c.occurred_at, filters))
    inner = (
        sa.select(week.label("week"), mine.c.kind)
        .where(mine.c.occurred_at >= filters.start_utc, mine.c.occurred_at < filters.end_utc)
        .subquery("weeks")
    )
    return sa.select(inner.c.week, inner.c.kind, sa.func.count().label("activities")).group_by(
        inner.c.week, inner.c.kind
    )


def _recent(mine: sa.CTE, limit: int) -> sa.Select:
    """The member's latest activities, each with its campaign's name (its id where the campaigns
    do not hold it)."""
    latest = (
        sa.select(*mine.c)
        .order_by(mine.c.occurred_at.desc(), mine.c.activity_id)
        .limit(sa.literal(limit, literal_execute=True))
        .subquery("latest")
    )
    named = sa.func.coalesce(campaigns.c.name, latest.c.campaign_id).label("campaign_name")
    return sa.select(latest, named).select_from(
        latest.outerjoin(campaigns, campaigns.c.campaign_id == latest.c.campaign_id)
    )


def _campaigns(mine: sa.CTE, member_id: str) -> sa.Select:
    """The campaigns the member was invited to, registered for, attended or took part in (an
    activity of theirs carries its id), with the furthest stage they reached."""
    invited = MemberRows("invited", campaign_members, member_id, ("campaign_id", "status"))
    rank = sa.case((invited.c.status == "attended", 3), (invited.c.status == "registered", 2), else_=1)
    marks = sa.union_all(
        sa.select(invited.c.campaign_id, rank.label("stage")),
        sa.select(mine.c.campaign_id, sa.literal_column("3")).where(mine.c.campaign_id.is_not(None)),
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
    )


# Each part's columns, in the order shown, and its order (columns, ascending each).
PARTS: dict[str, tuple[list[str], list[str], list[bool]]] = {
    "weekly": (["week", "kind", "activities"], ["week", "kind"], [True, True]),
    "recent": (
        ["occurred_at", "kind", "platform", "campaign_id", "campaign_name"],
        ["occurred_at", "activity_id"],
        [False, True],
    ),
    "campaigns": (["campaign_id", "name", "kind", "starts_at", "stage"], ["starts_at", "campaign_id"], [False, True]),
}
_TYPES: dict[str, sa.types.TypeEngine] = {  # every part's columns, NULL in the parts without them
    "week": sa.Integer(),
    "activities": sa.Integer(),
    "occurred_at": activities.c.occurred_at.type,
    "activity_id": sa.String(),
    "kind": sa.String(),
    "platform": sa.String(),
    "campaign_id": sa.String(),
    "campaign_name": sa.String(),
    "name": sa.String(),
    "starts_at": campaigns.c.starts_at.type,
    "stage": sa.String(),
}


def _padded(name: str, part: sa.Select) -> sa.Select:
    """`part`'s rows with every column of _TYPES, NULL where it has none: a bound NULL of the
    column's type, which PostgreSQL is told (a bare NULL in a UNION's first parts it reads as text)
    and ClickHouse reads as Nullable. Its own columns are not cast (SQLite's CAST would turn stored
    times into numbers)."""
    rows = part.subquery(f"{name}_rows")
    return sa.select(
        sa.literal(name, sa.String, literal_execute=True).label("part"),
        *(
            (rows.c[column] if column in rows.c else sa.literal(None, type_)).label(column)
            for column, type_ in _TYPES.items()
        ),
    )


def member_activity(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """member_activity_query's rows as its three parts, each with its own columns in its order:
    "weekly" by week then kind, "recent" latest first, "campaigns" latest start first."""
    split = {}
    for name, (columns, order, ascending) in PARTS.items():
        part = rows[rows["part"] == name].sort_values(order, ascending=ascending, kind="stable")
        split[name] = part[columns].reset_index(drop=True)
    split["weekly"] = split["weekly"].astype({"week": "int64", "activities": "int64"})
    return split


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
