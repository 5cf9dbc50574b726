"""One survey's results and the list of surveys (DESIGN.md: NPS, CSAT, CES, response rate).

Answers live in the app store and members' channel, segment and level in the warehouse, so counts
are made per member in the app store, filtered to the members in scope (metrics.scope), and then
added up; breakdowns join those per-member counts to the respondents' profiles. Every version of a
survey counts: a question keeps its id across versions, and each answer row carries the type it was
given under.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from catalog import translate
from metrics.filters import Filters, from_day_number
from metrics.levels import respondent_profiles_query
from metrics.scope import Runner, in_scope
from metrics.sections import records
from metrics.sql import count_where, day_of, week_start
from metrics.surveys import csat_of, nps_of
from store import tables
from surveys.answers import OTHER
from surveys.definition import Question, Survey, text_in
from surveys.question_types import TYPES, ChoiceType, names
from surveys.registry import StoredSurvey, state_of

surveys, responses, answers, invitations = tables.surveys, tables.responses, tables.answers, tables.invitations
BREAKDOWNS = ("segment", "channel", "level")
SCORE_COLUMNS = [
    "nps_answers",
    "promoters",
    "detractors",
    "csat_answers",
    "satisfied",
    "ces_answers",
    "ces_total",
]


def survey_list_query() -> sa.Select:
    """The newest version of every survey."""
    newest = (
        sa.select(surveys.c.slug, sa.func.max(surveys.c.version).label("version"))
        .group_by(surveys.c.slug)
        .subquery("newest")
    )
    return (
        sa.select(
            surveys.c.id,
            surveys.c.slug,
            surveys.c.version,
            surveys.c.title,
            surveys.c.definition,
            surveys.c.status,
            surveys.c.opens_at,
            surveys.c.closes_at,
            surveys.c.anonymous,
            surveys.c.campaign_id,
            surveys.c.response_limit,
        )
        .join(newest, (newest.c.slug == surveys.c.slug) & (newest.c.version == surveys.c.version))
        .order_by(surveys.c.slug)
    )


def response_counts_query() -> sa.Select:
    """Per survey (all versions): responses started, completed, and the latest submission."""
    return (
        sa.select(
            surveys.c.slug,
            sa.func.count(responses.c.id).label("started"),
            count_where(responses.c.completed == sa.true()).label("completed"),
            sa.func.max(responses.c.submitted_at).label("last_response"),
        )
        .join(responses, responses.c.survey_id == surveys.c.id)
        .group_by(surveys.c.slug)
    )


def completed_span_query(slug: str) -> sa.Select:
    """When a survey's completed responses came (every version): the first and the last."""
    return (
        sa.select(
            sa.func.min(responses.c.submitted_at).label("first"), sa.func.max(responses.c.submitted_at).label("last")
        )
        .join(surveys, surveys.c.id == responses.c.survey_id)
        .where(surveys.c.slug == slug, responses.c.completed == sa.true())
    )


def invitation_counts_query() -> sa.Select:
    """Per survey: personal links handed out, and how many were used to answer."""
    return (
        sa.select(
            surveys.c.slug,
            sa.func.count(invitations.c.id).label("invitations"),
            count_where(invitations.c.used_at.is_not(None)).label("invited_responses"),
        )
        .join(invitations, invitations.c.survey_id == surveys.c.id)
        .group_by(surveys.c.slug)
    )


def survey_table(*, app_store: Runner, now: datetime, language: str | None = None) -> pd.DataFrame:
    """One row per survey: its title (in `language` where the definition has it), state,
    responses, completion rate (completed / started) and response rate (responses through personal
    links / links handed out; None without links)."""
    table = app_store.run(survey_list_query())
    titles = [
        _title(title, definition, language)
        for title, definition in zip(table["title"], table["definition"], strict=True)
    ]
    table = table.assign(title=titles).drop(columns="definition")
    counts = app_store.run(response_counts_query())
    links = app_store.run(invitation_counts_query())
    table = table.merge(counts, on="slug", how="left").merge(links, on="slug", how="left")
    for column in ("started", "completed", "invitations", "invited_responses"):
        table[column] = table[column].fillna(0).astype(int)
    table["state"] = [
        _state(row, now=now, completed=completed)
        for row, completed in zip(table.itertuples(), table["completed"], strict=True)
    ]
    table["completion_rate"] = (table["completed"] / table["started"]).where(table["started"] > 0)
    table["response_rate"] = (table["invited_responses"] / table["invitations"]).where(table["invitations"] > 0)
    return table


