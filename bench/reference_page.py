"""The reference page of the browser phase (bench/browser.py): a bare Streamlit page with about as
many elements as a dashboard page (twelve st.metric tiles, two altair charts, one st.dataframe and
a selectbox that reruns it), drawn from numbers made in the script, with no database, cache or
project code. Its times are what Streamlit itself costs on this machine at this minute; a page's
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
ROWS = 40
PERIODS = {"Last 28 days": 28, "Last 90 days": 90, "Last 365 days": 365}
CHANNELS = ["Forum", "Discord", "Slack", "Meetup", "Newsletter", "Referral"]


def series(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[tuple[str, int, int]]]:
    """The page's numbers for a choice: a daily trend, weekly bars per channel, a table, and twelve
    (label, value, change) tiles. The same seed gives the same numbers."""
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
    table = pd.DataFrame(
        {
            "name": [f"Member {n}" for n in range(ROWS)],
            "channel": [rng.choice(CHANNELS) for _ in range(ROWS)],
            "points": [rng.randint(0, 10_000) for _ in range(ROWS)],
            "contributions": [rng.randint(0, 500) for _ in range(ROWS)],
            "active days": [rng.randint(0, 90) for _ in range(ROWS)],
        }
    )
    tiles = [(f"Measure {n + 1}", rng.randint(0, 100_000), rng.randint(-500, 500)) for n in range(12)]
    return trend, bars, table, tiles


def page() -> None:
    st.set_page_config(page_title="Reference", layout="wide")
    if st.query_params.get("warm_up"):
        st.caption("Warmed up.")
        return
    st.title("Reference page")
    period = st.selectbox("Period", list(PERIODS), key="period")
    trend, bars, table, tiles = series(PERIODS[period])
    st.caption(f"{period}: {PERIODS[period]} days")
    for row in range(3):
        for column, (label, value, change) in zip(st.columns(4), tiles[row * 4 : row * 4 + 4], strict=True):
            column.metric(label, f"{value:,}", f"{change:+,}", border=True)
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
    st.dataframe(table, hide_index=True)


page()
