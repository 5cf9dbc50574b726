"""Altair chart builders: a frame in, a chart out; no data access, no Streamlit.

Every chart speaks the same language: the palette below, whole numbers on count axes, labels that
read across, a bar as wide as its day or week, and axis, legend and tooltip titles from the catalog.
Dates on axes and in tooltips are written as the run's language writes them (catalog/locale.py:
"2 Nov" or 11月2日), each temporal axis and tooltip with its format spelled out, so no chart falls back
on vega's English defaults ("Nov 02", "Mon 02").
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import altair as alt
import pandas as pd

from catalog import locale
from catalog.spoken import current_language, t
from metrics.goals import Goal
from visuals.formats import format_value

# The product's palette, one for every chart (the screen, the meeting report, the projector).
# Groups and series (channels, kinds, platforms, DAU/WAU/MAU) take CATEGORICAL in order: hues
# told apart at a glance, none of them red or green, because those two mean worse and better
# (BAD and GOOD: an answer scale runs from one through NEUTRAL to the other) and nothing else.
# This period is the strong blue, the previous period the same blue washed out; a chart of one
# series is the strong blue; a comparison group is grey; shares from 0 to 1 shade SEQUENTIAL.
BLUE, ORANGE, SLATE = "#3366cc", "#f28e2b", "#6b7a8f"
CATEGORICAL = (BLUE, ORANGE, "#8e6bbf", "#2a9d9f", "#d4609c", "#c9a227", SLATE, "#9ab8e8")
INK, PAPER = "#1f2937", "white"  # text written on a light colour, on a dark one
CURRENT, PREVIOUS = BLUE, "#b8c9ea"
SINGLE, COMPARISON = BLUE, "#9aa5b1"
# A span of days to look at (a campaign's), drawn faint behind the lines: in no line's colour (it
# was orange, behind the weekly actives' orange line).
HIGHLIGHT = CATEGORICAL[3]
NOTE = SLATE  # a manager's note on a day or a range of days, faint behind the lines like a campaign
GOAL = INK  # a goal's target: a dashed dark rule over its period, labelled (docs/metrics.md, "Goals")
SEQUENTIAL = "blues"  # a vega scheme, white to dark blue
NONE_KEY = "–"  # a group without a value (no channel), as the charts key it
BAD, NEUTRAL, GOOD = "#d64545", "#dcdcdc", "#2e9d5b"
UNFINISHED = "#e5e7eb"  # a share of a month not over yet (a cohort's newest cell): grey, not on the scale
# Text that says a deadline is missed (red) or falls within a day (amber): the inbox's Due column.
# Darker than BAD and the amber of the badges, so they read on white (contrast 4.5:1 and more).
LATE_TEXT, SOON_TEXT = "#b42318", "#b45309"
# A kind of activity has one colour on every chart; logins, which are no contribution, are slate.
KIND_COLOURS = {
    "comment": CATEGORICAL[0],
    "post": CATEGORICAL[1],
    "reaction": CATEGORICAL[2],
    "message": CATEGORICAL[3],
    "event_attend": CATEGORICAL[4],
    "login": SLATE,
}

FADED = 0.35  # opacity of the marks a click did not select
BAR_GAP = 0.2  # share of a day's or week's band left empty between bars
DAY_MS = 24 * 60 * 60 * 1000  # a date axis never ticks inside a day ("12 PM")
FEW_TICKS = 10  # a count axis up to this many has a tick per unit
WEEK_TICKS = 6  # labelled weeks on a weekly line: a phone fits six short days
ACROSS_TICKS = 5  # a horizontal count axis: about five labels, legible on a projector too
MONTHS_SHOWN = 7  # cohort months 0-6: seven columns leave a phone's cells wide enough for "88%"
NAME_LIMIT = 200  # pixels of a bar's name: a campaign's, a statement's
COHORT_LIMIT = 140  # pixels of a cohort's name, "2026年10月（1,234）" whole (Streamlit's theme cuts at 100)
# Pixels of Streamlit's chart text, measured on a 390-pixel phone, to fit a legend under the plot:
# a legend entry's symbol, the gap between columns, a letter of a label (of LEGEND_TEXT pixels:
# Streamlit's theme draws legend labels at its fontSizes.sm, 0.875rem).
LEGEND_SYMBOL, LEGEND_GAP, LEGEND_LETTER, LEGEND_TEXT = 17, 12, 6.2, 14
LEGEND_CAPITAL, LEGEND_NARROW = 8.5, 3.6  # pixels of a capital ("DAU" 25.5) and of a space or bracket


def diverging(count: int) -> list[str]:
    """`count` colours evenly spaced from BAD through NEUTRAL to GOOD, for an answer scale."""

    def mix(low: str, high: str, share: float) -> str:
        channels = (int(a, 16) + (int(b, 16) - int(a, 16)) * share for a, b in zip(_rgb(low), _rgb(high), strict=True))
        return "#" + "".join(f"{round(value):02x}" for value in channels)

    places = [n / (count - 1) for n in range(count)] if count > 1 else [0.5]
    return [mix(BAD, NEUTRAL, 2 * p) if p <= 0.5 else mix(NEUTRAL, GOOD, 2 * p - 1) for p in places]


def _rgb(colour: str) -> tuple[str, str, str]:
    return colour[1:3], colour[3:5], colour[5:7]


def _count_axis(most: float, *, across: bool = False) -> alt.Axis:
    """An axis of counts up to `most`: whole numbers, thousands separated. Below FEW_TICKS vega
    still ticks every 0.5 despite tickMinStep (it only caps the number of ticks, and d3 then picks
    a finer step), so there one tick per unit is asked for. Across a wide chart, ACROSS_TICKS."""
    ticks = max(int(most), 1) if most < FEW_TICKS else None
    if across:
        ticks = min(ticks or ACROSS_TICKS, ACROSS_TICKS)
    return alt.Axis(format=",d", tickMinStep=1, **({"tickCount": ticks} if ticks else {}))


def _count_across(field: str, title: str, most: float) -> alt.X:
    """A horizontal count axis up to `most` whose scale ends on a labelled grid line. Vega makes a
    scale nice for about ten ticks and labels it for ACROSS_TICKS, so a bar of 2,380 ran past the
    last label (2,000) to the plot's edge, as if cut off."""
    axis = _count_axis(most, across=True)
    return alt.X(f"{field}:Q", title=title, axis=axis, scale=alt.Scale(nice=axis.tickCount))


