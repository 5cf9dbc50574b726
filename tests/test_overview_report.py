"""The Overview KPIs together, and the CLI that prints them."""

from __future__ import annotations

import json
from datetime import date

import pytest

import cli
from metrics.filters import Filters
from metrics.overview import KPI_KEYS, overview_kpis

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))


def test_overview_kpis_for_both_periods(app_store, duckdb_warehouse):
    kpis = overview_kpis(warehouse=duckdb_warehouse, app_store=app_store, filters=P).kpis
    assert list(kpis) == list(KPI_KEYS)
    current = {key: kpi.current for key, kpi in kpis.items()}
    assert current == {
        "members": 7,
        "new_members": 2,
        "growth_rate": pytest.approx(0.4),
        "dau_avg": pytest.approx(6 / 7),
        "wau": 4,
        "mau": 6,
        "stickiness": pytest.approx(0.2),
        "active_rate": pytest.approx(6 / 7),
        "churn_rate": pytest.approx(2 / 3),
        "returning": 1,
        "newcomer_conversion": 0.5,
        "nps": 25.0,
        "open_feedback": 3,
    }
    # Q (22-28 Feb): DAU alice 23, bob 25 and 26, dave 28 = 4 over 7 days; MAU(28 Feb) = alice bob
    # dave (hank's 20 January is outside the window). Nobody was active 15-21 Feb: churn is None.
    assert kpis["dau_avg"].previous == pytest.approx(4 / 7)
    assert kpis["mau"].previous == 3
    assert kpis["churn_rate"].previous is None
    assert kpis["nps"].previous is None
    assert kpis["members"].change == 2


def test_report_json_has_every_kpi_with_current_and_previous(configured, capsys):
    assert cli.main(["report", "--start", "2025-03-01", "--end", "2025-03-08", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["period"]["previous_start"] == "2025-02-22"
    assert document["members"] == {"current": 7, "previous": 5}
    assert document["nps"] == {"current": 25.0, "previous": None}
    assert set(KPI_KEYS) <= set(document)


def test_report_filters_and_table(configured, capsys):
    assert cli.main(["report", "--start", "2025-03-01", "--end", "2025-03-08", "--region", "EU"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["kpi", "current", "previous"]
    assert lines[1].split() == ["members", "3", "3"]


@pytest.mark.parametrize(
    "arguments",
    [
        ["report", "--start", "2025-13-01", "--end", "2025-03-08"],
        ["report", "--start", "2025-03-08", "--end", "2025-03-01"],
        ["report", "--start", "2025-03-01"],
        ["report", "--start", "2025-03-01", "--end", "2025-03-08", "--format", "xml"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_give_one_line_and_exit_code_2(arguments, configured, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(arguments)
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1
    assert "error:" in error


def test_report_without_data_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PULSE_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("PULSE_APP_DB_URL", raising=False)
    assert cli.main(["report", "--start", "2025-03-01", "--end", "2025-03-08"]) == 1
    assert "python cli.py demo" in capsys.readouterr().err
