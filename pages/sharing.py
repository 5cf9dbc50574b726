"""Share links: every read-only link, who made it, when it expires and was last used; revoke one."""

from __future__ import annotations

import streamlit as st

import clock
from auth.access import Permission
from auth.share_links import list_links, revoke
from ui import confirm, data
from ui.i18n import t
from ui.page import require_entry
from ui.session import may
from ui.sharing import links_view
from ui.tables import table, time_column

require_entry()
st.title(t("sharing.title"))
if not may(Permission.SHARE):
    st.info(t("sharing.not_allowed"))
    st.stop()
store = data.app_store(data.current_settings().app_db_url)
now = clock.now()
links = list_links(store, now=now)
if links.empty:
    st.info(t("sharing.none"))
    st.stop()
st.caption(t("sharing.help"))
picked = table(
    links_view(links),
    # A row picked, then revoked below it. The table is another one once a link is added (the newest
    # is listed first): a picked position kept across it would name another link.
    key=f"sharing_table_{int(links['id'].max())}",
    selectable=True,
    column_config={
        "id": st.column_config.NumberColumn("#", format="%d"),
        "page": t("column.page"),
        "view": t("column.view"),
        "state": t("column.state"),
        "shows": t("column.shows"),
        "created_by": t("column.created_by"),
        "created_at": time_column(t("column.created_at")),
        "expires_at": time_column(t("column.expires_at")),
        "last_used": t("column.last_used"),
    },
)
rows = [row for row in picked.selection.rows if row < len(links)]
if not rows:
    st.caption(t("sharing.pick"))
else:
    link = links.iloc[rows[0]]
    name = t("sharing.link", id=int(link["id"]), page=t(f"nav.{link['page']}"))
    if link["state"] != "active":
        st.caption(t("sharing.not_active", link=name, state=t(f"sharing.state.{link['state']}")))
    elif st.button(t("sharing.revoke_link", link=name), key="sharing_revoke"):
        confirm.ask("sharing_revoke", int(link["id"]))  # asked first: a revoked link cannot be restored
if (asked := confirm.pending("sharing_revoke")) is not None:
    name = t("sharing.link", id=asked, page=t(f"nav.{links.set_index('id').at[asked, 'page']}"))
    if confirm.confirmed("sharing_revoke", t("sharing.revoke_question", link=name), confirm=t("sharing.revoke")):
        revoke(store, int(asked), now=now)
        st.rerun()
