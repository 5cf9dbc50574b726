"""feedback indexes: the inbox filters by status and counts each item's duplicates

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_feedback_status"), "feedback", ["status"], unique=False)
    op.create_index(op.f("ix_feedback_duplicate_of"), "feedback", ["duplicate_of"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_duplicate_of"), table_name="feedback")
    op.drop_index(op.f("ix_feedback_status"), table_name="feedback")
