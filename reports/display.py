"""How the meeting report reads, whatever draws it: labels from the catalog, dates and numbers as
the report's language writes them (catalog/locale.py: "3 Nov 2026", 2026年11月3日), "—" where there
is no figure. HTML, PDF and PNG all take their text from here, so no column key, None or NaN can
reach one of them and not the others. Inside `speaking(report.language)` (as to_html and png_spec
call them), t() and these helpers write the report's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import TypeVar

import altair as alt
import pandas as pd

from catalog import locale
from catalog.locale import MISSING, missing
from catalog.spoken import current_language, speaking, t
from metrics.filters import Filters
from metrics.goals import Progress
from metrics.kpis import spec
from reports.meeting import Report
from visuals.charts import word
from visuals.formats import describe_change, format_value, with_margin
from visuals.text import day, in_currency, period, scope

__all__ = ["MISSING", "day", "missing", "period", "scope"]  # visuals/text.py: the filter bar and tables write them too
# Latin faces first; Noto Sans CJK SC (Debian fonts-noto-cjk) draws Chinese names and titles.
FONTS = '"Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif'
# vl-convert draws chart text itself and, for a glyph its first available face lacks, falls back to
# a serif CJK face: so charts name the CJK face first (its Latin letters are a clean sans).
CHART_FONTS = '"Noto Sans CJK SC", "DejaVu Sans", sans-serif'
DAY_MS = 86_400_000  # a time axis's smallest tick step
EXCERPT = 160  # characters of an example feedback text
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

Row = Mapping[str, object]
Shown = TypeVar("Shown")
T = TypeVar("T")


def in_its_language(draw: Callable[[Report], Shown]) -> Callable[[Report], Shown]:
    """`draw(report)` in the report's language, whatever language the caller speaks."""

    @wraps(draw)
    def drawn(report: Report) -> Shown:
        with speaking(report.language):
            return draw(report)

    return drawn


def text(value: object) -> str:
    return MISSING if missing(value) or not str(value).strip() else str(value).strip()


def label(value: object, prefix: str | None = None) -> str:
    """A value that is a word of the data (a campaign kind, a theme) as a label: the catalog's word
    at `prefix`.value when it has one, else "office hours" for office_hours, first letter capital."""
    words = text(value)
    if prefix is not None and words != MISSING and (named := word(prefix, words)) != words:
        return named
    words = words.replace("_", " ")
    return words[:1].upper() + words[1:]


def kind(value: object) -> str:
    return label(value, "campaign.kind")


def theme(value: object) -> str:
    return label(value, "theme")


def count(value: object) -> str:
    return locale.number(value, current_language())  # type: ignore[arg-type]


def percent(value: object) -> str:
    return locale.percent(value, current_language())  # type: ignore[arg-type]


def signed(value: object) -> str:
    return locale.number(value, current_language(), decimals=2, sign=True)  # type: ignore[arg-type]


def amount(value: object) -> str:
    return locale.number(value, current_language(), decimals=2)  # type: ignore[arg-type]


def excerpt(value: object) -> str:
    """Member-written text, one line, e-mail addresses masked, cut at EXCERPT characters."""
    line = " ".join(EMAIL.sub("[email]", text(value)).split())
    return line if len(line) <= EXCERPT else line[: EXCERPT - 1].rstrip() + "…"


def field(name: str, shown: Callable[[object], str] = text) -> Callable[[Row], str]:
    return lambda row: shown(row.get(name))


def lift_cell(row: Row) -> str:
    """The lift, or while its 30 days run the day it is shown from (a blank would say nothing)."""
    if missing(row.get("lift")) and not missing(row.get("lift_from")):
        return t("report.lift_from", day=day(row["lift_from"]))
    return signed(row.get("lift"))


def nps_cell(row: Row) -> str:
    if missing(row.get("nps")):
        return MISSING
    answers = None if missing(row.get("nps_answers")) else int(row["nps_answers"])
    return with_margin(float(row["nps"]), float(row["nps_margin"]), answers)


