"""Institutions that stay the same across articles (one per normalised name, with the names
they go by) and the partner pairs of flagged articles between them.

Articles stored before this revision have no partnerships until ``monitor reprocess`` runs
(it fills them from the texts, learning the short forms the texts resolve as aliases).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_institutions"),
    )
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_institutions_kind"), ["kind"], unique=False)

    op.create_table(
        "institution_aliases",
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"],
                                name="fk_institution_aliases_institution_id_institutions",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alias", name="pk_institution_aliases"),
    )
    with op.batch_alter_table("institution_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_institution_aliases_institution_id"),
                              ["institution_id"], unique=False)

    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("a_id", sa.Integer(), nullable=False),
        sa.Column("b_id", sa.Integer(), nullable=False),
        sa.Column("a_name", sa.String(length=200), nullable=False),
        sa.Column("b_name", sa.String(length=200), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["a_id"], ["institutions.id"],
                                name="fk_partnerships_a_id_institutions"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"],
                                name="fk_partnerships_article_id_articles", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["b_id"], ["institutions.id"],
                                name="fk_partnerships_b_id_institutions"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"],
                                name="fk_partnerships_story_id_stories"),
        sa.PrimaryKeyConstraint("id", name="pk_partnerships"),
    )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        for column in ("a_id", "b_id", "article_id", "story_id", "relation", "published_at"):
            batch_op.create_index(batch_op.f(f"ix_partnerships_{column}"), [column],
                                  unique=False)


def downgrade() -> None:
    op.drop_table("partnerships")
    op.drop_table("institution_aliases")
    op.drop_table("institutions")
