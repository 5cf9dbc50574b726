"""KPI tiles: the value, the change against the previous period, and the previous value."""

from __future__ import annotations

import streamlit as st

from metrics.kpi import Kpi
from ui.formats import LOWER_IS_BETTER, format_change, format_value
from ui.i18n import t


def kpi_tiles(kpis: dict[str, Kpi], *, per_row: int = 5) -> None:
    keys = list(kpis)
    for offset in range(0, len(keys), per_row):
        columns = st.columns(per_row)
        for column, key in zip(columns, keys[offset : offset + per_row], strict=False):
            kpi = kpis[key]
            column.metric(
                t(f"kpi.{key}"),
                format_value(key, kpi.current),
                delta=format_change(key, kpi),
                delta_color="off" if not kpi.change else "inverse" if key in LOWER_IS_BETTER else "normal",
                help=t(f"help.{key}"),
                border=True,
            )
