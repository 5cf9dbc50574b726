"""A figure for the period beside the same figure for the previous period."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from metrics.filters import Filters


@dataclass(frozen=True)
class Kpi:
    """A KPI for the period and the previous one; `margin` is the current value's 95% margin of
    error where the KPI has one (NPS)."""

    current: float | None
    previous: float | None
    margin: float | None = None

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


def compare(figures: Callable[[Filters], dict[str, float | None]], *, filters: Filters) -> dict[str, Kpi]:
    """Compute `figures` for the period and the previous one, and pair them up key by key."""
    current, previous = figures(filters), figures(filters.previous())
    return {key: Kpi(current=value, previous=previous[key]) for key, value in current.items()}
