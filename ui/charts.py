"""Altair chart builders: a frame in, a chart out; no data access, no Streamlit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from ui.i18n import t


def activity_trend_chart(daily: pd.DataFrame) -> alt.Chart:
    """DAU, WAU and MAU per day as three lines."""
    long = daily.melt(id_vars="date", value_vars=["dau", "wau", "mau"], var_name="series", value_name="members")
    long = long.assign(series=long["series"].str.upper(), date=pd.to_datetime(long["date"]))
    return (
        alt.Chart(long)
        .mark_line(point=len(daily) <= 31)
        .encode(
            x=alt.X("date:T", title=t("chart.date")),
            y=alt.Y("members:Q", title=t("chart.members")),
            color=alt.Color("series:N", title=t("chart.series"), sort=["DAU", "WAU", "MAU"]),
            tooltip=[alt.Tooltip("date:T", title=t("chart.date")), "series:N", alt.Tooltip("members:Q", format=",")],
        )
    )


PROJECTOR_TEXT = 18  # pixels: axis, legend and header text readable from the back of a room


def for_projector(chart: alt.TopLevelMixin, *, height: int | None = None) -> alt.TopLevelMixin:
    """The chart with text sized for a projector (and a single chart's height fixed, so that a
    screen's charts line up)."""
    if height is not None and isinstance(chart, alt.Chart | alt.LayerChart):
        chart = chart.properties(height=height)
    size = PROJECTOR_TEXT
    return (
        chart.configure_axis(labelFontSize=size, titleFontSize=size, labelLimit=280)
        .configure_legend(labelFontSize=size, titleFontSize=size, symbolSize=size * 10, labelLimit=280)
        .configure_header(labelFontSize=size, titleFontSize=size)
        .configure_title(fontSize=size + 4)
    )


def chosen(event: object, name: str, field: str) -> str | None:
    """The value of `field` in the point a user clicked in selection `name`, or None."""
    selection = event.get("selection") if isinstance(event, Mapping) else None
    points = selection.get(name) if isinstance(selection, Mapping) else None
    # Nothing clicked gives an empty mapping; a click gives a sequence of points (field -> value).
    if isinstance(points, Sequence) and not isinstance(points, str) and len(points) > 0:
        value = points[0].get(field)
        return None if value is None else str(value)
    return None


def new_members_chart(weeks: pd.DataFrame, *, title: str | None = None) -> alt.Chart:
    """New members per week, stacked by the group in `value` (channel by default). Clicking a bar
    selects its group (selection "group")."""
    frame = weeks.assign(week=pd.to_datetime(weeks["week"]), value=weeks["value"].fillna("–"))
    group = alt.selection_point(fields=["value"], name="group")
    label = title or t("chart.channel")
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(week):O", title=t("chart.week"), axis=alt.Axis(format="%d %b", labelAngle=-45)),
            y=alt.Y("sum(new_members):Q", title=t("chart.members")),
            color=alt.Color("value:N", title=label),
            opacity=alt.condition(group, alt.value(1.0), alt.value(0.35)),
            tooltip=[
                alt.Tooltip("week:T", title=t("chart.week")),
                alt.Tooltip("value:N", title=label),
                "new_members:Q",
            ],
        )
        .add_params(group)
    )


def cohort_heatmap(grid: pd.DataFrame) -> alt.LayerChart:
    """Share of each signup cohort active k months after joining, with the share written in."""
    frame = grid.assign(cohort=[f"{c:%Y-%m} ({n:,})" for c, n in zip(grid["cohort"], grid["size"], strict=True)])
    base = alt.Chart(frame).encode(
        x=alt.X("months_since:O", title=t("chart.months_since")),
        y=alt.Y("cohort:O", title=t("chart.cohort")),
    )
    tooltip = [
        alt.Tooltip("cohort:O", title=t("chart.cohort")),
        alt.Tooltip("months_since:O", title=t("chart.months_since")),
        alt.Tooltip("active:Q", title=t("chart.active"), format=","),
        alt.Tooltip("share:Q", title=t("chart.share"), format=".0%"),
    ]
    cells = base.mark_rect().encode(
        color=alt.Color("share:Q", title=t("chart.share"), scale=alt.Scale(scheme="blues", domain=[0, 1])),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("black")),
    )
    return cells + text


