"""What sa_internals.py relies on in SQLAlchemy, checked against the installed version: an upgrade that
changes one of them fails here, saying which, instead of as wrong SQL in a metric."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import compiler as sa_compiler
from sqlalchemy.sql.expression import TableClause

import sa_internals
import schema
from engines import create_engine
from metrics.filters import Filters
from metrics.member_days import FromRollup, member_days
from rollup.tables import DIALECT_ATTRIBUTE, rollup_metadata

ROOT = Path(__file__).resolve().parent.parent
SEEN: list[dict[str, Any]] = []  # the keyword arguments the probe's compile hook got, per call


class _Probe(TableClause):
    __visit_name__ = "pulse_internals_probe"
    inherit_cache = True


@compiles(_Probe)
def _compile_probe(element: _Probe, compiler: sa_compiler.SQLCompiler, **kw: Any) -> str:
    SEEN.append(dict(kw))
    if not sa_internals.in_from_list(kw):
        return ""
    replacement = sa.select(sa.literal(1).label("x")).subquery()
    return sa_internals.render_in_place(element, element.name, replacement, compiler, kw)


def _probe() -> _Probe:
    return _Probe("probe", sa.column("x", sa.Integer))


def _seen(statement: sa.Executable, **compile_kw: Any) -> list[dict[str, Any]]:
    SEEN.clear()
    statement.compile(dialect=sa.create_engine("sqlite://").dialect, **compile_kw)
    return list(SEEN)


def _statement(timezone: str) -> sa.Select:
    filters = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8), timezone=timezone)
    days = member_days(filters, filters.start, filters.end)
    return sa.select(days.c.member_id, sa.func.count()).group_by(days.c.member_id)


def test_a_from_item_s_own_attributes_are_part_of_the_cache_key():
    assert isinstance(getattr(TableClause, "_traverse_internals", None), list), (
        "SQLAlchemy's TableClause has no `_traverse_internals` list any more: "
        "sa_internals.cache_key_includes (FromRollup's cache key) must be rewritten"
    )
    assert {"dp_string", "dp_clauseelement"} <= set(dir(sa_internals.InternalTraversal)), (
        "SQLAlchemy's InternalTraversal lost dp_string or dp_clauseelement: sa_internals.STRING/CLAUSE"
    )
    assert ("timezone", sa_internals.STRING) in FromRollup._traverse_internals
    utc, berlin = _statement("UTC"), _statement("Europe/Berlin")
    assert utc._generate_cache_key() == _statement("UTC")._generate_cache_key()
    assert utc._generate_cache_key() != berlin._generate_cache_key(), (
        "two statements differing only in FromRollup's time zone share a cache key: the attributes "
        "sa_internals.cache_key_includes adds are no longer traversed"
    )


def test_one_engine_runs_each_time_zone_as_its_own_query(tmp_path):
    """The cache key at work: on an engine marked as having a UTC rollup, a UTC view reads the table
    and a Berlin view (run after it, through the engine's compiled cache) computes from activities."""
    engine = create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    schema.metadata.create_all(engine)
    rollup_metadata.create_all(engine)
    setattr(engine.dialect, DIALECT_ATTRIBUTE, "UTC")
    ran: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: ran.append(args[2]))
    with engine.connect() as connection:
        for timezone in ("UTC", "Europe/Berlin", "UTC"):
            connection.execute(_statement(timezone)).all()
    assert ["FROM member_days" in sql for sql in ran] == [True, False, True], (
        "one engine ran one time zone's query for another: FromRollup's time zone is not in the cache key"
    )


def test_a_compile_hook_is_told_it_renders_in_a_from_list():
    seen = _seen(sa.select(_probe().c.x))
    assert any(sa_internals.in_from_list(kw) for kw in seen), (
        f"SQLAlchemy no longer passes asfrom=True to a FROM item's compile hook (got {seen}): "
        "sa_internals.in_from_list (FromRollup, the warehouse mapping) must find another way"
    )


