"""What the item pipelines raise, and the crawl's components count: an article left out on
purpose (with its kind), or one that could not be stored."""

from scrapy.exceptions import DropItem


class DropArticle(DropItem):
    """An article left out on purpose; ``kind`` is counted per source in the run record."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class StoreFailed(Exception):
    """An article could not be stored. The source fails (``RunRecorder``); ``fatal`` when
    the database itself cannot be written (read-only, gone, disk full): the crawl stops."""

    def __init__(self, url: str, reason: BaseException, *, fatal: bool):
        super().__init__(f"could not store {url}: {reason}")
        self.fatal = fatal
