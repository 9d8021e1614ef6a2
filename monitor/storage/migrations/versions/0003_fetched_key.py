"""The URL key of the address each article was fetched from, when its canonical page's key
differs: a listed link is then known as stored without being downloaded again.

Existing rows get it from their stored URL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from monitor.page.urls import url_key

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fetched_key", sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_fetched_key"), ["fetched_key"],
                              unique=False)
    articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("url", sa.Text),
                        sa.column("url_key", sa.String), sa.column("fetched_key", sa.String))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(articles.c.id, articles.c.url, articles.c.url_key)
                                  .where(articles.c.id > last).order_by(articles.c.id)
                                  .limit(BATCH)).all()
        if not rows:
            break
        changed = [{"row_id": row.id, "key": key} for row in rows
                   if (key := url_key(row.url)) != row.url_key]
        if changed:
            connection.execute(articles.update().where(articles.c.id == sa.bindparam("row_id"))
                               .values(fetched_key=sa.bindparam("key")), changed)
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_fetched_key"))
        batch_op.drop_column("fetched_key")
