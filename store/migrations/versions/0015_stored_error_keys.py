"""stored errors in every language: a sync run's error and a write-back row's last error keep their
catalog key and values (errors.kept) beside the English, so a page says them in the reader's language

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sync_runs", sa.Column("error_said", sa.JSON))
    op.add_column("sheet_outbox", sa.Column("last_error_said", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("sheet_outbox") as batch:
        batch.drop_column("last_error_said")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("error_said")
