"""Members: growth by group, retention by signup cohort, engagement levels, champions slipping away."""

from __future__ import annotations

import streamlit as st

from auth.access import Permission
from metrics import levels
from schema import MEMBER_DIMENSIONS
from ui import data, page_charts
from ui.address import choice_in_address, key_in_address
from ui.i18n import t
from ui.page import data_errors_stop_the_page, start_page
from ui.presentation import draw, partial_weeks_note, unfinished_month_note
from ui.selection import choice_changed, choice_key, kept_in_address
from ui.session import may, shared_link
from ui.tables import catalog_words, data_table, day_column, leading, period_days, plain, words_column
from ui.tiles import kpi_tiles, tile_columns
from visuals import text
from visuals.charts import chosen


def _grouping_changed() -> None:
    """A new grouping: the chosen group (a value of the grouping before) is taken out of the
    address, which would otherwise filter the new grouping's table to nothing."""
    choice_changed("growth_by")
    if shared_link() is None:
        st.query_params.pop("group", None)


page = start_page("members")
settings, version, filters = page.settings, page.version, page.filters
show_email = may(Permission.PERSONAL_DATA)

with data_errors_stop_the_page():
    kpis = data.load_member_kpis(settings, version, filters)
kpi_tiles(kpis, filters=filters, per_row=4)

st.subheader(t("members.growth"), help=t("members.growth_help"))
dimension = st.segmented_control(
    t("members.growth_by"),
    MEMBER_DIMENSIONS,
    format_func=lambda key: t(f"filters.{key}"),
    key=choice_key("growth_by", MEMBER_DIMENSIONS, default=page_charts.GROWTH_BY),
    on_change=_grouping_changed,
)
dimension = dimension or page_charts.GROWTH_BY
with data_errors_stop_the_page():
    weeks = data.load_new_members_by_week(settings, version, filters, dimension)
    growth = data.load_growth_by(settings, version, filters, dimension)
with data_errors_stop_the_page():
    joins = page_charts.joins(settings, version, filters, weeks, by=dimension)  # each group in its colour
if joins is None:
    st.info(t("members.no_joins", **period_days(filters)))
    group = None
else:
    event = draw(joins, on_select="rerun", key="members_growth_chart")
    partial_weeks_note(weeks, (filters.start, filters.end))
    key_in_address("group")
    group = kept_in_address("group", chosen(event, "group", "value"))
    group = choice_in_address("group", group, set(growth["value"].fillna("–")))
if group is not None:
    st.caption(t("members.showing_group", group=plain(group)))
    growth = growth[growth["value"].fillna("–") == group]
data_table(
    growth,
    key="members_growth_table",
    file_name=f"growth-by-{dimension}",
    column_config={
        "value": t(f"filters.{dimension}"),
        "members": st.column_config.NumberColumn(t("kpi.members"), format="localized"),
        "new_members": st.column_config.NumberColumn(t("kpi.new_members"), format="localized"),
        "growth_rate": st.column_config.NumberColumn(
            t("kpi.growth_rate"), help=t("column.growth_rate_help"), format="percent"
        ),
    },
)

st.subheader(t("members.cohorts"), help=t("members.cohorts_help"))
with data_errors_stop_the_page():
    grid = data.load_cohorts(settings, version, filters)
heatmap = page_charts.cohorts(grid)
if heatmap is None:
    st.info(t("members.no_cohorts"))
else:
    draw(heatmap)
    unfinished_month_note(grid, last=filters.last)

st.subheader(t("members.levels"), help=t("members.levels_help", **vars(levels.RULES)))
with data_errors_stop_the_page():
    changes = data.load_level_changes(settings, version, filters)
moves = levels.moves(changes)
columns = tile_columns("moved_up", count=3)
for column, key in zip(columns, ("moved_up", "moved_down", "new"), strict=True):
    column.metric(t(f"members.{key}"), text.number(moves[key]), help=t(f"members.{key}_help"), border=True)
event = draw(page_charts.level_moves(changes), on_select="rerun", key="members_levels_chart")
level = kept_in_address("level", chosen(event, "level", "level"))
level = choice_in_address("level", level, levels.LEVELS) or "champion"
st.markdown(t("members.at_level", level=t(f"level.{level}")))
with data_errors_stop_the_page():
    at_level = data.load_members_at_level(settings, version, filters, level)
level_columns = {
    "active_weeks": st.column_config.NumberColumn(t("column.active_weeks")),
    "contributions": st.column_config.NumberColumn(t("column.contributions_90"), format="localized"),
    "last_day": day_column(t("column.last_active"), help=t("column.last_active_help")),
    "previous_level": words_column(
        t("column.previous_level"), catalog_words("level", levels.LEVELS), help=t("column.previous_level_help")
    ),
}
first = ("name", "contributions", "active_weeks", "last_day", "previous_level")  # as the lists are sorted
data_table(
    leading(at_level, *first),
    key="members_level_table",
    file_name=f"{level}s",
    column_config=level_columns,
    member_links=True,
)

st.subheader(t("members.slipping"), help=t("members.slipping_help"))
with data_errors_stop_the_page():
    slipping = data.load_slipping_champions(settings, version, filters, show_email)
if slipping.empty:
    st.success(t("members.no_slipping"))
else:
    as_champion = {  # counted over the window when they were champions, not the period's last 90 days
        "active_weeks": st.column_config.NumberColumn(
            t("column.active_weeks_as_champion"), help=t("column.as_champion_help")
        ),
        "contributions": st.column_config.NumberColumn(
            t("column.contributions_as_champion"), help=t("column.as_champion_help"), format="localized"
        ),
    }
    data_table(
        leading(slipping, *first),
        key="members_slipping_table",
        file_name="slipping-champions",
        column_config=level_columns | as_champion,
        member_links=True,
    )
