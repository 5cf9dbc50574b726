"""The meeting report as one PNG image, for a chat message or a slide.

One vega-lite spec drawn by vl-convert: the title and period, the KPIs as tiles, the charts, then the
campaign, survey and feedback tables as text marks placed in pixels (`scale: null`), so a column is
as wide as its longest cell. Text widths are estimated from the font's measured widths (a CJK
character is one em), and a cell that would overflow its column is cut with an ellipsis.
"""

from __future__ import annotations

import unicodedata

import altair as alt
import pandas as pd
import vl_convert

from catalog.spoken import t
from reports import display
from reports.meeting import Report

WIDTH, CHART_WIDTH = 960, 860  # content width in pixels (a chart's legend takes the rest)
PADDING = {"left": 32, "right": 72, "top": 32, "bottom": 28}  # chart axes hang into the left one
GREY, LINE, RULE, DARK = "#6b7280", "#e5e7eb", "#d1d5db", "#1f2937"
TILES_PER_ROW, TILE_HEIGHT, TILE_GAP = 5, 74, 15
FONT_SIZE, ROW, LINE_HEIGHT, CELL_PADDING = 12, 24, 15, 8  # tables
MAX_WIDTH = {display.NAME: 300, display.LONG: 520}  # text columns are cut to these widths...
MIN_TEXT_COLUMN = 80  # ...and down to this one when the table is too wide
NARROW, BROAD = set("fijlrtI!'.,:;|()[]{}-/"), set("mwMW%@")  # Latin letters far from the usual width


def text_width(text: str, *, size: float = FONT_SIZE, bold: bool = False) -> float:
    """Roughly how wide `text` is drawn in Noto Sans CJK SC: advance widths in em by kind of
    character (measured, rounded up); bold is 6% wider."""

    def em(char: str) -> float:
        if unicodedata.east_asian_width(char) in "WF":
            return 1.0
        if char == " ":
            return 0.23
        if char in NARROW:
            return 0.36
        if char in BROAD:
            return 0.93
        return 0.66 if char.isupper() else 0.58

    return size * sum(map(em, text)) * (1.06 if bold else 1.0)