def levels_chart(summary: pd.DataFrame) -> alt.Chart:
    """Members per engagement level now and at the previous period's end; clicking a bar selects
    the level (selection "level")."""
    long = summary.melt(id_vars="level", value_vars=["previous", "current"], var_name="period", value_name="members")
    long = long.assign(period=long["period"].map({"previous": t("chart.previous"), "current": t("chart.current")}))
    level = alt.selection_point(fields=["level"], name="level")
    order = summary["level"].tolist()
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("level:N", sort=order, title=t("chart.level")),
            xOffset=alt.XOffset("period:N", sort=[t("chart.previous"), t("chart.current")]),
            y=alt.Y("members:Q", title=t("chart.members")),
            color=alt.Color("period:N", title=None, sort=[t("chart.previous"), t("chart.current")]),
            opacity=alt.condition(level, alt.value(1.0), alt.value(0.35)),
            tooltip=["level:N", "period:N", alt.Tooltip("members:Q", format=",")],
        )
        .add_params(level)
    )


def activity_chart(activity: pd.DataFrame, *, by: str, bucket_days: int) -> alt.Chart:
    """Activities per day (or week) stacked by kind or platform; clicking selects one (selection
    named after `by`)."""
    frame = activity.assign(bucket=pd.to_datetime(activity["bucket"]), **{by: activity[by].fillna("–")})
    pick = alt.selection_point(fields=[by], name=by)
    x_title = t("chart.date") if bucket_days == 1 else t("chart.week")
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(bucket):O", title=x_title, axis=alt.Axis(format="%d %b", labelAngle=-45)),
            y=alt.Y("sum(activities):Q", title=t("chart.activities")),
            color=alt.Color(f"{by}:N", title=t(f"chart.{by}")),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=[alt.Tooltip("bucket:T", title=x_title), f"{by}:N", alt.Tooltip("sum(activities):Q", format=",")],
        )
        .add_params(pick)
    )


def platform_chart(platforms: pd.DataFrame) -> alt.Chart:
    """Active members per platform, this period against the previous; click selects "platform"."""
    long = platforms.assign(platform=platforms["platform"].fillna("–")).melt(
        id_vars="platform", value_vars=["previous", "current"], var_name="period", value_name="members"
    )
    long = long.assign(period=long["period"].map({"previous": t("chart.previous"), "current": t("chart.current")}))
    pick = alt.selection_point(fields=["platform"], name="platform")
    periods = [t("chart.previous"), t("chart.current")]
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("platform:N", title=t("chart.platform"), sort="-x"),
            yOffset=alt.YOffset("period:N", sort=periods),
            x=alt.X("members:Q", title=t("chart.members")),
            color=alt.Color("period:N", title=None, sort=periods),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=["platform:N", "period:N", alt.Tooltip("members:Q", format=",")],
        )
        .add_params(pick)
    )


def campaign_reach_chart(table: pd.DataFrame) -> alt.Chart:
    """Reach of each campaign over time, coloured by kind; clicking selects the kind ("kind")."""
    frame = table.assign(starts_at=pd.to_datetime(table["starts_at"]))
    pick = alt.selection_point(fields=["kind"], name="kind")
    return (
        alt.Chart(frame)
        .mark_bar(size=14)
        .encode(
            x=alt.X("yearmonthdate(starts_at):T", title=t("chart.date")),
            y=alt.Y("reach:Q", title=t("chart.reach")),
            color=alt.Color("kind:N", title=t("chart.kind")),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=["name:N", "kind:N", alt.Tooltip("starts_at:T", title=t("chart.date")), "reach:Q", "attended:Q"],
        )
        .add_params(pick)
    )


def campaign_daily_chart(daily: pd.DataFrame, *, starts_at: object, ends_at: object) -> alt.LayerChart:
    """Share of participants and of the comparison group active each day, with the campaign shaded."""
    frame = daily.assign(day=pd.to_datetime(daily["day"]))
    end = ends_at if pd.notna(ends_at) else starts_at  # without an end, its start day is shaded
    days = {"start": pd.Timestamp(starts_at).normalize(), "end": pd.Timestamp(end).normalize() + pd.Timedelta(days=1)}
    span = pd.DataFrame({key: [value] for key, value in days.items()})
    band = alt.Chart(span).mark_rect(opacity=0.15, color="orange").encode(x="start:T", x2="end:T")
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=t("chart.date")),
            y=alt.Y("share:Q", title=t("chart.share_active"), axis=alt.Axis(format="%")),
            color=alt.Color("group:N", title=None),
            tooltip=[alt.Tooltip("day:T", title=t("chart.date")), "group:N", alt.Tooltip("share:Q", format=".1%")],
        )
    )
    return band + lines


