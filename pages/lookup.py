"""Member lookup: find a member by name, email or id, and see what they did and said."""

from __future__ import annotations

import streamlit as st

from auth.access import Permission
from ui import data
from ui.address import key_in_address
from ui.i18n import t
from ui.outage import app_store_or_stop
from ui.page import data_errors_stop_the_page, open_page
from ui.presentation import show_chart
from ui.session import may, presenting
from ui.tables import data_table, day, known, leading, plain, profile_columns
from visuals.charts import member_timeline_chart

NEWEST = "lookup_newest"  # the newest members' table

settings, version = open_page("lookup")
if presenting():  # a member's profile is personal through and through: never on a projector
    st.info(t("lookup.not_presented"))
    st.stop()
show_email, show_text = may(Permission.PERSONAL_DATA), may(Permission.FREE_TEXT)

text = st.text_input(
    t("lookup.search_email") if show_email else t("lookup.search"),
    placeholder=t("lookup.search_example"),
    key="lookup_q",
    bind="query-params",
)
member_id = key_in_address("member")
if text.strip():
    with data_errors_stop_the_page():
        found = data.search_members(settings, text, include_email=show_email)
    if found.empty:
        st.info(t("lookup.nothing", text=plain(text.strip())))
    else:
        row = data_table(
            found,
            key=f"lookup_results_{text.strip()}",  # a new search starts without a selection
            file_name="members",
            selectable=True,
        )
        if row is not None:
            member_id = str(found.iloc[row]["member_id"])
            st.query_params["member"] = member_id  # the address now opens this profile
elif not member_id or st.session_state.get(NEWEST, {}).get("selection", {}).get("rows"):
    # Before anything is typed, the members who joined last (kept above the one opened from them)
    if not member_id:
        st.caption(t("lookup.hint"))
    with data_errors_stop_the_page():
        newest = data.load_newest_members(settings, version, show_email)
    if not newest.empty:
        st.markdown(t("lookup.newest"))
        row = data_table(leading(newest, "name", "joined_at"), key=NEWEST, file_name="newest-members", selectable=True)
        if row is not None:
            member_id = str(newest.iloc[row]["member_id"])
            st.query_params["member"] = member_id
if not member_id:
    if text.strip():
        st.caption(t("lookup.hint"))
    st.stop()

year = data.context_year(settings)
app_store_or_stop(settings)  # the member's answers and feedback
with data_errors_stop_the_page():
    profile = data.load_profile(settings, member_id, filters=year, include_email=show_email, include_text=show_text)
member = profile["member"]
if member.empty:
    st.warning(t("lookup.unknown", member_id=plain(member_id)))
    st.stop()

person = member.iloc[0]
st.subheader(plain(known(person, "name", "member_id")[0]))
facts = [
    t("lookup.id", member_id=person["member_id"]),
    t("lookup.joined", joined=day(person["joined_at"])),
    *known(person, "channel", "region", "segment", *(["email"] if show_email else [])),
]
if person["is_team"]:
    facts.append(t("lookup.team"))
st.caption(plain(" · ".join(facts)))

level = profile["level"]
columns = st.columns(3)
if level.empty:
    columns[0].metric(t("lookup.level"), "–", help=t("lookup.level_help_team"), border=True)
else:
    now = level.iloc[0]
    columns[0].metric(t("lookup.level"), t(f"level.{now['level']}"), help=t("lookup.level_help"), border=True)
    columns[1].metric(t("column.active_weeks"), int(now["active_weeks"] or 0), border=True)
    columns[2].metric(t("column.contributions_90"), int(now["contributions"] or 0), border=True)

st.markdown(t("lookup.timeline", start=day(year.start)))
if profile["weekly"].empty:
    st.info(t("lookup.no_activity"))
else:
    show_chart(member_timeline_chart, profile["weekly"])

sections = [
    ("recent", "lookup.recent", "lookup.no_recent"),
    ("campaigns", "lookup.campaigns", "lookup.no_campaigns"),
    ("answers", "lookup.answers", "lookup.no_answers"),
    ("feedback", "lookup.feedback", "lookup.no_feedback"),
]
for key, title, empty in sections:
    st.markdown(t(title))
    if profile[key].empty:
        st.caption(t(empty))
    else:
        data_table(
            profile[key], key=f"lookup_{key}", file_name=f"{member_id}-{key}", column_config=profile_columns(key)
        )
if not show_text:
    st.caption(t("lookup.text_hidden"))
