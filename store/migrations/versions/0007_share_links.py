"""share links: signed, expiring, revocable read-only links to a page with its filters

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("page", sa.String(40), nullable=False),
        sa.Column("query", sa.JSON, nullable=False),
        sa.Column("reveal_text", sa.Boolean, nullable=False),
        sa.Column("reveal_names", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("last_used_at", sa.DateTime),
    )


def downgrade() -> None:
    op.drop_table("share_links")
