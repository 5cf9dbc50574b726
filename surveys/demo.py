"""Demo survey answers for the demo community, to the shipped definitions in this folder.

Each demo respondent gets a mood from their activity (active members are happier), and every
question type is answered from that mood, through the same engine as the member's page
(`answer_rows`), so conditions apply and the stored rows look exactly like real ones. Older events
get their own copy of the post-event survey; the newest one is the shipped `post-event` itself.
A Chinese-first community (`locale` zh-CN or zh-TW) answers mostly in Chinese, zh-TW members in
Traditional characters, and their responses are in the survey's `zh-TW` (繁體中文), the others' in
`zh` (简体中文).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data_sources.demo import DAYS, FLAVOURS, SEED, data_end
from feedback.intake import NewFeedback, add_feedback, enrichment, remove_feedback
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.answers import answer_rows, feedback_texts, response_score, visible
from surveys.definition import Question, Survey, load_definitions, parse_definition
from surveys.question_types import TYPES

FOLDER = Path(__file__).resolve().parent
ABANDON_SHARE = 0.08  # respondents who open the survey and leave without submitting

FEEDBACK_TEXTS = {  # mood -> language -> [(text, the theme a manager gave it)]; zh-TW is Traditional
    "positive": {
        "en": [
            ("People answer questions on the forum really fast, thank you!", "support"),
            ("The meetup was excellent: practical talks and friendly people.", "events"),
            ("Great community, I learned a lot from the weekly challenges.", "content"),
        ],
        "zh": [
            ("社区氛围很好，问题很快就有人回答。", "support"),
            ("这次线下活动组织得很好，收获很多。", "events"),
            ("每周挑战很有意思，学到了很多。", "content"),
        ],
        "zh-TW": [
            ("社群氣氛很好，問題很快就有人回答。", "support"),
            ("這次實體活動辦得很好，收穫很多。", "events"),
            ("每週挑戰很有趣，學到很多。", "content"),
        ],
    },
    "neutral": {
        "en": [
            ("More tutorials for beginners would help.", "content"),
            ("Could you hold some events in the evening for Asian time zones?", "events"),
        ],
        "zh": [("希望有更多面向新手的教程。", "content"), ("希望活动时间能照顾亚洲时区。", "events")],
        "zh-TW": [("希望有更多給新手的教學。", "content"), ("希望活動可以辦在晚上或週末。", "events")],
    },
    "negative": {
        "en": [
            ("Hard to find answers with the forum search.", "search"),
            ("I asked for help twice and nobody replied.", "support"),
            ("Too many promotional posts lately.", "moderation"),
            ("The webinar started late and the audio was bad.", "events"),
        ],
        "zh": [
            ("论坛搜索很难找到答案。", "search"),
            ("提问两次都没人回复。", "support"),
            ("最近广告帖子太多了。", "moderation"),
        ],
        "zh-TW": [
            ("論壇搜尋很難找到答案。", "search"),
            ("問了兩次都沒人回覆。", "support"),
            ("最近廣告文太多了。", "moderation"),
        ],
    },
}


@dataclass(frozen=True)
class DemoSurveys:
    """Survey definitions and rows for the app store, with response keys in place of database ids."""

    definitions: dict[str, Survey]
    responses: pd.DataFrame
    answers: pd.DataFrame
    feedback: pd.DataFrame


def _mood(rng: np.random.Generator, propensity: np.ndarray) -> np.ndarray:
    """An NPS-like 0-10 score per respondent: more active members tend to be happier."""
    return np.rint(np.clip(7.2 + 0.9 * np.log(propensity) + rng.normal(0, 1.6, propensity.size), 0, 10))


def _answer(question: Question, score: float, rng: np.random.Generator) -> Any:
    """A plausible answer of this type for a respondent with this mood (texts are added later)."""
    return TYPES[question.type].demo_answer(question, score, rng)


def _mood_text(rng: np.random.Generator, score: float, chinese: str | None) -> tuple[str, str, str]:
    """(text, theme, the survey language answered in); `chinese` is the texts a Chinese speaker writes."""
    mood = "positive" if score >= 9 else "negative" if score <= 6 else "neutral"
    language = chinese if chinese and rng.uniform() < 0.85 else "en"
    options = FEEDBACK_TEXTS[mood][language]
    text, theme = options[int(rng.integers(len(options)))]
    return text, theme, language


def _invitations(community: dict[str, pd.DataFrame], members: pd.DataFrame, end: pd.Timestamp, rng) -> list:
    """(slug, member positions, submission times) of everyone the demo has answer."""
    picks = []
    start = end - pd.Timedelta(days=DAYS)
    # Quarterly member survey, asked on a rolling basis: a few members a week, joined 2+ weeks before.
    for week in range(DAYS // 7):
        moment = start + pd.Timedelta(days=7 * week)
        pool = np.flatnonzero(members["joined_at"] < moment - pd.Timedelta(days=14))
        if pool.size:
            chosen = rng.choice(pool, size=min(pool.size, int(rng.integers(3, 9))), replace=False)
            picks.append(("quarterly-nps", chosen, moment + pd.to_timedelta(rng.uniform(0, 7, chosen.size), unit="D")))
    # Onboarding: a quarter of newcomers answer one to three weeks after joining.
    newcomers = np.flatnonzero(rng.uniform(0, 1, len(members)) < 0.25)
    joined = members["joined_at"].to_numpy()[newcomers]
    picks.append(
        (
            "onboarding",
            newcomers,
            pd.DatetimeIndex(joined) + pd.to_timedelta(rng.uniform(7, 21, newcomers.size), unit="D"),
        )
    )
    # Post-event surveys: 40% of attendees answer within three days of the end.
    attended = community["campaign_members"].query("status == 'attended'")
    for _, campaign in community["campaigns"].dropna(subset=["survey_id"]).iterrows():
        who = members.index[
            members["member_id"].isin(attended.loc[attended["campaign_id"] == campaign["campaign_id"], "member_id"])
        ]
        chosen = who[rng.uniform(0, 1, who.size) < 0.4].to_numpy()
        moments = campaign["ends_at"] + pd.to_timedelta(rng.uniform(0.05, 3, chosen.size), unit="D")
        picks.append((campaign["survey_id"], chosen, moments))
    return picks


def _gap(name: str) -> str:
    """The space Chinese puts between a Latin word and a character, and not between two characters."""
    return "" if unicodedata.east_asian_width(name[-1:] or " ") in "WF" else " "


def _event_copies(community: dict[str, pd.DataFrame], template: Survey) -> dict[str, Survey]:
    """A copy of the post-event survey for every older event and webinar, linked to its campaign."""
    copies = {}
    for _, campaign in community["campaigns"].dropna(subset=["survey_id"]).iterrows():
        if campaign["survey_id"] == template.slug:
            continue
        name = campaign["name"]
        source = {
            **template.source,
            "slug": campaign["survey_id"],
            "title": {
                "en": f"How was {name}?",
                "zh": f"{name}{_gap(name)}怎么样？",
                "zh-TW": f"{name}{_gap(name)}辦得如何？",
            },
            "campaign": campaign["campaign_id"],
        }
        copies[campaign["survey_id"]] = parse_definition(source, where=f"demo copy of {template.slug}")
    return copies


def generate_surveys(
    community: dict[str, pd.DataFrame], *, today: date, seed: int = SEED, folder: Path = FOLDER, locale: str = "en"
) -> DemoSurveys:
    """Responses to the quarterly, onboarding and post-event surveys, a few abandoned, and the
    feedback items their written answers became; `locale` is the community's (data_sources/demo.py)."""
    rng = np.random.default_rng(seed + 1)
    shipped, problems = load_definitions(folder)
    if problems:
        raise ValueError("The shipped survey definitions are invalid: " + "; ".join(problems))
    definitions = {survey.slug: survey for survey in shipped}
    definitions |= _event_copies(community, definitions["post-event"])
    members = community["members"]
    members = members[~members["is_team"]].reset_index(drop=True)
    end = pd.Timestamp(data_end(today, locale=locale))
    propensity = members["propensity"].to_numpy()
    region = FLAVOURS[locale].chinese_region
    speaks_chinese = (members["region"] == region).to_numpy() if region else np.ones(len(members), dtype=bool)
    chinese_texts = "zh-TW" if locale == "zh-TW" else "zh"

    responses: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []
    for slug, chosen, submitted in _invitations(community, members, end, rng):
        keep = np.asarray(submitted < end)
        chosen, submitted = np.asarray(chosen)[keep], pd.DatetimeIndex(submitted)[keep].round("s")
        survey = definitions[slug]
        scores = _mood(rng, propensity[chosen])
        wrote = rng.uniform(0, 1, chosen.size) < 0.45
        abandoned = rng.uniform(0, 1, chosen.size) < ABANDON_SHARE
        for n, (index, moment, score) in enumerate(zip(chosen, submitted, scores, strict=True)):
            key = f"demo-{slug}-{len(responses)}"
            member_id = str(members.at[index, "member_id"])
            text, theme, language = _mood_text(rng, score, chinese_texts if speaks_chinese[index] else None)
            responses.append(
                {
                    "key": key,
                    "slug": slug,
                    "member_id": member_id,
                    "started_at": (moment - pd.Timedelta(minutes=3)).to_pydatetime(),
                    "submitted_at": None if abandoned[n] else moment.to_pydatetime(),
                    "completed": not abandoned[n],
                    "locale": language,
                }
            )
            if abandoned[n]:
                continue
            given = {question.id: _answer(question, score, rng) for question in survey.questions}
            if wrote[n]:  # the text goes to the first shown question of a type kept as feedback (long text)
                first = next(
                    (q for q in survey.questions if TYPES[q.type].feedback_by_default and visible(q, given)), None
                )
                if first is not None:
                    given[first.id] = text
            rows = answer_rows(survey, given)
            answers += [{"key": key, **row.__dict__} for row in rows]
            for row in feedback_texts(survey, rows):
                if not row.value_text:  # never so (feedback_texts keeps answers with text); narrows it for mypy
                    continue
                feedback.append(
                    _feedback_row(
                        rng,
                        key,
                        member_id,
                        moment,
                        end,
                        row.value_text,
                        response_score(rows),
                        theme,
                        row.question_id,
                    )
                )
    return DemoSurveys(
        definitions=definitions,
        responses=pd.DataFrame(responses),
        answers=pd.DataFrame(answers),
        feedback=pd.DataFrame(feedback),
    )