def _count_tip(field: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field}:Q", title=title, format=",d")


def _date_axis() -> alt.Axis:
    """Days as the language writes them without the year ("2 Nov", 11月2日)."""
    return alt.Axis(format=locale.chart_format("short_day", current_language()), tickMinStep=DAY_MS, labelAngle=0)


def _week_axis(weeks: pd.Series) -> alt.Axis:
    """Days as _date_axis writes them, ticked on the weeks themselves (each its Monday), at most
    WEEK_TICKS of them, the latest among them: vega's own ticks fell between weekly points (every
    other day at a desk, every eighth on a phone)."""
    days = sorted(set(pd.to_datetime(weeks).dt.date), reverse=True)  # the latest week labelled
    every = max(1, math.ceil(len(days) / WEEK_TICKS))
    values = [alt.DateTime(year=day.year, month=day.month, date=day.day) for day in reversed(days[::every])]
    return alt.Axis(format=locale.chart_format("short_day", current_language()), values=values, labelAngle=0)


def _date_tip(field: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field}:T", title=title, format=locale.chart_format("day", current_language()))


def _legend(title: str | None, labels: Sequence[str]) -> alt.Legend:
    """Under the plot (where Streamlit's own charts have it), so that on a phone it takes no width
    from the marks, in as many columns as fit under the plot as drawn (columns_fitting): vega would
    put every entry in one row, past a phone's edge, and a phone's count took two rows at a desk."""
    return alt.Legend(title=title, orient="bottom", columns=columns_fitting(labels))


def letters(text: str) -> float:
    """How many Latin letters `text` is as wide as: a Chinese character or a full-width bracket is a
    whole em (LEGEND_TEXT pixels, 2.3 letters), a capital LEGEND_CAPITAL pixels, a space, an ASCII
    bracket or a narrow mark (.,:;'!|-/) LEGEND_NARROW. Measured in Chromium on a phone,
    "日活（DAU）" is 81 pixels: counted as seven letters by len, then as eleven (full-width two,
    capitals one), its legend's third entry still ran off the edge."""
    return sum(_letter(character) for character in text)


def _letter(character: str) -> float:
    """One character's width in average Latin letters."""
    if unicodedata.east_asian_width(character) in "WF":
        return LEGEND_TEXT / LEGEND_LETTER
    return _LATIN_WIDTHS.get(character, 1)


_LATIN_WIDTHS = {  # the Latin characters wider or narrower than the average letter, in letters
    **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZ", LEGEND_CAPITAL / LEGEND_LETTER),
    **dict.fromkeys(" ()[].,:;'!|-/", LEGEND_NARROW / LEGEND_LETTER),
}


def legend_fits(labels: Sequence[str], *, grown: float = 1.0) -> list[tuple[int, int]]:
    """(columns, the pixels they need), from every entry in one row down to two: the entries laid
    out row by row, a column as wide as its widest entry (symbol and letters, `grown` times a
    phone's), with a gap between columns."""
    widths = [grown * (LEGEND_SYMBOL + LEGEND_LETTER * letters(label)) for label in labels]
    return [
        (
            columns,
            math.ceil(sum(max(widths[column::columns]) for column in range(columns)) + LEGEND_GAP * (columns - 1)),
        )
        for columns in range(len(widths), 1, -1)
    ]


def columns_fitting(labels: Sequence[str], *, grown: float = 1.0) -> alt.ExprRef:
    """The most columns whose entries fit the plot (legend_fits), as vega works it out from the
    plot's width as drawn (its `width` signal: the chart's width less its axis, on a phone, at a
    desk or on a projector), so one spec serves all."""
    cases = "".join(f"width >= {needed} ? {columns} : " for columns, needed in legend_fits(labels, grown=grown))
    return alt.ExprRef(expr=f"{cases}1")


VOCABULARIES = {"kind": "activity", "platform": "platform"}  # groups shown as the catalog's words, by column


def worded(keys: pd.Series, prefix: str) -> pd.Series:
    """Each key as the catalog's word (`word`); where two keys read alike ("discord" and a file's
    "Discord"), each is followed by its key, so they stay two bars and two colours."""
    words = keys.map(lambda key: word(prefix, key))
    pairs = pd.DataFrame({"key": keys, "word": words}).drop_duplicates()
    shared = set(pairs.loc[pairs["word"].duplicated(keep=False), "word"])
    return pd.Series(
        [f"{w} ({k})" if w in shared else w for k, w in zip(keys, words, strict=True)], index=keys.index, dtype=object
    )


def word(prefix: str, key: str) -> str:
    """The catalog's word for `key` (at prefix.key), or the key when the catalog has none (a kind of
    activity a source made up)."""
    word = t(f"{prefix}.{key}")
    return key if word == f"{prefix}.{key}" else word


def _groups(
    keys: pd.Series,
    names: pd.Series | None = None,
    *,
    fixed: Mapping[str, str] | None = None,
    known: Sequence[str] = (),
) -> alt.Scale:
    """A colour of CATEGORICAL for each group, the groups in the order of their names: a key in
    `fixed` takes its colour there, the others the colours left, in the order of their keys, so a
    group keeps its colour in every language (the names sort differently in each). `known`: every
    key the chart could show (a dimension's values), so that a group keeps its colour when a filter
    leaves it alone in the chart (referral was blue alone and teal among the channels)."""
    fixed = fixed or {}
    pairs = sorted(set(zip(keys if names is None else names, keys, strict=True)))
    free = [colour for colour in CATEGORICAL if colour not in fixed.values()]
    known = [*known, NONE_KEY] if known else []  # "no value" too, always: its presence moves no one's colour
    keys_seen = {key for _, key in pairs if key not in fixed} | {key for key in known if key not in fixed}
    others = sorted(keys_seen, key=lambda key: (key == NONE_KEY, key))  # "–" last, after any script's values
    colours = [fixed.get(key) or free[others.index(key) % len(free)] for _, key in pairs]
    return alt.Scale(domain=[name for name, _ in pairs], range=colours)


