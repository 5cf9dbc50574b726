"""How KPI values and their change read, for tiles, reports and the CLI, in this run's language
(catalog/locale.py writes the numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from catalog import locale
from catalog.spoken import current_language, t
from metrics.filters import Filters
from metrics.goals import Progress, Status
from metrics.kpi import MIN_SAMPLE, Change, Kpi
from metrics.kpis import Projection, spec

NEWCOMER_DAYS = 30  # newcomer conversion counts activity in the 30 days after joining


def format_value(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    language = current_language()
    if spec(key).percent:  # how a KPI reads is its spec's (metrics/kpis.py)
        return locale.percent(value, language)
    return locale.number(value, language, decimals=spec(key).decimals, sign=spec(key).signed)


def format_change(key: str, kpi: Kpi, *, previous: bool = True) -> str | None:
    """'+12 vs 340', '+1.5 pts vs 20.0%' (without `previous`: '+12', '+1.5 pts'), the difference of
    the two values as they are shown (shown_change); none without a sign ('unchanged from 4.3': '0 vs
    4.3' read as a fall to nothing, '-0.0' as a fall; without `previous`, '0'); None when either
    period has no value."""
    change = shown_change(key, kpi)
    if change is None:
        return None
    if change == 0 and previous:
        return t("delta.unchanged", previous=format_value(key, kpi.previous))
    language = current_language()  # locale.number writes a zero without a sign
    if spec(key).percent:
        amount = t("delta.points", amount=locale.number(change, language, decimals=1, sign=True))
    else:
        amount = locale.number(change, language, decimals=spec(key).decimals, sign=True)
    return t("delta.vs", change=amount, previous=format_value(key, kpi.previous)) if previous else amount


def shown_change(key: str, kpi: Kpi) -> float | None:
    """The change as a tile's figures show it: the difference of the two values each rounded as
    format_value writes it (points for a rate). So "+31" against "+12" reads "+19", where the
    unrounded difference (19.8) read "+20" and a manager checking the sum found it wrong; and a
    change under the figure's last decimal is none. A rounded difference has the sign of the whole
    one, or none; whether it is clear is still judged on the whole values (Kpi.verdict)."""
    if kpi.current is None or kpi.previous is None:
        return None
    if spec(key).percent:
        return _exactly(round(kpi.current * 100, 1) - round(kpi.previous * 100, 1), 1)
    decimals = spec(key).decimals
    return _exactly(round(kpi.current, decimals) - round(kpi.previous, decimals), decimals)


def _exactly(difference: float, decimals: int) -> float:
    """A difference of two rounded values without the float's noise (5.6 - 6.5 = -0.9000000000000004)."""
    return round(difference, decimals)


@dataclass(frozen=True)
class ChangeView:
    """How a tile shows its change: the text, its tone ("good", "bad" or "neutral": only a clear
    change is coloured), whether it gets an arrow, a word on why it is grey (beside it) and the
    reason in full (for the tooltip)."""

    text: str | None
    tone: str = "neutral"
    arrow: bool = True
    mark: str | None = None
    why: str | None = None


def describe_change(
    key: str, kpi: Kpi, *, filters: Filters | None = None, today: date | None = None, previous: bool = True
) -> ChangeView:
    """A change as a person should read it (docs/metrics.md, "How a change is shown"): coloured only
    when it is clear; within the margin of error, on too few answers or members, or while the
    period (or a newcomer's 30 days) is not over, shown neutral with the reason; no arrow for none."""
    text = format_change(key, kpi, previous=previous)
    if text is None:
        return ChangeView(None)
    if shown_change(key, kpi) == 0:
        return ChangeView(text, arrow=False)
    unfinished = None
    if filters is not None and today is not None:
        if filters.end > today:
            unfinished = ("so_far", t("change.why.so_far"))
        elif key == "newcomer_conversion" and filters.end + timedelta(days=NEWCOMER_DAYS) > today:
            unfinished = ("counting", t("change.why.counting", days=NEWCOMER_DAYS))
    verdict = kpi.verdict
    if unfinished is not None:
        mark, why = unfinished
    elif verdict is Change.FEW:
        samples = [n for n in (kpi.sample, kpi.previous_sample) if n is not None]
        mark, why = "few", t("change.why.few", count=min(samples), minimum=MIN_SAMPLE)
    elif verdict is Change.NOISE:
        mark, why = "noise", t("change.why.noise", margin=_margin(key, kpi.change_margin or 0.0))
    else:
        good = (kpi.change or 0) > 0 if not spec(key).lower_is_better else (kpi.change or 0) < 0
        return ChangeView(text, tone="good" if good else "bad")
    return ChangeView(text, mark=t(f"change.mark.{mark}"), why=why)


def _margin(key: str, margin: float) -> str:
    """A change's margin in the figure's own units: "±3.1 pts" for a rate, "±38" for NPS."""
    language = current_language()
    if spec(key).percent:
        return "±" + t("delta.points", amount=locale.number(margin * 100, language, decimals=1))
    return "±" + locale.number(margin, language)


def describe_goal(progress: Progress, *, brief: bool = False) -> str:
    """A goal as a tile and the report show it: 'Goal 6,000 · 4,920 so far (82%) · on track ·
    projected 6,400' (the value measured over the goal's own period, which a tile's view may not
    be; the share for counts and averages where higher is better; the projection while the period
    runs, for a KPI projected by its trend or pace); `brief`, its target and status alone ('Goal
    6,000: on track', as a tile on a projector says it beside what its change says)."""
    goal = progress.goal
    language = current_language()
    target = format_value(goal.kpi, goal.target)
    parts = [t("goal.target_down" if goal.spec.lower_is_better else "goal.target", target=target)]
    if brief:
        return t("goal.brief", goal=parts[0], status=t(f"goal.status.{progress.status}"))
    runs = progress.status in (Status.ON_TRACK, Status.BEHIND)
    if progress.current is not None:  # the value the share is of: a tile beside it may show another day's
        reached = format_value(goal.kpi, progress.current)
        reached = t("goal.so_far", value=reached) if runs else reached
        if progress.share is not None:
            reached = t("goal.share", value=reached, share=locale.percent(progress.share, language, decimals=0))
        parts.append(reached)
    parts.append(t(f"goal.status.{progress.status}"))
    if runs and progress.projected is not None and goal.spec.projection is not Projection.LEVEL:
        parts.append(t("goal.projected", value=format_value(goal.kpi, progress.projected)))
    return " · ".join(parts)


def with_margin(score: float, margin: float, answers: int | None) -> str:
    """An NPS with its margin of error, as "+12 ± 9"; where every answer was alike (one answer, say)
    the margin comes out 0, which would read as certainty, so the score says how many answers it
    rests on instead: "+100 (1 answer)"."""
    score_text = format_value("nps", score)
    if margin > 0:
        return t("report.nps", score=score_text, margin=margin)
    if answers is None:
        return score_text
    return t("report.nps_few_one" if answers == 1 else "report.nps_few", score=score_text, answers=answers)
