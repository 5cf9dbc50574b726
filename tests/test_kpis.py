"""A KPI is one row of metrics/kpis.py: tiles, reports and the CLI read how it reads from there, the
catalog names it in every language, docs/metrics.md defines it, and no module keeps a list of its own."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from catalog import CATALOGS, LANGUAGES
from metrics import sections, wecom
from metrics.filters import Filters
from metrics.kpi import Kpi, compare
from metrics.kpis import HEADLINE, KPIS, OVERVIEW, SPECS, Direction, Format, spec
from metrics.overview import overview_kpis
from visuals.formats import describe_change, format_change, format_value

ROOT = Path(__file__).resolve().parent.parent
P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))


def test_the_table_has_one_row_per_key():
    assert len(SPECS) == len(KPIS) == 22
    assert OVERVIEW[:3] == ("members", "new_members", "growth_rate") and len(OVERVIEW) == 13
    assert set(HEADLINE) <= set(OVERVIEW)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kpi_has_a_label_and_help_in_every_language(language):
    catalog = CATALOGS[language]
    assert [kpi.label for kpi in KPIS if kpi.label not in catalog] == []
    assert [kpi.help for kpi in KPIS if kpi.help not in catalog] == []


def documented() -> set[str]:
    """The first cell of every table row in docs/metrics.md, lower case."""
    lines = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8").splitlines()
    return {line.split("|")[1].strip().lower() for line in lines if line.startswith("| ")}


def test_every_kpi_is_defined_in_the_metrics_doc_under_its_english_label():
    labels = {kpi.key: CATALOGS["en"][kpi.label].lower() for kpi in KPIS}
    assert {key: label for key, label in labels.items() if label not in documented()} == {}


def kpi_lists(path: Path) -> list[str]:
    """Literal tuples, lists and sets naming three or more KPIs: a list of KPIs kept by hand. (A dict
    of figures by key is a metric computing them, or a table's columns, not a list of KPIs.)"""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            continue
        named = [item.value for item in node.elts if isinstance(item, ast.Constant) and item.value in SPECS]
        if len(named) >= 3:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {named}")
    return found


def test_no_module_but_the_table_keeps_a_list_of_kpis():
    code = [ROOT / "app.py", ROOT / "cli.py"] + [
        path
        for folder in ("metrics", "ui", "pages", "reports", "surveys", "feedback", "data_sources")
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]
    found = [hit for path in code if path != ROOT / "metrics" / "kpis.py" for hit in kpi_lists(path)]
    assert found == [], "read the KPIs from metrics/kpis.py instead"
    assert kpi_lists(ROOT / "metrics" / "kpis.py") == []  # its rows are calls, not one literal list
    assert kpi_lists(Path(__file__)) != []  # the scan finds a hand-kept list


KEPT_BY_HAND = ("members", "new_members", "mau")  # what kpi_lists finds in a module


@pytest.mark.parametrize(
    ("shape", "value", "shown"),
    [
        (Format.COUNT, 1234, "1,234"),
        (Format.DECIMAL, 0.857, "0.9"),
        (Format.PERCENT, 0.4, "40.0%"),
        (Format.SCORE, 25, "+25"),
    ],
)
def test_a_kpis_value_reads_as_its_spec_says(shape, value, shown):
    keys = [kpi.key for kpi in KPIS if kpi.format is shape]
    assert keys
    assert {key: format_value(key, value) for key in keys} == dict.fromkeys(keys, shown)


def test_a_rates_change_is_in_points_and_a_counts_in_its_units():
    assert format_change("churn_rate", Kpi(current=0.25, previous=0.2)) == "+5.0 pts vs 20.0%"
    assert format_change("members", Kpi(current=12, previous=10)) == "+2 vs 10"


@pytest.mark.parametrize("key", [kpi.key for kpi in KPIS])
def test_a_clear_rise_is_good_news_only_where_higher_is_better(key):
    rise = Kpi(current=200.0, previous=100.0)  # exact counts (no samples): a clear change
    tone = describe_change(key, rise).tone
    assert tone == ("bad" if spec(key).direction is Direction.DOWN else "good")


def test_a_key_without_a_spec_is_refused_by_name():
    with pytest.raises(KeyError, match=r"'dau_max' is no KPI: add its KpiSpec to metrics/kpis\.py"):
        format_value("dau_max", 3)


def test_every_tile_the_pages_show_has_a_spec(app_store, duckdb_warehouse):
    overview = overview_kpis(warehouse=duckdb_warehouse, app_store=app_store, filters=P).kpis
    assert tuple(overview) == OVERVIEW
    members = sections.member_kpis(warehouse=duckdb_warehouse, filters=P)
    engagement = sections.engagement_kpis(warehouse=duckdb_warehouse, filters=P)
    groups = wecom.group_figures(pd.DataFrame({"day": []}), P)  # the WeCom groups' tiles
    assert [key for key in (*members, *engagement, *groups) if key not in SPECS] == []
    assert set(OVERVIEW) | set(members) | set(engagement) | set(groups) == set(SPECS)  # no spec left unused


def test_a_pair_carries_each_periods_margin_and_sample_with_its_figure():
    current = {"nps": 20.0, "nps_margin": 30.5, "n_nps": 5.0, "mau": 6}
    previous = {"nps": -10.0, "nps_margin": 40.25, "n_nps": 3.0, "mau": 4}
    assert compare_pair(current, previous) == {
        "nps": Kpi(current=20.0, previous=-10.0, margin=30.5, previous_margin=40.25, sample=5, previous_sample=3),
        "mau": Kpi(current=6, previous=4),
    }


def compare_pair(current: dict, previous: dict) -> dict:
    """compare() over two fixed periods' figures: the margin and sample keys are no KPIs of their own."""
    return compare(lambda filters: current if filters == P else previous, filters=P)


@pytest.mark.parametrize(
    ("row", "brief", "height"),
    [
        (["mau", "new_members"], False, "stretch"),  # as tall as the tallest: no ragged row
        (["members", "mau"], False, "content"),  # a goal's line under "members": its neighbours would end below it
        (["members", "mau"], True, "stretch"),  # on a projector the goal is said in its tile
    ],
)
def test_a_row_of_tiles_stretches_unless_a_goals_line_sits_under_one(row, brief, height):
    from ui.tiles import row_height

    assert row_height(row, goals={"members": object()}, brief=brief) == height
