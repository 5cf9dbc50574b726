"""How KPI values and their change read, for tiles, reports and the CLI (no Streamlit here)."""

from __future__ import annotations

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
