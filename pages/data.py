"""Data: where the community data comes from, how fresh it is, and the ways to refresh it (sync,
file imports, Google Forms responses, the write-back sheet); the delivery outbox. For admins."""

from __future__ import annotations

import streamlit as st

from auth.access import Permission
from data_sources.sync import recent_runs
from delivery import outbox
from ui import data, data_actions
from ui.connector_forms import connector_editor
from ui.data_views import channels_section, connectors_section, delivery_columns, delivery_view, run_columns, runs_view
from ui.i18n import t
from ui.page import data_errors_stop_the_page, require_entry
from ui.session import may
from ui.tables import table

require_entry()
st.title(t("data.title"))
if not may(Permission.MANAGE_DATA):
    st.info(t("data.not_allowed"))
    st.stop()
with data_errors_stop_the_page():
    settings = data.current_settings()
store = data.app_store(settings.app_db_url)

# Where the data comes from and how fresh it is, the ways to refresh it, what ran.
source, fresh = st.columns(2)
if settings.warehouse_path is None:
    data_actions.in_place_source(settings, source, fresh)
else:
    data_actions.built_source(settings, store, source, fresh)
data_actions.forms_import(settings, store)
data_actions.import_batches(store)
if settings.write_back_spreadsheet is not None:
    data_actions.write_back(settings, store)

st.subheader(t("data.runs"))
runs = recent_runs(store)
if not runs.empty:
    table(runs_view(runs), column_config=run_columns(), key="data_runs")

st.subheader(t("data.connectors"))
connectors_section(settings, store)
connector_editor(settings, store)

st.subheader(t("data.channels"))
channels_section(settings, store)

st.subheader(t("data.deliveries"))
deliveries = outbox.recent(store)
if deliveries.empty:
    st.caption(t("data.deliveries_none"))
else:
    st.caption(t("data.deliveries_help"))
    table(delivery_view(deliveries), column_config=delivery_columns(), key="data_deliveries")