def _name_axis() -> alt.Axis:
    """Names beside horizontal bars, cut at NAME_LIMIT pixels (Streamlit's theme cuts at 100)."""
    return alt.Axis(labelLimit=NAME_LIMIT)


def _clickable(chart: alt.Chart, *, name: str, field: str) -> alt.Chart:
    """`chart` where a click selects a mark's `field` (selection `name`, read with `chosen`) and
    fades the others."""
    pick = alt.selection_point(fields=[field], name=name)
    return chart.encode(alt.Opacity(**alt.condition(pick, alt.value(1.0), alt.value(FADED)))).add_params(pick)


def chosen(event: object, name: str, field: str) -> str | None:
    """The value of `field` in the point a user clicked in selection `name`, or None."""
    selection = event.get("selection") if isinstance(event, Mapping) else None
    points = selection.get(name) if isinstance(selection, Mapping) else None
    # Nothing clicked gives an empty mapping; a click gives a sequence of points (field -> value).
    if isinstance(points, Sequence) and not isinstance(points, str) and len(points) > 0:
        value = points[0].get(field)
        return None if value is None else str(value)
    return None


PROJECTOR_TEXT = 18  # pixels: axis, legend, header and cell text readable from the back of a room
MARK_TEXT = 11  # pixels: Vega's size for a text mark that gives none (the cohort heatmap's shares)
GROWN = PROJECTOR_TEXT / MARK_TEXT
LEGEND_GROWN = PROJECTOR_TEXT / LEGEND_TEXT  # a legend's labels were larger than a mark's text to begin with
PROJECTOR_LABELS = 280  # pixels of an axis or legend label on a projector before it is cut
# About as many labels on a vertical count axis on a projector (d3 rounds it to 3-6 round steps),
# where an axis that gives none takes one per 40 pixels: a slide's trend (its plot ~140 pixels under
# its legend) had 18-pixel labels every 500 members, 3,000 and 2,500 nearly touching, and the
# activity's every 200 up to 1,000. An axis that sets its own (counts up to 10) keeps it.
PROJECTOR_TICKS = 3


def for_projector(chart: alt.TopLevelMixin, *, height: int | None = None) -> alt.TopLevelMixin:
    """The chart with text sized for a projector, and a single chart's height fixed so that a
    screen's charts line up; a chart sized by its rows (a heatmap's cohorts, a bar per campaign)
    keeps a row per name, larger for the larger text: fixed, twelve cohorts' rows were 15 pixels
    for 18-pixel labels (every other one dropped, the shares unreadable), and a year's thirty
    campaigns as many bars in the same height. Pairs of bars (this period's beside the previous,
    a step per bar of a pair) keep the fixed height: a few names, beside a chart over time."""
    if height is not None and isinstance(chart, alt.Chart | alt.LayerChart):
        step = chart.height if isinstance(chart.height, alt.Step) else None
        rows = step is not None and step.to_dict().get("for") != "offset"
        chart = chart.properties(height=_rows_for_projector(step) if rows else height)
    chart = _legends_for_projector(_sized_text_for_projector(chart))
    size = PROJECTOR_TEXT
    return (
        chart.configure_axis(labelFontSize=size, titleFontSize=size, labelLimit=PROJECTOR_LABELS)
        .configure_axisY(tickCount=PROJECTOR_TICKS)
        .configure_legend(labelFontSize=size, titleFontSize=size, symbolSize=size * 10, labelLimit=PROJECTOR_LABELS)
        .configure_header(labelFontSize=size, titleFontSize=size)
        .configure_title(fontSize=size + 4)
        .configure_text(fontSize=size)
    )


