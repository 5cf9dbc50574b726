"""The chart builders as a designer would check them: each chart built from a small hand-made frame,
its vega-lite spec read (what the browser is told to draw) and, where only the drawing shows it,
drawn by vl-convert and read back from the SVG: whole-number count axes, labels that read across,
the palette, the current period stronger, bars as wide as their day or week, a named bar per
campaign, the selections the pages read, and every title in the catalog's words."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, datetime, timedelta

import altair as alt
import pandas as pd
import pytest
import vl_convert

from catalog import CATALOGS
from catalog.spoken import speaking
from metrics.filters import Filters
from metrics.goals import Goal
from tests import test_goals_ui as goals_ui
from ui import page_charts
from ui.i18n import t
from visuals import charts
from visuals.charts import (
    BAD,
    BLUE,
    CATEGORICAL,
    COMPARISON,
    CURRENT,
    GOOD,
    HIGHLIGHT,
    INK,
    PREVIOUS,
    SEQUENTIAL,
    SLATE,
    UNFINISHED,
)

SVG = "{http://www.w3.org/2000/svg}"
PHONE = 358  # pixels across a chart on a 390-pixel phone, Streamlit's padding taken off


def day(n: int) -> date:
    return date(2026, 11, n)


DAILY = pd.DataFrame({"date": [day(2), day(3)], "dau": [3, 4], "wau": [5, 6], "mau": [7, 8]})
# 2 Nov: 3 from social and 1 without a channel; nobody joins in the week of 9 Nov; 16 Nov: 2.
WEEKS = pd.DataFrame({"week": [day(2), day(2), day(16)], "value": ["social", None, "social"], "new_members": [3, 1, 2]})
# Per day: 2 Nov has 12 comments (forum 5, discord 7) and 1,200 logins; 3 Nov nothing; 4 Nov 3 logins.
ACTIVITY = pd.DataFrame(
    {
        "bucket": [day(2), day(2), day(2), day(4)],
        "kind": ["comment", "comment", "login", "login"],
        "platform": ["forum", "discord", "forum", None],
        "activities": [5, 7, 1200, 3],
    }
)
ACTIVITY_WEEKS = ACTIVITY.assign(bucket=[day(2), day(2), day(2), day(16)])  # weeks start on Monday
WEEKLY = pd.DataFrame({"week": [day(2), day(16)], "kind": ["event_attend", "login"], "activities": [2, 1]})
# Two cohorts: December (10 members) with months 0-8, January (4 members) with months 0-1.
GRID = pd.DataFrame(
    {
        "cohort": [date(2025, 12, 1)] * 9 + [date(2026, 1, 1)] * 2,
        "months_since": [*range(9), 0, 1],
        "size": [10] * 9 + [4] * 2,
        "active": [9, 8, 7, 6, 5, 5, 4, 3, 3, 4, 1],
        "so_far": [False] * 10 + [True],  # January's month 1: the period ends inside it
    }
).assign(share=lambda frame: frame["active"] / frame["size"])
SUMMARY = pd.DataFrame(
    {"level": ["champion", "regular", "casual", "dormant"], "current": [12, 30, 50, 8], "previous": [10, 35, 40, 9]}
)
PLATFORMS = pd.DataFrame({"platform": ["discord", "forum", None], "current": [5, 9, 2], "previous": [6, 7, 1]})
CAMPAIGNS = pd.DataFrame(
    {
        "campaign_id": ["c1", "c2", "c3"],
        "name": ["Spring Meetup", "Newsletter #1", "Webinar: Getting Started"],
        "kind": ["event", "newsletter", "event"],
        "starts_at": [datetime(2026, 11, 10, 16), datetime(2026, 11, 2, 9), datetime(2026, 11, 20, 17)],
        "reach": [40, 120, 3],
        "participants": [30, 80, 2],
    }
)
PARTICIPANTS, OTHERS = t("campaigns.group.participants"), t("campaigns.group.comparison")
CAMPAIGN_DAYS = pd.DataFrame(
    {
        "day": [day(9), day(10), day(9), day(10)],
        "group": [PARTICIPANTS, PARTICIPANTS, OTHERS, OTHERS],
        "active": [3, 6, 10, 11],
        "share": [0.3, 0.6, 0.1, 0.11],
    }
)
STAGES = pd.DataFrame({"stage": ["Invited", "Registered", "Attended"], "members": [10, 6, 3]})
TREND = pd.DataFrame({"week": [day(2), day(9)], "nps": [20.0, 35.0], "margin": [15.0, 12.0], "answers": [30, 41]})
ANSWERS = pd.DataFrame({"answer": [1, 0], "label": ["yes", "no"], "answers": [4, 1], "share": [0.8, 0.2]})
SCALE = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
MATRIX = pd.DataFrame(
    {
        "row": ["I feel welcome here"] * 3,
        "answer": [1, 4, 5],
        "label": ["Strongly disagree", "Agree", "Strongly agree"],
        "answers": [1, 2, 1],
        "share": [0.25, 0.5, 0.25],
    }
)
COUNTS = pd.DataFrame({"status": ["New", "Triaged"], "items": [3, 1]})

CHARTS: dict[str, Callable[[], alt.TopLevelMixin]] = {
    "activity trend": lambda: charts.activity_trend_chart(DAILY),
    "new members": lambda: charts.new_members_chart(WEEKS),
    "activity by day": lambda: charts.activity_chart(ACTIVITY, by="kind", bucket_days=1),
    "activity by week": lambda: charts.activity_chart(ACTIVITY_WEEKS, by="platform", bucket_days=7),
    "member timeline": lambda: charts.member_timeline_chart(WEEKLY),
    "cohorts": lambda: charts.cohort_heatmap(GRID),
    "levels": lambda: charts.levels_chart(SUMMARY),
    "platforms": lambda: charts.platform_chart(PLATFORMS),
    "campaign reach": lambda: charts.campaign_reach_chart(CAMPAIGNS),
    "campaign days": lambda: charts.campaign_daily_chart(
        CAMPAIGN_DAYS, starts_at=datetime(2026, 11, 10, 16), ends_at=None
    ),
    "funnel": lambda: charts.funnel_chart(STAGES),
    "nps trend": lambda: charts.nps_trend_chart(TREND),
    "answers": lambda: charts.answers_chart(ANSWERS),
    "matrix": lambda: charts.matrix_chart(MATRIX, scale=SCALE),
    "feedback counts": lambda: charts.counts_chart(COUNTS, field="status"),
}


def views(spec: dict) -> list[dict]:
    """The spec's views that encode something: the spec itself or its layers."""
    return [view for view in [spec, *spec.get("layer", [])] if "encoding" in view]


