"""feedback triage: score kinds, suggested themes, first response, import keys and the audit log

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("score_kind", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("suggested_theme", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("first_response_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("import_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_feedback_import_key"), ["import_key"])
    op.create_table(
        "feedback_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], name=op.f("fk_feedback_events_feedback_id_feedback")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_events")),
    )
    op.create_index(op.f("ix_feedback_events_feedback_id"), "feedback_events", ["feedback_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_events_feedback_id"), table_name="feedback_events")
    op.drop_table("feedback_events")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint(op.f("uq_feedback_import_key"), type_="unique")
        batch.drop_column("import_key")
        batch.drop_column("first_response_at")
        batch.drop_column("suggested_theme")
        batch.drop_column("score_kind")
