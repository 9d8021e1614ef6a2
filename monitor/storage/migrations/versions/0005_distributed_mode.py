"""Distributed mode: dispatchers' claims of due sources and once-a-day jobs of the cluster.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("cycle", sa.String(length=100), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source"),
    )
    op.create_table(
        "daily_jobs",
        sa.Column("job", sa.String(length=50), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("job", "day"),
    )


def downgrade() -> None:
    op.drop_table("daily_jobs")
    op.drop_table("source_claims")