def _sized_text_for_projector(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """A text mark that sets its own size (a goal's label, a campaign's title at the foot of the
    trend), which configure_text does not reach, grown as the rest of the text, and its offsets
    with it, so that a second row of titles stays clear of the first: at 10-11 pixels they could
    not be read from the back of a room. The chart's layers are copied, not changed: a chart's spec
    may be kept and drawn at a desk too."""
    if isinstance(chart, alt.LayerChart):
        layered = chart.copy(deep=False)
        layered.layer = [_sized_text_for_projector(layer) for layer in chart.layer]
        return layered
    mark = getattr(chart, "mark", None)
    if not isinstance(mark, alt.MarkDef) or mark.type != "text" or not isinstance(mark.fontSize, int | float):
        return chart
    spec = mark.to_dict()
    grown = ("fontSize", "dx", "dy", "limit")  # a limit in pixels; one the plot's edge sets stays
    spec.update({key: round(spec[key] * GROWN) for key in grown if isinstance(spec.get(key), int | float)})
    sized = chart.copy(deep=False)
    sized.mark = alt.MarkDef(**spec)
    return sized


def _legends_for_projector(chart: alt.TopLevelMixin, data: object = None) -> alt.TopLevelMixin:
    """Each legend's columns counted again for a projector's larger text (`_legend` counts them for
    a desk's): its entries are its scale's domain, else its field's values in the chart's frame.
    Copied, not changed, as `_sized_text_for_projector` copies."""
    data = chart.data if isinstance(getattr(chart, "data", None), pd.DataFrame) else data
    if isinstance(chart, alt.LayerChart):
        layered = chart.copy(deep=False)
        layered.layer = [_legends_for_projector(layer, data) for layer in chart.layer]
        return layered
    encoding = getattr(chart, "encoding", None)
    if not isinstance(chart, alt.Chart) or not isinstance(encoding, alt.FacetedEncoding):
        return chart
    changed = {}
    for name in ("color", "fill", "stroke", "shape"):
        spec = _encoded(encoding, name)
        if not isinstance(spec.get("legend"), dict) or "columns" not in spec["legend"]:
            continue
        labels = spec.get("scale", {}).get("domain")
        if not isinstance(labels, list) and isinstance(data, pd.DataFrame) and spec.get("field") in data:
            labels = data[spec["field"]].dropna().unique().tolist()
        if isinstance(labels, list) and labels:
            columns = columns_fitting([str(label) for label in labels], grown=LEGEND_GROWN)
            channel = getattr(encoding, name).copy(deep=False)
            channel.legend = alt.Legend(**{**spec["legend"], "columns": columns})
            changed[name] = channel
    if not changed:
        return chart
    sized = chart.copy(deep=False)
    sized.encoding = encoding.copy(deep=False)
    for name, channel in changed.items():
        setattr(sized.encoding, name, channel)
    return sized


def _encoded(encoding: alt.FacetedEncoding, name: str) -> dict:
    """An encoding channel's spec as a dict (empty when the chart has none)."""
    channel = getattr(encoding, name, alt.Undefined)
    return {} if channel is alt.Undefined else channel.to_dict(validate=False)


def _rows_for_projector(step: alt.Step) -> alt.Step:
    """A row's height grown as the text in and beside it grows (11 -> 18 pixels)."""
    rows = step.to_dict()
    return alt.Step(**{**rows, "step": round(rows["step"] * GROWN)})


def activity_trend_chart(
    daily: pd.DataFrame, *, goals: pd.DataFrame | None = None, marks: pd.DataFrame | None = None
) -> alt.Chart | alt.LayerChart:
    """DAU, WAU and MAU per day as three lines; with `goals` (goal_lines) their targets as dashed
    rules, with `marks` (metrics.notes.chart_marks, and a `link` column where a click may open one)
    campaigns and notes shaded behind the lines."""
    names = {key: t(f"chart.{key}") for key in ("dau", "wau", "mau")}
    long = daily.melt(id_vars="date", value_vars=list(names), var_name="series", value_name="members")
    long = long.assign(series=long["series"].map(names), date=pd.to_datetime(long["date"]))
    series, labels = t("chart.active_members"), list(names.values())
    most = max([long["members"].max(), *([] if goals is None else goals["target"])])
    lines = (
        alt.Chart(long)
        .mark_line(point=len(daily) <= 31)
        .encode(
            x=alt.X("date:T", title=t("chart.date"), axis=_date_axis()),
            y=alt.Y("members:Q", title=t("chart.members"), axis=_count_axis(most)),
            color=alt.Color(
                "series:N",
                title=series,
                sort=labels,
                scale=alt.Scale(domain=labels, range=list(CATEGORICAL[:3])),
                legend=_legend(None, labels),  # the chart's heading says what the lines count
            ),
            tooltip=[
                _date_tip("date", t("chart.date")),
                alt.Tooltip("series:N", title=series),
                _count_tip("members", t("chart.members")),
            ],
        )
    )
    if marks is not None and not marks.empty:  # within the days charted, so the axis keeps to them
        first, last = (pd.Timestamp(day).date() for day in (min(daily["date"]), max(daily["date"])))
        end = last + timedelta(days=1)
        marks = marks.assign(
            start=[max(day, first) for day in marks["start"]], end=[min(day, end) for day in marks["end"]]
        )
        marks = marks[marks["start"] < marks["end"]]
        span = (max(last, *marks["end"]) - first).days or 1  # the x domain's days: a band may end a day after the last
        marks = marks.assign(
            row=label_rows(marks, days=(end - first).days), at=[(day - first).days / span for day in marks["start"]]
        )
    behind = [] if marks is None or marks.empty else marks_layers(marks)
    above = [] if goals is None or goals.empty else goal_layers(goals)
    # One layer of every mark: Altair copies each layer of a layer twice as it makes it, so a layer
    # of layers (the marks', the goals') was copied again, 40% of the trend's spec with its marks.
    return alt.layer(*behind, lines, *above) if behind or above else lines


# The KPIs a goal line can be drawn for on the activity trend, and the line each is read from.
TREND_SERIES = {"dau_avg": "dau", "wau": "wau", "mau": "mau"}
LABEL_LIMIT = 160  # pixels of a mark's or a goal's label on a chart


def goal_lines(goals: Sequence[Goal], *, first: date, last: date) -> pd.DataFrame:
    """The goals of TREND_SERIES's KPIs as rules clipped to the days charted (`first` to `last`):
    start, end (the last day), target, label, and the KPI's name."""
    rows = []
    for goal in goals:
        kpi, target = goal.kpi, goal.target
        start, end = max(goal.start, first), min(goal.last, last)
        if kpi not in TREND_SERIES or start > end:
            continue
        shown = format_value(kpi, target)
        rows.append(
            {
                "start": pd.Timestamp(start),
                "end": pd.Timestamp(end),
                "target": float(target),
                "kpi": t(f"kpi.{kpi}"),
                "shown": shown,
                "label": t("chart.goal_label", kpi=t(f"kpi.{kpi}"), target=shown),
            }
        )
    return pd.DataFrame(rows, columns=["start", "end", "target", "kpi", "shown", "label"])


def shared_data(data: pd.DataFrame, *layers: alt.Chart) -> alt.LayerChart:
    """`layers`, made without data (alt.Chart()), drawn from one frame given to their layer. Given
    the same frame each, Altair lifts it to the layer itself, first hashing each layer's copy by its
    text (a DataFrame's repr): 2-3 ms a layer."""
    return alt.layer(*layers, data=data)


def goal_layers(goals: pd.DataFrame) -> list[alt.Chart]:
    """Each goal's target as a dashed rule over its days, its label above the rule's end: two
    layers for a chart's layer (activity_trend_chart)."""
    tips = [
        alt.Tooltip("label:N", title=t("chart.goal")),
        _date_tip("start", t("chart.first_day")),
        _date_tip("end", t("chart.last_day")),
    ]
    base = alt.Chart(goals)
    rule = base.mark_rule(color=GOAL, strokeDash=[6, 4], strokeWidth=2).encode(
        alt.X("start:T"), alt.X2("end:T"), alt.Y("target:Q"), tooltip=tips
    )
    label = base.mark_text(color=GOAL, align="right", baseline="bottom", dy=-4, fontSize=11, limit=LABEL_LIMIT).encode(
        alt.X("end:T"), alt.Y("target:Q"), alt.Text("label:N"), tooltip=tips
    )
    return [rule, label]


LABEL_LETTER, CHART_WIDTH = 6.0, 500  # pixels of a label's letter, and across a trend chart (about)


def label_rows(marks: pd.DataFrame, *, days: int) -> list[int]:
    """The line each mark's title takes at the foot of a chart of `days` days: the first line whose
    last title ends before this one starts (a title as wide as its letters, up to LABEL_LIMIT), so
    titles of marks close together do not overlap."""
    per_day = CHART_WIDTH / max(days, 1)
    ends: list[float] = []
    rows = []
    for start, title in zip(marks["start"], marks["title"], strict=True):
        left = (start - min(marks["start"])).days * per_day
        row = next((n for n, end in enumerate(ends) if end <= left), len(ends))
        right = left + min(LABEL_LIMIT, LABEL_LETTER * len(str(title))) + 8
        if row < len(ends):
            ends[row] = right
        else:
            ends.append(right)
        rows.append(row)
    return rows


def marks_layers(marks: pd.DataFrame) -> list[alt.Chart]:
    """Campaigns (HIGHLIGHT) and notes (NOTE) as faint bands over their days, a rule at their first
    day and their title at the foot, as text; hovering shows what and when, and a campaign with a
    `link` opens it when clicked. Layers for a chart's layer (activity_trend_chart)."""
    kinds = {"campaign": t("chart.mark.campaign"), "note": t("chart.mark.note")}
    frame = marks.assign(
        start=pd.to_datetime(marks["start"]),
        end=pd.to_datetime(marks["end"]),
        last=pd.to_datetime(marks["end"]) - pd.Timedelta(days=1),
        what=marks["kind"].map(kinds),
        row=marks.get("row", 0),  # the line of its title (label_rows)
        at=marks.get("at", 0),  # the share of the charted days before it (activity_trend_chart)
        link=marks.get("link"),
    )
    tips = [
        alt.Tooltip("what:N", title=t("chart.marked")),
        alt.Tooltip("title:N", title=t("chart.mark_name")),  # a campaign's name or a note's title
        _date_tip("start", t("chart.first_day")),
        _date_tip("last", t("chart.last_day")),
    ]
    if frame["link"].notna().any():
        tips = [*tips, alt.Tooltip("open:N", title=" ")]
        frame = frame.assign(open=[t("chart.open_campaign") if link else "" for link in frame["link"]])
    shade = alt.condition(alt.datum.kind == "campaign", alt.value(HIGHLIGHT), alt.value(NOTE))
    base = alt.Chart(frame)
    # Channels as objects, not shorthand: Altair wraps each shorthand by matching it against every
    # schema class it has, 0.05-0.1 s for these layers' sixteen, more than drawing the chart it is on.
    x = alt.X("start:T")
    # A link only where a mark has one: a report's chart has none, and its SVG holds no <a>.
    linked = {"href": alt.Href("link:N")} if frame["link"].notna().any() else {}
    band = base.mark_rect(opacity=0.12).encode(x, alt.X2("end:T"), alt.Fill(**shade), tooltip=tips, **linked)
    edge = base.mark_rule(strokeWidth=1, opacity=0.6).encode(x, alt.Stroke(**shade), tooltip=tips, **linked)
    # Titles at the foot of the plot, a line up for each row (label_rows): a goal's label and the
    # busiest lines are near the top.
    # Each title ends at the plot's right edge with an ellipsis: one near it ran off a phone's chart.
    # Its x from the scale; in a concatenation (the report's image) the scale has another name, and
    # `at` (the share of the days charted before the mark, activity_trend_chart) places it.
    x_at = "scale('x', datum.start)"
    room = alt.ExprRef(f"min({LABEL_LIMIT}, max(24, (isValid({x_at}) ? width - {x_at} : width * (1 - datum.at)) - 6))")
    titles = [
        base.transform_filter(alt.datum.row == row)
        .mark_text(align="left", baseline="bottom", dx=3, dy=-3 - 12 * row, fontSize=10, color=INK, limit=room)
        .encode(x, alt.YValue("height"), alt.Text("title:N"), tooltip=tips, **linked)
        for row in sorted(set(frame["row"]))
    ]
    return [band, edge, *titles]


def _bucket_bars(
    frame: pd.DataFrame,
    *,
    bucket: str,
    days: int,
    count: str,
    count_title: str,
    by: str,
    by_title: str,
    period: tuple[date, date] | None = None,
    groups: Sequence[str] = (),
) -> alt.Chart:
    """`count` per day or week (`days` long, starting at `bucket`), stacked by `by` (kinds of
    activity in KIND_COLOURS; kinds and platforms in the catalog's words where it has them; each
    of `groups` in its colour whichever of them the frame holds).
    Each bucket is a band of an ordinal axis, from the first to the last, so a bar fills its day
    or week and a bucket without rows keeps its place; labels read across and thin out where
    they would overlap. With the `period` [start, end) the counts cover, a bucket only partly
    inside it (the first and last weeks of most periods) is drawn lighter and its tooltip says
    how many of its days are in: its bar is not a drop or a rise."""
    starts = pd.to_datetime(frame[bucket])
    every = pd.date_range(starts.min(), starts.max(), freq=pd.Timedelta(days=days))
    keys = frame[by].fillna("–")
    vocabulary = VOCABULARIES.get(by)
    shown = worded(keys, vocabulary) if vocabulary else keys
    colours = _groups(keys, shown, fixed=KIND_COLOURS if by == "kind" else None, known=groups)
    # ISO dates sort as dates, and the browser reads them as UTC whatever its time zone.
    language = current_language()
    frame = frame.assign(
        **{bucket: starts.dt.strftime("%Y-%m-%d"), by: keys},
        shown=shown,
        when=[locale.day(start, language) for start in starts],
    )
    when = t("chart.date") if days == 1 else t("chart.week")
    partial_tips: list[alt.Tooltip] = []
    if period is not None:
        inside = [days_inside(start.date(), days, period) for start in starts]
        frame = frame.assign(
            coverage=[t("chart.days_of", days=count, total=days) for count in inside],
            part=["whole" if count == days else "partial" for count in inside],
        )
        partial_tips = [alt.Tooltip("coverage:N", title=t("chart.days_in_period"))]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            # fill, not opacity: a click's selection fades the other groups with opacity (_clickable)
            fillOpacity=(
                alt.FillOpacity("part:N", scale=alt.Scale(domain=["whole", "partial"], range=[1, 0.4]), legend=None)
                if period is not None
                else alt.FillOpacityValue(1)
            ),
            x=alt.X(
                f"{bucket}:O",
                title=when,
                scale=alt.Scale(domain=[f"{day:%Y-%m-%d}" for day in every], paddingInner=BAR_GAP),
                axis=alt.Axis(
                    labelExpr=f"utcFormat(toDate(datum.value), '{locale.chart_format('short_day', language)}')",
                    labelAngle=0,
                    labelOverlap=True,
                    ticks=False,
                    grid=False,
                ),
            ),
            y=alt.Y(f"{count}:Q", title=count_title, axis=_count_axis(frame.groupby(bucket)[count].sum().max())),
            color=alt.Color("shown:N", title=by_title, scale=colours, legend=_legend(by_title, colours.domain)),
            tooltip=[
                alt.Tooltip("when:N", title=when),
                alt.Tooltip("shown:N", title=by_title),
                _count_tip(count, count_title),
                *partial_tips,
            ],
        )
    )


