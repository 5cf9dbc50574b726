"""What changed most: the channels, regions and segments whose active or new members moved most
against the previous period, so a manager sees where a change in the tiles comes from."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import schema
from metrics.filters import Filters
from metrics.sql import count_where, member_conditions

members = schema.members
MIN_BASE = 5  # groups smaller than this in both periods are noise, not news


def new_by_dimension_query(*, filters: Filters, dimension: str) -> sa.Select:
    """Per value of the dimension: members who joined in this period and in the previous one."""
    previous = filters.previous()
    column, joined = members.c[dimension], members.c.joined_at
    return (
        sa.select(
            column.label("value"),
            count_where(joined >= filters.start_utc).label("current"),
            count_where(joined < filters.start_utc).label("previous"),
        )
        .where(*member_conditions(filters), joined >= previous.start_utc, joined < filters.end_utc)
        .group_by(column)
    )


def top_movers(frames: dict[tuple[str, str], pd.DataFrame], *, limit: int = 5) -> pd.DataFrame:
    """Rows (measure, dimension, value, previous, current, change, change_pct), largest moves first,
    ties in the order of measure, dimension and value.

    `frames` maps (measure, dimension) to a frame of value/current/previous. Moves are ranked by
    absolute change; groups below MIN_BASE in both periods are left out.
    """
    columns = ["measure", "dimension", "value", "previous", "current", "change", "change_pct"]
    parts = [
        frame.dropna(subset=["value"]).assign(measure=measure, dimension=dimension)
        for (measure, dimension), frame in frames.items()
        if not frame.empty
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(parts, ignore_index=True).astype({"current": "int64", "previous": "int64"})
    rows = rows[(rows["current"] >= MIN_BASE) | (rows["previous"] >= MIN_BASE)]
    rows = rows.assign(
        change=rows["current"] - rows["previous"],
        change_pct=(rows["current"] - rows["previous"]) / rows["previous"].where(rows["previous"] > 0),
    )
    rows = rows[rows["change"] != 0].assign(size=lambda f: f["change"].abs())
    ranked = rows.sort_values(["size", "measure", "dimension", "value"], ascending=[False, True, True, True])
    return ranked.head(limit)[columns].reset_index(drop=True)