def rows(spec: dict, view: dict | None = None) -> list[dict]:
    """The rows a view draws."""
    name = (view or spec).get("data", spec.get("data", {})).get("name") or spec["data"]["name"]
    return spec["datasets"][name]


def drawn(chart: alt.TopLevelMixin, *, width: int = PHONE) -> ET.Element:
    """The chart as vl-convert draws it into `width` pixels, axes and legend included (as Streamlit
    fits a chart to its column)."""
    fit = alt.AutoSizeParams(type="fit", contains="padding")
    return ET.fromstring(vl_convert.vegalite_to_svg(chart.properties(width=width, autosize=fit).to_dict()))


def axis_labels(svg: ET.Element, axis: str) -> list[ET.Element]:
    """The labels drawn on the X or Y axis (vega hides overlapping ones with opacity 0)."""
    axes = [g for g in svg.iter(f"{SVG}g") if (g.get("aria-label") or "").startswith(f"{axis}-axis")]
    groups = [g for axis_group in axes for g in axis_group.iter(f"{SVG}g") if "role-axis-label" in g.get("class", "")]
    return [text for group in groups for text in group.iter(f"{SVG}text") if text.get("opacity") != "0"]


def shown_x(text: ET.Element) -> float:
    return float(re.match(r"translate\(([-\d.]+),", text.get("transform", ""))[1])


def bar_widths(svg: ET.Element) -> list[float]:
    paths = [p for p in svg.iter(f"{SVG}path") if p.get("aria-roledescription") == "bar"]
    return [float(re.match(r"M[-\d.]+,[-\d.]+h([-\d.]+)", p.get("d"))[1]) for p in paths]


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[n : n + 2], 16) / 255 for n in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize(
    ("name", "channel", "ticks"),
    [
        ("activity trend", "y", 8),  # up to 8 members: a tick per member
        ("new members", "y", 4),  # 2 Nov stacks 3 + 1
        ("activity by day", "y", None),  # 1,212 on 2 Nov: vega's own ticks are whole
        ("member timeline", "y", 2),
        ("levels", "x", 5),  # across a wide chart, about five labels
        ("platforms", "x", 5),
        ("campaign reach", "x", 5),
        ("funnel", "x", 5),
        ("answers", "x", 4),
        ("feedback counts", "x", 3),
    ],
)
def test_count_axes_tick_whole_numbers(name, channel, ticks):
    axis = CHARTS[name]().to_dict()["encoding"][channel]["axis"]
    assert (axis["format"], axis["tickMinStep"], axis.get("tickCount")) == (",d", 1, ticks)


