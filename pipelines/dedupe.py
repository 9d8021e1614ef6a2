from monitor.crawling.story_index import story_index
from monitor.dedup import dedup_keys
from monitor.storage import Storage
from monitor.stories import Signature
from pipelines import DropArticle


class DedupePipeline:
    """Same page (URL key): dropped. Same text under another URL: stored, marked as a
    duplicate of the first copy. Same story (near-duplicate text): stored in that story."""

    def __init__(self, settings):
        self.settings = settings
        self.storage: Storage | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings)

    def open_spider(self):
        self.storage = Storage.from_settings(self.settings)

    def close_spider(self):
        self.storage.close()

    def process_item(self, item):
        dedup_keys(item)
        if self.storage.has_url_key(item.url_key):
            raise DropArticle("already_stored", f"already stored: {item.url}")
        if item.fingerprint:
            item.duplicate_of = self.storage.article_id_by_fingerprint(item.fingerprint)
        sig = Signature.from_bytes(item.story_signature)
        item.story_of = story_index(self.storage).match(sig)
        return item
