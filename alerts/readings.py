"""The figure a rule reads and whether the rule holds (docs/alerts.md, "Rule kinds").

Every figure comes from the functions the pages use: a KPI as its tile computes it over the rule's
period against the previous one (metrics.overview, metrics.sections), negative feedback as the
Overview's warning (metrics.feedback.NegativeShare.alert), overdue items as the Feedback page counts
them against the response targets, slipping champions as the Members page lists them, and the sync
runs the Data page lists. A reading without a judgement (no value, too few members, nothing synced
yet) has `holding` None and a `note` saying why; the rule's state is then left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from alerts.rules import (
    CHANGE,
    NEGATIVE_FEEDBACK,
    NOISE,
    OVERDUE_FEEDBACK,
    SLIPPING_CHAMPIONS,
    SYNC,
    THRESHOLD,
    Definition,
)
from alerts.schedule import local
from data_sources.warehouse import open_warehouse
from engines import Runner
from feedback.targets import read_targets
from metrics import feedback, levels, sections
from metrics.filters import Filters, view_filters
from metrics.kpi import Kpi
from metrics.kpis import OVERVIEW, Format
from metrics.overview import overview_kpis
from settings import Settings
from store import tables
from store.database import AppStore

FEEDBACK_DAYS = 28  # the window whose open items the overdue rule counts: all open at its end


@dataclass(frozen=True)
class Reading:
    """What one evaluation read. `change` is in the rule's terms: a change rule's percent or points
    (percentage points for a rate), otherwise the plain difference; `margin` the difference's 95%
    margin of error (noise rules); `sample` what a rate rests on (the smaller period's)."""

    holding: bool | None
    value: float | None = None
    previous: float | None = None
    change: float | None = None
    margin: float | None = None
    sample: int | None = None
    threshold: float | None = None
    note: str | None = None  # alerts.note.<note>: why there is no judgement, or what it rests on


@dataclass
class Sources:
    """Where figures come from, for one round of evaluations: the warehouse is opened on first need
    and a view's KPIs are computed once however many rules read them."""

    settings: Settings
    app_store: AppStore
    now: datetime
    warehouse: Runner | None = None
    _figures: dict[tuple[str, Filters], dict[str, Kpi]] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return local(self.now, self.settings.timezone).date()

    def community(self) -> Runner:
        if self.warehouse is None:
            self.warehouse = open_warehouse(self.settings)
        return self.warehouse

    def kpi(self, key: str, filters: Filters) -> Kpi:
        """A KPI over the view against the previous period, as its tile shows it."""
        group = "overview" if key in OVERVIEW else "members" if key in MEMBER_KEYS else "engagement"
        if (group, filters) not in self._figures:
            if group == "overview":
                found = overview_kpis(warehouse=self.community(), app_store=self.app_store, filters=filters).kpis
            elif group == "members":
                found = sections.member_kpis(warehouse=self.community(), filters=filters)
            else:
                found = sections.engagement_kpis(warehouse=self.community(), filters=filters)
            self._figures[(group, filters)] = found
        return self._figures[(group, filters)][key]

    def view(self, rule: Definition, *, period: str | None = None) -> Filters:
        return view_filters(
            {"period": period or rule.period, **{k: v for k, v in rule.members().items() if v}},
            timezone=self.settings.timezone,
            today=self.today,
        )


MEMBER_KEYS = ("churned",)  # the Members page's KPI that is not the Overview's


def read(rule: Definition, sources: Sources) -> Reading:
    """The rule's reading now."""
    if rule.kind in (THRESHOLD, CHANGE, NOISE):
        assert rule.subject is not None  # checked when kept
        kpi = sources.kpi(rule.subject, sources.view(rule))
        return {THRESHOLD: threshold_reading, CHANGE: change_reading, NOISE: noise_reading}[rule.kind](rule, kpi)
    return BUILT_IN_READERS[rule.kind](rule, sources)


def threshold_reading(rule: Definition, kpi: Kpi) -> Reading:
    """Holds while the value is above (strictly) or below (strictly) the threshold."""
    base = Reading(None, kpi.current, kpi.previous, kpi.change, threshold=rule.threshold)
    if kpi.current is None or rule.threshold is None:
        return _without(base, "no_value")
    above = kpi.current > rule.threshold
    below = kpi.current < rule.threshold
    return _with(base, above if rule.comparison == "above" else below)


def moved(change: float, amount: float, direction: str) -> bool:
    """Whether a change is at least `amount` in the direction (rise, fall or either)."""
    if direction == "rise":
        return change >= amount
    if direction == "fall":
        return change <= -amount
    return abs(change) >= amount


def change_reading(rule: Definition, kpi: Kpi) -> Reading:
    """Holds while the change against the previous period is at least the amount: in percent of
    the previous value, or in points (the KPI's own units; percentage points for a rate)."""
    base = Reading(None, kpi.current, kpi.previous, threshold=rule.threshold)
    if kpi.current is None or kpi.previous is None or rule.threshold is None:
        return _without(base, "no_value")
    if rule.unit == "percent":
        if kpi.previous == 0:
            return _without(base, "from_zero")
        change = (kpi.current - kpi.previous) / abs(kpi.previous) * 100
    else:
        spec = rule.spec
        change = (kpi.current - kpi.previous) * (100 if spec and spec.format is Format.PERCENT else 1)
    return _with(
        Reading(None, kpi.current, kpi.previous, change, threshold=rule.threshold),
        moved(change, rule.threshold, rule.comparison),
    )


def noise_reading(rule: Definition, kpi: Kpi) -> Reading:
    """Holds while the change is larger than its 95% margin of error (metrics.kpi: NPS's margins,
    two proportions' for a rate) in the rule's direction, judged only when each period rests on at
    least `min_members` members or answers."""
    samples = [n for n in (kpi.sample, kpi.previous_sample) if n is not None]
    smaller = min(samples) if len(samples) == 2 else None
    base = Reading(None, kpi.current, kpi.previous, kpi.change, kpi.change_margin, smaller)
    if kpi.current is None or kpi.previous is None or kpi.change is None:
        return _without(base, "no_value")
    if smaller is None or smaller < (rule.min_members or 0):
        return _without(base, "few")
    margin = kpi.change_margin
    if margin is None:
        return _without(base, "no_margin")
    beyond = abs(kpi.change) > margin
    return _with(base, beyond and moved(kpi.change, 0, rule.comparison) and kpi.change != 0)


def _with(reading: Reading, holding: bool) -> Reading:
    return Reading(holding, *_numbers(reading))


def _without(reading: Reading, note: str) -> Reading:
    return Reading(None, *_numbers(reading), note=note)


def _numbers(
    reading: Reading,
) -> tuple[float | None, float | None, float | None, float | None, int | None, float | None]:
    return reading.value, reading.previous, reading.change, reading.margin, reading.sample, reading.threshold


def _to_today(rule: Definition, sources: Sources, days: int) -> Filters:
    """The `days` days up to and including today, for the rule's members."""
    today = sources.today
    return Filters(
        start=today - timedelta(days=days - 1),
        end=today + timedelta(days=1),
        timezone=sources.settings.timezone,
        **rule.members(),
    )


def negative_feedback_reading(rule: Definition, sources: Sources) -> Reading:
    """The Overview's warning over the 7 days up to today: the share of negative feedback against
    the 8 weeks before, with enough items on both sides (metrics.feedback's documented rule)."""
    share = feedback.negative_share(
        app_store=sources.app_store, warehouse=sources.community(), filters=_to_today(rule, sources, 7)
    )
    few = min(share.latest_items, share.baseline_items) < feedback.RISK_MIN_ITEMS
    return Reading(
        share.alert,
        share.latest_share,
        share.baseline_share,
        None
        if share.latest_share is None or share.baseline_share is None
        else share.latest_share - share.baseline_share,
        sample=share.latest_items,
        note="few_feedback" if few else None,
    )


def overdue_feedback_reading(rule: Definition, sources: Sources) -> Reading:
    """Open items past their next response target now (feedback.targets), as the Feedback page counts them."""
    summary = feedback.feedback_summary(
        app_store=sources.app_store,
        warehouse=sources.community(),
        filters=_to_today(rule, sources, FEEDBACK_DAYS),
        targets=read_targets(sources.app_store),
        now=sources.now,
    )
    return _at_least(summary.overdue, rule.threshold)


def slipping_champions_reading(rule: Definition, sources: Sources) -> Reading:
    """Champions gone silent at the end of the rule's period, as the Members page lists them."""
    rows = sources.community().run(levels.slipping_champions_query(filters=sources.view(rule)))
    return _at_least(len(rows), rule.threshold)


def _at_least(count: int, threshold: float | None) -> Reading:
    return Reading(threshold is not None and count >= threshold, float(count), threshold=threshold)


def sync_reading(rule: Definition, sources: Sources) -> Reading:
    """Holds while the latest finished sync failed, or the last good one is older than the threshold
    in hours (the value); no judgement for a warehouse queried in place or before any sync."""
    if sources.settings.warehouse_path is None:
        return Reading(None, note="in_place")
    runs = tables.sync_runs
    with sources.app_store.read() as connection:
        last = connection.execute(
            sa.select(runs.c.status).where(runs.c.status != "running").order_by(runs.c.id.desc()).limit(1)
        ).scalar()
        good = connection.scalar(sa.select(sa.func.max(runs.c.finished_at)).where(runs.c.status == "succeeded"))
    if last is None:
        return Reading(None, note="never_synced")
    hours = None if good is None else (sources.now - good).total_seconds() / 3600
    failed = last != "succeeded"
    stale = hours is None or (rule.threshold is not None and hours > rule.threshold)
    return Reading(failed or stale, hours, threshold=rule.threshold, note="sync_failed" if failed else None)


BUILT_IN_READERS = {
    NEGATIVE_FEEDBACK: negative_feedback_reading,
    OVERDUE_FEEDBACK: overdue_feedback_reading,
    SLIPPING_CHAMPIONS: slipping_champions_reading,
    SYNC: sync_reading,
}
