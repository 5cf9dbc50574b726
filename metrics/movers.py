"""What changed most: the channels, regions and segments whose active or new members moved most
against the previous period, so a manager sees where a change in the tiles comes from."""

from __future__ import annotations

import pandas as pd

MIN_BASE = 5  # groups smaller than this in both periods are noise, not news


def new_by_dimension(current: pd.DataFrame, previous: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Rows (value, current, previous): members who joined in this period and in the previous one
    per value of the dimension, from each period's newcomer conversion counts
    (metrics.retention.newcomer_conversion_query: new members by channel, region and segment), which
    a page has for both periods already: no statement of its own."""
    counts = {
        name: counts.groupby(dimension, dropna=False)["new_members"].sum()
        for name, counts in (("current", current), ("previous", previous))
    }
    grouped = pd.DataFrame(counts).fillna(0).astype("int64")
    return grouped.rename_axis("value").reset_index()


def top_movers(frames: dict[tuple[str, str], pd.DataFrame], *, limit: int = 5) -> pd.DataFrame:
    """Rows (measure, dimension, value, previous, current, change, change_pct), largest moves first,
    ties in the order of measure, dimension and value.

    `frames` maps (measure, dimension) to a frame of value/current/previous. Moves are ranked by
    absolute change; groups below MIN_BASE in both periods are left out.
    """
    columns = ["measure", "dimension", "value", "previous", "current", "change", "change_pct"]
    parts = [
        frame.dropna(subset=["value"]).assign(measure=measure, dimension=dimension)
        for (measure, dimension), frame in frames.items()
        if not frame.empty
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(parts, ignore_index=True).astype({"current": "int64", "previous": "int64"})
    rows = rows[(rows["current"] >= MIN_BASE) | (rows["previous"] >= MIN_BASE)]
    rows = rows.assign(
        change=rows["current"] - rows["previous"],
        change_pct=(rows["current"] - rows["previous"]) / rows["previous"].where(rows["previous"] > 0),
    )
    rows = rows[rows["change"] != 0].assign(size=lambda f: f["change"].abs())
    ranked = rows.sort_values(["size", "measure", "dimension", "value"], ascending=[False, True, True, True])
    return ranked.head(limit)[columns].reset_index(drop=True)
