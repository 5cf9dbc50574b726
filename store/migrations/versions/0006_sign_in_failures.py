"""sign-in failures: recent wrong passwords per address, for throttling

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index(op.f("ix_sign_in_failures_email"), "sign_in_failures", ["email"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_failures_email"), table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
