"""A figure for the period beside the same figure for the previous period, and whether the change
between them says anything (docs/metrics.md, "How a change is shown")."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from metrics.filters import Filters

Z_95 = 1.96
MIN_SAMPLE = 30  # answers or members: fewer, and a change in a score or rate is not judged
SAMPLE_PREFIX = "n_"  # figures(...)["n_churn_rate"]: how many members or answers churn_rate rests on


class Change(StrEnum):
    """What a change between the two periods says."""

    NONE = "none"  # no change to show: a value is missing, or nothing changed
    NOISE = "noise"  # within the 95% margin of error of the difference
    FEW = "few"  # a score or rate on fewer than MIN_SAMPLE answers or members
    CLEAR = "clear"  # larger than its margin (or an exact count that moved)


@dataclass(frozen=True)
class Kpi:
    """A KPI for the period and the previous one. `margin` and `previous_margin` are each value's
    95% margin of error where the KPI has one (NPS); `sample` and `previous_sample` are how many
    answers or members a score or rate rests on (None for plain counts)."""

    current: float | None
    previous: float | None
    margin: float | None = None
    previous_margin: float | None = None
    sample: int | None = None
    previous_sample: int | None = None

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def change_margin(self) -> float | None:
        """The 95% margin of error of the change: from both margins (NPS), or for a rate (a share
        from 0 to 1) from both samples, as for two independent proportions. None for counts."""
        if self.margin is not None and self.previous_margin is not None:
            return math.hypot(self.margin, self.previous_margin)
        if not self.sample or not self.previous_sample or self.current is None or self.previous is None:
            return None
        if not (0 <= self.current <= 1 and 0 <= self.previous <= 1):
            return None
        variance = sum(p * (1 - p) / n for p, n in ((self.current, self.sample), (self.previous, self.previous_sample)))
        return Z_95 * math.sqrt(variance)

    @property
    def verdict(self) -> Change:
        change = self.change
        if change is None or change == 0:
            return Change.NONE
        samples = [n for n in (self.sample, self.previous_sample) if n is not None]
        if samples and min(samples) < MIN_SAMPLE:
            return Change.FEW
        margin = self.change_margin
        if margin is not None and abs(change) <= margin:
            return Change.NOISE
        return Change.CLEAR


def pair(current: dict[str, float | None], previous: dict[str, float | None], keys: tuple[str, ...]) -> dict[str, Kpi]:
    """Kpis of `keys` from two periods' figures, with the margins (`<key>_margin`) and samples
    (`n_<key>`) the figures carry."""

    def whole(value: float | None) -> int | None:
        return None if value is None else int(value)

    return {
        key: Kpi(
            current=current[key],
            previous=previous[key],
            margin=current.get(f"{key}_margin"),
            previous_margin=previous.get(f"{key}_margin"),
            sample=whole(current.get(f"{SAMPLE_PREFIX}{key}")),
            previous_sample=whole(previous.get(f"{SAMPLE_PREFIX}{key}")),
        )
        for key in keys
    }


def compare(figures: Callable[[Filters], dict[str, float | None]], *, filters: Filters) -> dict[str, Kpi]:
    """Compute `figures` for the period and the previous one, and pair them up key by key (margins
    and samples go with their figure, not beside it)."""
    current, previous = figures(filters), figures(filters.previous())
    keys = tuple(key for key in current if not key.startswith(SAMPLE_PREFIX) and not key.endswith("_margin"))
    return pair(current, previous, keys)
