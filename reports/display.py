"""How the meeting report reads, whatever draws it: labels from the catalog, dates as "3 Nov 2026",
rates as percentages, "—" where there is no figure. HTML, PDF and PNG all take their text from here,
so no column key, None or NaN can reach one of them and not the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

from metrics.filters import Filters
from reports.meeting import Report
from ui.formats import describe_change, format_value
from ui.i18n import t

MISSING = "—"
# Latin faces first; Noto Sans CJK SC (Debian fonts-noto-cjk) draws Chinese names and titles.
FONTS = '"Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif'
# vl-convert draws chart text itself and, for a glyph its first available face lacks, falls back to
# a serif CJK face: so charts name the CJK face first (its Latin letters are a clean sans).
CHART_FONTS = '"Noto Sans CJK SC", "DejaVu Sans", sans-serif'
DAY_MS = 86_400_000  # a time axis's smallest tick step
EXCERPT = 160  # characters of an example feedback text
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

Row = Mapping[str, object]


def missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def day(value: object) -> str:
    """3 Nov 2026."""
    if missing(value):
        return MISSING
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%b %Y}"


def text(value: object) -> str:
    return MISSING if missing(value) or not str(value).strip() else str(value).strip()


def label(value: object) -> str:
    """A value that is a word of the data (a campaign kind, a theme) as a label: "office hours"
    for office_hours, first letter capital."""
    words = text(value).replace("_", " ")
    return words[:1].upper() + words[1:]


def count(value: object) -> str:
    return MISSING if missing(value) else f"{float(value):,.0f}"


def percent(value: object) -> str:
    return MISSING if missing(value) else f"{float(value):.1%}"


def signed(value: object) -> str:
    return MISSING if missing(value) else f"{float(value):+,.2f}"


def amount(value: object) -> str:
    return MISSING if missing(value) else f"{float(value):,.2f}"


def excerpt(value: object) -> str:
    """Member-written text, one line, e-mail addresses masked, cut at EXCERPT characters."""
    line = " ".join(EMAIL.sub("[email]", text(value)).split())
    return line if len(line) <= EXCERPT else line[: EXCERPT - 1].rstrip() + "…"


def field(name: str, shown: Callable[[object], str] = text) -> Callable[[Row], str]:
    return lambda row: shown(row.get(name))


def nps_cell(row: Row) -> str:
    if missing(row.get("nps")):
        return MISSING
    return t("report.nps", score=float(row["nps"]), margin=float(row["nps_margin"]))


# How a column is laid out: "name" wraps (a campaign, a survey), "short" never does (a date, a
# kind), "number" is right-aligned, "long" wraps and takes the room that is left (feedback text).
NAME, SHORT, NUMBER, LONG = "name", "short", "number", "long"


@dataclass(frozen=True)
class Column:
    label: str  # catalog key
    cell: Callable[[Row], str]
    kind: str = SHORT


CAMPAIGN_COLUMNS = (
    Column("column.campaign", field("name"), NAME),
    Column("chart.kind", field("kind", label)),
    Column("column.starts", field("starts_at", day)),
    Column("column.invited", field("invited", count), NUMBER),
    Column("column.registered", field("registered", count), NUMBER),
    Column("column.attended", field("attended", count), NUMBER),
    Column("column.attendance_rate", field("attendance_rate", percent), NUMBER),
    Column("column.reach", field("reach", count), NUMBER),
    Column("column.participants", field("participants", count), NUMBER),
    Column("column.lift", field("lift", signed), NUMBER),
    Column("column.cost_per_participant", field("cost_per_participant", amount), NUMBER),
)
SURVEY_COLUMNS = (
    Column("column.survey", field("title"), NAME),
    Column("column.state", lambda row: t(f"surveys.state.{row['state']}")),
    Column("surveys.responses", field("responses", count), NUMBER),
    Column("kpi.nps", nps_cell, NUMBER),
    Column("column.nps_answers", field("nps_answers", count), NUMBER),
    Column("column.csat", field("csat", percent), NUMBER),
    Column("column.csat_answers", field("csat_answers", count), NUMBER),
)
THEME_COLUMNS = (
    Column(
        "feedback.column.theme",
        lambda row: t("report.no_theme") if missing(row["theme"]) else label(row["theme"]),
        NAME,
    ),
    Column("feedback.column.items", field("items", count), NUMBER),
)
EXAMPLE_COLUMN = Column("report.example", field("example", excerpt), LONG)


@dataclass(frozen=True)
class Table:
    """A titled table of text: column labels, their kinds (NAME, SHORT, NUMBER, LONG), rows of cells."""

    title: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: list[tuple[str, ...]]
    empty: str  # said instead of a table without rows


def table(title: str, frame: pd.DataFrame, columns: tuple[Column, ...], *, empty: str) -> Table:
    records = frame.to_dict("records")
    return Table(
        title=title,
        columns=tuple(t(column.label) for column in columns),
        kinds=tuple(column.kind for column in columns),
        rows=[tuple(column.cell(row) for column in columns) for row in records],
        empty=empty,
    )


def tables(report: Report) -> list[Table]:
    """The campaigns, surveys and feedback themes of the period, in the report's order."""
    period = {"start": day(report.filters.start), "last": day(report.filters.last)}
    themes = THEME_COLUMNS + ((EXAMPLE_COLUMN,) if report.include_text else ())
    return [
        table(t("report.campaigns"), report.campaigns, CAMPAIGN_COLUMNS, empty=t("report.no_campaigns")),
        table(t("report.surveys_in_period"), report.surveys, SURVEY_COLUMNS, empty=t("report.no_answers", **period)),
        table(t("report.themes"), report.themes, themes, empty=t("report.no_feedback")),
    ]


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    change: str


