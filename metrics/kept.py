"""Figures the rollup keeps for the kept views (metrics.filters.kept_views; data_sources.rollup
.KeptFigures: the campaigns the default view lists, the Engagement page's counts), read in place of computing
them where they are kept.

`Kept` is a FROM item with two definitions, as FromRollup is (metrics/member_days.py): `kept` reads
the kept table, `computed` derives the same rows. The choice is made as the statement is compiled
for a database, from the marks on its dialect (rollup.state.mark_dialect): the rollup's time zone
must be the view's, and every id the view needs (campaigns, or the view's period) among those the
figures' table holds.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause

import sa_internals
from metrics.filters import Filters, day_number
from rollup.tables import DIALECT_ATTRIBUTE, KEPT_ATTRIBUTES, READS_KEPT


@sa_internals.cache_key_includes(
    timezone=sa_internals.STRING,
    attribute=sa_internals.STRING,
    ids=sa_internals.STRING,
    kept=sa_internals.CLAUSE,
    computed=sa_internals.CLAUSE,
)
class Kept(TableClause):
    """Rows with the columns of `computed`: `kept` instead where the rollup in `timezone` keeps
    every one of `ids` in the table of pulse_info's `key` (KEPT_ATTRIBUTES names its mark)."""

    __visit_name__ = "pulse_kept"
    inherit_cache = True

    def __init__(
        self, name: str, *, key: str, timezone: str, ids: list[str], kept: sa.Select, computed: sa.Select
    ) -> None:
        super().__init__(name, *(sa.column(column.name, column.type) for column in computed.selected_columns))
        self.timezone = timezone
        self.attribute = KEPT_ATTRIBUTES[key]
        self.ids = json.dumps(sorted(ids), ensure_ascii=False)  # a string, as the cache key takes it
        self.kept = kept
        self.computed = computed


@compiles(Kept)
def _compile_kept(element: Kept, compiler: SQLCompiler, **kw: object) -> str:
    if not sa_internals.in_from_list(kw):
        return ""
    dialect, chosen = compiler.dialect, element.computed
    in_zone = getattr(dialect, DIALECT_ATTRIBUTE, None) == element.timezone
    wanted = frozenset(json.loads(element.ids))
    if in_zone and wanted and wanted <= getattr(dialect, element.attribute, frozenset()):
        chosen = element.kept
        setattr(compiler, READS_KEPT, True)  # Warehouse.run: in place, still what the rollup keeps?
    return sa_internals.render_in_place(element, element.name, chosen.subquery(element.name), compiler, kw)


def period_id(filters: Filters) -> str:
    """How kept figures of one period name it: "start:end", day numbers."""
    return f"{day_number(filters.start)}:{day_number(filters.end)}"
