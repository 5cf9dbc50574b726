"""People across platforms, for administrators: the suggested matches (merge or dismiss), a merge of
two members by id, the accounts counted as one member, and the merges made (unmerge). Each change
takes effect at the next sync (data_sources/identities.py, data_sources/merges.py); merging is asked
first. Avatars are shown by their platforms' addresses (st.column_config.ImageColumn): the reader's
browser loads them, the server never fetches an image."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auth.access import Permission
from data_sources import merges
from ui import confirm, data
from ui.i18n import t
from ui.page import data_errors_stop_the_page, open_page
from ui.session import current_user, may, who
from ui.tables import known_words, plain, table, time_column, words_column

REASONS = {reason: f"people.reason.{reason}" for reason in merges.REASONS}
LINKED = ("self", "email", "merge")  # how an account is joined to its member (member_identities.linked_by)
LISTED = 500  # suggestions shown at once, the strongest first; decided ones make room for the next

settings, version = open_page("people", sharing=False)
if not may(Permission.MANAGE_DATA):
    st.info(t("people.not_allowed"))
    st.stop()
st.caption(t("people.intro"))
store = data.app_store(settings.app_db_url)
warehouse = data.warehouse(settings)
with data_errors_stop_the_page():
    suggested = merges.open_suggestions(warehouse, store)  # read fresh: a decision shows at once
    made = merges.in_force(store)
    joined = merges.joined_identities(warehouse)


def done(message: str) -> None:
    st.toast(message, icon=":material/check:")
    st.rerun()


platforms = known_words("platform")  # "Discord", "企业微信"; a file's channel as it is
st.subheader(t("people.suggestions"))
if suggested.empty:
    st.info(t("people.no_suggestions"))
else:
    # the two pictures first, side by side, then the two ids: a match is judged by eye and picked
    # from the menu below by its ids, on a phone too (where the rest is a scroll away)
    shown: dict[str, object] = {
        f"avatar_{side}": st.column_config.ImageColumn(t(f"column.avatar_{side}"), width="small") for side in ("a", "b")
    }
    shown |= {f"identity_{side}": t(f"column.member_{side}") for side in ("a", "b")}
    shown["reason"] = words_column(t("column.reason"), {key: t(words) for key, words in REASONS.items()})
    for side in ("a", "b"):
        shown |= {
            f"platform_{side}": words_column(t(f"column.platform_{side}"), platforms),
            f"handle_{side}": t(f"column.handle_{side}"),
            f"joined_at_{side}": time_column(t(f"column.joined_{side}")),
            f"activities_{side}": st.column_config.NumberColumn(t(f"column.activities_{side}"), format="%d"),
        }
    if len(suggested) > LISTED:
        st.caption(t("people.first_suggestions", shown=LISTED, total=len(suggested)))
        suggested = suggested.head(LISTED)
    table(suggested[list(shown)], key="people_suggestions_table", column_config=shown)
    choices = list(zip(suggested["identity_a"], suggested["identity_b"], strict=True))
    chosen = st.selectbox(
        t("people.pick_suggestion"),
        range(len(choices)),
        format_func=lambda row: t("people.pair", a=choices[row][0], b=choices[row][1]),
        index=None,
        placeholder=t("widget.choose"),
        key="people_suggestion",
    )
    actions = st.container(horizontal=True)  # the two buttons side by side, under the menu
    if actions.button(t("people.merge"), disabled=chosen is None, key="people_merge_suggestion"):
        confirm.ask("people_merge", choices[int(chosen)])
    if actions.button(t("people.dismiss"), disabled=chosen is None, key="people_dismiss"):
        a, b = choices[int(chosen)]
        with data_errors_stop_the_page():
            merges.dismiss(store, a, b, by=current_user())
        done(t("people.dismissed", a=plain(a), b=plain(b)))

st.subheader(t("people.by_id"))
first, second = st.columns(2)
typed_a = first.text_input(t("people.member_a"), key="people_a")
typed_b = second.text_input(t("people.member_b"), key="people_b")
if st.button(t("people.merge"), disabled=not (typed_a.strip() and typed_b.strip()), key="people_merge_ids"):
    with data_errors_stop_the_page():
        merges.check_known(warehouse, typed_a, typed_b)
    confirm.ask("people_merge", (typed_a.strip(), typed_b.strip()))

if (asked := confirm.pending("people_merge")) is not None:
    a, b = asked
    question = t("people.merge_question", a=plain(a), b=plain(b))
    if confirm.confirmed("people_merge", question, confirm=t("people.merge")):
        with data_errors_stop_the_page():
            merges.merge(store, a, b, by=current_user())
        done(t("people.merged", a=plain(a), b=plain(b)))

st.subheader(t("people.joined"), help=t("people.joined_help"))
if joined.empty:
    st.info(t("people.no_joined"))
else:
    if len(joined) >= merges.JOINED_LISTED:
        st.caption(t("people.first_joined", shown=merges.JOINED_LISTED))
    table(
        joined,
        key="people_joined_table",
        column_config={
            "avatar": st.column_config.ImageColumn(t("column.avatar_a"), width="small"),
            "member_id": t("column.person"),
            "identity_id": t("column.account"),
            "platform": words_column(t("column.platform_a"), platforms),
            "handle": t("column.handle_a"),
            "name": t("column.name"),
            "joined_at": time_column(t("column.joined_a")),
            "activities": st.column_config.NumberColumn(t("column.activities_a"), format="%d"),
            "linked_by": words_column(t("column.linked_by"), {key: t(f"people.linked.{key}") for key in LINKED}),
        },
    )

st.subheader(t("people.merges"))
if made.empty:
    st.info(t("people.no_merges"))
else:
    listed = pd.DataFrame(made).assign(created_by=lambda frame: frame["created_by"].map(who))
    table(
        listed,
        key="people_merges_table",
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d"),
            "member_a": t("column.member_a"),
            "member_b": t("column.member_b"),
            "created_by": t("column.created_by"),
            "created_at": time_column(t("column.created_at")),
        },
    )
    labels = {
        int(number): t("people.merge_label", id=int(number), a=a, b=b)
        for number, a, b in zip(made["id"], made["member_a"], made["member_b"], strict=True)
    }
    undone = st.selectbox(
        t("people.unmerge_which"),
        list(labels),
        format_func=labels.get,
        index=None,
        placeholder=t("widget.choose"),
        key="people_unmerge_id",
    )
    if st.button(t("people.unmerge"), disabled=undone is None, key="people_unmerge"):
        with data_errors_stop_the_page():
            merges.undo(store, int(undone), by=current_user())
        done(t("people.unmerged"))