def tiles(report: Report) -> list[Tile]:
    """The KPIs as the Overview's tiles show them (a change that is not clear says why, as there);
    NPS with its margin of error."""
    shown = []
    for key, kpi in report.kpis.items():
        value = MISSING if kpi.current is None else format_value(key, kpi.current)
        if kpi.current is not None and kpi.margin is not None:
            value = t("report.nps", score=kpi.current, margin=kpi.margin)
        change = describe_change(key, kpi, filters=report.filters, today=report.made_at.date())
        text = change.text or t("report.no_previous")
        shown.append(Tile(t(f"kpi.{key}"), value, f"{text} · {change.mark}" if change.mark else text))
    return shown


def period(filters: Filters) -> str:
    """1 Mar 2025 – 7 Mar 2025 (UTC), compared with 22 Feb 2025 – 28 Feb 2025."""
    previous = filters.previous()
    return t(
        "filters.caption",
        start=day(filters.start),
        last=day(filters.last),
        timezone=filters.timezone,
        previous_start=day(previous.start),
        previous_last=day(previous.last),
    )


def scope(filters: Filters) -> str:
    """Every member filter used ("Region: EU · Segment: dev"), or that the report covers all members."""
    chosen = {"channel": filters.channel, "region": filters.region, "segment": filters.segment}
    used = [f"{t(f'filters.{name}')}: {value}" for name, value in chosen.items() if value]
    return " · ".join(used) if used else f"{t('report.scope')}: {t('report.all_members')}"


def made(report: Report) -> str:
    return t("report.made", at=f"{day(report.made_at)}, {report.made_at:%H:%M} UTC")


def styled(spec: dict[str, object]) -> dict[str, object]:
    """A vega-lite spec in the report's chart fonts, its views without a frame."""
    config = spec.setdefault("config", {})
    config["font"] = CHART_FONTS
    config.setdefault("view", {})["stroke"] = None
    config.setdefault("axisTemporal", {})["tickMinStep"] = DAY_MS  # no "12 PM" ticks on a wide chart
    return spec


def chart_spec(chart: alt.TopLevelMixin, *, width: int, height: int) -> dict[str, object]:
    """A chart's vega-lite spec at a size, styled."""
    return styled(chart.properties(width=width, height=height).to_dict())
