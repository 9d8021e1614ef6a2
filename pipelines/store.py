from monitor.crawling.database import crawler_storage
from monitor.crawling.drops import DropArticle, StoreFailed
from monitor.storage.database import Storage
from monitor.storage.engine import StorageError


class StorePipeline:
    """Writes the article (raw HTML included), groups it into its story and indexes it, in one
    short transaction, through the crawl process's one storage (``crawler_storage``)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.storage: Storage | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.storage = crawler_storage(self.crawler)

    def process_item(self, item):
        run_id = self.crawler.stats.get_value(f"monitor/{item.source}/run_id")
        try:
            article_id = self.storage.add_article(item, run_id=run_id)
        except Exception as exc:  # whatever it is, the source must fail loudly
            raise StoreFailed(item.url, exc, fatal=isinstance(exc, StorageError)) from exc
        if article_id is None:
            raise DropArticle("already_stored", f"already stored: {item.url}")
        return item  # with its story_id, the ID of every output (set by add_article)
