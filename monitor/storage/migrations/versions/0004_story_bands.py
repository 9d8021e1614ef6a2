"""The story index in the database: one row per LSH band of each article's story
signature, so that a crawl process looks up a new article's candidates instead of
rebuilding an in-memory index from every stored signature.

Existing articles with a story signature are indexed here (signatures of another version
are skipped: ``monitor reprocess`` recomputes them and their bands).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "story_bands",
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"],
                                name="fk_story_bands_article_id_articles", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "article_id", name="pk_story_bands"),
    )
    with op.batch_alter_table("story_bands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_bands_article_id"), ["article_id"],
                              unique=False)
    _index_stored_signatures()


def _index_stored_signatures() -> None:
    from monitor.judgement.stories import Signature, band_keys

    connection = op.get_bind()
    bands = sa.table("story_bands", sa.column("band", sa.BigInteger()),
                     sa.column("article_id", sa.Integer()))
    rows = connection.execute(sa.text(
        "SELECT id, story_signature FROM articles WHERE story_signature IS NOT NULL"
    )).fetchall()
    batch: list[dict] = []
    for article_id, data in rows:
        try:
            keys = set(band_keys(Signature.from_bytes(bytes(data))))
        except ValueError:
            continue
        batch += [{"band": key, "article_id": article_id} for key in keys]
        if len(batch) >= BATCH:
            connection.execute(bands.insert(), batch)
            batch = []
    if batch:
        connection.execute(bands.insert(), batch)


def downgrade() -> None:
    op.drop_table("story_bands")
