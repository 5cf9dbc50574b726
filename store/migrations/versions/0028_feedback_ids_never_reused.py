"""feedback ids never reused: on SQLite the feedback table takes AUTOINCREMENT, so an item removed
(an import undone) never gives its id to a later one, whose reply key (`reply:<item>:<version>`),
messages and address would be the removed item's

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's sequences never give an id twice
    # The table is made again and its rows copied, ids and all (store/migrations/env.py checks the
    # history's rows and merged items that point at it once it stands again under its name).
    with op.batch_alter_table("feedback", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("feedback", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
        pass
