"""Your own database queried in place, through a mapping from its tables and columns to ours.

A YAML file (setting warehouse_mapping) names, per canonical table, the table (or a view you made)
that holds it and the columns whose names differ:

    members:
      table: crm.users            # schema-qualified if needed
      columns: {member_id: id, joined_at: created_at}
    activities:
      table: events
      columns: {activity_id: id, member_id: user_id, occurred_at: created_at, kind: type}

Columns named like ours need no entry; optional ones missing from your table read as empty (is_team
as false). Every metric then reads `(SELECT id AS member_id, ... FROM crm.users) AS members` in
place of `members`: the substitution happens when a statement is compiled for a database whose
engine carries the mapping (`mark_mapping`), so metrics stay written against the canonical tables.
A mapping naming a missing table or column is refused when the warehouse is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

import sa_internals
import schema
from data_sources.errors import NotConfigured
from data_sources.validate import TABLES as CANONICAL
from engines import CLICKHOUSE
from errors import Lines, Said

DIALECT_ATTRIBUTE = "pulse_mapping"


@dataclass(frozen=True)
class TableMapping:
    canonical: str
    table: str  # theirs, maybe "schema.table"
    columns: tuple[tuple[str, str], ...]  # (canonical column, their column)


@dataclass(frozen=True)
class Mapping:
    """Which of their tables holds each canonical table."""

    source: str  # the file, for messages
    tables: tuple[TableMapping, ...]


def load_mapping(path: Path) -> Mapping:
    """Read and shape-check the YAML file; raises NotConfigured saying what to fix."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise NotConfigured(Said("error.mapping.unreadable", path=str(path), reason=error.strerror)) from error
    except yaml.YAMLError as error:
        raise NotConfigured(Said("error.mapping.not_yaml", path=str(path), reason=str(error))) from error
    problems: list[str] = []  # Said
    if not isinstance(raw, dict):
        raise NotConfigured(Said("error.mapping.not_tables", file=path.name))
    tables = []
    for name, entry in raw.items():
        where = f"{path.name}: {name}"
        if name not in CANONICAL:
            problems.append(Said("error.mapping.not_a_table", where=where, tables=", ".join(CANONICAL)))
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("table"), str):
            problems.append(Said("error.mapping.needs_table", where=where, example="table: <your table or view>"))
            continue
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict):
            problems.append(Said("error.mapping.columns_map", where=where, example="member_id: id"))
            continue
        for column in columns:
            if column not in CANONICAL[name].columns:
                ours = ", ".join(CANONICAL[name].columns.keys())
                problems.append(Said("error.mapping.unknown_column", where=where, column=str(column), columns=ours))
        tables.append(TableMapping(name, entry["table"], tuple((str(k), str(v)) for k, v in columns.items())))
    if problems:
        raise NotConfigured(Lines(problems))
    return Mapping(source=path.name, tables=tuple(tables))


def _their_table(engine: Engine, name: str) -> tuple[sa.Table | None, list[str]]:
    schema_name, _, table_name = name.rpartition(".")
    inspector = sa.inspect(engine)
    try:
        columns = inspector.get_columns(table_name, schema=schema_name or None)
    except sa.exc.NoSuchTableError:
        return None, []
    table = sa.Table(
        table_name,
        sa.MetaData(),
        *(sa.Column(column["name"], column["type"]) for column in columns),
        schema=schema_name or None,
    )
    return table, [column["name"] for column in columns]


def _converted(column: sa.Column, canonical: sa.Column, dialect: str) -> sa.ColumnElement[Any]:
    """Their column as our type: ids as text, dates as timestamps, aware timestamps as UTC."""
    ours, theirs = type(canonical.type), column.type
    if ours is sa.DateTime:
        if isinstance(theirs, sa.DateTime) and dialect == CLICKHOUSE:
            # ClickHouse keeps instants, shown on the column's zone (or the server's): read on UTC's clock.
            return sa.func.toTimeZone(column, sa.literal("UTC", sa.String), type_=sa.DateTime())
        if isinstance(theirs, sa.DateTime) and theirs.timezone and dialect in ("postgresql", "duckdb"):
            return sa.func.timezone("UTC", column)
        if not isinstance(theirs, sa.DateTime):
            return sa.cast(column, sa.DateTime)
        return column
    if ours is sa.String and not isinstance(theirs, sa.String):
        return sa.cast(column, sa.String)
    if ours is sa.Float and not isinstance(theirs, sa.Float):
        return sa.cast(column, sa.Float)
    return column


def mapped_selects(engine: Engine, mapping: Mapping) -> dict[str, sa.Subquery]:
    """Each mapped table as a subquery named like ours; raises NotConfigured listing every table or
    column the database does not have."""
    problems: list[str] = []  # Said
    selects: dict[str, sa.Subquery] = {}
    for entry in mapping.tables:
        where = f"{mapping.source}: {entry.canonical}"
        table, present = _their_table(engine, entry.table)
        if table is None:
            problems.append(Said("error.mapping.no_table", where=where, table=repr(entry.table)))
            continue
        named = dict(entry.columns)
        columns = []
        for canonical in CANONICAL[entry.canonical].columns:
            theirs = named.get(canonical.name, canonical.name)
            if theirs in present:
                columns.append(_converted(table.c[theirs], canonical, engine.dialect.name).label(canonical.name))
            elif canonical.name in named or (not canonical.nullable and canonical.default is None):
                problems.append(
                    Said(
                        "error.mapping.no_column",
                        where=f"{where}.{canonical.name}",
                        column=repr(theirs),
                        table=entry.table,
                        has=", ".join(present),
                    )
                )
            else:
                default = canonical.default.arg if isinstance(canonical.default, sa.ColumnDefault) else None
                columns.append(sa.cast(sa.literal(default), canonical.type).label(canonical.name))
        selects[entry.canonical] = sa.select(*columns).subquery(entry.canonical)
    for name in CANONICAL.keys() - selects.keys() - {entry.canonical for entry in mapping.tables}:
        if _their_table(engine, name)[0] is None:
            problems.append(Said("error.mapping.no_entry", where=f"{mapping.source}: {name}", table=repr(name)))
    if problems:
        raise NotConfigured(Lines([Said("error.mapping.mismatch"), *problems]))
    return selects


def mark_mapping(engine: Engine, mapping: Mapping) -> None:
    """Check the mapping against the database and make statements compiled for it read their tables."""
    setattr(engine.dialect, DIALECT_ATTRIBUTE, mapped_selects(engine, mapping))


@compiles(sa.Table)
def _compile_table(element: sa.Table, compiler: SQLCompiler, **kw: Any) -> str:
    """A canonical table in FROM renders as its mapped subquery on a marked engine, named like the
    table, or unnamed inside an alias of it (the alias adds its own name)."""
    selects = getattr(compiler.dialect, DIALECT_ATTRIBUTE, None)
    if selects and element.metadata is schema.metadata and element.name in selects and sa_internals.in_from_list(kw):
        alias = sa_internals.enclosing_alias(kw)
        if alias is not None and alias.element is element:
            return compiler.process(selects[element.name].element, **kw)
        return sa_internals.render_in_place(element, element.name, selects[element.name], compiler, kw)
    return sa_internals.default_table(element, compiler, kw)
