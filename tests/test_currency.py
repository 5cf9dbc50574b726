"""The campaigns' currency (settings.currency): read from PULSE_CURRENCY or [pulse] currency as an
ISO 4217 code and refused otherwise; named in the money columns' titles as the reader writes it,
on the Campaigns page and in the meeting report."""

from __future__ import annotations

import json

import pytest

from catalog.spoken import speaking
from reports.display import CAMPAIGN_COLUMNS, table
from settings import SettingsError, load_settings
from tests.test_app_analytics import demo, open_page  # noqa: F401  (fixture)


def test_a_currency_is_an_iso_code_in_any_case_and_anything_else_is_refused(tmp_path):
    environ = {"PULSE_DATA_DIR": str(tmp_path), "PULSE_SECRETS_FILE": str(tmp_path / "none.toml")}
    assert load_settings(environ=environ).currency is None
    assert load_settings(environ={**environ, "PULSE_CURRENCY": " cny "}).currency == "CNY"
    with pytest.raises(SettingsError) as refused:
        load_settings(environ={**environ, "PULSE_CURRENCY": "yuan"})
    assert refused.value.key == "error.settings.currency"
    assert "'yuan'" in refused.value.user_message and "ISO 4217" in refused.value.user_message


@pytest.mark.parametrize(
    ("language", "currency", "title"),
    [
        ("en", None, "Cost per participant"),
        ("en", "CNY", "Cost per participant (CN¥)"),
        ("zh-CN", "CNY", "人均成本（¥）"),
        ("en", "USD", "Cost per participant ($)"),
        ("zh-CN", "USD", "人均成本（US$）"),
    ],
)
def test_the_reports_cost_column_names_the_currency_as_the_reader_writes_it(language, currency, title):
    import pandas as pd

    with speaking(language):
        shown = table("Campaigns", pd.DataFrame(), CAMPAIGN_COLUMNS, empty="", currency=currency)
    assert shown.columns[-1] == title
    assert shown.columns[0] != title  # only the money column


def test_the_campaigns_page_names_the_currency_in_its_money_columns(demo, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PULSE_CURRENCY", "CNY")
    at = open_page("campaigns")
    assert not at.exception
    frame = next(f for f in at.dataframe if "budget" in f.value.columns)
    titles = {name: config.get("label") for name, config in json.loads(frame.proto.columns).items()}
    assert (titles["budget"], titles["cost_per_participant"]) == ("Budget (CN¥)", "Cost per participant (CN¥)")