def _feedback_row(
    rng: np.random.Generator,
    key: str,
    member_id: str,
    moment: pd.Timestamp,
    end: pd.Timestamp,
    text: str,
    scored: tuple[str, float] | None,
    theme: str,
    question_id: str,
) -> dict[str, object]:
    """Older feedback has mostly been handled; the last few weeks are still in the inbox. Items a
    manager has touched carry the theme they gave it; the rest only the suggestion. The language,
    sentiment and suggestion are what the intake computes (store_surveys stores them through it)."""
    kind, score = scored or (None, None)
    age_days = (end - moment) / pd.Timedelta(days=1)
    closed_at = (moment + pd.Timedelta(days=float(rng.uniform(1, 20)))).round("s")
    first_response = (moment + pd.Timedelta(hours=float(rng.uniform(2, 72)))).round("s")
    closed = age_days > 21 and closed_at < end and (age_days > 60 or rng.uniform() < age_days / 60)
    if closed and first_response >= closed_at:  # answered before it was closed
        first_response = (moment + (closed_at - moment) / 2).round("s")
    status = (
        rng.choice(["resolved", "resolved", "wont_fix"])
        if closed
        else rng.choice(["new", "new", "triaged", "in_progress"])
    )
    return {
        "key": key,
        "question_id": question_id,
        "member_id": member_id,
        "created_at": moment.to_pydatetime(),
        "text": text,
        "score": score,
        "score_kind": kind,
        **asdict(enrichment(text)),
        "theme": theme if status != "new" else None,
        "status": str(status),
        "priority": "high" if score is not None and score <= 3 else "normal",
        "first_response_at": first_response.to_pydatetime() if status != "new" else None,
        "closed_at": closed_at.to_pydatetime() if closed else None,
    }


