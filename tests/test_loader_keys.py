"""ui/data.py's cache keys: a loader's Settings and Filters are keyed by their text, not walked
field by field by Streamlit, and the key still tells apart every value a field can change to."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from metrics.filters import Filters
from settings import Settings, SheetsConfig
from ui import data

BASE = Settings(
    data_dir=Path("/srv/pulse"),
    warehouse_url="duckdb:////srv/pulse/warehouse.duckdb",
    app_db_url="sqlite:////srv/pulse/app.db",
    timezone="UTC",
    community_source="demo",
    session_secret="first",
)


def _other(value: Any) -> Any:
    """Another value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, Path):
        return value / "other"
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "other"
    raise AssertionError(f"no other value for {value!r}")


def test_every_field_of_the_settings_changes_the_key():
    key = data.KEYS[Settings](BASE)
    for field in fields(Settings):
        value = getattr(BASE, field.name)
        changed = SheetsConfig("sheet", (("members", "Members"),)) if field.name == "sheets" else _other(value)
        assert data.KEYS[Settings](replace(BASE, **{field.name: changed})) != key, field.name
    assert data.KEYS[Settings](replace(BASE)) == key


def test_filters_are_keyed_by_their_period_and_members():
    filters = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
    others = [
        replace(filters, start=date(2025, 2, 28)),
        replace(filters, end=date(2025, 3, 9)),
        replace(filters, channel="forum"),
        replace(filters, region="forum"),  # the same value in another dimension
        replace(filters, segment="forum"),
        replace(filters, timezone="Asia/Shanghai"),
    ]
    keys = [data.KEYS[Filters](one) for one in [filters, *others]]
    assert len(set(keys)) == len(keys)


def test_a_loader_computes_again_for_other_settings_only():
    computed: list[str] = []

    @data.cached()
    def loader(settings: Settings, filters: Filters) -> str:
        computed.append(settings.warehouse_url)
        return settings.warehouse_url

    st.cache_data.clear()
    filters = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
    other = replace(BASE, warehouse_url="postgresql+psycopg://pulse@db/pulse")
    assert [loader(BASE, filters), loader(replace(BASE), filters), loader(other, filters)] == [
        BASE.warehouse_url,
        BASE.warehouse_url,
        other.warehouse_url,
    ]
    assert computed == [BASE.warehouse_url, other.warehouse_url]
