"""Alert rules kept in a YAML file, for those who keep configuration in git (settings.alerts_file,
default <data_dir>/alerts.yaml; docs/alerts.md, "The YAML file"):

    rules:
      - name: Monthly active below 5,000
        kind: threshold            # threshold, change, noise, negative_feedback, overdue_feedback, ...
        kpi: mau
        comparison: below
        threshold: 5000            # a percentage KPI's in percent: 12.5 for 12.5%
        period: last_7_days
        filter: {region: EU}
        schedule: daily
        at: "09:00"
        recipients: [team-slack]

Before each evaluation the file is read, checked as a whole (a problem names the file, the rule and
the field, and leaves the stored rules as they were) and mirrored into `alert_rules` by name: a
rule whose definition changed starts afresh, a rule gone from the file is deleted with its history.
The app shows them read-only, marked as from the file.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from alerts.rules import (
    FRESH,
    THRESHOLD,
    AlertRefused,
    Definition,
    check,
    columns_of,
    delete_rows,
    list_rules,
)
from errors import PulseError, Said
from metrics.filters import DIMENSIONS
from metrics.kpis import SPECS
from store import tables
from store.database import AppStore

FIELDS = (
    "name",
    "kind",
    "kpi",
    "comparison",
    "threshold",
    "unit",
    "period",
    "min_members",
    "filter",
    "schedule",
    "at",
    "recipients",
    "enabled",
)
NUMBERS = ("threshold", "min_members")


class AlertFileError(PulseError):
    """Raised when the alerts YAML file cannot be used: not YAML, not a list of rules, or a rule
    with an unknown field or a value that cannot be kept; the message names the file, the rule
    (its number and name) and the field."""


def _problem(path: Path, number: int, name: str, field: str, problem: str) -> AlertFileError:
    return AlertFileError(
        Said("alerts.file.rule", file=str(path), number=number, name=name, field=field, problem=problem)
    )


def _definition(path: Path, number: int, entry: Any) -> tuple[Definition, bool]:
    """One rule of the file as a Definition, and whether it is enabled."""
    if not isinstance(entry, dict):
        raise _problem(path, number, "—", "—", Said("alerts.file.not_a_mapping"))
    name = str(entry.get("name", "")).strip() or "—"
    unknown = [key for key in entry if key not in FIELDS]
    if unknown:
        raise _problem(path, number, name, str(unknown[0]), Said("alerts.file.unknown_field", fields=", ".join(FIELDS)))
    for key in NUMBERS:
        value = entry.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _problem(path, number, name, key, Said("alerts.file.number"))
    members = entry.get("filter") or {}
    if not isinstance(members, dict) or any(key not in DIMENSIONS for key in members):
        raise _problem(path, number, name, "filter", Said("alerts.file.filter", names=", ".join(DIMENSIONS)))
    recipients = entry.get("recipients") or []
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list) or not all(isinstance(item, str) for item in recipients):
        raise _problem(path, number, name, "recipients", Said("alerts.file.recipients"))
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _problem(path, number, name, "enabled", Said("alerts.file.enabled"))
    threshold = entry.get("threshold")
    kpi = entry.get("kpi")
    kind = str(entry.get("kind", ""))
    if kind == THRESHOLD and threshold is not None and isinstance(kpi, str) and kpi in SPECS and SPECS[kpi].percent:
        threshold = threshold / 100  # written in percent, kept as a share
    definition = Definition(
        name=name if name != "—" else "",
        kind=kind,
        subject=None if kpi is None else str(kpi),
        comparison=str(entry.get("comparison", "")),
        threshold=threshold,
        unit=None if entry.get("unit") is None else str(entry["unit"]),
        period=str(entry.get("period", "last_7_days")),
        min_members=entry.get("min_members"),
        schedule=str(entry.get("schedule", "daily")),
        at=None if entry.get("at") is None else str(entry["at"]),
        recipients=tuple(recipients),
        **{key: None if members.get(key) is None else str(members[key]) for key in DIMENSIONS},
    )
    return definition, enabled


def load(path: Path, *, channels: set[str] | None = None) -> list[tuple[Definition, bool]]:
    """The file's rules, checked (each definition normalised), with whether each is enabled; [] when
    there is no file. Raises AlertFileError at the first problem."""
    if not path.exists():
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise AlertFileError(Said("alerts.file.yaml", file=str(path), error=str(error).splitlines()[0])) from error
    if document is None:
        return []
    if not isinstance(document, dict) or not isinstance(document.get("rules", []), list) or set(document) - {"rules"}:
        raise AlertFileError(Said("alerts.file.shape", file=str(path)))
    kept: list[tuple[Definition, bool]] = []
    seen: set[str] = set()
    for number, entry in enumerate(document.get("rules") or [], start=1):
        definition, enabled = _definition(path, number, entry)
        try:
            checked = check(definition, channels=channels)
        except AlertRefused as refused:
            field = {"subject": "kpi"}.get(refused.field, refused.field)
            field = f"filter.{field}" if field in DIMENSIONS else field
            raise _problem(path, number, definition.name or "—", field or "—", refused.said()) from refused
        if checked.name in seen:
            raise _problem(path, number, checked.name, "name", Said("alerts.file.duplicate"))
        seen.add(checked.name)
        kept.append((checked, enabled))
    return kept


def mirror(app_store: AppStore, path: Path, *, now: datetime, channels: set[str] | None = None) -> int:
    """Make the store's file rules what the file says (see the module's docstring); how many rules
    the file holds. Nothing changes when the file has a problem."""
    wanted = {definition.name: (definition, enabled) for definition, enabled in load(path, channels=channels)}
    stored = {rule.file_key: rule for rule in list_rules(app_store) if rule.origin == "file"}
    if not wanted and not stored:
        return 0
    rules = tables.alert_rules
    by = f"file:{path.name}"
    with app_store.begin() as connection:
        gone = [rule.id for key, rule in stored.items() if key not in wanted]
        if gone:
            delete_rows(connection, gone)
        for name, (definition, enabled) in wanted.items():
            values: dict[str, object] = {**columns_of(definition), "enabled": enabled}
            rule = stored.get(name)
            if rule is None:
                connection.execute(
                    rules.insert().values(**values, origin="file", file_key=name, created_by=by, created_at=now)
                )
            elif (rule.definition, rule.enabled) != (definition, enabled):
                values |= {**FRESH, "updated_by": by, "updated_at": now}
                connection.execute(rules.update().where(rules.c.id == rule.id).values(**values))
    return len(wanted)
