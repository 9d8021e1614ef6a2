"""Item pipelines: thin Scrapy adapters over the pure steps in ``monitor``.

Order (settings.ITEM_PIPELINES): clean → dates → dedupe → classify → store.
"""

from scrapy.exceptions import DropItem


class DropArticle(DropItem):
    """An article left out on purpose; ``kind`` is counted per source in the run record."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
