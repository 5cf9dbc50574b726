"""How a day, a period and a member scope read, in this run's language: the filter bar's caption
(ui/filters.py), tables (ui/tables.py) and the meeting report (reports/display.py) write them alike."""

from __future__ import annotations

from catalog import locale
from catalog.spoken import current_language, t
from metrics.filters import Filters


def day(value: object) -> str:
    """3 Nov 2026 · 2026年11月3日, in this run's language."""
    return locale.day(value, current_language())  # type: ignore[arg-type]


def number(value: float, *, decimals: int = 0, sign: bool = False) -> str:
    """1,234 · +0.25 (`decimals` 2, `sign`), in this run's language."""
    return locale.number(value, current_language(), decimals=decimals, sign=sign)


def figure(value: float) -> str:
    """A figure with the decimals it has, up to two (12 · 1.5 · 0.25), in this run's language."""
    decimals = next((n for n in range(2) if round(value, n) == round(value, 2)), 2)
    return number(value, decimals=decimals)


def percent(value: float, *, decimals: int = 0) -> str:
    """0.42 → 42%, in this run's language."""
    return locale.percent(value, current_language(), decimals=decimals)


def in_currency(title: str, currency: str | None) -> str:
    """A money column's title naming its currency when one is set: Budget (¥) · 预算（¥）."""
    if currency is None:
        return title
    return t("column.in_currency", title=title, symbol=locale.currency_symbol(currency, current_language()))


def period(filters: Filters, *, dates_whole: bool = False) -> str:
    """1 Mar 2025 – 7 Mar 2025 (UTC), compared with 22 Feb 2025 – 28 Feb 2025. `dates_whole`: no
    line breaks at a date's spaces (a page's caption on a phone had "5 / Nov 2026"), by no-break
    spaces, which the report's image font does not draw."""
    previous = filters.previous()
    written = _whole if dates_whole else day
    return t(
        "filters.caption",
        start=written(filters.start),
        last=written(filters.last),
        timezone=filters.timezone,
        previous_start=written(previous.start),
        previous_last=written(previous.last),
    )


NO_BREAK_SPACE = "\u00a0"
WORD_JOINER = "\u2060"  # an invisible character no line breaks at (ui.tables.plain breaks autolinks with it)


def _whole(value: object) -> str:
    """A day no line breaks inside at its spaces ("5 / Nov 2026"): they are no-break. Between two
    Chinese characters ("10月 / 9日") the caption's CSS keeps it whole (word-break: keep-all,
    ui.streamlit_internals.layout_style): a word joiner between them would go with a copied date."""
    return day(value).replace(" ", NO_BREAK_SPACE)


def scope(filters: Filters) -> str:
    """Every member filter used ("Region: EU · Segment: dev"), or that the report covers all members."""
    chosen = {"channel": filters.channel, "region": filters.region, "segment": filters.segment}
    used = [t("report.filter", name=t(f"filters.{name}"), value=value) for name, value in chosen.items() if value]
    return " · ".join(used) if used else t("report.filter", name=t("report.scope"), value=t("report.all_members"))
