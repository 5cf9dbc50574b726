"""Tables with a CSV download beside them; the download is formula-safe (exports.safe_csv)."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st

from exports import safe_csv
from ui.i18n import t


def data_table(
    frame: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    column_config: dict[str, object] | None = None,
    selectable: bool = False,
) -> int | None:
    """Show the frame and its download; with `selectable`, return the selected row's position.
    A profile link column is shown but left out of the download."""
    event = st.dataframe(
        frame,
        hide_index=True,
        column_config=column_config,
        key=key,
        on_select="rerun" if selectable else "ignore",
        selection_mode="single-row",
    )
    st.download_button(
        t("table.download"),
        data=safe_csv(frame.drop(columns=PROFILE_COLUMN, errors="ignore")),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        key=f"{key}_download",
        icon=":material/download:",
        on_click="ignore",
    )
    rows = event.selection.rows if selectable else []
    return rows[0] if rows else None


PROFILE_COLUMN = "profile"


def with_profile_links(frame: pd.DataFrame) -> pd.DataFrame:
    """Add a link to each member's lookup page (shown as a link column, left out of downloads)."""
    return frame.assign(**{PROFILE_COLUMN: [f"lookup?member={quote(str(m))}" for m in frame["member_id"]]})


def profile_link_column() -> dict[str, object]:
    return {PROFILE_COLUMN: st.column_config.LinkColumn(t("column.profile"), display_text=t("column.open"))}


def plain(text: object) -> str:
    """Text for Streamlit's markdown elements (titles, headers, captions) shown literally: every
    ASCII punctuation mark is backslash-escaped, so member-written text cannot format or link."""
    return "".join(f"\\{char}" if char in _MARKDOWN_PUNCTUATION else char for char in str(text))


_MARKDOWN_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
