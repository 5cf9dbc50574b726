"""Cached access to the stores: one engine per URL for the process, small results per filter set.

Results are keyed by the warehouse version (the build sync swapped in), so a sync shows at once,
and otherwise expire after ten minutes (for databases queried in place). Only small frames and
dicts are cached: cache_data copies its value on every hit.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_sources.warehouse import Warehouse
from metrics import members, overview
from metrics.filters import Filters, with_dates
from schema import MEMBER_DIMENSIONS
from settings import Settings, load_settings
from store.database import AppStore

TTL = "10m"


def current_settings() -> Settings:
    return load_settings()


@st.cache_resource
def warehouse(url: str) -> Warehouse:
    return Warehouse(url)


@st.cache_resource
def app_store(url: str) -> AppStore:
    store = AppStore(url)
    store.migrate()
    return store


def _stores(settings: Settings) -> tuple[Warehouse, AppStore]:
    return warehouse(settings.warehouse_url), app_store(settings.app_db_url)


def data_version(settings: Settings) -> str:
    """Changes whenever sync swaps in a new warehouse; part of every cache key below."""
    return warehouse(settings.warehouse_url).version()


@st.cache_data(ttl=TTL, show_spinner=False)
def load_dimension_values(settings: Settings, version: str) -> dict[str, list[str]]:
    store = warehouse(settings.warehouse_url)
    return {name: store.run(members.dimension_values_query(name))["value"].tolist() for name in MEMBER_DIMENSIONS}


@st.cache_data(ttl=TTL, show_spinner=False)
def load_overview(settings: Settings, version: str, filters: Filters) -> overview.Overview:
    community, store = _stores(settings)
    return overview.overview_kpis(warehouse=community, app_store=store, filters=filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def load_new_members_by_week(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    community = warehouse(settings.warehouse_url)
    return with_dates(community.run(members.new_members_by_week_query(filters=filters)), "week")


@st.cache_data(ttl=TTL, show_spinner=False)
def load_movers(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    return overview.movers_frame(warehouse=warehouse(settings.warehouse_url), filters=filters)
