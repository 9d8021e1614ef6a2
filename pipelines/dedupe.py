from monitor.crawling.story_index import story_index
from monitor.dedup import dedup_keys
from monitor.storage import Storage
from monitor.stories import Signature


class DedupePipeline:
    """The article's dedup keys, and the story it is a copy of (near-duplicate text). The
    store checks the URL key (same page: dropped) and the text fingerprint (same text under
    another URL: marked as a duplicate of the first copy) in its one transaction."""

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
        sig = Signature.from_bytes(item.story_signature)
        item.story_of = story_index(self.storage).match(sig)
        return item
