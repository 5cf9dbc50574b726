"""imports: batches of imported files (Google Forms responses, feedback), each undoable as a whole

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("file", sa.String(length=300), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    for table in ("responses", "feedback"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("import_batch", sa.Integer(), nullable=True))
            batch.create_index(op.f(f"ix_{table}_import_batch"), ["import_batch"], unique=False)


def downgrade() -> None:
    for table in ("feedback", "responses"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_import_batch"))
            batch.drop_column("import_batch")
    op.drop_table("import_batches")