def days_inside(start: date, days: int, period: tuple[date, date]) -> int:
    """How many of the `days` from `start` fall in the period [first, end)."""
    first, end = period
    return max(0, (min(start + timedelta(days=days), end) - max(start, first)).days)


def has_partial_weeks(weeks: pd.DataFrame, period: tuple[date, date], *, column: str = "week") -> bool:
    """Whether a week of the chart is only partly in the period (its caption then says why a bar is lighter)."""
    return any(days_inside(start.date(), 7, period) < 7 for start in pd.to_datetime(weeks[column]).unique())


def new_members_chart(
    weeks: pd.DataFrame,
    *,
    title: str | None = None,
    period: tuple[date, date] | None = None,
    groups: Sequence[str] = (),
    clickable: bool = True,
) -> alt.Chart:
    """New members per week, stacked by the group in `value` (channel by default; `groups`, every
    value the dimension has, each in its colour under any filter); a week only partly in the
    `period` is lighter. Clicking a bar selects its group (selection "group"), where a page has a
    table the click filters (`clickable`): elsewhere a click that only fades bars promises more."""
    chart = _bucket_bars(
        weeks,
        bucket="week",
        days=7,
        count="new_members",
        count_title=t("chart.new_members"),
        by="value",
        by_title=title or t("chart.channel"),
        period=period,
        groups=groups,
    )
    return _clickable(chart, name="group", field="value") if clickable else chart


