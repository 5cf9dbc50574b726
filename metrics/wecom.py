"""WeCom (企业微信) customer groups: the daily figures WeCom counts for a group owner's groups (the
messages sent, the members who spoke, the members who joined), kept in the warehouse by sync
(data_sources/connectors/wecom.py: `wecom_group_days`, days in China time). WeCom says these per
day and per owner, not per person, so they stand beside the member metrics rather than in them."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from data_sources.connectors.wecom import group_days
from engines import Runner
from metrics.filters import Filters
from metrics.kpi import Kpi, compare


def group_days_query(*, filters: Filters) -> sa.Select:
    """The days of the period and the one before it (for the tiles' change), oldest first."""
    days = group_days.c
    return (
        sa.select(days.day, days.msg_total, days.member_has_msg, days.new_member_cnt)
        .where(days.day >= filters.previous().start, days.day < filters.end)
        .order_by(days.day)
    )


def group_figures(days: pd.DataFrame, period: Filters) -> dict[str, float | None]:
    """Messages and new members summed over the period's days, members who spoke a day on average
    (the same person speaking on two days counts on both: WeCom gives no names); none for a period
    WeCom counted no day of."""
    inside = days[(days["day"] >= period.start) & (days["day"] < period.end)]
    counted = not inside.empty
    return {
        "wecom_messages": float(inside["msg_total"].sum()) if counted else None,
        "wecom_speakers": round(float(inside["member_has_msg"].mean()), 1) if counted else None,
        "wecom_new_members": float(inside["new_member_cnt"].sum()) if counted else None,
    }


def group_kpis(*, warehouse: Runner, filters: Filters) -> tuple[dict[str, Kpi], pd.DataFrame]:
    """The tiles for the period against the one before, and the period's days (for the chart)."""
    days = warehouse.run(group_days_query(filters=filters))
    days["day"] = pd.to_datetime(days["day"]).dt.date
    kpis = compare(lambda period: group_figures(days, period), filters=filters)
    return kpis, days[days["day"] >= filters.start].reset_index(drop=True)