def _title(stored: str, definition: Any, language: str | None) -> str:
    """The survey's title in `language`, read from its definition's title alone (a page run lists
    every survey: validating each whole definition is not needed to name it); the stored title
    without a language, or where the definition has no title in languages (an older release's)."""
    title = definition.get("title") if isinstance(definition, dict) else None
    if language is None or not isinstance(title, dict):
        return stored
    texts = {str(code): str(text) for code, text in title.items() if isinstance(text, str) and text}
    return text_in(texts, language) or stored


def _state(row: Any, *, now: datetime, completed: int) -> str:  # Any: a row of itertuples()
    def value(name: str) -> Any:
        item = getattr(row, name)
        return None if pd.isna(item) else item

    if row.status == "archived":  # deleted by a manager after it had responses (surveys/drafts.py)
        return "archived"
    limit = value("response_limit")
    return state_of(
        status=row.status,
        opens_at=value("opens_at"),
        closes_at=value("closes_at"),
        response_limit=None if limit is None else int(limit),
        completed=completed,
        now=now,
    ).value


def _completed_in_period(slug: str, filters: Filters) -> list[sa.ColumnElement[bool]]:
    return [
        surveys.c.slug == slug,
        responses.c.completed == sa.true(),
        responses.c.submitted_at >= filters.start_utc,
        responses.c.submitted_at < filters.end_utc,
    ]


def score_counts_query(*, slug: str, filters: Filters) -> sa.Select:
    """Per member (NULL: anonymous) and week of submission: NPS, CSAT and CES answer counts."""
    score, kind = answers.c.value_num, answers.c.question_type
    week = week_start(day_of(responses.c.submitted_at, filters))
    return (
        sa.select(
            responses.c.member_id,
            week.label("week"),
            sa.func.count(sa.distinct(responses.c.id)).label("responses"),
            count_where(kind == "nps").label("nps_answers"),
            count_where((kind == "nps") & (score >= 9)).label("promoters"),
            count_where((kind == "nps") & (score <= 6)).label("detractors"),
            count_where(kind == "csat").label("csat_answers"),
            count_where((kind == "csat") & (score >= 4)).label("satisfied"),
            count_where(kind == "ces").label("ces_answers"),
            sa.func.coalesce(sa.func.sum(sa.case((kind == "ces", score))), 0).label("ces_total"),
        )
        .select_from(surveys.join(responses, responses.c.survey_id == surveys.c.id))
        .outerjoin(answers, answers.c.response_id == responses.c.id)
        .where(*_completed_in_period(slug, filters))
        .group_by(responses.c.member_id, week)
    )


def question_counts_query(*, slug: str, filters: Filters) -> sa.Select:
    """Per member, question and answer value: how many answers (text answers are counted, not read)."""
    text_answer = answers.c.question_type.in_(_written())
    value_text = sa.case((text_answer, sa.null()), else_=answers.c.value_text)
    return (
        sa.select(
            responses.c.member_id,
            answers.c.question_id,
            answers.c.question_type,
            answers.c.value_num,
            value_text.label("value_text"),
            sa.func.count().label("answers"),
        )
        .select_from(surveys.join(responses, responses.c.survey_id == surveys.c.id))
        .join(answers, answers.c.response_id == responses.c.id)
        .where(*_completed_in_period(slug, filters))
        .group_by(
            responses.c.member_id, answers.c.question_id, answers.c.question_type, answers.c.value_num, value_text
        )
    )


def _written() -> list[str]:
    """The stored types of free-text answers: the text types' and "Other" words."""
    return [*names(lambda kind: kind.free_text), "other"]


