"""Survey scores across all surveys (DESIGN.md: NPS with its margin of error)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from metrics.filters import Filters
from metrics.scope import Runner, in_scope
from metrics.sql import count_where
from store import tables

Z_95 = 1.96


@dataclass(frozen=True)
class Nps:
    """NPS from -100 to 100, its 95% margin of error in points, and the answers it rests on."""

    score: float
    margin: float
    answers: int


def nps_by_member_query(*, filters: Filters) -> sa.Select:
    """Per member (NULL for anonymous): NPS answers, promoters (9-10) and detractors (0-6) among
    completed responses submitted in the period. Skipped questions have no answer row."""
    responses, answers = tables.responses, tables.answers
    score = answers.c.value_num
    return (
        sa.select(
            responses.c.member_id,
            sa.func.count().label("answers"),
            count_where(score >= 9).label("promoters"),
            count_where(score <= 6).label("detractors"),
        )
        .join(answers, answers.c.response_id == responses.c.id)
        .where(
            answers.c.question_type == "nps",
            score.is_not(None),
            responses.c.completed == sa.true(),
            responses.c.submitted_at >= filters.start_utc,
            responses.c.submitted_at < filters.end_utc,
        )
        .group_by(responses.c.member_id)
    )


def nps_from_counts(*, answers: int, promoters: int, detractors: int) -> Nps | None:
    """% promoters - % detractors; the margin treats each answer as +1, 0 or -1. None with no answers."""
    if answers == 0:
        return None
    promoter_share, detractor_share = promoters / answers, detractors / answers
    score = promoter_share - detractor_share
    variance = promoter_share + detractor_share - score**2
    return Nps(score=100 * score, margin=100 * Z_95 * math.sqrt(variance / answers), answers=answers)


def csat_from_counts(*, answers: int, satisfied: int) -> float | None:
    """CSAT: the share of answers of 4 or 5 on a 1-5 question; None with no answers."""
    return satisfied / answers if answers else None


def nps_of(totals: pd.Series | Mapping[str, Any]) -> Nps | None:
    """NPS from summed counts named nps_answers, promoters and detractors (a row or a sum)."""
    return nps_from_counts(
        answers=int(totals["nps_answers"]), promoters=int(totals["promoters"]), detractors=int(totals["detractors"])
    )


def csat_of(totals: pd.Series | Mapping[str, Any]) -> float | None:
    """CSAT from summed counts named csat_answers and satisfied."""
    return csat_from_counts(answers=int(totals["csat_answers"]), satisfied=int(totals["satisfied"]))


def nps(*, app_store: Runner, warehouse: Runner, filters: Filters) -> Nps | None:
    """NPS of the members in scope for the period."""
    rows = in_scope(app_store.run(nps_by_member_query(filters=filters)), warehouse=warehouse, filters=filters)
    totals = rows[["answers", "promoters", "detractors"]].sum()
    return nps_from_counts(
        answers=int(totals["answers"]), promoters=int(totals["promoters"]), detractors=int(totals["detractors"])
    )