@pytest.mark.parametrize(("most", "labels"), [(2_380, 2_500), (1_800, 2_000), (950, 1_000)])
@pytest.mark.parametrize("width", [PHONE, 1_600])
def test_a_bar_across_ends_before_the_last_labelled_grid_line(most, labels, width):
    # Vega made the scale nice for about ten ticks and labelled it for six: 2,380 members ran past
    # the last label (2,000) to the plot's edge; 1,800 were labelled every 200, crowded on a projector.
    summary = pd.DataFrame(
        {
            "level": ["champion", "regular", "casual", "dormant"],
            "current": [most // 5, most // 2, most, 9],
            "previous": [1, 2, 3, 4],
        }
    )
    drawn_labels = [
        int(text.text.replace(",", "")) for text in axis_labels(drawn(charts.levels_chart(summary), width=width), "X")
    ]
    assert drawn_labels[-1] == labels
    assert 4 <= len(drawn_labels) <= 6


@pytest.mark.parametrize(("weeks", "labelled"), [(4, 4), (13, 5), (52, 6)])
@pytest.mark.parametrize("width", [PHONE, 700])
def test_a_weekly_nps_line_is_labelled_on_its_weeks(weeks, labelled, width):
    # vega's own ticks fell between the weekly points: every other day at a desk, every eighth on a phone.
    mondays = [date(2026, 11, 30) - timedelta(days=7 * n) for n in reversed(range(weeks))]
    trend = pd.DataFrame({"week": mondays, "nps": 10.0, "margin": 5.0, "answers": 30})
    labels = [text.text for text in axis_labels(drawn(charts.nps_trend_chart(trend), width=width), "X")]
    assert len(labels) == labelled and labels[-1] == "30 Nov"
    assert set(labels) <= {f"{monday.day} {monday:%b}" for monday in mondays}


def test_a_weekly_nps_of_one_week_draws_its_margin_too():
    # an area needs two points: one week's NPS was a dot without its margin of error
    one = pd.DataFrame({"week": [date(2026, 7, 27)], "nps": [2.0], "margin": [15.0], "answers": [104]})
    layers = charts.nps_trend_chart(one).to_dict()["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["rule", "line"]
    assert [layer["mark"]["type"] for layer in charts.nps_trend_chart(TREND).to_dict()["layer"]] == ["area", "line"]


def test_a_small_count_draws_no_half_ticks():
    # vega's tickMinStep alone still draws 0, 0.5, 1, 1.5, 2 here (written "0 1 1 2 2").
    svg = drawn(CHARTS["member timeline"]())
    assert [text.text for text in axis_labels(svg, "Y")] == ["0", "1", "2"]
    svg = drawn(CHARTS["feedback counts"]())
    assert [text.text for text in axis_labels(svg, "X")] == ["0", "1", "2", "3"]


@pytest.mark.parametrize(
    ("name", "days"),
    [
        ("new members", [day(2), day(9), day(16)]),  # the empty week of 9 Nov keeps its place
        ("activity by day", [day(2), day(3), day(4)]),
        ("activity by week", [day(2), day(9), day(16)]),
        ("member timeline", [day(2), day(9), day(16)]),
    ],
)
def test_a_bar_fills_its_day_or_week(name, days):
    chart = CHARTS[name]()
    x = chart.to_dict()["encoding"]["x"]
    assert x["type"] == "ordinal"
    assert x["scale"] == {"domain": [f"{d:%Y-%m-%d}" for d in days], "paddingInner": 0.2}
    svg = drawn(chart, width=400)
    widths = bar_widths(svg)
    band = widths[0] / 0.8  # each bar is 80% of its band, the rest a gap
    assert widths and all(width == pytest.approx(widths[0]) for width in widths)
    assert band * len(days) > 0.6 * 400  # the bands share the plot: no hairlines on a long axis
    assert [text.text for text in axis_labels(svg, "X")] == [f"{d.day} Nov" for d in days]


def test_activity_sums_the_other_breakdown_per_bucket():
    by_kind = rows(CHARTS["activity by day"]().to_dict())
    assert [(row["bucket"], row["kind"], row["activities"]) for row in by_kind] == [
        ("2026-11-02", "comment", 12),
        ("2026-11-02", "login", 1200),
        ("2026-11-04", "login", 3),
    ]
    by_platform = rows(CHARTS["activity by week"]().to_dict())
    assert [(row["bucket"], row["platform"], row["activities"]) for row in by_platform] == [
        ("2026-11-02", "discord", 7),
        ("2026-11-02", "forum", 1200 + 5),
        ("2026-11-16", "–", 3),
    ]


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_labels_read_across(name):
    svg = drawn(CHARTS[name]())
    labels = axis_labels(svg, "X") + axis_labels(svg, "Y")
    assert labels and not [text.text for text in labels if "rotate" in text.get("transform", "")]


def test_time_labels_thin_out_on_a_phone_instead_of_overlapping():
    weeks = pd.DataFrame({"week": pd.date_range("2025-12-01", periods=52, freq="7D"), "kind": "post", "activities": 1})
    labels = axis_labels(drawn(charts.member_timeline_chart(weeks)), "X")
    places = [shown_x(text) for text in labels]
    assert 3 <= len(labels) <= 9 and min(b - a for a, b in itertools.pairwise(places)) >= 40


@pytest.mark.parametrize("name", ["levels", "platforms"])
def test_the_current_period_is_the_stronger_colour(name):
    encoding = CHARTS[name]().to_dict()["encoding"]
    assert encoding["color"]["scale"] == {
        "domain": [t("chart.previous"), t("chart.current")],
        "range": [PREVIOUS, CURRENT],
    }
    assert encoding["yOffset"]["sort"] == [t("chart.previous"), t("chart.current")]  # before above now
    assert luminance(PREVIOUS) > 3 * luminance(CURRENT)


def test_levels_lie_horizontal_in_their_order_by_name():
    encoding = CHARTS["levels"]().to_dict()["encoding"]
    assert encoding["y"]["sort"] == ["Champion", "Regular", "Casual", "Dormant"]
    assert encoding["x"]["field"] == "members"


def test_platforms_most_active_now_on_top():
    assert CHARTS["platforms"]().to_dict()["encoding"]["y"]["sort"] == ["Forum", "Discord", "–"]


@pytest.mark.parametrize(("language", "forum"), [("en", "Forum"), ("zh-CN", "论坛"), ("zh-TW", "論壇")])
def test_a_platform_reads_as_the_catalogs_word_and_a_click_selects_its_key(language, forum):
    made_up = PLATFORMS.assign(platform=["discord", "forum", "mastodon"])  # mastodon: no word, shown as it is
    with speaking(language):
        spec = charts.platform_chart(made_up).to_dict()
        bars = charts.activity_chart(
            ACTIVITY.assign(platform=["forum", "mastodon", "forum", "discord"]), by="platform", bucket_days=1
        ).to_dict()
    assert spec["encoding"]["y"]["field"] == "shown" and spec["encoding"]["y"]["sort"] == [forum, "Discord", "mastodon"]
    assert {(row["platform"], row["shown"]) for row in rows(spec)} == {
        ("discord", "Discord"),
        ("forum", forum),
        ("mastodon", "mastodon"),
    }
    assert spec["params"][0]["select"]["fields"] == ["platform"]  # the key, not the word
    assert set(bars["encoding"]["color"]["scale"]["domain"]) == {"Discord", forum, "mastodon"}


def test_two_platforms_that_read_alike_stay_two_bars():
    # A connector's "discord" and a file's "Discord" both read "Discord": each is told apart by its key.
    alike = PLATFORMS.assign(platform=["discord", "Discord", "forum"])
    spec = charts.platform_chart(alike).to_dict()
    assert sorted(spec["encoding"]["y"]["sort"]) == ["Discord (Discord)", "Discord (discord)", "Forum"]


PALETTE = {*CATEGORICAL, PREVIOUS, CURRENT, COMPARISON, HIGHLIGHT, INK, UNFINISHED}


@pytest.mark.parametrize("name", sorted(set(CHARTS) - {"matrix"}))
def test_every_colour_comes_from_the_palette_and_none_means_alarm(name):
    text = json.dumps(CHARTS[name]().to_dict())
    colours = set(re.findall(r"#[0-9a-fA-F]{6}", text))
    assert colours and colours <= PALETTE
    assert BAD not in colours and GOOD not in colours
    assert set(re.findall(r'"scheme": "(\w+)"', text)) <= {SEQUENTIAL}


def test_dau_wau_mau_are_three_calm_hues_in_order():
    color = CHARTS["activity trend"]().to_dict()["encoding"]["color"]
    assert color["scale"] == {
        "domain": ["Daily (DAU)", "Weekly (WAU)", "Monthly (MAU)"],
        "range": list(CATEGORICAL[:3]),
    }


def test_a_campaigns_band_behind_the_trend_is_in_none_of_its_lines_colours():
    """Faint orange behind the weekly actives' orange line read as part of it."""
    spec = DRAWN["trend with goals and marks"]().to_dict()
    lines = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    shades = json.dumps([layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"])
    assert HIGHLIGHT in shades and HIGHLIGHT not in lines["encoding"]["color"]["scale"]["range"]


def test_an_answer_scale_runs_from_red_through_grey_to_green():
    assert charts.diverging(5) == ["#d64545", "#d99090", "#dcdcdc", "#85bc9c", "#2e9d5b"]
    assert charts.diverging(1) == ["#dcdcdc"]
    color = CHARTS["matrix"]().to_dict()["encoding"]["color"]
    assert color["scale"] == {"domain": SCALE, "range": charts.diverging(5)}


def test_a_kind_of_activity_has_one_colour_on_every_chart():
    daily = CHARTS["activity by day"]().to_dict()["encoding"]["color"]["scale"]
    timeline = CHARTS["member timeline"]().to_dict()["encoding"]["color"]["scale"]
    assert daily == {"domain": ["Comment", "Login"], "range": [BLUE, SLATE]}
    assert timeline == {"domain": ["Attended an event", "Login"], "range": [CATEGORICAL[4], SLATE]}
    made_up = ACTIVITY.assign(kind=["comment", "webinar_watch", "login", "login"])
    scale = charts.activity_chart(made_up, by="kind", bucket_days=1).to_dict()["encoding"]["color"]["scale"]
    # A kind the catalog does not know keeps its name and takes the first colour no kind holds.
    assert scale == {"domain": ["Comment", "Login", "webinar_watch"], "range": [BLUE, SLATE, CATEGORICAL[5]]}


def test_a_channel_keeps_its_colour_when_a_filter_leaves_it_alone():
    channels = ["event", "newsletter", "referral", "social"]
    every = WEEKS.assign(value=["referral", "social", "event"])
    alone = WEEKS.assign(value=["referral", "referral", "referral"])

    def colours(weeks):
        scale = charts.new_members_chart(weeks, groups=channels).to_dict()["encoding"]["color"]["scale"]
        return dict(zip(scale["domain"], scale["range"], strict=True))

    assert colours(every) == {"event": CATEGORICAL[0], "referral": CATEGORICAL[2], "social": CATEGORICAL[3]}
    assert colours(alone) == {"referral": CATEGORICAL[2]}  # not the first colour, as it was alone
    assert colours(WEEKS)["–"] == CATEGORICAL[4]  # a member without a channel after the known ones
    # Chinese values too, whether or not members without a channel are in the view ("–" sorts first
    # among CJK text, and moved every colour when it came and went)
    chinese = ["微信", "论坛"]
    with_none = charts.new_members_chart(WEEKS.assign(value=["微信", None, "论坛"]), groups=chinese).to_dict()
    without = charts.new_members_chart(WEEKS.assign(value=["微信", "论坛", "论坛"]), groups=chinese).to_dict()
    for spec in (with_none, without):
        scale = spec["encoding"]["color"]["scale"]
        named = dict(zip(scale["domain"], scale["range"], strict=True))
        assert (named["微信"], named["论坛"]) == (CATEGORICAL[0], CATEGORICAL[1])


def test_a_campaign_kind_has_the_same_colour_in_every_language():
    # In English "Newsletter" sorts before "Promotion"; in Chinese 推广 (promotion) before 邮件简报.
    kinds = CAMPAIGNS.assign(kind=["promotion", "newsletter", "promotion"])
    colours = {}
    for language in ("en", "zh-CN", "zh-TW"):
        with speaking(language):
            scale = charts.campaign_reach_chart(kinds).to_dict()["encoding"]["color"]["scale"]
            words = {t(f"campaign.kind.{kind}"): kind for kind in ("promotion", "newsletter")}
        colours[language] = {words[name]: colour for name, colour in zip(scale["domain"], scale["range"], strict=True)}
    assert colours["en"] == colours["zh-CN"] == colours["zh-TW"] == {"newsletter": BLUE, "promotion": CATEGORICAL[1]}


def test_a_cohorts_month_not_over_is_grey_and_said_so():
    # January's month 1 is the month the period ends in: one grey cell of the nine shown (months 0-6).
    marks = [g for g in drawn(charts.cohort_heatmap(GRID)).iter(f"{SVG}g") if "mark-rect" in g.get("class", "")]
    fills = [path.get("fill") for g in marks for path in g.iter(f"{SVG}path")]
    assert len(fills) == 9 and fills.count(UNFINISHED) == 1
    months = {(row["cohort"], row["months_since"]): row["month"] for row in rows(CHARTS["cohorts"]().to_dict())}
    assert months[("Jan 2026 (4)", 1)] == "Part of the month, up to the period's end"
    assert months[("Jan 2026 (4)", 0)] == months[("Dec 2025 (10)", 6)] == "Whole month"


def test_the_cohort_heatmap_reads_on_a_phone():
    spec = CHARTS["cohorts"]().to_dict()
    cells = rows(spec)
    assert max(row["months_since"] for row in cells) == charts.MONTHS_SHOWN - 1 == 6
    assert [row["cohort"] for row in cells if row["months_since"] == 0] == ["Dec 2025 (10)", "Jan 2026 (4)"]
    rect, text = spec["layer"]
    assert rect["encoding"]["color"]["legend"] is None  # the shares are written in the cells
    assert rect["encoding"]["color"]["scale"] == {"scheme": SEQUENTIAL, "domain": [0, 1]}
    for layer in (rect, text):  # a hover tells the cell in full, over its colour or its text
        assert [tip["title"] for tip in layer["encoding"]["tooltip"]] == [
            "Joined in (members)",
            "Months since joining",
            "Month",
            "Active",
            "Share active",
        ]
    svg = drawn(charts.cohort_heatmap(GRID))
    marks = [g for g in svg.iter(f"{SVG}g") if "mark-text role-mark" in g.get("class", "")]
    written = [text for g in marks for text in g.iter(f"{SVG}text")]
    december = sorted(shown_x(text) for text in written[:7])
    assert [text.text for text in written[:3]] == ["90%", "80%", "70%"]
    # "100%" in 11-pixel text is about 26 pixels wide: seven columns leave room around it.
    assert min(b - a for a, b in itertools.pairwise(december)) >= 30


def test_campaign_reach_names_every_bar_in_the_order_they_started():
    chart = CHARTS["campaign reach"]()
    encoding = chart.to_dict()["encoding"]
    assert (encoding["y"]["field"], encoding["x"]["field"]) == ("name", "reach")
    assert encoding["y"]["sort"] == ["Newsletter #1", "Spring Meetup", "Webinar: Getting Started"]
    svg = drawn(chart)
    assert [text.text for text in axis_labels(svg, "Y")] == [
        "Newsletter #1",
        "Spring Meetup",
        "Webinar: Getting Started",
    ]
    assert len(bar_widths(svg)) == 3


@pytest.mark.parametrize(
    ("name", "selection", "field", "values"),
    [
        ("new members", "group", "value", {"social", "–"}),
        ("levels", "level", "level", {"champion", "regular", "casual", "dormant"}),
        ("activity by day", "kind", "kind", {"comment", "login"}),
        ("activity by week", "platform", "platform", {"forum", "discord", "–"}),
        ("platforms", "platform", "platform", {"forum", "discord", "–"}),
        ("campaign reach", "kind", "kind", {"event", "newsletter"}),
    ],
)
def test_a_click_selects_the_key_the_page_reads(name, selection, field, values):
    """pages/*.py read these with visuals.charts.chosen(event, selection, field): the key, not its words."""
    spec = CHARTS[name]().to_dict()
    assert spec["params"] == [{"name": selection, "select": {"type": "point", "fields": [field]}}]
    assert {row[field] for row in rows(spec)} == values


def test_the_overviews_new_members_bars_promise_no_click():
    """The Overview has no table under its chart for a click to filter: a pointer and a fade were all
    a click gave."""
    period = Filters(start=date(2026, 11, 2), end=date(2026, 11, 23))

    def spec(chart) -> dict:
        return chart.build(*chart.args, **chart.kwargs).to_dict()

    overview = spec(page_charts.new_members(WEEKS, period))
    assert "params" not in overview and "opacity" not in overview["encoding"]
    members = spec(page_charts.new_members(WEEKS, period, by="region"))
    assert members["params"][0]["name"] == "group"  # the Members page's filters its table


LABELS = set(CATALOGS["en"].values())


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_axis_legend_and_tooltip_title_is_a_label_from_the_catalog(name):
    spec = CHARTS[name]().to_dict()
    for view in views(spec):
        for channel in ("x", "y", "color"):
            definition = view["encoding"].get(channel, {})
            if "field" in definition:  # an axis or legend; None: deliberately none (the heading says it)
                assert "title" in definition and definition["title"] in LABELS | {None}, (channel, definition)
                legend = definition.get("legend") or {}
                assert legend.get("title") in LABELS | {None}
        for tip in view["encoding"].get("tooltip", []):
            assert tip.get("title") in LABELS, tip


def test_names_beside_bars_are_not_cut_at_streamlits_100_pixels():
    for name in ("levels", "platforms", "campaign reach", "funnel", "answers", "matrix", "feedback counts"):
        assert CHARTS[name]().to_dict()["encoding"]["y"]["axis"]["labelLimit"] == charts.NAME_LIMIT == 200


@pytest.mark.parametrize(
    ("labels", "width", "columns"),
    [
        (["Previous period", "This period"], 280, 2),
        # 79 + 103.8 + 60.4 and two gaps of 12: three columns fit the 273 pixels right of a count axis.
        (["newsletter", "organic search", "partner", "referral", "social"], 273, 3),
        # 122.4 + 60.4 + 66.6 + 24 = 273.4: "Reaction" would be cut off at the phone's edge.
        (["Attended an event", "Comment", "Login", "Message", "Post", "Reaction"], 273, 2),
        (["A fairly long campaign kind name", "Another long campaign kind name"], 273, 1),
        # A Chinese character and a full-width bracket are two letters wide: three columns ran off the phone.
        (["日活（DAU）", "周活（WAU）", "月活（MAU）"], 273, 2),
    ],
)
def test_a_legend_takes_as_many_columns_as_fit_under_a_phones_plot(labels, width, columns):
    assert columns_at(charts.columns_fitting(labels), width) == columns


def columns_at(columns: alt.ExprRef, width: int) -> int:
    """The columns a legend's expression (charts.columns_fitting) gives a plot `width` pixels wide,
    as vega evaluates it: "width >= 299 ? 3 : width >= 201 ? 2 : 1"."""
    *cases, otherwise = columns.expr.split(" : ")
    fitting = (re.fullmatch(r"width >= (\d+) \? (\d+)", case).groups() for case in cases)
    return next((int(count) for needed, count in fitting if width >= int(needed)), int(otherwise))


def legend_rows(svg: ET.Element) -> int:
    """How many rows the drawn legend's entries take (an entry: a group of its symbol and label)."""
    tops = set()
    for entry in svg.iter(f"{SVG}g"):
        if "role-legend-entry" not in (entry.get("class") or ""):
            continue
        for group in entry.iter(f"{SVG}g"):
            labelled = any("role-legend-label" in (mark.get("class") or "") for child in group for mark in child)
            at = re.fullmatch(r"translate\(([-\d.]+),([-\d.]+)\)", group.get("transform") or "")
            if labelled and at:
                tops.add(round(float(at[2])))
    return len(tops)


CHANNELS = pd.DataFrame(
    {
        "week": [day(2)] * 5,
        "value": ["newsletter", "organic search", "partner", "referral", "social"],
        "new_members": [3, 1, 2, 5, 4],
    }
)


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        # the three lines: two rows in a phone's narrow plot, one at a desk (two before, at every width)
        ("trend", {250: 2, 620: 1}),
        # five channels: one row across a wide chart only
        ("channels", {250: 3, 620: 1}),
        # on a projector a legend's text is 18 pixels, not 14: the same widths hold fewer entries a row
        ("projected trend", {300: 3, 360: 2, 450: 1}),
        ("projected channels", {450: 2, 620: 1}),
    ],
)
def test_a_legend_takes_the_columns_the_plot_has_room_for_as_drawn(name, rows):
    """Its columns are worked out by vega from the plot's width (charts.columns_fitting), so one spec
    serves a phone, a desk and a projector: counted for a phone, a desk's and a slide's legends took
    two rows where one fits. Drawn by vl-convert at each width."""
    chart = {
        "trend": lambda: charts.activity_trend_chart(DAILY),
        "channels": lambda: charts.new_members_chart(CHANNELS),
        "projected trend": lambda: charts.for_projector(charts.activity_trend_chart(DAILY), height=330),
        "projected channels": lambda: charts.for_projector(charts.new_members_chart(CHANNELS), height=330),
    }[name]()
    assert {width: legend_rows(drawn(chart, width=width)) for width in rows} == rows


def test_a_slides_count_axis_keeps_its_labels_apart():
    """On a projector a trend's plot is short under its legend: its 18-pixel count labels, one per
    40 pixels of the chart as vega asks by default, stood every 500 members nearly touching (3,000
    over 2,500). About three are asked for; an axis of small counts keeps its one per unit."""
    busy = DAILY.assign(**{series: DAILY[series] * 420 for series in ("dau", "wau", "mau")})  # up to 3,780
    labels = axis_labels(drawn(charts.for_projector(charts.activity_trend_chart(busy), height=330), width=900), "Y")
    tops = sorted(float(re.search(r"translate\([-\d.]+,([-\d.]+)\)", label.get("transform"))[1]) for label in labels)
    assert [label.text for label in labels] == ["0", "1,000", "2,000", "3,000"]
    assert min(lower - upper for upper, lower in itertools.pairwise(tops)) > 2 * charts.PROJECTOR_TEXT
    few = pd.DataFrame({"date": DAILY["date"], "dau": 1, "wau": 2, "mau": 3})  # counts up to 3: a tick each
    small = axis_labels(drawn(charts.for_projector(charts.activity_trend_chart(few), height=330), width=900), "Y")
    assert [label.text for label in small] == ["0", "1", "2", "3"]


def test_a_legends_columns_are_those_its_entries_need_in_both_languages():
    """The expression holds the columns that fit each width: 303 pixels for the three lines in one
    row, 204 for two columns; in Chinese a character is a whole em (14 pixels, where a Latin letter
    is 6.2 on average and a capital 8.5). On a projector a legend's labels are 18 pixels where
    Streamlit's are 14 (grown 18/11, as a mark's text is, they took two rows where one fits)."""
    with speaking("en"):
        legend = charts.activity_trend_chart(DAILY).to_dict()["encoding"]["color"]["legend"]
    # "Daily (DAU)": 8.5 + 4 x 6.2 + 3 x 3.6 (a space, two brackets) + 3 x 8.5 = 69.6, and so on
    assert legend["columns"] == {"expr": "width >= 303 ? 3 : width >= 204 ? 2 : 1"}
    chinese = ["日活（DAU）", "周活（WAU）", "月活（MAU）"]
    # each entry 17 + 4 x 14 + 3 x 8.5 = 98.5 pixels (81 measured in Chromium, and the symbol): three
    # and two gaps of 12 are 319.5, two and a gap 209; counted as 85.2, a phone's legend ran off its edge
    assert charts.legend_fits(chinese) == [(3, 320), (2, 209)]
    assert charts.legend_fits(chinese, grown=charts.LEGEND_GROWN) == [(3, 404), (2, 266)]


def test_a_week_only_partly_in_the_period_is_lighter_and_says_how_many_days():
    # The period 4-17 Nov: the week of Monday 2 Nov holds 5 of its days (4-8 Nov), the week of 16 Nov 2 (16-17).
    period = (day(4), day(18))
    chart = charts.new_members_chart(WEEKS, period=period)
    spec = chart.to_dict()
    assert [(row["week"], row["coverage"], row["part"]) for row in rows(spec)] == [
        ("2026-11-02", "5 of 7", "partial"),
        ("2026-11-02", "5 of 7", "partial"),
        ("2026-11-16", "2 of 7", "partial"),
    ]
    assert spec["encoding"]["fillOpacity"]["scale"] == {"domain": ["whole", "partial"], "range": [1, 0.4]}
    assert spec["encoding"]["tooltip"][-1]["title"] == "Days in the period"
    svg = drawn(chart, width=400)
    opacities = [
        p.get("fill-opacity") or p.get("opacity")
        for p in svg.iter(f"{SVG}path")
        if p.get("aria-roledescription") == "bar"
    ]
    assert opacities == ["0.4", "0.4", "0.4"]
    assert charts.has_partial_weeks(WEEKS, period)
    assert not charts.has_partial_weeks(WEEKS, (day(2), day(23)))  # three whole weeks
    whole = rows(charts.new_members_chart(WEEKS, period=(day(2), day(23))).to_dict())
    assert {row["part"] for row in whole} == {"whole"}


def test_the_nps_band_stops_at_the_scale_an_nps_can_reach():
    """A few answers give a margin past -100 or +100; the band is cut there, inside the axis."""
    few = pd.DataFrame({"week": [day(2), day(9)], "nps": [80.0, -90.0], "margin": [45.0, 30.0], "answers": [3, 4]})
    spec = charts.nps_trend_chart(few).to_dict()
    band = rows(spec, spec["layer"][0])
    assert [(row["low"], row["high"]) for row in band] == [(35.0, 100), (-100, -60.0)]
    assert [row["margin"] for row in band] == [45.0, 30.0]  # the tooltip still tells the whole margin


def test_a_weeks_nps_reads_in_its_tooltip_as_a_tile_writes_it():
    """Vega's "+.0f" wrote -0.4 as "−0" and 0.4 as "+0"; the tile writes 0."""
    near = pd.DataFrame({"week": [day(2), day(9)], "nps": [-0.4, 24.6], "margin": [9.0, 8.0], "answers": [250, 300]})
    spec = charts.nps_trend_chart(near).to_dict()
    assert [row["score"] for row in rows(spec, spec["layer"][1])] == ["0", "+25"]
    assert {"field": "score", "type": "nominal", "title": "NPS"} in spec["layer"][1]["encoding"]["tooltip"]


WECOM_DAYS = pd.DataFrame({"day": [date(2026, 11, 2), date(2026, 11, 3)], "msg_total": [40, 12]})


DRAWN = {
    **CHARTS,
    "trend with goals and marks": lambda: charts.activity_trend_chart(
        goals_ui.DAILY,
        goals=charts.goal_lines(
            [Goal(id=1, kpi="mau", start=date(2026, 11, 1), end=date(2026, 12, 1), target=20)],
            first=date(2026, 11, 2),
            last=date(2026, 11, 4),
        ),
        marks=goals_ui.MARKS,
    ),
    "wecom days": lambda: charts.wecom_days_chart(
        WECOM_DAYS, bucket_days=1, period=(date(2026, 11, 2), date(2026, 11, 4))
    ),
}


@pytest.mark.parametrize("name", DRAWN)
def test_every_chart_as_a_desk_and_a_projector_draw_it_meets_vega_lites_schema(name):
    """The app makes its specs without Altair's schema check (ui.streamlit_internals.vega_lite_spec,
    for speed), so the check is made here: to_dict() raises on a spec Vega-Lite would refuse."""
    chart = DRAWN[name]()
    chart.to_dict(validate=True)
    charts.for_projector(chart, height=330).to_dict(validate=True)


def test_on_a_projector_a_chart_sized_by_its_rows_keeps_a_row_per_name_grown_with_its_text():
    """Fixed at the slide's height, the cohort heatmap's twelve rows were 15 pixels for 18-pixel
    labels (every other one dropped) and a year's campaigns as many bars in that height."""
    heatmap = charts.for_projector(charts.cohort_heatmap(GRID), height=330).to_dict()
    assert heatmap["height"] == {"step": 39}  # 24 pixels a row at a desk, grown as 11 -> 18-pixel text
    assert heatmap["config"]["text"] == {"fontSize": charts.PROJECTOR_TEXT}  # the shares in the cells
    reach = charts.for_projector(charts.campaign_reach_chart(CAMPAIGNS), height=330).to_dict()
    assert reach["height"] == {"step": 36}  # a bar per campaign, 22 pixels at a desk
    pairs = charts.for_projector(charts.platform_chart(PLATFORMS), height=330).to_dict()
    assert pairs["height"] == 330  # pairs of bars beside the activity over time: lined up with it
    trend = charts.for_projector(charts.activity_trend_chart(DAILY), height=330).to_dict()
    assert trend["height"] == 330  # a chart over time lines up with the one beside it


def test_on_a_projector_a_goals_label_and_a_campaigns_title_grow_with_the_text():
    """Their sizes are their marks' own (configure_text does not reach them): 11 and 10 pixels on a
    projector were unreadable. The offsets grow too (a second row of titles clears the first), and
    the chart drawn at a desk keeps its sizes."""
    trend = DRAWN["trend with goals and marks"]()

    def texts(spec: dict) -> list[dict]:
        marks = [layer["mark"] for layer in spec["layer"]]
        return sorted((mark for mark in marks if mark["type"] == "text"), key=lambda mark: mark["fontSize"])

    presented = texts(charts.for_projector(trend, height=330).to_dict())
    title, goal = presented[0], presented[-1]
    assert (title["fontSize"], title["dx"], title["dy"]) == (16, 5, -5)  # 10 pixels, 3 and -3 at a desk
    assert (goal["fontSize"], goal["dy"], goal["limit"]) == (charts.PROJECTOR_TEXT, -7, 262)  # 11, -4, 160
    assert [mark["fontSize"] for mark in texts(trend.to_dict())] == [10, 11]


def test_a_marks_title_near_the_right_edge_ends_there_with_an_ellipsis():
    """A campaign starting near the period's end had its title run off a phone's chart
    ("Monthly Newsletter #"); it now stops at the plot's edge, and one with room is whole."""
    daily = pd.DataFrame({"date": pd.date_range("2026-11-06", periods=28).date, "dau": 5, "wau": 15, "mau": 28})
    marks = pd.DataFrame(
        [
            ("campaign", "Referral Promotion #5", date(2026, 11, 6), date(2026, 11, 20)),
            ("campaign", "Monthly Newsletter #5", date(2026, 11, 29), date(2026, 12, 1)),
        ],
        columns=["kind", "title", "start", "end"],
    )
    chart = charts.activity_trend_chart(daily, marks=marks)
    other = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q")
    # alone, as a page draws it, and stacked under another, as the meeting report's image does (its
    # scale is named otherwise there: the mark's place comes from its share of the days)
    for svg in (drawn(chart), ET.fromstring(vl_convert.vegalite_to_svg(alt.vconcat(other, chart).to_dict()))):
        texts = [text.text or "" for text in svg.iter(f"{SVG}text")]
        assert "Referral Promotion #5" in texts
        late = [text for text in texts if text.startswith("Mont") and "MAU" not in text]
        assert len(late) == 1 and late[0].endswith("…") and len(late[0]) < len("Monthly Newsletter #5")


def test_a_marks_tooltip_names_a_campaign_a_campaign_and_its_name_a_name():
    marks = pd.DataFrame(
        [("campaign", "Referral Promotion #5", date(2026, 11, 6), date(2026, 11, 20))],
        columns=["kind", "title", "start", "end"],
    )
    [band, *_] = charts.marks_layers(marks)
    tips = {tip["title"]: tip["field"] for tip in band.to_dict()["encoding"]["tooltip"]}
    assert (tips["Marked"], tips["Name"]) == ("what", "title")  # it read "Note: Referral Promotion #5"
    assert "Note" not in tips
