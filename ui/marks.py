"""The campaigns and notes marked on a trend chart, with the address of each campaign's results."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd

from metrics.filters import Filters, view_query


def campaign_links(marks: pd.DataFrame, filters: Filters, *, shared: bool) -> pd.DataFrame:
    """`marks` (metrics.notes.chart_marks) with a `link` to each campaign's results on the campaigns
    page for the same dates and members (`campaigns?campaign=<id>&period=custom&…`); none for notes,
    nor under a share link (`shared`), whose address may hold nothing but its token."""
    if shared:
        return marks.assign(link=None)
    view = view_query(filters, period="custom")
    links = [
        None if campaign is None else f"campaigns?{urlencode(view | {'campaign': campaign})}"
        for campaign in marks["campaign_id"]
    ]
    return marks.assign(link=pd.Series(links, index=marks.index, dtype=object))
