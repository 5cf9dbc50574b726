"""How a rule and its readings read, in this run's language (the Alerts page, the CLI), and the
message a transition sends, in the community's language (settings.language): the figure, the rule
it broke or met again, the change, and a link to the page and view it is about."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from alerts.readings import Reading
from alerts.rules import (
    CHANGE,
    KPI_KINDS,
    NEGATIVE_FEEDBACK,
    NOISE,
    SLIPPING_CHAMPIONS,
    SYNC,
    THRESHOLD,
    Definition,
)
from alerts.schedule import local
from catalog import locale
from catalog.spoken import current_language, speaking, t
from delivery.message import Figure, Message
from metrics.kpi import Kpi
from metrics.kpis import OVERVIEW
from settings import reaches_others
from visuals.formats import format_change, format_value

FIRED, RECOVERED = "fired", "recovered"


def _kpi_label(rule: Definition) -> str:
    return t(f"kpi.{rule.subject}")


def amount(rule: Definition) -> str:
    """A threshold or change amount as the rule's KPI reads it: 5,000 · 12.0% · +40 · 10% · 5 pts."""
    value = rule.threshold
    if value is None:
        return ""
    language = current_language()
    if rule.kind == THRESHOLD and rule.subject:
        return format_value(rule.subject, value)
    if rule.kind == CHANGE and rule.unit == "percent":
        return locale.percent(value / 100, language, decimals=1)
    if rule.kind == CHANGE and rule.spec and rule.spec.percent:
        return t("delta.points", amount=locale.number(value, language, decimals=1))
    return locale.number(value, language, decimals=0 if value == int(value) else 1)


def describe(rule: Definition) -> str:
    """What the rule watches, in a sentence: "Monthly active below 5,000 (last 7 days)"."""
    if rule.kind == THRESHOLD:
        said = t(f"alerts.describe.threshold.{rule.comparison}", kpi=_kpi_label(rule), amount=amount(rule))
    elif rule.kind == CHANGE:
        said = t(f"alerts.describe.change.{rule.comparison}", kpi=_kpi_label(rule), amount=amount(rule))
    elif rule.kind == NOISE:
        said = t(f"alerts.describe.noise.{rule.comparison}", kpi=_kpi_label(rule), members=rule.min_members)
    else:
        said = t(f"alerts.describe.{rule.kind}", amount=amount(rule))
    if rule.kind in (*KPI_KINDS, SLIPPING_CHAMPIONS):
        said = t("alerts.describe.over", rule=said, period=t(f"period.{rule.period}"))
    return said


def scope(rule: Definition) -> str:
    """Whose figure: "Region: EU · Segment: dev", or the whole community."""
    used = [
        t("report.filter", name=t(f"filters.{name}"), value=value) for name, value in rule.members().items() if value
    ]
    return " · ".join(used) if used else t("goals.whole_community")


def value_text(rule: Definition, value: float | None) -> str:
    """A reading's value as the rule's figure reads."""
    if value is None:
        return locale.MISSING
    if rule.kind in KPI_KINDS and rule.subject:
        return format_value(rule.subject, value)
    if rule.kind == NEGATIVE_FEEDBACK:
        return locale.percent(value, current_language(), decimals=0)
    if rule.kind == SYNC:
        return t("alerts.hours", hours=locale.number(value, current_language(), decimals=1))
    return locale.number(value, current_language())


def change_text(rule: Definition, reading: Reading) -> str:
    """A reading's change: "+12 vs 340", "−12.5%", "+9 ± 6"; empty where the rule has none."""
    language = current_language()
    if rule.kind == CHANGE and reading.change is not None:
        if rule.unit == "percent":
            return locale.percent(reading.change / 100, language, decimals=1, sign=True)
        if rule.spec and reading.value is not None and reading.previous is not None:
            # points as the KPI's tile writes them, from its two values as shown (formats.shown_change)
            return format_change(rule.spec.key, Kpi(reading.value, reading.previous), previous=False) or ""
        return locale.number(reading.change, language, decimals=1, sign=True)
    if rule.kind in KPI_KINDS and rule.subject:
        shown = format_change(rule.subject, Kpi(reading.value, reading.previous)) or ""
        if rule.kind == NOISE and reading.margin is not None and shown:
            margin = reading.margin * 100 if rule.spec and rule.spec.percent else reading.margin
            shown = t("alerts.within", change=shown, margin=locale.number(margin, language, decimals=1))
        return shown
    if rule.kind == NEGATIVE_FEEDBACK and reading.previous is not None:
        return t("alerts.baseline", share=locale.percent(reading.previous, language, decimals=0))
    return ""


def page_of(rule: Definition) -> str:
    """The page a rule's figure is on (auth/pages.py's url)."""
    if rule.kind in KPI_KINDS:
        if rule.subject in OVERVIEW:
            return "overview"
        return "members" if rule.subject == "churned" else "engagement"
    return {NEGATIVE_FEEDBACK: "overview", SLIPPING_CHAMPIONS: "members", SYNC: "data"}.get(rule.kind, "feedback")


def link(rule: Definition, public_url: str) -> str:
    """The address of the rule's page and view: its period and member filters (words of no language);
    none while public_url is left at this computer's, which no reader elsewhere can open (as a
    digest's, digests.compose.view_link)."""
    if not reaches_others(public_url):
        return ""
    page = page_of(rule)
    view = {"period": rule.period} if page in ("overview", "members", "engagement") else {}
    view |= {name: value for name, value in rule.members().items() if value}
    return f"{public_url}/{page}" + (f"?{urlencode(view)}" if view else "")


def message(
    rule: Definition, reading: Reading, *, transition: str, at: datetime, timezone: str, language: str, public_url: str
) -> Message:
    """The message of a transition (FIRED or RECOVERED), in `language`."""
    with speaking(language):
        label = _kpi_label(rule) if rule.kind in KPI_KINDS else t(f"alerts.figure.{rule.kind}")
        change = change_text(rule, reading)
        figures = [
            Figure(
                label,
                value_text(rule, reading.value),
                change,
                key=rule.subject if rule.kind in KPI_KINDS and rule.subject else rule.kind,
                current=reading.value,
                previous=reading.previous,
            ),
            Figure(t("alerts.message.rule"), describe(rule)),
            Figure(t("alerts.message.for"), scope(rule)),
        ]
        when = locale.moment(local(at, timezone), language)
        return Message(
            title=t(f"alerts.message.{transition}", name=rule.name),
            figures=tuple(figures),
            text=t(f"alerts.message.{transition}_text", at=when, timezone=timezone),
            link=link(rule, public_url),
            link_label=t("alerts.message.open", page=t(f"nav.{page_of(rule)}")),
            language=language,
        )