def activity_chart(
    activity: pd.DataFrame, *, by: str, bucket_days: int, period: tuple[date, date] | None = None
) -> alt.Chart:
    """Activities per day (or week) stacked by kind or platform; a week only partly in the `period`
    is lighter; clicking selects one (selection named after `by`)."""
    totals = activity.assign(**{by: activity[by].fillna("–")}).groupby(["bucket", by], as_index=False)["activities"]
    bars = _activity_bars(totals.sum(), bucket="bucket", days=bucket_days, by=by, period=period)
    return _clickable(bars, name=by, field=by)


def member_timeline_chart(weekly: pd.DataFrame) -> alt.Chart:
    """One member's activities per week, stacked by kind."""
    return _activity_bars(weekly, bucket="week", days=7, by="kind")


def _activity_bars(
    frame: pd.DataFrame, *, bucket: str, days: int, by: str, period: tuple[date, date] | None = None
) -> alt.Chart:
    """Activities per day or week, stacked by kind (in words and KIND_COLOURS) or platform."""
    return _bucket_bars(
        frame,
        bucket=bucket,
        days=days,
        count="activities",
        count_title=t("chart.activities"),
        by=by,
        by_title=t(f"chart.{by}"),
        period=period,
    )


def cohort_heatmap(grid: pd.DataFrame) -> alt.LayerChart:
    """Share of each signup cohort active k months after joining (the first MONTHS_SHOWN months),
    written in its cell and told in full on hover. A cell whose month is not over (so_far) is grey,
    off the scale: a few days' share beside whole months would read as a fall."""
    shown = grid[grid["months_since"] < MONTHS_SHOWN]
    cohorts = shown.drop_duplicates("cohort").sort_values("cohort")
    language = current_language()
    names = {
        c: t("chart.cohort_size", month=locale.month(c, language), size=locale.number(n, language))
        for c, n in zip(cohorts["cohort"], cohorts["size"], strict=True)
    }
    months = {True: t("chart.cohort_month_so_far"), False: t("chart.cohort_month_whole")}
    frame = shown.assign(cohort=shown["cohort"].map(names), month=shown["so_far"].map(months))
    base = alt.Chart().encode(
        x=alt.X("months_since:O", title=t("chart.months_since"), axis=alt.Axis(labelAngle=0, ticks=False)),
        y=alt.Y(
            "cohort:O",
            title=t("chart.cohort"),
            sort=list(names.values()),
            axis=alt.Axis(ticks=False, labelLimit=COHORT_LIMIT),
        ),
        tooltip=[
            alt.Tooltip("cohort:N", title=t("chart.cohort")),
            alt.Tooltip("months_since:O", title=t("chart.months_since")),
            alt.Tooltip("month:N", title=t("chart.cohort_month")),
            _count_tip("active", t("chart.active")),
            alt.Tooltip("share:Q", title=t("chart.share"), format=".0%"),
        ],
    )
    scaled = alt.Color(
        "share:Q", title=t("chart.share"), scale=alt.Scale(scheme=SEQUENTIAL, domain=[0, 1]), legend=None
    )
    cells = base.mark_rect(stroke=PAPER, strokeWidth=1).encode(
        color=alt.condition("datum.so_far", alt.value(UNFINISHED), scaled),
    )
    text = base.mark_text().encode(  # MARK_TEXT, larger on a projector (for_projector)
        text=alt.Text("share:Q", format=".0%"),
        color=alt.Color(**alt.condition("datum.share > 0.5 && !datum.so_far", alt.value(PAPER), alt.value(INK))),
    )
    return shared_data(frame, cells, text).properties(height=alt.Step(24))