def responses_by_version_query(*, slug: str, filters: Filters) -> sa.Select:
    """Completed responses in the period per version of the survey they answered (a survey edited
    while live has answers under several), newest version first; versions nobody answered in the
    period are left out."""
    return (
        sa.select(surveys.c.version, sa.func.count(responses.c.id).label("responses"))
        .select_from(surveys.join(responses, responses.c.survey_id == surveys.c.id))
        .where(*_completed_in_period(slug, filters))
        .group_by(surveys.c.version)
        .order_by(surveys.c.version.desc())
    )


def free_text_query(*, slug: str, filters: Filters, limit: int = 500) -> sa.Select:
    """The newest free-text answers with the response's NPS score, for reading and the inbox."""
    score = answers.alias("score")
    return (
        sa.select(
            responses.c.submitted_at,
            responses.c.member_id,
            answers.c.question_id,
            answers.c.value_text.label("text"),
            score.c.value_num.label("nps"),
        )
        .select_from(surveys.join(responses, responses.c.survey_id == surveys.c.id))
        .join(answers, answers.c.response_id == responses.c.id)
        .outerjoin(score, (score.c.response_id == responses.c.id) & (score.c.question_type == "nps"))
        .where(*_completed_in_period(slug, filters), answers.c.question_type.in_(_written()))
        .order_by(responses.c.submitted_at.desc(), answers.c.question_id)
        .limit(limit)
    )


@dataclass(frozen=True)
class Scores:
    """A survey's headline figures; each score is None when no question of its kind was answered."""

    responses: int
    nps: float | None  # -100 to 100, unrounded (each view rounds as it shows it)
    nps_margin: float | None  # ± at 95%, unrounded
    nps_answers: int
    csat: float | None  # the share of answers of 4 or 5
    csat_answers: int
    ces: float | None  # the mean answer
    ces_answers: int


def scores(counts: pd.DataFrame) -> Scores:
    """NPS with its margin, CSAT (share 4-5) and CES (mean) from summed counts; None without answers."""
    total = (
        counts[["responses", *SCORE_COLUMNS]].sum()
        if not counts.empty
        else pd.Series(0, index=["responses", *SCORE_COLUMNS])
    )
    nps = nps_of(total)
    ces_answers = int(total["ces_answers"])
    return Scores(
        responses=int(total["responses"]),
        nps=None if nps is None else nps.score,
        nps_margin=None if nps is None else nps.margin,
        nps_answers=int(total["nps_answers"]),
        csat=csat_of(total),
        csat_answers=int(total["csat_answers"]),
        ces=float(total["ces_total"]) / ces_answers if ces_answers else None,
        ces_answers=ces_answers,
    )


def nps_trend(counts: pd.DataFrame) -> pd.DataFrame:
    """NPS by week (Monday start), with its margin, for weeks with NPS answers."""
    weekly = counts.groupby("week", as_index=False)[SCORE_COLUMNS].sum()
    rows = []
    for _, row in weekly.iterrows():
        nps = nps_of(row)
        if nps is not None:
            rows.append(
                {
                    "week": from_day_number(int(row["week"])),
                    "nps": nps.score,
                    "margin": nps.margin,
                    "answers": nps.answers,
                }
            )
    return pd.DataFrame(rows, columns=["week", "nps", "margin", "answers"])


def breakdown(counts: pd.DataFrame, profiles: pd.DataFrame, *, dimension: str) -> pd.DataFrame:
    """NPS and CSAT per value of a respondent attribute (anonymous answers are left out). Counts are
    `score_counts` rows (person_id: the respondent's person, whichever of their ids answered) and
    profiles are keyed by the person's canonical id, so a person who answered under two merged ids
    is one respondent, in their person's group."""
    per_person = counts.dropna(subset=["person_id"]).groupby("person_id", as_index=False)[SCORE_COLUMNS].sum()
    joined = per_person.merge(
        profiles[["member_id", dimension]].rename(columns={"member_id": "person_id"}), on="person_id"
    )
    rows = []
    for value, group in joined.groupby(dimension, dropna=False):
        totals = group[SCORE_COLUMNS].sum()
        nps = nps_of(totals)
        rows.append(
            {
                "group": "—" if pd.isna(value) else str(value),
                "respondents": len(group),
                "nps": None if nps is None else nps.score,
                "nps_margin": None if nps is None else nps.margin,
                "csat": csat_of(totals),
            }
        )
    return pd.DataFrame(rows, columns=["group", "respondents", "nps", "nps_margin", "csat"])


