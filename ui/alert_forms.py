"""The Alerts page's editor: a rule picked from lists (kind, KPI, comparison, period, members,
schedule, channels), no syntax. Given the rule to change (None to add one), it returns the
Definition the person saved, or None. A percentage threshold is typed in percent and kept as a share.
"""

from __future__ import annotations

from datetime import time

import streamlit as st

from alerts.rules import (
    AFTER_SYNC,
    DAILY,
    DEFAULT_AT,
    DEFAULT_THRESHOLDS,
    DIRECTIONS,
    KINDS,
    KPI_KINDS,
    LEVELS,
    MIN_MEMBERS,
    NAME_LIMIT,
    NEGATIVE_FEEDBACK,
    NOISE,
    NOISE_KPIS,
    PERIODS,
    SCHEDULES,
    SLIPPING_CHAMPIONS,
    SYNC,
    THRESHOLD,
    UNITS,
    Definition,
)
from metrics.filters import DIMENSIONS
from metrics.kpis import KPIS, SPECS, Format
from ui.goal_forms import member_pickers
from ui.i18n import t


def _pick(label: str, options: tuple[str, ...] | list[str], current: str | None, *, key: str, words: str) -> str:
    """A selectbox of codes shown as the catalog's `<words>.<code>`."""
    index = options.index(current) if current in options else 0
    return str(
        st.selectbox(
            label,
            options,
            index=index,
            format_func=lambda code: t(f"{words}.{code}"),
            key=key,
            placeholder=t("widget.choose"),
        )
    )


def _kpi_part(rule: Definition | None, kind: str, key: str) -> dict[str, object]:
    """The KPI, comparison and amount of a threshold, change or noise rule."""
    keys = list(NOISE_KPIS) if kind == NOISE else [kpi.key for kpi in KPIS]
    kpi = st.selectbox(
        t("alerts.field.kpi"),
        keys,
        index=keys.index(rule.subject)
        if rule and rule.subject in keys
        else keys.index("nps" if kind == NOISE else "mau"),
        format_func=lambda name: t(f"kpi.{name}"),
        key=f"{key}_kpi_{kind}",
        placeholder=t("widget.choose"),
    )
    spec = SPECS[kpi]
    same = rule is not None and rule.kind == kind and rule.subject == kpi
    left, right = st.columns(2)
    if kind == THRESHOLD:
        with left:
            comparison = _pick(
                t("alerts.field.level"),
                LEVELS,
                rule.comparison if same and rule else "below",
                key=f"{key}_level",
                words="alerts.level",
            )
        percent = spec.format is Format.PERCENT
        value = rule.threshold if same and rule and rule.threshold is not None else None
        typed = right.number_input(
            t("alerts.field.threshold_percent" if percent else "alerts.field.threshold"),
            value=None if value is None else (value * 100 if percent else value),
            step=1.0,
            format="%.0f" if spec.format in (Format.COUNT, Format.SCORE) else "%.1f",
            key=f"{key}_threshold_{kpi}",
        )
        return {
            "subject": kpi,
            "comparison": comparison,
            "threshold": None if typed is None else (typed / 100 if percent else typed),
        }
    with left:
        comparison = _pick(
            t("alerts.field.direction"),
            DIRECTIONS,
            rule.comparison if same and rule else "fall",
            key=f"{key}_direction",
            words="alerts.direction",
        )
    if kind == NOISE:
        minimum = right.number_input(
            t("alerts.field.min_members"),
            min_value=1,
            value=int(rule.min_members) if same and rule and rule.min_members else MIN_MEMBERS,
            step=1,
            key=f"{key}_min_members",
            help=t("alerts.field.min_members_help"),
        )
        return {"subject": kpi, "comparison": comparison, "min_members": int(minimum)}
    with right:
        unit = _pick(
            t("alerts.field.unit"),
            UNITS,
            rule.unit if same and rule else "percent",
            key=f"{key}_unit",
            words="alerts.unit" if spec.format is not Format.PERCENT else "alerts.unit_rate",
        )
    amount = st.number_input(
        t("alerts.field.amount"),
        min_value=0.0,
        value=rule.threshold if same and rule and rule.threshold is not None else 10.0,
        step=1.0,
        format="%.1f",
        key=f"{key}_amount_{kpi}_{unit}",
    )
    return {"subject": kpi, "comparison": comparison, "unit": unit, "threshold": amount}