def funnel_chart(stages: pd.DataFrame) -> alt.Chart:
    """Members at each stage (invited, registered, attended), in that order."""
    return (
        alt.Chart(stages)
        .mark_bar()
        .encode(
            y=alt.Y("stage:N", sort=stages["stage"].tolist(), title=None),
            x=alt.X("members:Q", title=t("chart.members")),
            tooltip=["stage:N", alt.Tooltip("members:Q", format=",")],
        )
    )


def member_timeline_chart(weekly: pd.DataFrame) -> alt.Chart:
    """One member's activities per week, stacked by kind."""
    frame = weekly.assign(week=pd.to_datetime(weekly["week"]))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("week:T", title=t("chart.week")),
            y=alt.Y("sum(activities):Q", title=t("chart.activities")),
            color=alt.Color("kind:N", title=t("chart.kind")),
            tooltip=[alt.Tooltip("week:T", title=t("chart.week")), "kind:N", "activities:Q"],
        )
    )


def nps_trend_chart(trend: pd.DataFrame) -> alt.LayerChart:
    """NPS per week as a line, with its 95% margin of error as a band."""
    frame = trend.assign(
        week=pd.to_datetime(trend["week"]), low=trend["nps"] - trend["margin"], high=trend["nps"] + trend["margin"]
    )
    x = alt.X("week:T", title=t("chart.week"))
    band = (
        alt.Chart(frame)
        .mark_area(opacity=0.2)
        .encode(x=x, y=alt.Y("low:Q", title="NPS", scale=alt.Scale(domain=[-100, 100])), y2="high:Q")
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=x,
            y="nps:Q",
            tooltip=[
                alt.Tooltip("week:T", title=t("chart.week")),
                alt.Tooltip("nps:Q", format=".0f", title="NPS"),
                alt.Tooltip("margin:Q", format=".0f", title="±"),
                alt.Tooltip("answers:Q", title=t("chart.answers")),
            ],
        )
    )
    return band + line


def answers_chart(result: pd.DataFrame) -> alt.Chart:
    """How often each answer was given (scale points in order, choices in the definition's order)."""
    return (
        alt.Chart(result)
        .mark_bar()
        .encode(
            x=alt.X("answers:Q", title=t("chart.answers")),
            y=alt.Y("label:N", title=None, sort=result["label"].tolist()),
            tooltip=[
                alt.Tooltip("label:N", title=t("chart.answer")),
                alt.Tooltip("answers:Q", title=t("chart.answers")),
                alt.Tooltip("share:Q", format=".0%", title=t("chart.share_of_answers")),
            ],
        )
    )


def matrix_chart(result: pd.DataFrame, *, scale: list[str]) -> alt.Chart:
    """Each statement as a bar split by scale point, as shares of its answers."""
    return (
        alt.Chart(result)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", stack="normalize", axis=alt.Axis(format="%"), title=t("chart.share_of_answers")),
            y=alt.Y("row:N", title=None),
            color=alt.Color("label:N", title=t("chart.answer"), sort=scale, scale=alt.Scale(scheme="redyellowgreen")),
            order=alt.Order("answer:Q"),
            tooltip=["row:N", "label:N", "answers:Q", alt.Tooltip("share:Q", format=".0%")],
        )
    )


def counts_chart(counts: pd.DataFrame, *, field: str) -> alt.Chart:
    """Horizontal bars of `items` per value of `field` (feedback by theme, status or sentiment);
    the caption above it names the values."""
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            y=alt.Y(f"{field}:N", title=None, sort="-x"),
            x=alt.X("items:Q", title=t("chart.items")),
            tooltip=[f"{field}:N", alt.Tooltip("items:Q", format=",")],
        )
        .properties(height=alt.Step(22))
    )
