"""Which story a stored article is in: its ID in every output (``#4``), for the items a crawl
hands to Scrapy's feed exports (``scrapy crawl NAME -O items.jsonl``)."""

from __future__ import annotations

from sqlalchemy import select

from monitor.storage.database import Storage
from monitor.storage.models import StoredArticle


def story_id_of(storage: Storage, article_id: int) -> int | None:
    """The story of stored article ``article_id`` (None for an unknown article)."""
    def work():
        with storage.session() as s:
            return s.scalar(select(StoredArticle.story_id)
                            .where(StoredArticle.id == article_id))
    return storage.retrying(work, f"look up the story of article {article_id}")