def _before_after(frame: pd.DataFrame, *, field: str, title: str, order: list[str]) -> alt.Chart:
    """Members per `field` value at the previous period's end and now (columns previous, current;
    any other column rides along for selections): a pair of horizontal bars each, the previous
    above in the light colour, this period below in the strong one."""
    periods = {"previous": t("chart.previous"), "current": t("chart.current")}
    riding = [column for column in frame.columns if column not in periods]  # `field` among them
    long = frame.melt(id_vars=riding, value_vars=list(periods), var_name="period", value_name="members")
    long = long.assign(period=long["period"].map(periods))
    return (
        alt.Chart(long)
        .mark_bar(height=alt.RelativeBandSize(1))  # Streamlit's theme makes bars 85% of their band
        .encode(
            y=alt.Y(f"{field}:N", title=title, sort=order, axis=_name_axis()),
            yOffset=alt.YOffset("period:N", sort=list(periods.values()), scale=alt.Scale(paddingInner=0)),
            x=_count_across("members", t("chart.members"), long["members"].max()),
            color=alt.Color(
                "period:N",
                title=t("chart.period"),
                scale=alt.Scale(domain=list(periods.values()), range=[PREVIOUS, CURRENT]),
                legend=_legend(None, list(periods.values())),
            ),
            tooltip=[
                alt.Tooltip(f"{field}:N", title=title),
                alt.Tooltip("period:N", title=t("chart.period")),
                _count_tip("members", t("chart.members")),
            ],
        )
        .properties(height=alt.Step(16, **{"for": "offset"}))  # a pair of bars touching, pairs apart
    )


def levels_chart(summary: pd.DataFrame) -> alt.Chart:
    """Members per engagement level (by its name, in the given order) now and at the previous
    period's end; clicking a bar selects the level's key (selection "level", field "level")."""
    named = summary[["level", "previous", "current"]].assign(name=summary["level"].map(lambda key: t(f"level.{key}")))
    chart = _before_after(named, field="name", title=t("chart.level"), order=named["name"].tolist())
    return _clickable(chart, name="level", field="level")


def platform_chart(platforms: pd.DataFrame) -> alt.Chart:
    """Active members per platform (in the catalog's words where it has them), this period against
    the previous, most active now on top; clicking selects the platform's key ("platform")."""
    frame = platforms[["platform", "previous", "current"]].fillna({"platform": "–"})
    frame = frame.assign(shown=worded(frame["platform"], "platform"))
    order = frame.sort_values(["current", "shown"], ascending=[False, True])["shown"].tolist()
    chart = _before_after(frame, field="shown", title=t("chart.platform"), order=order)
    return _clickable(chart, name="platform", field="platform")


def wecom_days_chart(days: pd.DataFrame, *, bucket_days: int, period: tuple[date, date]) -> alt.Chart:
    """Messages in the WeCom groups per day, or per week (Monday start) for periods past a month,
    as the activity chart buckets them; a week only partly in the period drawn lighter."""
    frame = days.assign(day=pd.to_datetime(days["day"]))
    if bucket_days == 7:
        frame = frame.assign(day=frame["day"] - pd.to_timedelta(frame["day"].dt.weekday, unit="D"))
    summed = frame.groupby("day", as_index=False)["msg_total"].sum().assign(series="messages")
    return _bucket_bars(
        summed,
        bucket="day",
        days=bucket_days,
        count="msg_total",
        count_title=t("chart.wecom_messages"),
        by="series",
        by_title=t("chart.wecom_messages"),
        period=period,
    ).encode(alt.ColorValue(SINGLE))


def campaign_reach_chart(table: pd.DataFrame) -> alt.Chart:
    """Members each campaign reached, a named bar per campaign in the order they started, coloured
    by kind (in the catalog's words); clicking selects the kind's key (selection "kind"). The tooltip
    says its participants, which every kind has (a newsletter's list records no attendance: its
    "Attended: 0" read as nobody having come)."""
    keys = table["kind"].fillna("–")
    frame = table[["name", "starts_at", "reach", "participants"]].assign(
        kind=keys, shown=keys.map(lambda key: word("campaign.kind", key)), starts_at=pd.to_datetime(table["starts_at"])
    )
    frame = frame.sort_values("starts_at", kind="stable")
    kinds = _groups(frame["kind"], frame["shown"])
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=frame["name"].tolist(), axis=_name_axis()),  # the names say it
            x=_count_across("reach", t("chart.reach"), frame["reach"].max()),
            color=alt.Color(
                "shown:N",
                title=t("chart.kind"),
                scale=kinds,
                legend=_legend(t("chart.kind"), kinds.domain),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=t("chart.campaign")),
                alt.Tooltip("shown:N", title=t("chart.kind")),
                _date_tip("starts_at", t("chart.starts")),
                _count_tip("reach", t("chart.reach")),
                _count_tip("participants", t("column.participants")),
            ],
        )
        .properties(height=alt.Step(22))
    )
    return _clickable(chart, name="kind", field="kind")


