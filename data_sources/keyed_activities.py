"""Each activity of a sync's DuckDB build carries its member's key (member_keys), in an extra
column `member_key` of activities.

A build keeps its activities in time order, so finding one member's among ten million scanned
every member id as text: 0.09-0.11 s at a million members, which the inbox's Next and the lookup
page wait for. Their integer keys are scanned in 0.01 s (metrics.profile.MemberActivities reads
them where the build says it has them). The other warehouses read a member's activities by the
index on their member ids, and are not given the column.

A full build fills every row once member_keys is built (3 s at 11.5M activities); an increment
(data_sources/append.py) appends its rows without a key and fills them once its new members are
keyed (0.06-0.09 s for 10,000), with the earlier activities of a member it makes known. An activity
of a member nobody knows keeps no key, as it counts nowhere until they are known.
"""

from __future__ import annotations

import sqlalchemy as sa

from rollup.tables import KEYED_ACTIVITIES_KEY, info

COLUMN = "member_key"


def key_activities(connection: sa.Connection) -> None:
    """Add the key column to a new build's activities, fill it, and say so in pulse_info."""
    connection.exec_driver_sql(f'ALTER TABLE activities ADD COLUMN "{COLUMN}" INTEGER')
    fill_keys(connection)
    connection.execute(sa.delete(info).where(info.c.key == KEYED_ACTIVITIES_KEY))
    connection.execute(sa.insert(info).values(key=KEYED_ACTIVITIES_KEY, value=COLUMN))


def fill_keys(connection: sa.Connection) -> None:
    """Give the activities without a key their member's, where member_keys has one (an update,
    not a rewrite: the rows keep their order)."""
    connection.exec_driver_sql(
        f'UPDATE activities SET "{COLUMN}" = k.member_key FROM member_keys AS k '
        f'WHERE activities."{COLUMN}" IS NULL AND k.member_id = activities.member_id'
    )


def added_columns(table: str) -> list[str]:
    """The columns a build adds to a canonical table, after its own: the activities' key."""
    return [COLUMN] if table == "activities" else []


def is_keyed(connection: sa.Connection) -> bool:
    """Whether this build's activities carry their member's key (a build made before they did has no column)."""
    return connection.scalar(sa.select(info.c.value).where(info.c.key == KEYED_ACTIVITIES_KEY)) is not None
