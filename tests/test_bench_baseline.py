"""The benchmark compares our Overview with the pandas way; both must give the same figures."""

from __future__ import annotations

from datetime import date

import pytest

from bench import baseline
from data_sources.warehouse import Warehouse
from metrics.filters import Filters
from metrics.overview import overview_kpis
from settings import load_settings
from store.database import AppStore


def test_the_pandas_way_gives_the_overviews_figures(configured):
    settings = load_settings()
    period = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
    theirs = baseline.measure(settings, period)
    store = AppStore(settings.app_db_url)
    ours = overview_kpis(warehouse=Warehouse(settings.warehouse_url), app_store=store, filters=period).kpis
    store.dispose()
    assert set(theirs["kpis"]) == {
        "members", "new_members", "growth_rate", "dau_avg", "wau", "mau", "stickiness", "active_rate", "churn_rate",
        "returning",
    }  # fmt: skip
    for key, value in theirs["kpis"].items():
        assert value == pytest.approx(ours[key].current), key
    for key, value in theirs["previous"].items():
        assert value == pytest.approx(ours[key].previous), key