# How a column is laid out: "name" wraps (a campaign, a survey), "short" never does (a date, a
# kind), "number" is right-aligned, "long" wraps and takes the room that is left (feedback text).
NAME, SHORT, NUMBER, LONG = "name", "short", "number", "long"


@dataclass(frozen=True)
class Column:
    label: str  # catalog key
    cell: Callable[[Row], str]
    kind: str = SHORT
    money: bool = False  # an amount of the campaigns' currency: its title names it (settings.currency)


CAMPAIGN_COLUMNS = (
    Column("column.campaign", field("name"), NAME),
    Column("chart.kind", field("kind", kind)),
    Column("column.starts", field("starts_at", day)),
    Column("column.invited", field("invited", count), NUMBER),
    Column("column.registered", field("registered", count), NUMBER),
    Column("column.attended", field("attended", count), NUMBER),
    Column("column.attendance_rate", field("attendance_rate", percent), NUMBER),
    Column("column.reach", field("reach", count), NUMBER),
    Column("column.participants", field("participants", count), NUMBER),
    Column("column.lift", lift_cell, NUMBER),
    Column("column.cost_per_participant", field("cost_per_participant", amount), NUMBER, money=True),
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
        lambda row: t("report.no_theme") if missing(row["theme"]) else theme(row["theme"]),
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


def table(
    title: str, frame: pd.DataFrame, columns: tuple[Column, ...], *, empty: str, currency: str | None = None
) -> Table:
    records = frame.to_dict("records")
    return Table(
        title=title,
        columns=tuple(in_currency(t(c.label), currency) if c.money else t(c.label) for c in columns),
        kinds=tuple(column.kind for column in columns),
        rows=[tuple(column.cell(row) for column in columns) for row in records],
        empty=empty,
    )


def goal_row(progress: Progress) -> dict[str, str]:
    """A goal's cells: the KPI, whose members, its days, target, value so far (a score or rate with
    its margin), projection and where it stands."""
    goal = progress.goal
    language = current_language()

    def shown(value: float | None) -> str:
        return MISSING if value is None else format_value(goal.kpi, value)

    so_far = shown(progress.current)
    if progress.current is not None and progress.margin is not None:
        margin = progress.margin * 100 if goal.spec.percent else progress.margin
        so_far += " ± " + (
            t("delta.points", amount=locale.number(margin, language, decimals=1))
            if goal.spec.percent
            else locale.number(margin, language)
        )
    members = [
        t("report.filter", name=t(f"filters.{name}"), value=value) for name, value in goal.members().items() if value
    ]
    return {
        "kpi": t(goal.spec.label),
        "members": ", ".join(members) or t("goals.whole_community"),
        "start": day(goal.start),
        "last": day(goal.last),
        "target": ("≤ " if goal.spec.lower_is_better else "") + shown(goal.target),
        "so_far": so_far,
        "progress": locale.percent(progress.share, language, decimals=0),
        "projected": shown(progress.projected),
        "status": t(f"goal.status.{progress.status}"),
    }


GOAL_COLUMNS = (
    Column("column.kpi", field("kpi"), NAME),
    Column("column.for", field("members"), NAME),
    Column("column.first_day", field("start")),
    Column("column.last_day", field("last")),
    Column("column.target", field("target"), NUMBER),
    Column("column.so_far", field("so_far"), NUMBER),
    Column("column.progress", field("progress"), NUMBER),
    Column("column.projected", field("projected"), NUMBER),
    Column("column.goal_status", field("status")),
)
NOTE_COLUMNS = (
    Column("column.first_day", field("start", day)),
    Column("column.last_day", field("last", day)),
    Column("column.note", field("title"), LONG),
)


@in_its_language
def tables(report: Report) -> list[Table]:
    """The goals and notes, campaigns, surveys and feedback themes of the period, in the report's
    order (goals and notes only when there are some)."""
    period = {"start": day(report.filters.start), "last": day(report.filters.last)}
    themes = THEME_COLUMNS + ((EXAMPLE_COLUMN,) if report.include_text else ())
    kept = []
    if report.goals:
        frame = pd.DataFrame([goal_row(progress) for progress in report.goals])
        kept.append(table(t("report.goals"), frame, GOAL_COLUMNS, empty=""))
    if report.notes:
        frame = pd.DataFrame([{"start": note.start, "last": note.last, "title": note.title} for note in report.notes])
        kept.append(table(t("report.notes"), frame, NOTE_COLUMNS, empty=""))
    kept.extend(
        [
            table(
                t("report.campaigns"),
                _on_community_days(report.campaigns, report.filters),
                CAMPAIGN_COLUMNS,
                empty=t("report.no_campaigns"),
                currency=report.currency,
            ),
            table(
                t("report.surveys_in_period"), report.surveys, SURVEY_COLUMNS, empty=t("report.no_answers", **period)
            ),
            table(t("report.themes"), report.themes, themes, empty=t("report.no_feedback")),
        ]
    )
    return kept


def _on_community_days(campaigns: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The campaigns with their start as the day it falls on where the community lives (as its
    figures count days, and as the pages show it): 16:00 UTC is the next day in Shanghai."""
    if "starts_at" not in campaigns:
        return campaigns
    starts = [
        None if missing(value) else filters.local_date(pd.Timestamp(value).to_pydatetime())
        for value in campaigns["starts_at"]
    ]
    return campaigns.assign(starts_at=starts)


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    change: str


@in_its_language
def tiles(report: Report) -> list[Tile]:
    """The KPIs as the Overview's tiles show them (a change that is not clear says why, as there);
    NPS with its margin of error."""
    shown = []
    for key, kpi in report.kpis.items():
        value = MISSING if kpi.current is None else format_value(key, kpi.current)
        if kpi.current is not None and kpi.margin is not None:
            value = with_margin(kpi.current, kpi.margin, kpi.sample)
        change = describe_change(key, kpi, filters=report.filters, today=report.made_at.date())
        text = change.text or t("report.no_previous")
        shown.append(Tile(t(spec(key).label), value, f"{text} · {change.mark}" if change.mark else text))
    return shown


@in_its_language
def made(report: Report) -> str:
    """When, on the community's clock, naming its zone: a report travels beyond the community."""
    zone = report.filters.timezone
    return t("report.made", at=f"{locale.moment(report.made_at, current_language(), zone=zone)} ({zone})")


def styled(spec: dict[str, object]) -> dict[str, object]:
    """A vega-lite spec in the report's chart fonts and language (what vega writes without a given
    format), its views without a frame, and no character beyond the Basic Multilingual Plane in its
    text (`drawable`)."""
    spec = drawable(spec)
    config = spec.setdefault("config", {})
    config["font"] = CHART_FONTS
    config["locale"] = locale.vega_locale(current_language())
    config.setdefault("view", {})["stroke"] = None
    config.setdefault("axisTemporal", {})["tickMinStep"] = DAY_MS  # no "12 PM" ticks on a wide chart
    return spec


ASTRAL = re.compile("[\U00010000-\U0010ffff]")
STAND_IN = "\u25a1"  # □: what a font without the character draws anyway (the report's fonts have no emoji)


def drawable(value: T) -> T:
    """`value` (a spec, or any part of one) with every character beyond the Basic Multilingual Plane,
    an emoji in a campaign's name say, as □. vl-convert cuts a text too long for its room (a
    chart mark's title) by UTF-16 halves, and a cut inside such a character fails the whole drawing."""
    if isinstance(value, dict):
        return {key: drawable(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [drawable(item) for item in value]  # type: ignore[return-value]
    if isinstance(value, str):
        return ASTRAL.sub(STAND_IN, value)  # type: ignore[return-value]
    return value


def chart_spec(chart: alt.TopLevelMixin, *, width: int, height: int) -> dict[str, object]:
    """A chart's vega-lite spec at a size, styled."""
    return styled(chart.properties(width=width, height=height).to_dict())
