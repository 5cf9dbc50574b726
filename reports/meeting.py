"""The meeting report of a view: its KPIs against the previous period, the main charts, and the
campaign and survey results, as one self-contained HTML file or one PNG image.

Charts are drawn offline by vl-convert (SVG inside the HTML, PNG for the image), so the file opens
anywhere without the app or the network. Every text that comes from data (campaign and survey names,
filter values) is HTML-escaped. No member is named: the report is meant to be passed around.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import altair as alt
import pandas as pd
import vl_convert

from metrics import campaigns, members, survey_results
from metrics.filters import Filters, with_dates
from metrics.kpi import Kpi
from metrics.overview import overview_kpis
from metrics.scope import Runner
from ui.charts import activity_trend_chart, new_members_chart
from ui.formats import format_change, format_value
from ui.i18n import t

CAMPAIGN_COLUMNS = (
    "name",
    "kind",
    "starts_at",
    "participants",
    "attendance_rate",
    "lift",
    "cost_per_participant",
    "nps",
)
SURVEY_COLUMNS = ("slug", "state", "completed", "completion_rate", "response_rate")


@dataclass(frozen=True)
class Report:
    filters: Filters
    made_at: datetime
    kpis: dict[str, Kpi]
    charts: list[tuple[str, alt.TopLevelMixin]]
    campaigns: pd.DataFrame
    surveys: pd.DataFrame


def build_report(*, warehouse: Runner, app_store: Runner, filters: Filters, now: datetime) -> Report:
    """Everything the report shows, computed as the pages compute it."""
    overview = overview_kpis(warehouse=warehouse, app_store=app_store, filters=filters)
    weeks = with_dates(warehouse.run(members.new_members_by_week_query(filters=filters, dimension="channel")), "week")
    charts: list[tuple[str, alt.TopLevelMixin]] = []
    if overview.daily["dau"].sum() > 0:
        charts.append((t("overview.trend"), activity_trend_chart(overview.daily)))
    if not weeks.empty:
        charts.append((t("overview.new_by_week"), new_members_chart(weeks)))
    table = campaigns.campaign_table(warehouse=warehouse, app_store=app_store, filters=filters)
    surveys = survey_results.survey_table(app_store=app_store, now=now)
    return Report(
        filters=filters,
        made_at=now,
        kpis=overview.kpis,
        charts=charts,
        campaigns=table[[c for c in CAMPAIGN_COLUMNS if c in table.columns]],
        surveys=surveys[[c for c in SURVEY_COLUMNS if c in surveys.columns]],
    )


def _period(filters: Filters) -> str:
    previous = filters.previous()
    dimensions = {"channel": filters.channel, "region": filters.region, "segment": filters.segment}
    chosen = ", ".join(f"{t(f'filters.{name}')}: {value}" for name, value in dimensions.items() if value)
    text = t(
        "filters.caption",
        start=filters.start,
        last=filters.last,
        timezone=filters.timezone,
        previous_start=previous.start,
        previous_last=previous.last,
    )
    return f"{text} {chosen}".strip()


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, pd.Timestamp | datetime):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _table(frame: pd.DataFrame, empty: str) -> str:
    if frame.empty:
        return f"<p class='empty'>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(value))}</td>" for value in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1f2937; }
h1 { margin-bottom: 0.2rem; } .period { color: #6b7280; margin-top: 0; }
.tiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: 0.8rem; margin: 1.5rem 0; }
.tile { border: 1px solid #e5e7eb; border-radius: 0.5rem; padding: 0.8rem; }
.tile .label { color: #6b7280; font-size: 0.85rem; } .tile .value { font-size: 1.8rem; font-weight: 600; }
.tile .change { color: #6b7280; font-size: 0.8rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 0.35rem 0.5rem; text-align: left; }
.chart svg { max-width: 100%; height: auto; } .empty, footer { color: #6b7280; }
"""


def to_html(report: Report) -> str:
    """One HTML file: no script, no link outside it."""
    tiles = "".join(
        "<div class='tile'>"
        f"<div class='label'>{html.escape(t(f'kpi.{key}'))}</div>"
        f"<div class='value'>{html.escape(format_value(key, kpi.current))}</div>"
        f"<div class='change'>{html.escape(format_change(key, kpi) or '')}</div></div>"
        for key, kpi in report.kpis.items()
    )
    charts = "".join(
        f"<h2>{html.escape(title)}</h2><div class='chart'>{vl_convert.vegalite_to_svg(chart.to_json())}</div>"
        for title, chart in report.charts
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(t('report.title'))}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(t('report.title'))}</h1><p class='period'>{html.escape(_period(report.filters))}</p>"
        f"<div class='tiles'>{tiles}</div>{charts}"
        f"<h2>{html.escape(t('report.campaigns'))}</h2>{_table(report.campaigns, t('report.no_campaigns'))}"
        f"<h2>{html.escape(t('report.surveys'))}</h2>{_table(report.surveys, t('report.no_surveys'))}"
        f"<footer><p>{html.escape(t('report.made', at=f'{report.made_at:%Y-%m-%d %H:%M} UTC'))}</p></footer>"
        "</body></html>"
    )


def to_png(report: Report, *, scale: float = 2.0) -> bytes:
    """One image: the KPIs as a table of text, then the charts, stacked."""
    rows = pd.DataFrame(
        [
            {"kpi": t(f"kpi.{key}"), "value": format_value(key, kpi.current), "change": format_change(key, kpi) or ""}
            for key, kpi in report.kpis.items()
        ]
    ).reset_index()
    base = alt.Chart(rows).encode(y=alt.Y("index:O", axis=None))
    tiles = alt.hconcat(
        base.mark_text(align="left").encode(text="kpi:N").properties(width=220),
        base.mark_text(align="right", fontWeight="bold").encode(text="value:N").properties(width=100),
        base.mark_text(align="left", color="#6b7280").encode(text="change:N").properties(width=260),
    )
    parts = [tiles, *(chart.properties(title=title, width=640, height=260) for title, chart in report.charts)]
    stacked = (
        alt.vconcat(*parts)
        .resolve_scale(color="independent")
        .properties(title=f"{t('report.title')}: {_period(report.filters)}")
        .configure_view(stroke=None)
    )
    return vl_convert.vegalite_to_png(stacked.to_json(), scale=scale)