def campaign_daily_chart(daily: pd.DataFrame, *, starts_at: object, ends_at: object) -> alt.LayerChart:
    """Share of participants and of the comparison group active each day, with the campaign shaded
    from the day it starts to the day it ends (`starts_at`, `ends_at`: the community's days, as
    `daily`'s are; none: its start day alone); the group in `group` named as the page names it."""
    frame = daily.assign(day=pd.to_datetime(daily["day"]))
    end = ends_at if pd.notna(ends_at) else starts_at  # without an end, its start day is shaded
    days = {"start": pd.Timestamp(starts_at).normalize(), "end": pd.Timestamp(end).normalize() + pd.Timedelta(days=1)}
    span = pd.DataFrame({key: [value] for key, value in days.items()})
    band = (
        alt.Chart(span)
        .mark_rect(opacity=0.15, color=HIGHLIGHT)
        .encode(x=alt.X("start:T", title=t("chart.date"), axis=_date_axis()), x2=alt.X2("end:T"))
    )
    groups = [t("campaigns.group.participants"), t("campaigns.group.comparison")]
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=t("chart.date"), axis=_date_axis()),
            y=alt.Y("share:Q", title=t("chart.share_active"), axis=alt.Axis(format="%")),
            color=alt.Color(
                "group:N",
                title=t("chart.group"),
                sort=groups,
                scale=alt.Scale(range=[SINGLE, COMPARISON]),
                legend=_legend(None, groups),
            ),
            tooltip=[
                _date_tip("day", t("chart.date")),
                alt.Tooltip("group:N", title=t("chart.group")),
                alt.Tooltip("share:Q", title=t("chart.share_active"), format=".1%"),
            ],
        )
    )
    return band + lines


def funnel_chart(stages: pd.DataFrame) -> alt.Chart:
    """Members at each stage (invited, registered, attended), in that order."""
    return (
        alt.Chart(stages)
        .mark_bar(color=SINGLE)
        .encode(
            y=alt.Y("stage:N", sort=stages["stage"].tolist(), title=None, axis=_name_axis()),
            x=_count_across("members", t("chart.members"), stages["members"].max()),
            tooltip=[alt.Tooltip("stage:N", title=t("chart.stage")), _count_tip("members", t("chart.members"))],
        )
    )


def nps_trend_chart(trend: pd.DataFrame) -> alt.LayerChart:
    """NPS per week as a line, with its 95% margin of error as a band, cut at -100 and +100 (no NPS
    lies beyond, and a band past them was drawn over the axis labels)."""
    frame = trend.assign(
        week=pd.to_datetime(trend["week"]),
        low=(trend["nps"] - trend["margin"]).clip(lower=-100),
        high=(trend["nps"] + trend["margin"]).clip(upper=100),
        score=[format_value("nps", nps) for nps in trend["nps"]],  # as the tiles write it: 0, not "-0"
    )
    x = alt.X("week:T", title=t("chart.week"), axis=_week_axis(frame["week"]))
    # An area needs two weeks: a survey answered in one week showed its NPS without its margin.
    margin = alt.Chart(frame).mark_area(opacity=0.2, color=SINGLE)
    if frame["week"].nunique() < 2:
        margin = alt.Chart(frame).mark_rule(opacity=0.2, color=SINGLE, strokeWidth=12)
    band = margin.encode(
        x=x, y=alt.Y("low:Q", title=t("chart.nps"), scale=alt.Scale(domain=[-100, 100])), y2=alt.Y2("high:Q")
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=True, color=SINGLE)
        .encode(
            x=x,
            y=alt.Y("nps:Q", title=t("chart.nps")),
            tooltip=[
                _date_tip("week", t("chart.week")),
                alt.Tooltip("score:N", title=t("chart.nps")),
                alt.Tooltip("margin:Q", format=".0f", title=t("chart.margin")),
                _count_tip("answers", t("chart.answers")),
            ],
        )
    )
    return band + line


def answers_chart(result: pd.DataFrame) -> alt.Chart:
    """How often each answer was given (scale points in order, choices in the definition's order)."""
    return (
        alt.Chart(result)
        .mark_bar(color=SINGLE)
        .encode(
            x=_count_across("answers", t("chart.answers"), result["answers"].max()),
            y=alt.Y("label:N", title=None, sort=result["label"].tolist(), axis=_name_axis()),
            tooltip=[
                alt.Tooltip("label:N", title=t("chart.answer")),
                _count_tip("answers", t("chart.answers")),
                alt.Tooltip("share:Q", format=".0%", title=t("chart.share_of_answers")),
            ],
        )
    )


def matrix_chart(result: pd.DataFrame, *, scale: list[str]) -> alt.Chart:
    """Each statement as a bar split by scale point, as shares of its answers, the scale's worst
    point red and its best green."""
    return (
        alt.Chart(result)
        .mark_bar()
        .encode(
            x=alt.X(
                "share:Q",
                stack="normalize",
                axis=alt.Axis(format="%", tickCount=ACROSS_TICKS),
                title=t("chart.share_of_answers"),
            ),
            y=alt.Y("row:N", title=None, axis=_name_axis()),
            color=alt.Color(
                "label:N",
                title=t("chart.answer"),
                sort=scale,
                scale=alt.Scale(domain=scale, range=diverging(len(scale))),
                legend=_legend(t("chart.answer"), scale),
            ),
            order=alt.Order("answer:Q"),
            tooltip=[
                alt.Tooltip("row:N", title=t("chart.statement")),
                alt.Tooltip("label:N", title=t("chart.answer")),
                _count_tip("answers", t("chart.answers")),
                alt.Tooltip("share:Q", format=".0%", title=t("chart.share_of_answers")),
            ],
        )
    )


def counts_chart(counts: pd.DataFrame, *, field: str) -> alt.Chart:
    """Horizontal bars of `items` per value of `field` (feedback by theme, status or sentiment);
    the caption above it names the values."""
    return (
        alt.Chart(counts)
        .mark_bar(color=SINGLE)
        .encode(
            y=alt.Y(f"{field}:N", title=None, sort="-x", axis=_name_axis()),
            x=_count_across("items", t("chart.items"), counts["items"].max()),
            tooltip=[alt.Tooltip(f"{field}:N", title=t(f"chart.{field}")), _count_tip("items", t("chart.items"))],
        )
        .properties(height=alt.Step(22))
    )
