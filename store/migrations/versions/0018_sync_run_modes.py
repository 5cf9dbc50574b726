"""sync runs record how they built the warehouse: in full or by appending new rows, and why

The watermark itself (what the warehouse in use was built from) lives in the warehouse's
pulse_info, beside the rows it describes, so the two are swapped in together; the app store keeps
each run's choice for the Data page.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("mode", sa.String(20)))
        batch.add_column(sa.Column("mode_said", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("mode_said")
        batch.drop_column("mode")
