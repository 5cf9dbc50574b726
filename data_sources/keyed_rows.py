"""Each activity and invitation of a sync's DuckDB build carries its member's key (member_keys),
in an extra last column `member_key` of activities and campaign_members.

A build keeps its activities in time order, so finding one member's among ten million scanned
every member id as text: 0.09-0.11 s at a million members, and their 4.4 million invitations
0.035 s more, which the inbox's Next and the lookup page wait for. Their integer keys are scanned
in 0.012 and 0.006 s (metrics.profile.MemberRows reads them where the build says it has them).
The other warehouses are not given the column and read a member's rows by their id (through an
index where the database has one).

A full build writes the keys with the rows (`keyed_select`): its members are written first, and
each member's key is their place in member id order, as member_keys numbers them
(rollup.build.member_number). Filling them afterwards, an UPDATE of every row in the rollup's
transaction, took 4.6 s at the large scale and ran out of memory at 34.6 million activities (xl).
An increment (data_sources/increment.py) fills the rows it appended, and those a member it makes
known had before, once its new members are keyed (key_new_rows); a list of invitations it replaces
is written with the keys member_keys has (data_sources/append.py). A row of a member nobody knows
keeps no key until they are known, as it counts nowhere until then.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import registry

from rollup.build import member_number
from rollup.state import member_keyed
from rollup.tables import KEYED_COLUMN, MEMBER_KEYED_KEY, info
from schema import members

KEYED = ("activities", "campaign_members")  # the canonical tables of a build whose rows carry it


def keyed_select(select_sql: str, keys: str | None = None) -> str:
    """`select_sql`'s rows (a DuckDB SELECT with a member_id column) with their member's key as the
    last column, from `keys` (a table or SELECT of member_id and member_key; by default every
    member's number, as a full build keys them), NULL for a member it lacks."""
    numbers = f"({keys or _member_numbers()})"
    return (
        f'SELECT t.*, CAST(k.member_key AS INTEGER) AS "{KEYED_COLUMN}" FROM ({select_sql}) AS t '
        f"LEFT JOIN {numbers} AS k ON k.member_id = t.member_id"
    )


def _member_numbers() -> str:
    """member_number of every member, as DuckDB SQL."""
    duckdb_dialect = registry.load("duckdb")()
    query = sa.select(members.c.member_id, member_number())
    return str(query.compile(dialect=duckdb_dialect))


def say_keyed(connection: sa.Connection) -> None:
    """Say in pulse_info that this build's KEYED tables carry their members' keys."""
    connection.execute(sa.delete(info).where(info.c.key == MEMBER_KEYED_KEY))
    connection.execute(sa.insert(info).values(key=MEMBER_KEYED_KEY, value=" ".join(KEYED)))


def fill_keys(connection: sa.Connection, table: str, *, keys: str = "member_keys", last_key: int = 0) -> None:
    """Give `table`'s rows without a key their member's, where `keys` (member_keys, or a table of
    some of its rows) has one after `last_key`: an update, not a rewrite, so the rows keep their
    order."""
    connection.execute(
        sa.text(
            f'UPDATE "{table}" SET "{KEYED_COLUMN}" = k.member_key FROM "{keys}" AS k '
            f'WHERE "{table}"."{KEYED_COLUMN}" IS NULL AND k.member_id = "{table}".member_id AND k.member_key > :last'
        ),
        {"last": last_key},
    )


def key_new_rows(connection: sa.Connection, *, touched_keys: str, last_key: int) -> None:
    """After an increment, key its rows: the activities it added (appended, and a new member's
    earlier ones) from `touched_keys`, the member_keys rows of the members they touched (joining the
    whole of member_keys scanned its million ids, 0.08 s even with nothing to key; theirs took
    0.005 s at the large scale); and the rows a member it made known (a key after `last_key`) had
    before, an invitation among them (a replaced list of invitations was written with the keys of
    the members known before: data_sources/append.py)."""
    for table in keyed_tables(connection):
        if table == "activities":
            fill_keys(connection, table, keys=touched_keys)
        fill_keys(connection, table, last_key=last_key)


def keyed_tables(connection: sa.Connection) -> frozenset[str]:
    """The tables whose rows carry their member's key in this build (none in one made before they
    did, nor in a database queried in place)."""
    value = connection.scalar(sa.select(info.c.value).where(info.c.key == MEMBER_KEYED_KEY))
    return member_keyed({MEMBER_KEYED_KEY: value} if value else {})


def added_columns(table: str) -> list[str]:
    """The columns a build adds to a canonical table, after its own."""
    return [KEYED_COLUMN] if table in KEYED else []
