"""The meeting report as one self-contained HTML file: no script, no link outside it.

Charts are inline SVG drawn offline by vl-convert, so the file opens anywhere without the app or the
network. Every text that comes from data (campaign and survey names, filter values, feedback) is
HTML-escaped. The print rules lay it out on A4 landscape pages: reports/pdf.py prints this page.
"""

from __future__ import annotations

import html

import vl_convert

from catalog.spoken import t
from reports import display
from reports.meeting import Report

CHART_WIDTH, CHART_HEIGHT = 440, 200

STYLE = """
@page {
  size: A4 landscape; margin: 12mm 14mm 14mm;
  @bottom-left { content: string(title) " · " string(period); font: 7.5pt FONTS; color: #6b7280; }
  @bottom-right { content: counter(page) " / " counter(pages); font: 7.5pt FONTS; color: #6b7280; }
}
body { font-family: FONTS; color: #1f2937; margin: 2rem auto; max-width: 1100px; padding: 0 1.5rem;
  line-height: 1.4; }
h1 { font-size: 1.7rem; margin: 0 0 0.3rem; string-set: title content(); }
h2 { font-size: 1.05rem; margin: 1.6rem 0 0.5rem; break-after: avoid; }
header p { color: #6b7280; margin: 0.1rem 0; } .period { string-set: period content(); }
.tiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: 0.6rem; }
.tile { border: 1px solid #e5e7eb; border-radius: 0.5rem; padding: 0.6rem 0.8rem; break-inside: avoid; }
.tile .label { color: #6b7280; font-size: 0.8rem; }
.tile .value { font-size: 1.5rem; font-weight: 600; white-space: nowrap; }
.tile .change { color: #6b7280; font-size: 0.75rem; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
.chart { margin: 0; break-inside: avoid; } .chart svg { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
thead { display: table-header-group; } tr { break-inside: avoid; }
th { color: #6b7280; font-weight: 600; border-bottom: 1.5px solid #d1d5db; }
th, td { padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; white-space: nowrap; }
td { border-bottom: 1px solid #e5e7eb; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
.name, .long { white-space: normal; } .long { width: 60%; }
.empty, footer { color: #6b7280; } footer { margin-top: 2rem; font-size: 0.8rem; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; }
  h1 { font-size: 17pt; } h2 { font-size: 11pt; margin-top: 12pt; }
  .tiles { grid-template-columns: repeat(7, 1fr); gap: 5pt; }
  .tile { padding: 4pt 6pt; } .tile .value { font-size: 13pt; }
  .tile .label, .tile .change { font-size: 7pt; }
  table { font-size: 8pt; } th, td { padding: 3pt 4pt; }
}
""".replace("FONTS", display.FONTS)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _tiles(report: Report) -> str:
    return "".join(
        f"<div class='tile'><div class='label'>{_e(tile.label)}</div><div class='value'>{_e(tile.value)}</div>"
        f"<div class='change'>{_e(tile.change)}</div></div>"
        for tile in display.tiles(report)
    )


def _charts(report: Report) -> str:
    figures = "".join(
        f"<figure class='chart'><h2>{_e(title)}</h2>"
        f"{vl_convert.vegalite_to_svg(display.chart_spec(chart, width=CHART_WIDTH, height=CHART_HEIGHT))}</figure>"
        for title, chart in report.charts
    )
    return f"<section class='charts'>{figures}</section>" if figures else ""


def _table(table: display.Table) -> str:
    if not table.rows:
        return f"<h2>{_e(table.title)}</h2><p class='empty'>{_e(table.empty)}</p>"
    classes = [f" class='{kind}'" for kind in table.kinds]
    head = "".join(f"<th{kind}>{_e(label)}</th>" for kind, label in zip(classes, table.columns, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{kind}>{_e(cell)}</td>" for kind, cell in zip(classes, row, strict=True)) + "</tr>"
        for row in table.rows
    )
    return f"<h2>{_e(table.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@display.in_its_language
def to_html(report: Report) -> str:
    """The report as one HTML page, in the report's language."""
    title = t("report.title")
    return (
        f"<!DOCTYPE html><html lang='{_e(report.language)}'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<header><h1>{_e(title)}</h1><p class='period'>{_e(display.period(report.filters))}</p>"
        f"<p class='scope'>{_e(display.scope(report.filters))}</p></header>"
        f"<h2>{_e(t('report.kpis'))}</h2><div class='tiles'>{_tiles(report)}</div>{_charts(report)}"
        + "".join(_table(table) for table in display.tables(report))
        + f"<footer><p>{_e(display.made(report))}</p></footer></body></html>"
    )
