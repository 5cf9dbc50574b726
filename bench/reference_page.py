"""The reference page of the browser phase (bench/browser.py): a bare Streamlit page built like the
dashboard's largest pages, the Overview and Members (35-38 elements): a title and a filter bar of
five selectboxes (the first, the period, reruns it), a notice, fifteen st.metric tiles, two altair
charts, two st.dataframe tables (40 and 200 rows) each with a download button, a button, a link
button, captions and a style block, drawn from numbers made in the script, with no database, cache
or project code. Its times are what Streamlit itself costs on this machine at this minute; a page's
times are read as ratios to them.

`streamlit run bench/reference_page.py`; `?warm_up=1` draws one caption (the bench's untimed first
visit, which imports the libraries, as the app's warm-up visit does).
"""

from __future__ import annotations

import random

import altair as alt
import pandas as pd
import streamlit as st

DAYS = 90
WEEKS = 13
TOP_ROWS, LIST_ROWS = 40, 200  # the Overview's movers and the Members page's lists are of these sizes
TILES = 15
PERIODS = {"Last 28 days": 28, "Last 90 days": 90, "Last 365 days": 365}
CHANNELS = ["Forum", "Discord", "Slack", "Meetup", "Newsletter", "Referral"]
REGIONS = ["All regions", "Europe", "Asia", "Americas"]
SEGMENTS = ["All segments", "Builders", "Learners", "Lurkers"]
COMPARE = ["Previous period", "Same period last year"]
LEVELS = ["Champion", "Regular", "Casual", "Newcomer", "Dormant"]
STYLE = "<style>[data-testid='stMetric'] { min-height: 6rem; }</style>"


def series(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, list[tuple[str, int, int]]]:
    """The page's numbers for a choice: a daily trend, weekly bars per channel, a table of the top
    members, a longer list of members, and fifteen (label, value, change) tiles. The same seed gives
    the same numbers."""
    rng = random.Random(seed)
    days = pd.date_range("2026-01-01", periods=DAYS, freq="D")
    trend = pd.DataFrame(
        {
            "day": list(days) * 3,
            "measure": [name for name in ("DAU", "WAU", "MAU") for _ in range(DAYS)],
            "members": [rng.randint(100, 5000) for _ in range(DAYS * 3)],
        }
    )
    weeks = pd.date_range("2026-01-05", periods=WEEKS, freq="W-MON")
    bars = pd.DataFrame(
        {
            "week": [week for week in weeks for _ in CHANNELS],
            "channel": CHANNELS * WEEKS,
            "new members": [rng.randint(0, 300) for _ in range(WEEKS * len(CHANNELS))],
        }
    )
    top = pd.DataFrame(
        {
            "name": [f"Member {n}" for n in range(TOP_ROWS)],
            "channel": [rng.choice(CHANNELS) for _ in range(TOP_ROWS)],
            "points": [rng.randint(0, 10_000) for _ in range(TOP_ROWS)],
            "contributions": [rng.randint(0, 500) for _ in range(TOP_ROWS)],
            "active days": [rng.randint(0, 90) for _ in range(TOP_ROWS)],
        }
    )
    listed = pd.DataFrame(
        {
            "name": [f"Member {n}" for n in range(LIST_ROWS)],
            "email": [f"member{n}@example.org" for n in range(LIST_ROWS)],
            "level": [rng.choice(LEVELS) for _ in range(LIST_ROWS)],
            "channel": [rng.choice(CHANNELS) for _ in range(LIST_ROWS)],
            "joined": [days[0] - pd.Timedelta(days=rng.randint(0, 900)) for _ in range(LIST_ROWS)],
            "active days": [rng.randint(0, 90) for _ in range(LIST_ROWS)],
            "contributions": [rng.randint(0, 500) for _ in range(LIST_ROWS)],
        }
    )
    tiles = [(f"Measure {n + 1}", rng.randint(0, 100_000), rng.randint(-500, 500)) for n in range(TILES)]
    return trend, bars, top, listed, tiles


def page() -> None:
    st.set_page_config(page_title="Reference", layout="wide")
    if st.query_params.get("warm_up"):
        st.caption("Warmed up.")
        return
    st.html(STYLE)
    st.title("Reference page")
    period_column, *filter_columns = st.columns(5)
    period = period_column.selectbox("Period", list(PERIODS), key="period")
    for column, (label, options) in zip(
        filter_columns,
        (("Channel", ["All channels", *CHANNELS]), ("Region", REGIONS), ("Segment", SEGMENTS), ("Compare", COMPARE)),
        strict=True,
    ):
        column.selectbox(label, options, key=label)
    trend, bars, top, listed, tiles = series(PERIODS[period])
    st.info(f"Figures as of the last sync, for the {period.lower()}.")
    for row in range(3):
        for column, (label, value, change) in zip(st.columns(5), tiles[row * 5 : row * 5 + 5], strict=True):
            column.metric(label, f"{value:,}", f"{change:+,}", border=True)
    st.caption("Each change is against the period before.")
    left, right = st.columns(2)
    with left:
        st.subheader("Active members")
        st.altair_chart(
            alt.Chart(trend)
            .mark_line()
            .encode(x="day:T", y="members:Q", color="measure:N", tooltip=["day:T", "members:Q"]),
        )
    with right:
        st.subheader("New members by week")
        st.altair_chart(
            alt.Chart(bars).mark_bar().encode(x="week:T", y="sum(new members):Q", color="channel:N"),
        )
    st.subheader("Top members")
    st.dataframe(top, hide_index=True)
    st.download_button("Download the top members", top.to_csv(index=False), "top.csv", "text/csv")
    st.subheader("Members by level")
    st.caption(f"{len(listed)} members listed")
    st.dataframe(listed, hide_index=True)
    st.download_button("Download the list", listed.to_csv(index=False), "members.csv", "text/csv")
    st.button("Refresh")
    st.link_button("Present", "?present=1")
    st.markdown(f"**{period}**: {PERIODS[period]} days")


page()