def _built_in_part(rule: Definition | None, kind: str, key: str) -> dict[str, object]:
    """A built-in's count or hours (negative feedback has none: the Overview's rule)."""
    st.caption(t(f"alerts.kind_help.{kind}"))
    if kind == NEGATIVE_FEEDBACK:
        return {}
    same = rule is not None and rule.kind == kind and rule.threshold is not None
    value = st.number_input(
        t(f"alerts.field.{kind}"),
        min_value=1,
        value=int(rule.threshold) if same and rule and rule.threshold else int(DEFAULT_THRESHOLDS[kind]),
        step=1,
        key=f"{key}_{kind}",
    )
    return {"threshold": float(value)}


def _schedule_part(rule: Definition | None, key: str) -> dict[str, object]:
    left, right = st.columns(2)
    with left:
        schedule = _pick(
            t("alerts.field.schedule"),
            SCHEDULES,
            rule.schedule if rule else DAILY,
            key=f"{key}_schedule",
            words="alerts.schedule",
        )
    at = None
    if schedule == DAILY:
        hours, minutes = (rule.at if rule and rule.at else DEFAULT_AT).split(":")
        picked = right.time_input(t("alerts.field.at"), value=time(int(hours), int(minutes)), step=900, key=f"{key}_at")
        at = (picked or time(9)).strftime("%H:%M")
    elif schedule == AFTER_SYNC:
        right.caption(t("alerts.schedule_help.after_sync"))
    return {"schedule": schedule, "at": at}


def rule_editor(
    rule: Definition | None, *, rule_id: int | None, choices: dict[str, list[str]], channels: list[str]
) -> Definition | None:
    """The editor of `rule` (None: a new one); the definition to save when the person presses Save."""
    key = f"alerts_rule_{rule_id or 'new'}"
    name = st.text_input(
        t("alerts.field.name"),
        value=rule.name if rule else "",
        max_chars=NAME_LIMIT,
        placeholder=t("alerts.field.name_placeholder"),
        key=f"{key}_name",
    )
    kind = _pick(
        t("alerts.field.kind"), KINDS, rule.kind if rule else THRESHOLD, key=f"{key}_kind", words="alerts.kind"
    )
    values = _kpi_part(rule, kind, key) if kind in KPI_KINDS else _built_in_part(rule, kind, key)
    if kind in (*KPI_KINDS, SLIPPING_CHAMPIONS):
        values["period"] = _pick(
            t("alerts.field.period"),
            PERIODS,
            rule.period if rule else "last_7_days",
            key=f"{key}_period",
            words="period",
        )
    if kind != SYNC:
        values |= member_pickers(
            key,
            {name: getattr(rule, name) if rule else None for name in DIMENSIONS},
            choices,
            help=t("alerts.field.members_help"),
        )
    values |= _schedule_part(rule, key)
    offered = sorted({*channels, *(rule.recipients if rule else ())})
    recipients = st.multiselect(
        t("alerts.field.recipients"),
        offered,
        default=list(rule.recipients) if rule else offered[:1],
        key=f"{key}_recipients",
        placeholder=t("alerts.field.recipients_placeholder"),
        help=t("alerts.field.recipients_help"),
    )
    ready = bool(name.strip()) and bool(recipients)
    if not st.button(t("alerts.save"), type="primary", key=f"{key}_save", disabled=not ready):
        return None
    return Definition(name=name, kind=kind, recipients=tuple(recipients), **values)
