"""Tables with a CSV download beside them; the download is formula-safe (exports.safe_csv)."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st

from auth.access import Permission
from exports import safe_csv
from ui.i18n import t
from ui.session import may, presenting


def data_table(
    frame: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    column_config: dict[str, object] | None = None,
    selectable: bool = False,
    member_links: bool = False,
) -> int | None:
    """Show the frame and its download; with `selectable`, return the selected row's position.
    `member_links` marks rows of members: their names and email addresses are left out where the
    viewer may not see them (a share link that does not reveal them, a projector), and a link to
    each member's profile is added (shown, not downloaded) for those who may open profiles."""
    if member_links:  # email addresses only for those who may see them, whatever the loader gave
        hidden = {"name": Permission.MEMBER_NAMES, "email": Permission.PERSONAL_DATA}
        frame = frame.drop(columns=[column for column, needed in hidden.items() if not may(needed)], errors="ignore")
    shown, config = frame, dict(column_config or {})
    if member_links and may(Permission.PERSONAL_DATA):
        shown = frame.assign(profile=[f"lookup?member={quote(str(m))}" for m in frame["member_id"]])
        config["profile"] = st.column_config.LinkColumn(t("column.profile"), display_text=t("column.open"))
    event = st.dataframe(
        shown,
        hide_index=True,
        column_config=config,
        key=key,
        on_select="rerun" if selectable else "ignore",
        selection_mode="single-row",
    )
    if not presenting():  # no downloads on a projector (nor their data in the page)
        _download(frame, key=key, file_name=file_name)
    rows = event.selection.rows if selectable else []
    return rows[0] if rows else None


def _download(frame: pd.DataFrame, *, key: str, file_name: str) -> None:
    st.download_button(
        t("table.download"),
        data=safe_csv(frame),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        key=f"{key}_download",
        icon=":material/download:",
        on_click="ignore",
    )


def member_columns() -> dict[str, object]:
    """Labels of the member columns that tables share (absent columns are ignored by Streamlit)."""
    return {
        "member_id": t("column.member_id"),
        "name": t("column.name"),
        "email": t("column.email"),
        "joined_at": st.column_config.DatetimeColumn(t("column.joined"), format="D MMM YYYY"),
        "channel": t("filters.channel"),
        "region": t("filters.region"),
        "segment": t("filters.segment"),
    }


def plain(text: object) -> str:
    """Text for Streamlit's markdown elements (titles, headers, captions) shown literally: every
    ASCII punctuation mark is backslash-escaped, so member-written text cannot format or link."""
    return "".join(f"\\{char}" if char in _MARKDOWN_PUNCTUATION else char for char in str(text))


_MARKDOWN_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