def test_a_compile_hook_is_told_the_alias_it_renders_inside():
    probe = _probe()
    seen = _seen(sa.select(probe.alias("renamed").c.x))
    aliases = [sa_internals.enclosing_alias(kw) for kw in seen]
    assert any(alias is not None and alias.element is probe for alias in aliases), (
        f"SQLAlchemy no longer passes enclosing_alias (with .element) to a compile hook (got {seen}): "
        "sa_internals.enclosing_alias (the warehouse mapping's aliased tables) must find another way"
    )


def test_the_from_linter_is_handed_to_the_compile_hook():
    seen = _seen(sa.select(_probe().c.x), linting=sa_compiler.COLLECT_CARTESIAN_PRODUCTS)
    linters = [kw.get("from_linter") for kw in seen if kw.get("from_linter") is not None]
    assert linters and all(hasattr(linter, "froms") for linter in linters), (
        f"SQLAlchemy's compiler no longer passes from_linter with a .froms record to a compile hook (got {seen}): "
        "sa_internals.render_in_place must tell the cartesian-product linter about the element another way"
    )


def test_the_cartesian_product_linter_sees_a_replaced_from_item(tmp_path):
    """FromRollup renders as a subquery, but the linter must see the element that joins name: compared
    with members on its columns it is no cartesian product; beside members unrelated, it is one."""
    filters = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8), timezone="UTC")
    days = member_days(filters, filters.start, filters.end)
    members = schema.members
    related = sa.select(members.c.name, days.c.day).where(days.c.member_id == members.c.member_id)
    unrelated = sa.select(members.c.name, days.c.day)
    engine = create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    schema.metadata.create_all(engine)
    with engine.connect() as connection, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", sa.exc.SAWarning)
        connection.execute(related).all()
        assert not [str(warning.message) for warning in caught]
        connection.execute(unrelated).all()
    assert [warning for warning in caught if "cartesian product" in str(warning.message)], (
        "the cartesian-product linter no longer sees FromRollup: sa_internals.render_in_place's "
        "from_linter.froms entry is not read any more"
    )


def test_the_default_rendering_of_a_table_is_visit_table():
    assert callable(getattr(sa_compiler.SQLCompiler, "visit_table", None)), (
        "SQLAlchemy's SQLCompiler has no visit_table: sa_internals.default_table (the warehouse mapping) must change"
    )
    compiled = sa.select(schema.members.c.member_id).compile(dialect=sa.create_engine("sqlite://").dialect)
    assert "FROM members" in str(compiled)
    rendered = sa_internals.default_table(schema.members, compiled, {"asfrom": True})
    assert rendered == "members"


def test_an_added_column_is_read_from_its_table_with_no_from_item_of_its_own():
    key = sa_internals.added_column(schema.campaign_members, "member_key", sa.Integer)
    statement = sa.select(schema.campaign_members.c.campaign_id).where(key.in_([1, 2]))
    sql = " ".join(str(statement.compile(dialect=sa.create_engine("sqlite://").dialect)).split())
    assert sql == (
        "SELECT campaign_members.campaign_id FROM campaign_members "
        "WHERE campaign_members.member_key IN (__[POSTCOMPILE_member_key_1])"
    )
    assert sa.select(key).get_final_froms() == [schema.campaign_members]  # read alone, from its table


def test_nothing_else_names_sqlalchemy_internals():
    """The keywords, attributes and methods sa_internals wraps are named nowhere else in the code."""
    words = ('"asfrom"', '"from_linter"', '"enclosing_alias"', ".visit_table(", "_selectable=")
    words += ("_traverse_internals", "InternalTraversal")
    found = []
    for path in _code():
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {word}" for word in words if word in text]
    assert not found, f"SQLAlchemy internals outside sa_internals.py: {found}"
    assert len(_code()) > 50  # the walk sees the code


def _code() -> list[Path]:
    paths = []
    for entry in sorted(ROOT.iterdir()):
        if entry.name.startswith(".") or entry.name in ("tests", "mutants", "sa_internals.py"):  # mutants/: make mutate
            continue
        paths += sorted(entry.rglob("*.py")) if entry.is_dir() else [entry] if entry.suffix == ".py" else []
    return paths
