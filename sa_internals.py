"""Every use of SQLAlchemy beyond its documented API, in one module.

Two constructs render one FROM item as another when a statement is compiled for a database:
`FromRollup` (metrics/member_days.py: the rollup tables, or the same rows computed) and the
mapping's hook on `Table` (data_sources/mapping.py: a canonical table as a subquery over yours).
They lean on parts of SQLAlchemy that are not public:

- a FROM item's own attributes go into the statement's cache key through the class's
  `_traverse_internals` and `InternalTraversal` kinds (without them, two statements that differ
  only in those attributes would share one compiled form: the wrong query, silently);
- the keyword arguments SQLAlchemy's compiler passes a compile hook: `asfrom` (rendered in a FROM
  list), `enclosing_alias` (inside an alias of the element) and `from_linter` (the cartesian-product
  warning's record of FROM items, which must name the element and not the subquery it became);
- `SQLCompiler.visit_table`, the default rendering of a table;
- `column()`'s `_selectable`, a column bound to a table that does not list it (a build's added
  `member_key`: added_column).

tests/test_sa_internals.py checks each against the installed SQLAlchemy, so an upgrade that changes
one fails there with a message saying which, rather than as wrong SQL or a warning in a metric.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnClause, FromClause, TableClause, column
from sqlalchemy.sql.visitors import InternalTraversal

STRING = InternalTraversal.dp_string  # an attribute that is a str
CLAUSE = InternalTraversal.dp_clauseelement  # an attribute that is a SQL expression or statement

Element = TypeVar("Element", bound=type[TableClause])


def cache_key_includes(**attributes: InternalTraversal) -> Callable[[Element], Element]:
    """A class decorator: the statement's cache key (and its copies) include these attributes of the
    element besides what its base class traverses; `attributes` maps each name to STRING or CLAUSE.
    The class sets `inherit_cache = True` itself."""

    def include(cls: Element) -> Element:
        cls._traverse_internals = [*cls._traverse_internals, *attributes.items()]
        return cls

    return include


def in_from_list(kw: MutableMapping[str, Any]) -> bool:
    """Whether a compile hook is rendering its element as an item of a FROM list."""
    return bool(kw.get("asfrom"))


def enclosing_alias(kw: MutableMapping[str, Any]) -> Any:
    """The alias the element is being rendered inside of (its `.element` is the element), or None."""
    return kw.get("enclosing_alias")


def render_in_place(
    element: FromClause, name: str, replacement: FromClause, compiler: SQLCompiler, kw: MutableMapping[str, Any]
) -> str:
    """`replacement` rendered where `element` stands in a FROM list, with the cartesian-product
    linter told that `element` (named `name`) is there, since joins name it and not the replacement."""
    linter = kw.pop("from_linter", None)
    if linter is not None:
        linter.froms[element] = name
    return compiler.process(replacement, **kw)


def default_table(element: TableClause, compiler: SQLCompiler, kw: MutableMapping[str, Any]) -> str:
    """A table as SQLAlchemy renders it without our hook."""
    return compiler.visit_table(element, **kw)


def added_column(table: FromClause, name: str, type_: Any) -> ColumnClause[Any]:
    """A column the database's `table` has beyond its Table (one a sync's build adds), bound to the
    table, so that a statement reading it reads it from `table` and adds no FROM item of its own."""
    return column(name, type_, _selectable=table)
