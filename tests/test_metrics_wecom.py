"""WeCom group figures (metrics/wecom.py, docs/metrics.md "Messages in WeCom groups") worked by hand on
a small `wecom_group_days` table, written beside the community's tables as a sync writes it (DuckDB)
or as a warehouse queried in place holds it (SQLite, PostgreSQL).

The week P = [Mon 9 Mar 2026, Mon 16 Mar), the week before it Q = [2 Mar, 9 Mar):

| day | | msg_total | member_has_msg | new_member_cnt |
|---|---|---|---|---|
| 1 Mar | the day before Q: in neither | 1000 | 100 | 100 |
| 2 Mar | Q's first day | 7 | 2 | 1 |
| 8 Mar | Q's last day | 3 | 4 | 0 |
| 9 Mar | P's first day | 10 | 3 | 2 |
| 12 Mar | | 5 | 2 | 0 |
| 15 Mar | P's last day | 20 | 2 | 1 |
| 16 Mar | P's end: in neither | 500 | 50 | 50 |

P: messages 10 + 5 + 20 = 35, speakers a day (3 + 2 + 2) / 3 = 2.33.. shown 2.3, new members 3.
Q: messages 7 + 3 = 10, speakers (2 + 4) / 2 = 3.0, new members 1.

The day 15 Mar alone (a one-day period) against 14 Mar, which WeCom did not count: 20 messages, 2
speakers, 1 new member against none (no change). April, which WeCom counted no day of: none at all.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data_sources.connectors.wecom import FIGURES, group_days, group_days_frame
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from metrics.filters import Filters
from metrics.kpi import Kpi
from metrics.wecom import group_days_query, group_kpis
from tests import community
from tests.conftest import make_warehouse

ENGINES = ["duckdb", "sqlite", "postgresql"]
P = Filters(start=date(2026, 3, 9), end=date(2026, 3, 16))
DAYS = [
    (date(2026, 3, 1), 1000, 100, 100),
    (date(2026, 3, 2), 7, 2, 1),
    (date(2026, 3, 8), 3, 4, 0),
    (date(2026, 3, 9), 10, 3, 2),
    (date(2026, 3, 12), 5, 2, 0),
    (date(2026, 3, 15), 20, 2, 1),
    (date(2026, 3, 16), 500, 50, 50),
]
COLUMNS = ["day", "msg_total", "member_has_msg", "new_member_cnt"]


@pytest.fixture(params=ENGINES)
def wecom_warehouse(request, tmp_path, new_postgres_database):
    """The fixture community with DAYS in wecom_group_days, on each engine."""
    archived = pd.DataFrame([(day.isoformat(), *figures) for day, *figures in reversed(DAYS)], columns=COLUMNS)
    archived = archived.assign(**{name: 0 for name in FIGURES if name not in COLUMNS})  # not read here
    # written newest first, so only the query's ORDER BY puts them in order
    frame = group_days_frame(archived)
    if request.param == "duckdb":
        path = tmp_path / "warehouse.duckdb"
        build_warehouse(path, community.frames(), timezone="UTC", beside={group_days: frame})
        result = Warehouse(f"duckdb:///{path}")
    else:
        built = make_warehouse(request.param, tmp_path, community.frames(), new_postgres_database)
        writer = create_engine(built.url)
        group_days.create(writer)
        with writer.begin() as connection:
            connection.execute(group_days.insert(), frame.to_dict("records"))
        writer.dispose()
        built.dispose()
        result = Warehouse(built.url)
    yield result
    result.dispose()


def rows(frame: pd.DataFrame) -> list[tuple]:
    return [
        (pd.Timestamp(day).date(), int(messages), int(speakers), int(joined))
        for day, messages, speakers, joined in zip(*(frame[column] for column in COLUMNS), strict=True)
    ]


def test_the_query_reads_the_period_and_the_one_before_from_its_first_day_to_its_end_oldest_first(wecom_warehouse):
    """1 Mar (before Q) and 16 Mar (P's end) are left out; 2 Mar and 15 Mar are in."""
    days = wecom_warehouse.run(group_days_query(filters=P))
    assert list(days.columns) == COLUMNS
    assert rows(days) == DAYS[1:6]


def test_a_week_against_the_week_before_sums_messages_and_new_members_and_averages_speakers(wecom_warehouse):
    kpis, days = group_kpis(warehouse=wecom_warehouse, filters=P)
    assert kpis == {
        "wecom_messages": Kpi(current=35.0, previous=10.0),
        "wecom_speakers": Kpi(current=2.3, previous=3.0),
        "wecom_new_members": Kpi(current=3.0, previous=1.0),
    }
    # the chart's days: the period's only, as dates, numbered from 0
    assert list(days.columns) == COLUMNS
    assert list(days.index) == [0, 1, 2]
    assert list(days["day"]) == [date(2026, 3, 9), date(2026, 3, 12), date(2026, 3, 15)]
    assert rows(days) == DAYS[3:6]


def test_a_day_against_a_day_wecom_did_not_count_has_no_previous(wecom_warehouse):
    kpis, days = group_kpis(warehouse=wecom_warehouse, filters=Filters(start=date(2026, 3, 15), end=date(2026, 3, 16)))
    assert kpis == {
        "wecom_messages": Kpi(current=20.0, previous=None),
        "wecom_speakers": Kpi(current=2.0, previous=None),
        "wecom_new_members": Kpi(current=1.0, previous=None),
    }
    assert [kpi.change for kpi in kpis.values()] == [None, None, None]
    assert rows(days) == [DAYS[5]]


def test_a_period_wecom_counted_no_day_of_has_no_figures_and_no_days(wecom_warehouse):
    kpis, days = group_kpis(warehouse=wecom_warehouse, filters=Filters(start=date(2026, 4, 1), end=date(2026, 4, 8)))
    assert kpis == {
        "wecom_messages": Kpi(current=None, previous=None),
        "wecom_speakers": Kpi(current=None, previous=None),
        "wecom_new_members": Kpi(current=None, previous=None),
    }
    assert list(days.columns) == COLUMNS
    assert days.empty
