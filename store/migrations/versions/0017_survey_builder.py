"""survey builder: drafts edited in the app, who changed a survey and when, the hash of each
registered survey file

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_drafts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("survey_slug", sa.String(100)),
        sa.Column("base_version", sa.Integer),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("survey_slug", name="uq_survey_drafts_survey_slug"),
        sqlite_autoincrement=True,  # a published or discarded draft's id is never given to another
    )
    op.create_table(
        "survey_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_survey_changes_slug", "survey_changes", ["slug"])
    op.create_table(
        "survey_files",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("survey_files")
    op.drop_index("ix_survey_changes_slug", table_name="survey_changes")
    op.drop_table("survey_changes")
    op.drop_table("survey_drafts")
