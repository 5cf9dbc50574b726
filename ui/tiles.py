"""KPI tiles: the value, the change against the previous period, and the previous value."""

from __future__ import annotations

import streamlit as st

from metrics.kpi import Kpi
from ui.i18n import t

PERCENT = {"growth_rate", "stickiness", "active_rate", "churn_rate", "newcomer_conversion"}
DECIMAL = {"dau_avg", "contributions_per_active_member"}
SIGNED = {"nps"}
LOWER_IS_BETTER = {"churn_rate", "churned", "open_feedback"}


def format_value(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    if key in PERCENT:
        return f"{value:.1%}"
    if key in DECIMAL:
        return f"{value:,.1f}"
    if key in SIGNED:
        return f"{value:+.0f}"
    return f"{value:,.0f}"


def format_change(key: str, kpi: Kpi) -> str | None:
    """'+12 vs 340', '+1.5 pts vs 20.0%'; None when either period has no value."""
    change = kpi.change
    if change is None:
        return None
    if key in PERCENT:
        amount = f"{change * 100:+.1f} pts"
    elif key in DECIMAL:
        amount = f"{change:+,.1f}"
    else:
        amount = f"{change:+,.0f}"
    return t("delta.vs", change=amount, previous=format_value(key, kpi.previous))


def kpi_tiles(kpis: dict[str, Kpi], *, per_row: int = 5) -> None:
    keys = list(kpis)
    for offset in range(0, len(keys), per_row):
        columns = st.columns(per_row)
        for column, key in zip(columns, keys[offset : offset + per_row], strict=False):
            kpi = kpis[key]
            column.metric(
                t(f"kpi.{key}"),
                format_value(key, kpi.current),
                delta=format_change(key, kpi),
                delta_color="off" if not kpi.change else "inverse" if key in LOWER_IS_BETTER else "normal",
                help=t(f"help.{key}"),
                border=True,
            )