def merged_questions(versions: list[StoredSurvey]) -> list[tuple[Question, Survey]]:
    """Questions of the newest version, then those only older versions asked (newest first)."""
    seen, merged = set(), []
    for stored in versions:
        for question in stored.survey.questions:
            if question.id not in seen:
                seen.add(question.id)
                merged.append((question, stored.survey))
    return merged


def question_result(question: Question, counts: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """One question's chart data: answer (and matrix row), label, answers, share of its answers;
    how is its type's result family's (RESULTS)."""
    return RESULTS[TYPES[question.type].result](question, counts, language)


def _answered(question: Question, counts: pd.DataFrame) -> pd.DataFrame:
    """The counts of answers to this question given under its type."""
    return counts[(counts["question_id"] == question.id) & (counts["question_type"] == question.type)]


def _points(frame: pd.DataFrame) -> pd.DataFrame:
    frame["answers"] = frame["answers"].astype(int)
    total = frame["answers"].sum()
    frame["share"] = frame["answers"] / total if total else 0.0
    return frame[["answer", "label", "answers", "share"]]


def _by_value(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.groupby("value_num", as_index=False)[["answers"]].sum().rename(columns={"value_num": "answer"})


def _scale_result(question: Question, counts: pd.DataFrame, language: str) -> pd.DataFrame:
    """Every point of the scale, those nobody chose with 0 answers."""
    low, high = question.bounds
    frame = _by_value(_answered(question, counts))
    frame = pd.DataFrame({"answer": range(low, high + 1)}).merge(frame, how="left").fillna({"answers": 0})
    frame["label"] = frame["answer"].astype(int).astype(str)
    return _points(frame)


def _yes_no_result(question: Question, counts: pd.DataFrame, language: str) -> pd.DataFrame:
    frame = _by_value(_answered(question, counts))
    frame["label"] = frame["answer"].map({1.0: "yes", 0.0: "no"})
    return _points(frame)


def _choice_result(question: Question, counts: pd.DataFrame, language: str) -> pd.DataFrame:
    """Every option (and Other where offered), by the share of respondents who chose it."""
    rows = _answered(question, counts)
    kind = TYPES[question.type]
    assert isinstance(kind, ChoiceType)  # the choice family's types
    labels = {option.id: text_in(option.label, language) for option in question.options} | {
        OTHER: translate("survey.other", language)
    }
    respondents = int(rows["answers"].sum())
    chosen = rows.assign(answer=rows["value_text"].map(kind.stored_choices)).explode("answer")
    frame = chosen.groupby("answer", as_index=False)[["answers"]].sum()
    order = pd.DataFrame({"answer": list(labels)})
    frame = order.merge(frame, how="left").fillna({"answers": 0})
    frame = frame[(frame["answer"] != OTHER) | question.other]
    frame["answers"] = frame["answers"].astype(int)
    frame["label"] = frame["answer"].map(labels)
    # Multiple choice: share of respondents who picked it (shares may add up to more than 100%).
    frame["share"] = frame["answers"] / respondents if respondents else 0.0
    return frame[["answer", "label", "answers", "share"]]


def _text_result(question: Question, counts: pd.DataFrame, language: str) -> pd.DataFrame:
    """How many wrote something (the words are read in the free-text table)."""
    return pd.DataFrame({"answers": [int(_answered(question, counts)["answers"].sum())]})


def _matrix_result(question: Question, counts: pd.DataFrame, language: str) -> pd.DataFrame:
    """Per statement (row), its answers by point of the scale."""
    prefix = f"{question.id}."
    rows = counts[counts["question_id"].str.startswith(prefix) & (counts["question_type"] == question.type)]
    labels = {f"{prefix}{row.id}": text_in(row.label, language) for row in question.rows}
    frame = rows.groupby(["question_id", "value_num"], as_index=False)[["answers"]].sum()
    frame = frame[frame["question_id"].isin(labels)]
    frame["row"] = frame["question_id"].map(labels)
    frame["label"] = frame["value_num"].map(lambda point: text_in(question.scale[int(point) - 1], language))
    frame["share"] = frame["answers"] / frame.groupby("question_id")["answers"].transform("sum")
    return frame[["row", "value_num", "label", "answers", "share"]].rename(columns={"value_num": "answer"})


# How each result family of surveys.question_types (a type's `result`) is counted.
RESULTS: dict[str, Callable[[Question, pd.DataFrame, str], pd.DataFrame]] = {
    "scale": _scale_result,
    "yes_no": _yes_no_result,
    "choice": _choice_result,
    "text": _text_result,
    "matrix": _matrix_result,
}


def score_counts(*, app_store: Runner, warehouse: Runner, slug: str, filters: Filters) -> pd.DataFrame:
    """`score_counts_query` rows of the members in scope, with each row's person (`in_scope`)."""
    rows = app_store.run(score_counts_query(slug=slug, filters=filters))
    return in_scope(rows, warehouse=warehouse, filters=filters)


def period_table(
    *, app_store: Runner, warehouse: Runner, filters: Filters, now: datetime, language: str | None = None
) -> pd.DataFrame:
    """One row per survey with a completed response in the period: title (in `language`), state
    (now), and the period's `scores` of the members in scope, as its results view counts them."""
    rows = []
    table = survey_table(app_store=app_store, now=now, language=language)
    for slug, title, state in zip(table["slug"], table["title"], table["state"], strict=True):
        summary = scores(score_counts(app_store=app_store, warehouse=warehouse, slug=slug, filters=filters))
        if summary.responses:
            rows.append({"slug": slug, "title": title, "state": state, **asdict(summary)})
    return pd.DataFrame(rows, columns=["slug", "title", "state", *(column.name for column in fields(Scores))])


@dataclass(frozen=True)
class SurveyResults:
    """Everything the results view and `cli.py survey results` show for one survey and filter set."""

    summary: Scores
    trend: pd.DataFrame
    questions: list[tuple[Question, pd.DataFrame]]
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)


def survey_results(
    *, app_store: Runner, warehouse: Runner, versions: list[StoredSurvey], filters: Filters, language: str = "en"
) -> SurveyResults:
    """Scores, weekly NPS, per-question results and breakdowns of the members in scope; options and
    scale points labelled in `language` (a catalog code; a zh-CN reader gets a definition's zh)."""
    slug = versions[0].slug
    counts = score_counts(app_store=app_store, warehouse=warehouse, slug=slug, filters=filters)
    per_question = in_scope(
        app_store.run(question_counts_query(slug=slug, filters=filters)), warehouse=warehouse, filters=filters
    )
    respondents = sorted(counts["person_id"].dropna().unique().tolist())  # people, by their canonical ids
    profiles = (
        warehouse.run(respondent_profiles_query(filters=filters, member_ids=respondents))
        if respondents
        else pd.DataFrame(columns=["member_id", *BREAKDOWNS])
    )
    return SurveyResults(
        summary=scores(counts),
        trend=nps_trend(counts),
        questions=[
            (question, question_result(question, per_question, language=language))
            for question, _ in merged_questions(versions)
        ],
        breakdowns={dimension: breakdown(counts, profiles, dimension=dimension) for dimension in BREAKDOWNS},
    )


def results_document(results: SurveyResults) -> dict[str, object]:
    """The results as plain JSON-ready data (cli.py survey results --format json), every figure
    unrounded: JSON is read by machines; the views people read round as they show."""

    return {
        **asdict(results.summary),
        "nps_by_week": records(results.trend.assign(week=results.trend["week"].astype(str))),
        "questions": {
            question.id: {"type": question.type, "text": text_in(question.text, "en"), "results": records(frame)}
            for question, frame in results.questions
        },
        "breakdowns": {name: records(frame) for name, frame in results.breakdowns.items()},
    }
