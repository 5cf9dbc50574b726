"""Every KPI a tile, report or `cli.py report` shows, once: its key, how its value reads, which way
is good, and whether the Overview shows it. Tiles (ui/tiles.py), formats (ui/formats.py), reports
and the CLI look a KPI up here; its label and help are the catalog's `kpi.<key>` and `help.<key>`,
and docs/metrics.md defines it under its English label (tests/test_kpis.py checks all three).

A new KPI is a row here, its two catalog keys in every language and its line in docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Format(StrEnum):
    """How a value reads (catalog/locale.py writes it in the reader's language)."""

    COUNT = "count"  # a whole number: 1,234
    DECIMAL = "decimal"  # one decimal: 0.9
    PERCENT = "percent"  # a share from 0 to 1 shown as 42.0%; its change in points
    SCORE = "score"  # a signed whole number: +25 (NPS)


class Projection(StrEnum):
    """How a goal's value at its period's end is projected from the period so far (docs/metrics.md,
    "Goals")."""

    TREND = "trend"  # a level read each day (MAU): the least-squares line of the days so far, extended
    PACE = "pace"  # a count that adds up over the period: what was added so far, at the same pace
    LEVEL = "level"  # a score, rate or average: the value so far, with its margin of error


class Direction(StrEnum):
    """Which change is good news (a clear change is coloured green for it, red against it)."""

    UP = "higher_is_better"
    DOWN = "lower_is_better"


@dataclass(frozen=True)
class KpiSpec:
    key: str
    format: Format
    direction: Direction = Direction.UP
    overview: bool = False  # one of the Overview's tiles, in this table's order
    headline: bool = False  # one of the Overview's first, largest tiles
    projection: Projection = Projection.LEVEL  # a goal's projection (metrics/goals.py)

    @property
    def label(self) -> str:
        """The catalog key of its name."""
        return f"kpi.{self.key}"

    @property
    def help(self) -> str:
        """The catalog key of what it counts (a tile's tooltip)."""
        return f"help.{self.key}"

    @property
    def percent(self) -> bool:
        return self.format is Format.PERCENT

    @property
    def decimals(self) -> int:
        return 1 if self.format is Format.DECIMAL else 0

    @property
    def signed(self) -> bool:
        return self.format is Format.SCORE

    @property
    def lower_is_better(self) -> bool:
        return self.direction is Direction.DOWN


KPIS: tuple[KpiSpec, ...] = (
    # The Overview's tiles (metrics/overview.py), in order.
    KpiSpec("members", Format.COUNT, overview=True, headline=True, projection=Projection.PACE),
    KpiSpec("new_members", Format.COUNT, overview=True, headline=True, projection=Projection.PACE),
    KpiSpec("growth_rate", Format.PERCENT, overview=True),
    KpiSpec("dau_avg", Format.DECIMAL, overview=True),
    KpiSpec("wau", Format.COUNT, overview=True, projection=Projection.TREND),
    KpiSpec("mau", Format.COUNT, overview=True, headline=True, projection=Projection.TREND),
    KpiSpec("stickiness", Format.PERCENT, overview=True),
    KpiSpec("active_rate", Format.PERCENT, overview=True),
    KpiSpec("churn_rate", Format.PERCENT, Direction.DOWN, overview=True, headline=True),
    KpiSpec("returning", Format.COUNT, overview=True),
    KpiSpec("newcomer_conversion", Format.PERCENT, overview=True),
    KpiSpec("nps", Format.SCORE, overview=True, headline=True),
    KpiSpec("open_feedback", Format.COUNT, Direction.DOWN, overview=True),
    # The Members page's other tile (metrics.sections.member_kpis).
    KpiSpec("churned", Format.COUNT, Direction.DOWN),
    # The Engagement page's tiles (metrics.sections.engagement_kpis).
    KpiSpec("active_members", Format.COUNT),
    KpiSpec("contributors", Format.COUNT),
    KpiSpec("contributions", Format.COUNT, projection=Projection.PACE),
    KpiSpec("contributions_per_active_member", Format.DECIMAL),
    KpiSpec("absence_factor", Format.COUNT),
    # The Engagement page's WeCom customer groups (metrics.wecom.group_kpis).
    KpiSpec("wecom_messages", Format.COUNT, projection=Projection.PACE),
    KpiSpec("wecom_speakers", Format.DECIMAL),
    KpiSpec("wecom_new_members", Format.COUNT, projection=Projection.PACE),
)
SPECS = {kpi.key: kpi for kpi in KPIS}
OVERVIEW = tuple(kpi.key for kpi in KPIS if kpi.overview)
HEADLINE = tuple(kpi.key for kpi in KPIS if kpi.headline)


def spec(key: str) -> KpiSpec:
    """The spec of a KPI; a key without one is a mistake to fix here, not a figure to guess at."""
    try:
        return SPECS[key]
    except KeyError:
        raise KeyError(f"{key!r} is no KPI: add its KpiSpec to metrics/kpis.py") from None
