"""Each activity and invitation of a sync's DuckDB build carries its member's key (member_keys),
in an extra last column `member_key` of activities and campaign_members.

A build keeps its activities in time order, so finding one member's among ten million scanned
every member id as text: 0.09-0.11 s at a million members, and their 4.4 million invitations
0.035 s more, which the inbox's Next and the lookup page wait for. Their integer keys are scanned
in 0.012 and 0.006 s (metrics.profile.MemberRows reads them where the build says it has them). The
other warehouses read a member's rows by the index on their member ids, and are not given the
column.

A full build fills every row once member_keys is built (4 s at the large scale); an increment
(data_sources/increment.py) fills the rows it appended or replaced without a key once its new
members are keyed (key_new_rows), with the earlier activities of a member it makes known. A row
of a member nobody knows keeps no key, as it counts nowhere until they are known.
"""

from __future__ import annotations

import sqlalchemy as sa

from rollup.tables import MEMBER_KEYED_KEY, info

COLUMN = "member_key"
KEYED = ("activities", "campaign_members")  # the canonical tables of a build whose rows carry it


def key_rows(connection: sa.Connection) -> None:
    """Add the key column to a new build's KEYED tables, fill it, and say so in pulse_info."""
    for table in KEYED:
        connection.exec_driver_sql(f'ALTER TABLE "{table}" ADD COLUMN "{COLUMN}" INTEGER')
        fill_keys(connection, table)
    connection.execute(sa.delete(info).where(info.c.key == MEMBER_KEYED_KEY))
    connection.execute(sa.insert(info).values(key=MEMBER_KEYED_KEY, value=" ".join(KEYED)))


def fill_keys(connection: sa.Connection, table: str, *, keys: str = "member_keys") -> None:
    """Give `table`'s rows without a key their member's, where `keys` (member_keys, or a table of
    some of its rows) has one: an update, not a rewrite, so the rows keep their order."""
    connection.exec_driver_sql(
        f'UPDATE "{table}" SET "{COLUMN}" = k.member_key FROM "{keys}" AS k '
        f'WHERE "{table}"."{COLUMN}" IS NULL AND k.member_id = "{table}".member_id'
    )


def key_new_rows(connection: sa.Connection, *, touched_keys: str, unchanged: frozenset[str]) -> None:
    """After an increment, key its rows: the activities it added (appended, and a new member's
    earlier ones) from `touched_keys`, the member_keys rows of the members they touched (joining
    all of member_keys took 0.08 s, most of it scanning a million ids: their ten thousand 0.01 s),
    and a keyed table it replaced (not `unchanged`), whole."""
    for table in keyed_tables(connection):
        if table == "activities":
            fill_keys(connection, table, keys=touched_keys)
        elif table not in unchanged:
            fill_keys(connection, table)


def keyed_tables(connection: sa.Connection) -> list[str]:
    """The tables whose rows carry their member's key in this build (none in one made before they
    did, nor in a database queried in place)."""
    value = connection.scalar(sa.select(info.c.value).where(info.c.key == MEMBER_KEYED_KEY))
    return str(value or "").split()


def added_columns(table: str) -> list[str]:
    """The columns a build adds to a canonical table, after its own."""
    return [COLUMN] if table in KEYED else []