def _records(frame: pd.DataFrame) -> Iterator[Any]:
    """The frame's rows as named tuples, typed Any: pandas' stubs cannot know a column's type."""
    return frame.itertuples()


def store_surveys(app_store: AppStore, demo: DemoSurveys, *, now: datetime, timezone: str = "UTC") -> int:
    """Publish the definitions (a new version only where one changed), then replace the demo's
    responses, answers and feedback in one transaction. Only rows the demo made (responses with
    source 'demo', their answers and feedback) are removed, so real responses stay. Returns the
    responses written."""
    for survey in demo.definitions.values():
        registry.register(app_store, survey, timezone=timezone, now=now)
    with app_store.begin() as connection:
        demo_responses = sa.select(tables.responses.c.id).where(tables.responses.c.source == "demo")
        demo_feedback = sa.select(tables.feedback.c.id).where(tables.feedback.c.response_id.in_(demo_responses))
        # with their history; real items merged into one of them reopen (feedback.workflow.unmerge_removed)
        remove_feedback(connection, list(connection.execute(demo_feedback).scalars()), actor="demo", now=now)
        connection.execute(tables.answers.delete().where(tables.answers.c.response_id.in_(demo_responses)))
        connection.execute(tables.responses.delete().where(tables.responses.c.source == "demo"))
        newest = (
            sa.select(tables.surveys.c.slug, sa.func.max(tables.surveys.c.id).label("id"))
            .where(tables.surveys.c.slug.in_(list(demo.definitions)))
            .group_by(tables.surveys.c.slug)
        )
        survey_ids = dict(connection.execute(newest).all())
        if demo.responses.empty:
            return 0
        connection.execute(
            tables.responses.insert(),
            [
                {
                    "survey_id": survey_ids[row.slug],
                    "member_id": row.member_id,
                    "started_at": row.started_at,
                    "submitted_at": None if pd.isna(row.submitted_at) else row.submitted_at,
                    "completed": bool(row.completed),
                    "idempotency_key": row.key,
                    "locale": row.locale,
                    "source": "demo",
                }
                for row in _records(demo.responses)
            ],
        )
        response_ids = dict(
            connection.execute(
                sa.select(tables.responses.c.idempotency_key, tables.responses.c.id).where(
                    tables.responses.c.source == "demo"
                )
            ).all()
        )
        connection.execute(
            tables.answers.insert(),
            [
                {
                    "response_id": response_ids[row.key],
                    "question_id": row.question_id,
                    "question_type": row.question_type,
                    "value_num": None if pd.isna(row.value_num) else row.value_num,
                    "value_text": None if pd.isna(row.value_text) else row.value_text,
                }
                for row in _records(demo.answers)
            ],
        )
        if not demo.feedback.empty:
            items = [
                NewFeedback(
                    source="survey",
                    text=row.text,
                    created_at=row.created_at.to_pydatetime(),
                    member_id=row.member_id,
                    score=None if pd.isna(row.score) else row.score,
                    score_kind=row.score_kind,
                    response_id=response_ids[row.key],
                    question_id=row.question_id,
                )
                for row in _records(demo.feedback)
            ]
            ids = add_feedback(connection, items, actor="survey", now=now)  # the one way in, as real answers
            _replay_triage(connection, ids, demo.feedback)
            _write_history(connection, demo_feedback)
    return int(demo.responses["completed"].sum())