def fit(text: str, width: float, *, size: float = FONT_SIZE, bold: bool = False) -> str:
    """`text`, cut with an ellipsis to fit `width` pixels."""
    if text_width(text, size=size, bold=bold) <= width:
        return text
    while text and text_width(text + "…", size=size, bold=bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _pixels(name: str) -> alt.X | alt.Y:
    return (alt.X if name == "x" else alt.Y)(f"{name}:Q", scale=None, axis=None)


def _text(rows: list[dict[str, object]], **mark: object) -> alt.Chart:
    frame = pd.DataFrame(rows, columns=["x", "y", "text"])
    mark = {"baseline": "alphabetic", "fontSize": FONT_SIZE, **mark}
    return alt.Chart(frame).mark_text(**mark).encode(x=_pixels("x"), y=_pixels("y"), text="text:N")


def _section(layers: list[alt.Chart], title: str, height: float) -> alt.LayerChart:
    return alt.layer(*layers).properties(title=_title(title, fontSize=15, offset=12), width=WIDTH, height=height)


def tiles_section(report: Report) -> alt.LayerChart:
    """The KPI tiles: label, value, change against the previous period, in boxes."""
    width = (WIDTH - (TILES_PER_ROW - 1) * TILE_GAP) / TILES_PER_ROW
    boxes, labels, values, changes = [], [], [], []
    tiles = display.tiles(report)
    for n, tile in enumerate(tiles):
        x, y = (n % TILES_PER_ROW) * (width + TILE_GAP), (n // TILES_PER_ROW) * (TILE_HEIGHT + TILE_GAP)
        boxes.append({"x": x, "y": y, "x2": x + width, "y2": y + TILE_HEIGHT})
        inner = width - 2 * 12
        labels.append({"x": x + 12, "y": y + 20, "text": fit(tile.label, inner, size=11)})
        values.append({"x": x + 12, "y": y + 46, "text": tile.value})
        changes.append({"x": x + 12, "y": y + 64, "text": fit(tile.change, inner, size=10)})
    box = (
        alt.Chart(pd.DataFrame(boxes, columns=["x", "y", "x2", "y2"]))
        .mark_rect(fill="white", stroke=LINE, cornerRadius=6)
        .encode(x=_pixels("x"), y=_pixels("y"), x2="x2:Q", y2="y2:Q")
    )
    rows = -(-len(tiles) // TILES_PER_ROW)
    layers = [
        box,
        _text(labels, align="left", fontSize=11, color=GREY),
        _text(values, align="left", fontSize=20, fontWeight="bold", color=DARK),
        _text(changes, align="left", fontSize=10, color=GREY),
    ]
    return _section(layers, t("report.kpis"), rows * TILE_HEIGHT + (rows - 1) * TILE_GAP)


def header(label: str, cells: float) -> str:
    """A label wider than its column's cells, split in two lines where they balance best."""
    spaces = [n for n, char in enumerate(label) if char == " "]
    if not spaces or text_width(label, bold=True) <= cells:
        return label
    cut = min(spaces, key=lambda n: max(text_width(label[:n], bold=True), text_width(label[n + 1 :], bold=True)))
    return f"{label[:cut]}\n{label[cut + 1 :]}"


def layout(table: display.Table) -> tuple[list[str], list[float]]:
    """The header labels (long ones in two lines) and the column widths: each column as wide as its
    longest cell or label line, names and long text at most their MAX_WIDTH; then the widest of
    those narrowed, down to MIN_TEXT_COLUMN, and at last every column, until the table fits WIDTH."""
    cells = [max((text_width(row[n]) for row in table.rows), default=0.0) for n in range(len(table.columns))]
    labels = [header(label, width) for label, width in zip(table.columns, cells, strict=True)]
    widths = [
        min(max(width, *(text_width(line, bold=True) for line in label.split("\n"))), MAX_WIDTH.get(kind, WIDTH))
        + 2 * CELL_PADDING
        for label, width, kind in zip(labels, cells, table.kinds, strict=True)
    ]
    texts = [n for n, kind in enumerate(table.kinds) if kind in MAX_WIDTH]
    for n in sorted(texts, key=lambda n: -widths[n]):
        if sum(widths) > WIDTH:
            widths[n] = max(widths[n] - (sum(widths) - WIDTH), min(widths[n], MIN_TEXT_COLUMN))
    return labels, [width * min(1.0, WIDTH / sum(widths)) for width in widths]


def table_section(table: display.Table) -> alt.LayerChart:
    """A table of text: bold labels over a rule, one row per line, numbers right-aligned."""
    if not table.rows:
        return _section([_text([{"x": 0, "y": 16, "text": table.empty}], align="left", color=GREY)], table.title, 24)
    labels, widths = layout(table)
    head = ROW + LINE_HEIGHT if any("\n" in label for label in labels) else ROW
    cells: dict[tuple[bool, bool], list[dict[str, object]]] = {}
    left = 0.0
    for n, (width, kind) in enumerate(zip(widths, table.kinds, strict=True)):
        right = kind == display.NUMBER
        x, inner = (left + width - CELL_PADDING if right else left + CELL_PADDING), width - 2 * CELL_PADDING
        lines = labels[n].count("\n")  # a label's last line sits on the rule
        cells.setdefault((True, right), []).append({"x": x, "y": head - 8 - LINE_HEIGHT * lines, "text": labels[n]})
        for r, row in enumerate(table.rows):
            cells.setdefault((False, right), []).append({"x": x, "y": head + ROW * r + 16, "text": fit(row[n], inner)})
        left += width
    rules = pd.DataFrame(
        [{"y": head + ROW * r, "x": 0, "x2": left, "head": r == 0} for r in range(len(table.rows) + 1)]
    )
    rule = (
        alt.Chart(rules)
        .mark_rule()
        .encode(
            x=_pixels("x"),
            x2="x2:Q",
            y=_pixels("y"),
            color=alt.Color("head:N", scale=alt.Scale(domain=[True, False], range=[RULE, LINE]), legend=None),
        )
    )
    texts = [
        _text(
            rows,
            align="right" if right else "left",
            lineBreak="\n",
            lineHeight=LINE_HEIGHT,
            fontWeight="bold" if is_head else "normal",
            color=GREY if is_head else DARK,
        )
        for (is_head, right), rows in cells.items()
    ]
    return _section([rule, *texts], table.title, head + ROW * len(table.rows))


def _title(text: str, **params: object) -> alt.TitleParams:
    """A title at the left edge of its part's view (a chart's axis hangs left of it)."""
    return alt.TitleParams(text, anchor="start", frame="group", color=DARK, **params)


@display.in_its_language
def png_spec(report: Report) -> dict[str, object]:
    """The vega-lite spec the PNG is drawn from, in the report's language."""
    charts = [
        chart.properties(title=_title(title, fontSize=15, offset=12), width=CHART_WIDTH, height=200)
        for title, chart in report.charts
    ]
    footer = _text([{"x": 0, "y": 12, "text": display.made(report)}], align="left", fontSize=10, color=GREY)
    stacked = alt.vconcat(
        tiles_section(report),
        *charts,
        *(table_section(table) for table in display.tables(report)),
        footer.properties(width=WIDTH, height=16),
        spacing=36,
    ).resolve_scale(color="independent")
    heading = _title(
        t("report.title"),
        subtitle=[display.period(report.filters), display.scope(report.filters)],
        fontSize=24,
        subtitleFontSize=13,
        subtitleColor=GREY,
        subtitlePadding=8,
        subtitleLineHeight=19,
        offset=24,
    )
    spec = stacked.properties(title=heading, padding=PADDING, background="white").to_dict()
    return display.styled(spec)


def to_png(report: Report, *, scale: float = 2.0) -> bytes:
    """The image; `scale` 2 makes it sharp on high-density screens."""
    return vl_convert.vegalite_to_png(png_spec(report), scale=scale)