def _replay_triage(connection: sa.Connection, ids: list[int], feedback: pd.DataFrame) -> None:
    """What managers did with the items since they arrived: status, priority, theme, first response
    and closing (the intake stores every item as new)."""
    triage = tables.feedback.update().where(tables.feedback.c.id == sa.bindparam("item_id"))
    connection.execute(
        triage.values(
            status=sa.bindparam("new_status"),
            priority=sa.bindparam("new_priority"),
            theme=sa.bindparam("new_theme"),
            first_response_at=sa.bindparam("new_first_response_at"),
            closed_at=sa.bindparam("new_closed_at"),
        ),
        [
            {
                "item_id": item_id,
                "new_status": row.status,
                "new_priority": row.priority,
                "new_theme": None if pd.isna(row.theme) else row.theme,
                "new_first_response_at": None if pd.isna(row.first_response_at) else row.first_response_at,
                "new_closed_at": None if pd.isna(row.closed_at) else row.closed_at,
            }
            for item_id, row in zip(ids, _records(feedback), strict=True)
        ],
    )


def _write_history(connection: sa.Connection, demo_feedback: sa.Select) -> None:
    """A plausible audit log for the demo's items: arrival (the intake's entry, dated when the item
    was given), triage at the first response, then the step to where the item is now; each item's
    version counts its changes."""
    feedback, events = tables.feedback, tables.feedback_events
    arrived = sa.select(feedback.c.created_at).where(feedback.c.id == events.c.feedback_id).scalar_subquery()
    created = events.update().where(events.c.feedback_id.in_(demo_feedback), events.c.field == "created")
    connection.execute(created.values(at=arrived))  # the intake dates its entry when it runs
    items = connection.execute(
        sa.select(
            feedback.c.id, feedback.c.status, feedback.c.created_at, feedback.c.first_response_at, feedback.c.closed_at
        ).where(feedback.c.id.in_(demo_feedback))
    ).all()
    rows, versions = [], {}
    for item in items:
        if item.status == "new":
            continue
        steps = [("new", "triaged", item.first_response_at)]
        if item.status != "triaged":
            later = item.closed_at or item.first_response_at + pd.Timedelta(days=1)
            steps.append(("triaged", item.status, later))
        for version, (old, new, at) in enumerate(steps, start=2):
            rows.append(
                {"feedback_id": item.id, "version": version, "actor": "demo", "at": at, "field": "status"}
                | {"old_value": old, "new_value": new}
            )
        versions[item.id] = 1 + len(steps)
    if rows:
        connection.execute(events.insert(), [{"old_value": None, "new_value": None} | row for row in rows])
    for version in sorted(set(versions.values())):
        ids = [item_id for item_id, count in versions.items() if count == version]
        connection.execute(feedback.update().where(feedback.c.id.in_(ids)).values(version=version))
